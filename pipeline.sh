#!/usr/bin/env bash
# The project's commands. A newcomer needs two of them (see README.md):
#   ./pipeline.sh build   create .venv from requirements.lock, then run snakemake on every core (nproc)
#   ./pipeline.sh test    create .venv from requirements.lock, then run the test suite
#   ./pipeline.sh verify  in a deposit archive: the files and a rebuild from scratch against MANIFEST.deposited.sha256
# Others: lint (snakemake --lint, snakefmt --check, ruff check), bench (all benchmark figures), lock (refresh the lock),
# rerun (a scheduled rerun: dated log, compares the new results manifest with the previous one), package (the archive).
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"

safe_to_remove_venv() {
    # VENV may come from the environment: remove it only if it is a virtual environment (has
    # pyvenv.cfg) strictly inside this repository. Anything else is refused, never deleted.
    local repo target
    repo=$(pwd -P)
    [ -e "$VENV" ] || [ -L "$VENV" ] || return 0
    if [ -L "$VENV" ]; then
        echo "pipeline.sh: refusing to remove VENV=$VENV: it is a symbolic link" >&2
        return 1
    fi
    target=$(cd "$VENV" 2>/dev/null && pwd -P) || {
        echo "pipeline.sh: refusing to remove VENV=$VENV: not a directory" >&2
        return 1
    }
    case "$target/" in
        "$repo"/?*/) ;;
        *)
            echo "pipeline.sh: refusing to remove VENV=$VENV ($target): not a folder inside the repository $repo" >&2
            return 1
            ;;
    esac
    if [ ! -f "$target/pyvenv.cfg" ]; then
        echo "pipeline.sh: refusing to remove VENV=$VENV ($target): not a virtual environment (no pyvenv.cfg)" >&2
        return 1
    fi
}

env_ready() {
    # The environment exists and was made from this requirements.lock (the hash is written last).
    [ -x "$VENV/bin/python" ] && [ -f "$VENV/.lock-sha256" ] && [ "$(cat "$VENV/.lock-sha256")" = "$1" ]
}

create_env() {
    local started=$SECONDS
    echo ">> creating $VENV from requirements.lock"
    safe_to_remove_venv || exit 2
    rm -rf -- "$VENV"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        rm -rf -- "$VENV"
        # Debian/Ubuntu ship venv apart from Python. `pip install XX` is refused there
        # (PEP 668, externally managed), so use a virtualenv that is already installed, or stop.
        if python3 -m virtualenv --version >/dev/null 2>&1; then
            python3 -m virtualenv --quiet "$VENV"
        else
            echo "pipeline.sh: python3 cannot create a virtual environment (the venv module is missing)." >&2
            echo "  Debian/Ubuntu: sudo apt install python3-venv   (then run this command again)" >&2
            exit 2
        fi
    fi
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r requirements.lock
    "$VENV/bin/python" -m pip install --quiet --no-deps -e .
    echo "$1" > "$VENV/.lock-sha256"
    record_env_time $((SECONDS - started))
}

record_env_time() {
    # "Time to create the environment" of results/machine.json (the next build copies it there, as
    # it does the figure of workflow/benchmarks/environment.py, which measures the same steps).
    local facts
    facts=$("$VENV/bin/python" - "$1" <<'PY'
import json, platform, sys
note = ("./pipeline.sh: python -m venv + pip install -r requirements.lock + pip install -e . with Python "
        + platform.python_version() + ", pip cache as found")
print(json.dumps({"note": note, "seconds": float(sys.argv[1])}, indent=2))
PY
) || return 0
    [ -n "$facts" ] || return 0
    mkdir -p results/benchmarks
    printf '%s\n' "$facts" > results/benchmarks/environment.json
}

ensure_env() {
    # Rebuild the environment whenever requirements.lock changed since it was made. Two commands
    # started at once in a fresh clone would both create it: the second waits on a lock, then
    # finds it made. (macOS has no flock(1): a lock directory instead.)
    local want lock
    want=$(python3 -c 'import hashlib,sys;print(hashlib.sha256(open("requirements.lock","rb").read()).hexdigest())')
    env_ready "$want" && return 0
    lock=".venv.create-lock"   # in the repository, whatever VENV says (nothing is written beside VENV)
    if command -v flock >/dev/null; then
        exec 9>"$lock"
        flock 9
        env_ready "$want" || create_env "$want"
        flock -u 9
        exec 9>&-
    else
        until mkdir "$lock.d" 2>/dev/null; do
            echo ">> waiting for another ./pipeline.sh to create $VENV (if none runs: rmdir $lock.d)" >&2
            sleep 5
        done
        trap 'rmdir "$lock.d" 2>/dev/null' EXIT
        env_ready "$want" || create_env "$want"
        rmdir "$lock.d"
        trap - EXIT
    fi
}

cores() {
    # The machine's cores (CORES=n overrides; so does --cores n after the command, which snakemake
    # reads last).
    echo "${CORES:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}"
}

check_profiles() {
    # A mistyped key in a profile: named with its file and line (snakemake itself prints a usage
    # text, or for a truncated key a misleading "ignored explicit argument").
    "$VENV/bin/python" -m gvc_clusters.preflight profiles/*/
}

case "${1:-}" in
    build)
        ensure_env
        check_profiles
        "$VENV/bin/snakemake" --cores "$(cores)" "${@:2}"
        ;;
    test)
        ensure_env
        "$VENV/bin/pytest" "${@:2}"
        ;;
    lint)
        ensure_env
        check_profiles
        "$VENV/bin/snakemake" --lint
        "$VENV/bin/snakefmt" --check Snakefile workflow/
        "$VENV/bin/ruff" check src tests workflow
        ;;
    bench)
        # Every benchmark figure, printed and written to results/benchmarks/*.csv: rebuild, no-op
        # and dry-run times; ordered probit at 1e6 rows, two-way FE at 1e7 rows and the trade-table
        # cleaning against the stock implementations, with peak memory (~10 min; --quick: ~1 min);
        # chapter 9 on 1e7, 1e8 and 3e8 BACI-shaped flows, DuckDB and Arrow against pandas (~20 min more).
        ensure_env
        if [ "${2:-}" = "--quick" ]; then
            "$VENV/bin/python" workflow/benchmarks/rebuild.py --repeat 1
            "$VENV/bin/python" workflow/benchmarks/scale.py --quick
            "$VENV/bin/python" workflow/benchmarks/trade_flows.py --rows 1000000 --calibrate 200000
        else
            "$VENV/bin/python" workflow/benchmarks/rebuild.py
            "$VENV/bin/python" workflow/benchmarks/scale.py
            "$VENV/bin/python" workflow/benchmarks/trade_flows.py   # 1e7, 1e8, 3e8 flows (~20 min, ~7 GB disk)
        fi
        "$VENV/bin/python" workflow/benchmarks/permutation.py   # every permutation p-value, budget 10 s
        ;;
    rerun)
        # For cron/scrontab: ./pipeline.sh rerun [snakemake args, e.g. --profile profiles/slurm].
        # Forces every job to run again (--forceall), logs to logs/scheduled/<date>.log, and exits
        # non-zero if the run fails or any result differs from the previous run's manifest.
        ensure_env
        check_profiles
        mkdir -p logs/scheduled
        log="logs/scheduled/$(date +%Y-%m-%dT%H%M%S).log"
        previous=""
        snapshot=$(mktemp -d)
        [ -d results/last_build ] && cp -r results/last_build/. "$snapshot/"
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
        # The same summary as the report's "What changed since the last run" (and, named there too,
        # every decision or check removed or loosened), whenever the run succeeded, changed or not.
        if { [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; } && [ -f results/last_build/estimates.csv ]; then
            echo "what changed since the last run:" | tee -a "$log"
            PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m gvc_clusters.output.changes \
                "$snapshot" results/last_build | tee -a "$log"
        fi
        rm -rf "$snapshot"
        echo "rerun finished with status $status; log: $log"
        exit "$status"
        ;;
    verify)
        # The replicator's check in an unpacked deposit archive: the files against
        # MANIFEST.deposited.sha256, then a rebuild from scratch in a fresh folder against it
        # (gvc_clusters.output.verify_deposit); names every file that differs.
        ensure_env
        PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m gvc_clusters.output.verify_deposit \
            --cores "$(cores)" "${@:2}"
        ;;
    package)
        # The deposit archive dist/<name>-<version>.zip (gvc_clusters.output.package): brings the results up
        # to date (extra arguments go to snakemake), checks them against results/MANIFEST.sha256,
        # then packs code, raw data, config, environment files, licences and results, byte-stable.
        ensure_env
        "$VENV/bin/snakemake" --cores "$(cores)" "${@:2}"
        PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m gvc_clusters.output.package
        ;;
    lock)
        ensure_env
        "$VENV/bin/python" -m pip freeze --exclude-editable | grep -v '^gvc-clusters' > requirements.lock
        ;;
    *)
        echo "usage: ./pipeline.sh {build|test|verify|lint|bench|rerun|package|lock} [extra arguments]" >&2
        exit 2
        ;;
esac
