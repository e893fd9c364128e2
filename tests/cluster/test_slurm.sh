#!/usr/bin/env bash
# Cluster test: the whole workflow through profiles/slurm on a real (single-node) SLURM cluster.
#
#   bash tests/cluster/test_slurm.sh        # as root; needs .venv (./pipeline.sh test|lint|build create it)
#
# Phases (each timed, each snakemake call wrapped in `timeout`):
#   cluster   start SLURM with ../shared/slurm/local-slurm.sh (stopped again on exit, in every case)
#   slurm     fresh copy of the workflow, `snakemake --profile profiles/slurm`; every job must have run
#             under SLURM (tests/cluster/slurm_evidence.py: sbatch submissions, squeue states, the
#             SLURM_JOB_ID each rule log records)
#   local     another fresh copy, `snakemake --cores 2`
#   compare   sha256 of every file under data/processed and results: SLURM run == local run
#   fail      in the SLURM copy, force clean_dairy to rerun with config fail_rules=[clean_dairy]:
#             the run must fail on SLURM, name the rule, and leave the published dairy tables untouched
#   rerun     the same command without the switch: completes on SLURM, results again == local run
#
# Each copy runs with PYTHONPATH=<copy>/src, so its jobs import the copy's gvc_clusters, not the
# checkout's that the venv's editable install points to.
#
# Environment:
#   KEEP=1            keep the scratch copies (they are kept anyway when the test fails)
#   FAIL_RULE         rule broken on purpose (default clean_dairy: few jobs downstream); must be a
#                     script rule, since those honour config fail_rules
#   T_SLURM, T_SHORT  timeouts (s) of the full SLURM run and of every other snakemake call
#   SLURM_TEST_TMP    where the copies go (default $TMPDIR or /tmp; on a multi-node cluster: a
#                     filesystem every node sees)
#   LOCAL_SLURM_*     as in local-slurm.sh (a partition other than debug also needs
#                     --default-resources, see profiles/slurm/README.md)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL_SLURM="$(dirname "$REPO")/shared/slurm/local-slurm.sh"
SNAKEMAKE="$REPO/.venv/bin/snakemake"
PY="$REPO/.venv/bin/python"
EVIDENCE="$REPO/tests/cluster/slurm_evidence.py"
FAIL_RULE=${FAIL_RULE:-clean_dairy}
T_SLURM=${T_SLURM:-420}   # seconds allowed for the full SLURM run
T_SHORT=${T_SHORT:-240}   # seconds allowed for every other snakemake call

T0=$SECONDS
PHASE_NAMES=()
PHASE_TIMES=()
CLUSTER_STARTED=0
STATUS=1
WORK=""

say() { printf '\n=== %s\n' "$*"; }
die() { echo "FAIL: $*" >&2; exit 1; }
CURRENT=""        # the phase under way, for the durations table when it fails
CURRENT_T0=0
phase() {  # phase NAME COMMAND... : run and time one phase
    CURRENT=$1
    CURRENT_T0=$SECONDS
    shift
    say "$CURRENT"
    "$@"
    PHASE_NAMES+=("$CURRENT")
    PHASE_TIMES+=($((SECONDS - CURRENT_T0)))
    echo "--- $CURRENT: $((SECONDS - CURRENT_T0)) s"
    CURRENT=""
}

cleanup() {
    local rc=$? t=$SECONDS i
    set +e
    if [ -n "$CURRENT" ]; then
        PHASE_NAMES+=("$CURRENT (failed)")
        PHASE_TIMES+=($((SECONDS - CURRENT_T0)))
    fi
    if [ "$CLUSTER_STARTED" = 1 ]; then
        say "stopping the cluster"
        bash "$LOCAL_SLURM" stop
        PHASE_NAMES+=("cluster stop")
        PHASE_TIMES+=($((SECONDS - t)))
    fi
    say "durations"
    for i in "${!PHASE_NAMES[@]}"; do
        printf '  %-22s %4d s\n' "${PHASE_NAMES[$i]}" "${PHASE_TIMES[$i]}"
    done
    printf '  %-22s %4d s\n' "total" $((SECONDS - T0))
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$rc" = 0 ] && [ "$STATUS" = 0 ] && [ "${KEEP:-0}" != 1 ]; then
            rm -rf "$WORK"
        else
            echo "scratch copies kept in $WORK"
        fi
    fi
    if [ "$rc" = 0 ] && [ "$STATUS" = 0 ]; then echo "PASS: cluster test"; else echo "FAIL: cluster test (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$SNAKEMAKE" ] || die "$SNAKEMAKE missing: run ./pipeline.sh test (or lint/build) first to create .venv"
[ -f "$LOCAL_SLURM" ] || die "$LOCAL_SLURM missing: the repository needs ../shared beside it"
[ "$(id -u)" = 0 ] || die "local-slurm.sh needs root"
# The venv on PATH, as for a user who activated it (the SLURM jobs inherit this environment).
export PATH="$REPO/.venv/bin:$PATH"

# copy_workflow DIR: what a user would put on the cluster's shared filesystem, nothing built
copy_workflow() {
    mkdir -p "$1/data"
    (cd "$REPO" && tar -cf - --exclude=__pycache__ --exclude='*.egg-info' \
        Snakefile workflow config profiles src data/raw data/cases data/claims pyproject.toml requirements.lock) | tar -xf - -C "$1"
}

# run_snakemake NAME TIMEOUT DIR ARGS... : snakemake in DIR, output to $WORK/NAME.out; sets RC
run_snakemake() {
    local name=$1 limit=$2 dir=$3
    shift 3
    echo "+ (cd $dir && timeout $limit snakemake $*)"
    RC=0
    (cd "$dir" && PYTHONPATH="$dir/src" timeout --kill-after=30 "$limit" "$SNAKEMAKE" "$@") \
        >"$WORK/$name.out" 2>&1 || RC=$?
    echo "exit status $RC (output: $WORK/$name.out)"
    if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
        tail -40 "$WORK/$name.out"
        die "$name: timed out after $limit s"
    fi
}

# checksums DIR: sha256 of every built file, by path (benchmarks/, logs and results/machine.json,
# the measured facts of the machine that built them, are not results; the manifest excludes it too)
checksums() {
    (cd "$1" && find data/processed results -type f ! -path '*/benchmarks/*' ! -name '*.log' ! -path 'results/machine.json' -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum)
}

start_cluster() {
    CLUSTER_STARTED=1   # stop even if start fails half-way (stop only touches daemons it started)
    bash "$LOCAL_SLURM" start
    sinfo
}

slurm_run() {
    copy_workflow "$WORK/slurm"
    run_snakemake slurm "$T_SLURM" "$WORK/slurm" --profile profiles/slurm
    grep -q "Using profiles profiles/slurm and workflow specific profile profiles/default" "$WORK/slurm.out" \
        || echo "note: profile line differs from the expected one: $(grep -m1 'Using ' "$WORK/slurm.out")"
    if [ "$RC" != 0 ]; then tail -60 "$WORK/slurm.out"; die "the SLURM run failed"; fi
    grep -q "100%) done" "$WORK/slurm.out" || die "the SLURM run did not report 100% done"
    "$PY" "$EVIDENCE" ok "$WORK/slurm" "$WORK/slurm.out"
}

local_run() {
    copy_workflow "$WORK/local"
    run_snakemake local "$T_SHORT" "$WORK/local" --cores 2
    if [ "$RC" != 0 ]; then tail -60 "$WORK/local.out"; die "the local run failed"; fi
    checksums "$WORK/local" >"$WORK/local.sha256"
    echo "$(wc -l <"$WORK/local.sha256") files built locally"
}

# compare_results NAME: results of the SLURM copy byte-identical to the local run
compare_results() {
    checksums "$WORK/slurm" >"$WORK/$1.sha256"
    [ -s "$WORK/local.sha256" ] || die "no local checksums"
    if ! diff -u "$WORK/local.sha256" "$WORK/$1.sha256"; then
        die "$1: results differ from the local run (diff above: - local, + SLURM)"
    fi
    echo "$(wc -l <"$WORK/$1.sha256") files byte-identical to the local run"
}

# published_sums FAMILY: sha256 of the published tables of one family in the SLURM copy
published_sums() {
    (cd "$WORK/slurm" && find "data/processed/$1" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

fail_run() {
    # a failing clean_<family> must leave that family's published tables as they were (staging)
    local family="" before=""
    if [ "${FAIL_RULE#clean_}" != "$FAIL_RULE" ]; then
        family=${FAIL_RULE#clean_}
        before=$(published_sums "$family")
    fi
    run_snakemake fail "$T_SHORT" "$WORK/slurm" --profile profiles/slurm \
        --forcerun "$FAIL_RULE" --config "fail_rules=[\"$FAIL_RULE\"]"
    if [ "$RC" = 0 ]; then tail -40 "$WORK/fail.out"; die "the run with fail_rules=[$FAIL_RULE] succeeded"; fi
    grep -m3 -E "Error in rule|failed on purpose" "$WORK/fail.out" || true
    "$PY" "$EVIDENCE" failed "$WORK/slurm" "$WORK/fail.out" "$FAIL_RULE"
    if [ -n "$before" ]; then
        [ "$before" = "$(published_sums "$family")" ] || die "the failed $FAIL_RULE changed data/processed/$family"
        echo "data/processed/$family unchanged by the failed run"
    fi
}

rerun() {
    # The same command without the switch. (--forcerun again: the failed job's staged outputs are
    # gone, but the published tables and results it feeds are intact and up to date, so a plain
    # rerun would rightly have nothing to do.)
    run_snakemake rerun "$T_SHORT" "$WORK/slurm" --profile profiles/slurm --forcerun "$FAIL_RULE"
    if [ "$RC" != 0 ]; then tail -60 "$WORK/rerun.out"; die "the rerun without fail_rules failed"; fi
    grep -q "^rule $FAIL_RULE:" "$WORK/rerun.out" || die "the rerun did not run $FAIL_RULE again"
    "$PY" "$EVIDENCE" ok "$WORK/slurm" "$WORK/rerun.out"
    compare_results rerun
}

WORK=$(mktemp -d "${SLURM_TEST_TMP:-${TMPDIR:-/tmp}}/gvc-slurm-test.XXXXXX")
echo "repository: $REPO"
echo "scratch:    $WORK"
"$SNAKEMAKE" --version | sed 's/^/snakemake /'
"$PY" -c 'import importlib.metadata as m; p = "snakemake-executor-plugin-slurm"; print(p, m.version(p))'

phase "cluster start" start_cluster
phase "slurm run" slurm_run
phase "local run" local_run
phase "compare" compare_results slurm
phase "fail run" fail_run
phase "rerun" rerun
STATUS=0
