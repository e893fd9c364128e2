#!/usr/bin/env bash
# The project's commands. A newcomer needs two of them (see README.md):
#   ./pipeline.sh build   create .venv from requirements.lock, then run `snakemake --cores 8`
#   ./pipeline.sh test    create .venv from requirements.lock, then run the test suite
# Others: lint (snakemake --lint, snakefmt --check), bench (all benchmark figures), lock (refresh the lock),
# rerun (a scheduled rerun: dated log, compares the new results manifest with the previous one).
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"

ensure_env() {
    # Rebuild the environment whenever requirements.lock changed since it was made.
    local want have=""
    want=$(python3 -c 'import hashlib,sys;print(hashlib.sha256(open("requirements.lock","rb").read()).hexdigest())')
    [ -f "$VENV/.lock-sha256" ] && have=$(cat "$VENV/.lock-sha256")
    if [ "$want" != "$have" ] || [ ! -x "$VENV/bin/python" ]; then
        echo ">> creating $VENV from requirements.lock"
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            # Debian without python3-venv: fall back to virtualenv from PyPI.
            python3 -m pip install --quiet --user virtualenv
            python3 -m virtualenv --quiet "$VENV"
        fi
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -r requirements.lock
        "$VENV/bin/python" -m pip install --quiet --no-deps -e .
        echo "$want" > "$VENV/.lock-sha256"
    fi
}

case "${1:-}" in
    build)
        ensure_env
        "$VENV/bin/snakemake" --cores 8 "${@:2}"
        ;;
    test)
        ensure_env
        "$VENV/bin/pytest" "${@:2}"
        ;;
    lint)
        ensure_env
        "$VENV/bin/snakemake" --lint
        "$VENV/bin/snakefmt" --check Snakefile workflow/
        ;;
    bench)
        # Every benchmark figure, printed and written to results/benchmarks/*.csv: rebuild, no-op
        # and dry-run times; ordered probit at 1e6 rows, two-way FE at 1e7 rows and the trade-table
        # cleaning against the stock implementations, with peak memory (~10 min; --quick: ~1 min);
        # chapter 9 on 1e7 and 1e8 BACI-shaped flows, DuckDB and Arrow against pandas (~10 min more).
        ensure_env
        if [ "${2:-}" = "--quick" ]; then
            "$VENV/bin/python" workflow/benchmarks/rebuild.py --repeat 1
            "$VENV/bin/python" workflow/benchmarks/scale.py --quick
            "$VENV/bin/python" workflow/benchmarks/trade_flows.py --rows 1000000 --calibrate 200000
        else
            "$VENV/bin/python" workflow/benchmarks/rebuild.py
            "$VENV/bin/python" workflow/benchmarks/scale.py
            "$VENV/bin/python" workflow/benchmarks/trade_flows.py   # 1e7 and 1e8 flows (~10 min, ~3 GB disk)
        fi
        ;;
    rerun)
        # For cron/scrontab: ./pipeline.sh rerun [snakemake args, e.g. --profile profiles/slurm].
        # Forces every job to run again (--forceall), logs to logs/scheduled/<date>.log, and exits
        # non-zero if the run fails or any result differs from the previous run's manifest.
        ensure_env
        mkdir -p logs/scheduled
        log="logs/scheduled/$(date +%Y-%m-%dT%H%M%S).log"
        previous=""
        if [ -f results/MANIFEST.sha256 ]; then
            previous=$(mktemp)
            cp results/MANIFEST.sha256 "$previous"
        fi
        status=0
        "$VENV/bin/snakemake" --forceall "${@:2}" > "$log" 2>&1 || status=$?
        if [ "$status" -eq 0 ] && [ -n "$previous" ]; then
            if diff -u "$previous" results/MANIFEST.sha256 >> "$log"; then
                echo "results identical to the previous run" >> "$log"
            else
                echo "RESULTS CHANGED since the previous run (diff above)" >> "$log"
                status=3
            fi
        fi
        [ -n "$previous" ] && rm -f "$previous"
        echo "rerun finished with status $status; log: $log"
        exit "$status"
        ;;
    lock)
        ensure_env
        "$VENV/bin/python" -m pip freeze --exclude-editable | grep -v '^gvc-clusters' > requirements.lock
        ;;
    *)
        echo "usage: ./pipeline.sh {build|test|lint|bench|rerun|lock} [extra arguments]" >&2
        exit 2
        ;;
esac
