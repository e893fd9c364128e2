"""Reliability of the workflow end to end (marked slow), each run in a scratch copy of the repository:

* determinism: two clean builds (``--cores 1`` and ``--cores 8``) are byte-identical, and
  ``results/MANIFEST.sha256`` verifies with ``sha256sum -c``;
* crash and resume: a run killed with SIGKILL mid-job, resumed with ``--rerun-incomplete``, ends
  byte-identical to an uninterrupted run, with no partial file or incomplete marker left;
* a failing rule (config ``fail_rules``): the run fails naming the rule and its log, the rule leaves
  no output, every independent output is still built, and a rerun without the switch completes;
* an edited raw file: the dry run plans exactly the jobs downstream of it, and the real run stops at
  the checksum check naming the file, with the built tables and results untouched;
* jobs import the package of their own checkout (``src/`` of the copy), not the one installed in
  the environment, so a run in a copy tests the copy.

Speed: this module needs four clean builds on a 2-core machine, and the ordinal models' 999
permutation draws per term are a large share of each. So the runs here use every rule with a lighter
model setting (``LIGHT``: 19 draws, 8 readings per assumption, written to ``reliability.yaml``
in each copy and passed with ``--configfile``); set ``GVC_RELIABILITY_FULL=1`` to run them on
``config/config.yaml`` unchanged. Durations are printed (``pytest -s`` shows them), never asserted.
Every workspace is made from one snapshot of the repository taken when the module starts.

Start-up: the SLURM executor plugin (installed for ``profiles/slurm``) runs ``scontrol show config``
whenever snakemake starts; with SLURM's client installed but no reachable controller that call blocks
for about 9 s, on every snakemake invocation. The runs here are local, so they put a stub
``scontrol`` that fails at once first on PATH (``GVC_RELIABILITY_REAL_SCONTROL=1`` turns it off).
"""

from __future__ import annotations

import base64
import csv
import os
import re
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import edit_cell
from workflow_copy import SNAKEMAKE, copy_build, hashes, isolated_env, make_workspace, snakemake

pytestmark = pytest.mark.slow

FULL = os.environ.get("GVC_RELIABILITY_FULL", "") not in ("", "0")
REAL_SCONTROL = os.environ.get("GVC_RELIABILITY_REAL_SCONTROL", "") not in ("", "0")
LIGHT = {"ordinal": {"n_permutations": 19}, "readings": {"sample": {"size": 8}, "enumerate_up_to": 8}}
OVERRIDE = "reliability.yaml"
MANIFEST = "results/MANIFEST.sha256"
JOB_BLOCK = re.compile(r"^(?:local)?rule (\S+):$")
JOB_FIELD = re.compile(r"^\s+(output|jobid|reason|wildcards): (.*)$")
ANNOTATION = re.compile(r" \((?:update|temp|protected|directory)\)(?=,|$)")


# ---- helpers --------------------------------------------------------------------------------------
def write_override(workspace: Path, fail_rules=()) -> None:
    config = {} if FULL else {k: dict(v) for k, v in LIGHT.items()}
    if fail_rules:
        config["fail_rules"] = list(fail_rules)
    (workspace / OVERRIDE).write_text(yaml.safe_dump(config, sort_keys=True), encoding="utf-8")


def differs_only_by_override(output: str, workspace: Path, reference: Path) -> bool:
    """The replication README lists the run's config files with their checksums, and the injected
    failure lives in one of them (``fail_rules`` in the override): apart from that line the README
    must equal the reference build's. Any other output must be byte-identical."""
    if output != "results/README.md":
        return False
    def lines(root):
        return [line for line in (root / output).read_text(encoding="utf-8").splitlines() if OVERRIDE not in line]
    return lines(workspace) == lines(reference)


def new_workspace(target: Path, source: Path, fail_rules=()) -> Path:
    workspace = make_workspace(target, source)
    write_override(workspace, fail_rules)
    return workspace


def local_env(workspace: Path, isolated: bool = True) -> dict[str, str]:
    """The environment of a run: the workspace's own src/ first on the path (``isolated``), and a
    stub ``scontrol`` (see the module docstring)."""
    env = isolated_env(workspace) if isolated else {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not REAL_SCONTROL:
        stub = workspace / ".test_bin" / "scontrol"
        if not stub.exists():
            stub.parent.mkdir(exist_ok=True)
            stub.write_text("#!/bin/sh\n# test stub: no SLURM controller here\nexit 1\n", encoding="utf-8")
            stub.chmod(0o755)
        env["PATH"] = os.pathsep.join([str(stub.parent), env.get("PATH", "")])
    return env


def command(*args: str) -> list[str]:
    return [SNAKEMAKE, "--cores", "2", "--configfile", OVERRIDE, *args]


def run(workspace: Path, *args: str, timeout: int = 600) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    proc = snakemake(workspace, "--configfile", OVERRIDE, *args, timeout=timeout, env=local_env(workspace))
    return proc, time.perf_counter() - start


def tail(proc: subprocess.CompletedProcess, n: int = 4000) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-n:]}\n--- stderr ---\n{proc.stderr[-n:]}"


def jobs(text: str) -> list[dict[str, str]]:
    """The job blocks snakemake printed (started or, in a dry run, planned): rule, jobid, output, ..."""
    found, current = [], None
    for line in text.splitlines():
        if m := JOB_BLOCK.match(line):
            current = {"rule": m.group(1)}
            found.append(current)
        elif current is not None and (m := JOB_FIELD.match(line)):
            # outputs print with their flags, "results/x.csv (update)": keep the paths
            current[m.group(1)] = ANNOTATION.sub("", m.group(2)) if m.group(1) == "output" else m.group(2)
        elif not line.startswith(" "):
            current = None
    return found


def rule_counts(text: str) -> Counter:
    return Counter(job["rule"] for job in jobs(text))


def parse_dag(dot: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """``snakemake --dag`` -> (node -> rule name, edges (producer, consumer))."""
    nodes = {m.group(1): m.group(2).split("\\n")[0] for m in re.finditer(r'^\s*(\d+)\[label = "([^"]*)"', dot, re.MULTILINE)}
    edges = {(a, b) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.MULTILINE)}
    assert nodes and edges, f"no DAG in snakemake --dag output:\n{dot[:2000]}"
    return nodes, edges


def downstream(dag, rule: str) -> Counter:
    """Jobs of ``rule`` and every job that depends on them, counted by rule name."""
    nodes, edges = dag
    todo = [n for n, r in nodes.items() if r == rule]
    assert todo, f"rule {rule} has no job in the DAG"
    seen = set()
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(b for a, b in edges if a == node)
    return Counter(nodes[n] for n in seen)


# Rules whose inputs from other rules are all ancient() (ordering only: workflow/rules/readme.smk).
# They wait for those jobs, so a failure upstream stops them, but a rebuilt upstream output does not
# rerun them.
ORDERED_ONLY = {"replication_readme"}


def rerun_by(dag, rule: str) -> Counter:
    """Jobs that rerun when the jobs of ``rule`` rerun: ``downstream`` without the ordered-only rules."""
    return Counter({name: n for name, n in downstream(dag, rule).items() if name not in ORDERED_ONLY})


def incomplete_markers(workspace: Path) -> dict[str, float]:
    """Outputs snakemake marked incomplete (job started, not finished) -> age of the marker in s."""
    root = workspace / ".snakemake" / "incomplete"
    found = {}
    if root.is_dir():
        now = time.time()
        for path in root.rglob("*"):
            if not path.is_file() or path.name == "migration_underway":
                continue
            code = "".join(part.lstrip("@") for part in path.relative_to(root).parts)
            try:
                name = base64.urlsafe_b64decode(code).decode()
            except ValueError:
                name = code
            try:
                found[name] = now - path.stat().st_mtime
            except FileNotFoundError:  # removed while we looked (job finished)
                pass
    return found


def first_difference(a: Path, b: Path) -> str:
    x, y = a.read_bytes(), b.read_bytes()
    i = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    return (f"{len(x)} vs {len(y)} bytes, first difference at byte {i}: "
            f"{x[max(0, i - 30):i + 30]!r} vs {y[max(0, i - 30):i + 30]!r}")


def differences(ws_a: Path, files_a: dict, ws_b: Path, files_b: dict) -> list[str]:
    out = [f"only in {ws_a.name}: {f}" for f in sorted(files_a.keys() - files_b.keys())]
    out += [f"only in {ws_b.name}: {f}" for f in sorted(files_b.keys() - files_a.keys())]
    out += [f"differs: {f}: {first_difference(ws_a / f, ws_b / f)}"
            for f in sorted(files_a.keys() & files_b.keys()) if files_a[f] != files_b[f]]
    return out


def check_manifest(workspace: Path, files: dict[str, str]) -> None:
    """results/MANIFEST.sha256 verifies and lists every file built under data/processed and results
    (``files``), except manifests themselves and the files kept out by design (paper.pdf:
    workflow_plan.NOT_IN_MANIFEST)."""
    from gvc_clusters.workflow_plan import NOT_IN_MANIFEST

    check = subprocess.run(["sha256sum", "--strict", "-c", MANIFEST], cwd=workspace, capture_output=True,
                           text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    listed = {line.split(maxsplit=1)[1].lstrip("*") for line in
              (workspace / MANIFEST).read_text(encoding="utf-8").splitlines() if line.strip()}
    assert check.stdout.count(": OK") == len(listed) > 0
    expected = {f for f in files if f.startswith(("data/processed/", "results/"))
                and not f.endswith("MANIFEST.sha256") and Path(f).name not in NOT_IN_MANIFEST}
    assert any(f.startswith("results/replication/") for f in expected)
    assert expected - listed == set(), f"built but not in the manifest: {sorted(expected - listed)}"
    assert listed - files.keys() == set(), f"in the manifest but not built: {sorted(listed - files.keys())}"


@dataclass
class Build:
    path: Path
    files: dict[str, str]  # data/processed + results, relative path -> sha256
    interim: dict[str, str]  # data/interim
    seconds: float
    dag: tuple
    producer: dict[str, str]  # output file -> rule that wrote it (from the build's job blocks)


# ---- the reference build: one clean run with --cores 1, shared by every test ---------------------
@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """One copy of the repository taken at the start: every workspace of the module is made from it,
    so an edit of the repository while the tests run cannot make two workspaces differ."""
    return make_workspace(tmp_path_factory.mktemp("snapshot"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, snapshot) -> Build:
    workspace = new_workspace(tmp_path_factory.mktemp("reference"), snapshot)
    proc, seconds = run(workspace, "--cores", "1")
    assert proc.returncode == 0, tail(proc)
    print(f"\n[reliability] clean build, --cores 1: {seconds:.1f} s")
    dot, _ = run(workspace, "--dag")
    assert dot.returncode == 0, tail(dot)
    producer = {out: job["rule"] for job in jobs(proc.stdout + proc.stderr)
                for out in job.get("output", "").split(", ") if out}
    files = hashes(workspace)
    assert set(files) <= set(producer), f"files no rule produces: {sorted(set(files) - set(producer))}"
    return Build(workspace, files, hashes(workspace, folders=("data/interim",)), seconds,
                 parse_dag(dot.stdout), producer)


# ---- 1. determinism -----------------------------------------------------------------------------
def test_clean_builds_are_byte_identical_across_runs_and_core_counts(reference, snapshot, tmp_path):
    files = reference.files
    assert MANIFEST in files and "results/replication/replication_check.csv" in files
    assert sum(f.startswith("data/processed/") and f.endswith(".parquet") for f in files) >= 10
    assert any(f.startswith("results/models/ordinal/") for f in files)
    assert any(f.startswith("results/models/panel/") for f in files)

    second = new_workspace(tmp_path / "cores8", snapshot)
    proc, seconds = run(second, "--cores", "8")
    assert proc.returncode == 0, tail(proc)
    print(f"\n[reliability] clean build, --cores 1: {reference.seconds:.1f} s; --cores 8: {seconds:.1f} s")

    diffs = differences(reference.path, files, second, hashes(second))
    assert not diffs, "two clean builds differ:\n" + "\n".join(diffs)
    diffs = differences(reference.path, reference.interim, second, hashes(second, folders=("data/interim",)))
    assert not diffs, "staged tables differ:\n" + "\n".join(diffs)
    check_manifest(reference.path, files)
    check_manifest(second, files)


# ---- 2. crash and resume ------------------------------------------------------------------------
def test_killed_run_resumes_to_the_same_bytes(reference, snapshot, tmp_path):
    workspace = new_workspace(tmp_path / "crash", snapshot)
    output = tmp_path / "killed_run.log"
    start = time.perf_counter()
    with open(output, "w") as fh:
        proc = subprocess.Popen(command(), cwd=workspace, stdout=fh, stderr=subprocess.STDOUT,
                                env=local_env(workspace), start_new_session=True)
        try:
            # Kill once two jobs have finished and another has been running for half a second (a script
            # job mid-work, not a millisecond copy): the crash leaves both done and half-done work.
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the run ended (exit {proc.returncode}) before it could be killed:\n"
                                + output.read_text()[-4000:])
                finished = output.read_text().count("Finished jobid: ")
                running = [f for f, age in incomplete_markers(workspace).items() if age >= 0.5]
                if finished >= 2 and running:
                    break
                if time.perf_counter() - start > 300:
                    pytest.fail("no job was ever running: " + output.read_text()[-4000:])
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=60)
    killed_after = time.perf_counter() - start
    for _ in range(50):  # the whole process group (snakemake and its jobs) is gone
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a job of the killed run survived SIGKILL of its process group")

    first = output.read_text()
    interrupted = incomplete_markers(workspace)
    assert interrupted, "the kill hit no running job (no incomplete marker left)"
    assert set(interrupted) <= set(reference.producer), f"unexpected markers {interrupted}"
    done = [job for job in jobs(first) if f"Finished jobid: {job.get('jobid')} " in first and "output" in job]
    finished_before = {job["output"] for job in done}
    partial = hashes(workspace, folders=("data/processed", "results", "data/interim"))
    stale_locks = sorted(p.name for p in (workspace / ".snakemake" / "locks").glob("*")) \
        if (workspace / ".snakemake" / "locks").is_dir() else []

    # Resume. The killed snakemake could not remove its lock: a plain rerun refuses to start and says
    # how to proceed; unlock (as a user would), then rerun the incomplete jobs.
    assert stale_locks, "the killed run left no lock"
    refused, _ = run(workspace, "--rerun-incomplete")
    assert refused.returncode != 0 and "--unlock" in refused.stderr, tail(refused)
    unlock, _ = run(workspace, "--unlock")
    assert unlock.returncode == 0, tail(unlock)
    resumed, resume_seconds = run(workspace, "--rerun-incomplete")
    assert resumed.returncode == 0, tail(resumed)
    redone = {job.get("output") for job in jobs(resumed.stdout + resumed.stderr)}
    print(f"\n[reliability] crash and resume: killed after {killed_after:.1f} s "
          f"(done: {sorted(job['rule'] for job in done)}; {len(partial)} files on disk; interrupted: "
          f"{sorted({reference.producer[f] for f in interrupted})}; "
          f"stale locks: {stale_locks}); resume {resume_seconds:.1f} s "
          f"(uninterrupted clean build with --cores 1: {reference.seconds:.1f} s)")

    assert not finished_before & redone, f"jobs finished before the crash were redone: {finished_before & redone}"
    diffs = differences(reference.path, reference.files, workspace, hashes(workspace))
    assert not diffs, "resumed build differs from the uninterrupted one:\n" + "\n".join(diffs)
    diffs = differences(reference.path, reference.interim, workspace, hashes(workspace, folders=("data/interim",)))
    assert not diffs, "staged tables differ after the resume:\n" + "\n".join(diffs)
    assert incomplete_markers(workspace) == {}
    assert not any((workspace / ".snakemake" / "locks").glob("*")), "the resumed run left a lock"
    check_manifest(workspace, reference.files)
    dry, _ = run(workspace, "--dry-run")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr, tail(dry)


# ---- 3. a failing rule ----------------------------------------------------------------------------
def test_failing_rule_stops_only_what_depends_on_it(reference, snapshot, tmp_path):
    failing = "fit_panel"
    affected = downstream(reference.dag, failing)  # fit_panel jobs and everything that needs them
    specs = sorted({f.split("/")[3] for f in reference.files if f.startswith("results/models/panel/")})
    assert specs and affected[failing] == len(specs)

    workspace = new_workspace(tmp_path / "fail", snapshot, fail_rules=[failing])
    proc, seconds = run(workspace, "--keep-going")
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, tail(proc)
    assert proc.stderr.count(f"ERROR (injected failure) in rule {failing}: rule {failing} failed on purpose") \
        == len(specs), tail(proc)
    for spec in specs:
        log = f"logs/models/panel/{spec}.log"
        assert f"(log: {log})" in proc.stderr, tail(proc)
        assert f"rule {failing} failed on purpose" in (workspace / log).read_text()
        left = [p for p in (workspace / "results/models/panel" / spec).rglob("*") if p.is_file()]
        assert left == [], f"the failing rule left output: {left}"
    started = rule_counts(text)
    assert started[failing] == len(specs)
    assert not (set(started) & (set(affected) - {failing})), f"a job downstream of {failing} ran: {started}"

    built = hashes(workspace)
    missing, wrong = [], []
    for f, digest in reference.files.items():
        if reference.producer[f] in affected:
            assert f not in built, f"{f} ({reference.producer[f]}, downstream of {failing}) exists"
        elif f not in built:
            missing.append(f)
        elif built[f] != digest and not differs_only_by_override(f, workspace, reference.path):
            wrong.append(f)
    assert not missing, f"independent outputs not built: {missing}"
    assert not wrong, f"independent outputs differ from the reference build: {wrong}"
    assert any(f.startswith("data/processed/") for f in built)
    assert set(built) <= set(reference.files)

    write_override(workspace)  # switch off
    rerun, rerun_seconds = run(workspace)
    assert rerun.returncode == 0, tail(rerun)
    redone = rule_counts(rerun.stdout + rerun.stderr)
    # The README lists the config files with their checksums, and switching the failure off edited
    # one of them: it is rebuilt because its input changed, not because a failure touched it.
    assert set(redone) <= set(affected) | {"replication_readme"}, f"the rerun rebuilt work that had not failed: {redone}"
    assert hashes(workspace) == reference.files
    print(f"\n[reliability] failing {failing}: run {seconds:.1f} s, repaired rerun {rerun_seconds:.1f} s "
          f"({dict(redone)})")


# ---- 4. an edited raw file ------------------------------------------------------------------------
def test_edited_raw_file_reruns_only_downstream_and_is_stopped_by_its_checksum(reference, tmp_path):
    workspace = copy_build(reference.path, tmp_path / "edited")

    table = workspace / "data/raw/salmon/table_4_1.csv"
    before_raw = table.read_bytes()
    with open(table, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    edit_cell(table, 3, header[2], "70")  # 1993 production, printed 69
    assert table.read_bytes() != before_raw
    before = hashes(workspace, folders=("data/processed", "results", "data/interim"))

    dry, _ = run(workspace, "--dry-run")
    assert dry.returncode == 0, tail(dry)
    planned = jobs(dry.stdout + dry.stderr)
    expected = rerun_by(reference.dag, "clean_salmon")
    assert Counter(job["rule"] for job in planned) == expected
    assert {"clean_salmon", "publish_salmon"} <= set(expected) and "clean_clusters" not in expected
    (clean,) = [job for job in planned if job["rule"] == "clean_salmon"]
    assert "Updated input files: data/raw/salmon/table_4_1.csv" in clean.get("reason", ""), clean

    proc, _ = run(workspace)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, tail(proc)
    assert "table_4_1.csv" in proc.stderr and "checksum mismatch" in proc.stderr, tail(proc)
    assert "ERROR (bad input) in rule clean_salmon" in proc.stderr, tail(proc)
    assert rule_counts(text) == Counter({"clean_salmon": 1}), "a job other than clean_salmon started"

    after = hashes(workspace, folders=("data/processed", "results", "data/interim"))
    built = {f: h for f, h in before.items() if f.startswith(("data/processed/", "results/"))}
    assert {f: h for f, h in after.items() if f.startswith(("data/processed/", "results/"))} == built, \
        "the failed run changed or deleted built tables or results"
    # Only the staged files of the failed job may be gone (snakemake deletes a job's outputs when it
    # starts); everything it writes is staged, so results/MANIFEST.sha256 still verifies.
    own = {f for f in before if reference.producer.get(f) == "clean_salmon"}
    assert own and all(f.startswith("data/interim/") for f in own), own
    assert {f: h for f, h in after.items() if f not in own} == {f: h for f, h in before.items() if f not in own}
    check_manifest(workspace, after)
    print(f"\n[reliability] edited table_4_1.csv: planned {dict(expected)}; "
          f"staged files of the failed clean_salmon removed by snakemake: {sorted(own - after.keys())}")


# ---- 5. jobs use the package of their own checkout ------------------------------------------------
# (a regression test: the scripts once put the unresolved workflow/rules/../scripts parents[1]/src,
# i.e. a missing workflow/rules/src, on sys.path, so jobs silently ran the installed package)
def test_jobs_import_the_package_of_their_own_checkout(snapshot, tmp_path):
    workspace = make_workspace(tmp_path / "own_src", snapshot)
    script = workspace / "workflow/scripts/clean_family.py"
    script.write_text(script.read_text(encoding="utf-8")
                      + "\nimport sys as _sys\nimport gvc_clusters as _pkg\n\n"
                        "print('GVC_JOB_IMPORTED', _pkg.__file__, file=_sys.stderr)\n", encoding="utf-8")
    proc = snakemake(workspace, "--until", "clean_dairy", env=local_env(workspace, isolated=False))
    origins = re.findall(r"^GVC_JOB_IMPORTED (\S+)", proc.stderr, re.MULTILINE)
    if proc.returncode != 0 or not origins:
        pytest.fail(tail(proc))
    assert all(Path(o).resolve().is_relative_to(workspace.resolve()) for o in origins), \
        f"the job in {workspace} imported gvc_clusters from {origins}"
