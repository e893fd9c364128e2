"""Prove from the evidence a run leaves behind that its jobs ran under SLURM (used by test_slurm.sh).

Not a pytest module (pytest only collects test_*.py): run it with the venv's python.

    python slurm_evidence.py ok     WORKDIR SNAKEMAKE_OUTPUT   # a successful run
    python slurm_evidence.py failed WORKDIR SNAKEMAKE_OUTPUT RULE   # a run broken via fail_rules

Evidence, per job of the run (every job except the local target rule `all`):
  1. snakemake's output (= its log .snakemake/log/*.snakemake.log): the job block (rule, jobid,
     log, resources) and the executor's "Job N has been submitted with SLURM jobid M", printed
     once sbatch has returned the id (the "sbatch call:" lines themselves need --verbose, which
     also dumps the environment into every SLURM log, so the test does not use it);
  2. SLURM itself: `squeue -t all -n <SLURM run ID>` (accounting is off, sacct does not work;
     finished jobs stay visible for MinJobAge) lists job M with comment rule_<rule>, state
     COMPLETED, and the partition and memory of the profile's resources for that rule;
  3. the rule's own log: script rules (gvc_clusters.jobs.run_job) write "INFO job: rule R" and
     "INFO job: SLURM_JOB_ID=M", shell rules that opt in write "rule R SLURM_JOB_ID=M": the id must
     be the one sbatch returned for that job. Rules whose log records no id (e.g. a shell rule
     logging only stderr) are checked through SLURM's per-job log instead (logs/slurm/rule_R/.../M.log:
     the job step's output, which shows the rule it executed).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = re.compile(r"^(local)?rule (\S+):$")
FIELD = re.compile(r"^\s+(jobid|log|resources): (.*)$")
SUBMITTED = re.compile(r"^Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (.*)\)")
RUN_ID = re.compile(r"^SLURM run ID: (\S+)")
LOG_RULE = re.compile(r"^(?:INFO job: )?rule (\S+)")
LOG_JOB_ID = re.compile(r"SLURM_JOB_ID=(\S+)")
LOGFILE = re.compile(r"^Logfile .*:$")
RULER = "=" * 80
LOCAL_TARGETS = {"all"}

problems: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


@dataclass
class Job:
    rule: str
    local: bool
    log: str | None = None
    resources: dict[str, str] = field(default_factory=dict)


def parse_output(text: str):
    """snakemake jobid -> Job; submissions [(jobid, slurm_id, slurm_log)]; SLURM run ids."""
    jobs: dict[int, Job] = {}
    submissions: list[tuple[int, int, str]] = []
    run_ids: list[str] = []
    current: Job | None = None
    lines = text.splitlines()
    skip = False
    for i, line in enumerate(lines):
        # failed jobs' logs, printed by --show-failed-logs between two rules of 80 "=": they hold
        # the SLURM job step's own output (its "localrule R:" block), not the main run's jobs
        if skip:
            skip = line != RULER
            continue
        if LOGFILE.match(line) and i + 1 < len(lines) and lines[i + 1] == RULER:
            skip = True
            lines[i + 1] = ""  # the opening rule
            current = None
            continue
        if m := BLOCK.match(line):
            current = Job(m.group(2), bool(m.group(1)))
        elif current is not None and (m := FIELD.match(line)):
            key, value = m.groups()
            if key == "log":
                current.log = value.split(", ")[0]
            elif key == "resources":
                current.resources = dict(kv.split("=", 1) for kv in value.split(", ") if "=" in kv)
            else:
                jobs[int(value)] = current
        elif not line[:1].isspace():
            current = None  # a job block is its "rule R:" line and the indented lines after it
        if m := SUBMITTED.match(line):
            submissions.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        elif m := RUN_ID.match(line):
            run_ids.append(m.group(1))
    return jobs, submissions, run_ids


def squeue_jobs(run_id: str) -> dict[int, dict[str, str]]:
    """SLURM job id -> comment, state, partition, memory (MB) of every job of this snakemake run."""
    out = subprocess.run(["squeue", "-h", "-t", "all", "-n", run_id, "-o", "%i|%k|%T|%P|%m"],
                         check=True, capture_output=True, text=True).stdout
    jobs = {}
    for line in out.splitlines():
        jid, comment, state, partition, mem = line.strip().split("|")
        jobs[int(jid)] = {"comment": comment, "state": state, "partition": partition, "mem_mb": str(to_mb(mem))}
    return jobs


def to_mb(mem: str) -> int | str:
    m = re.fullmatch(r"(\d+)([KMGT]?)", mem)
    if not m:
        return mem
    factor = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[m.group(2)]
    return int(int(m.group(1)) * factor)


def rule_log(path: Path) -> tuple[str | None, list[str]]:
    """(rule named on the log's first line, SLURM_JOB_ID values) of a rule log."""
    lines = path.read_text(errors="replace").splitlines()
    rule = None
    if lines and (m := LOG_RULE.match(lines[0])):
        rule = m.group(1)
    ids = [m.group(1) for line in lines for m in [LOG_JOB_ID.search(line)] if m]
    return rule, ids


def check_ok(workdir: Path, text: str) -> None:
    jobs, submissions, run_ids = parse_output(text)
    if len(run_ids) != 1:
        fail(f"expected one 'SLURM run ID:' line in the snakemake output, found {len(run_ids)}")
        return
    run_id = run_ids[0]
    remote = {jid: job for jid, job in jobs.items() if job.rule not in LOCAL_TARGETS}
    local = sorted(job.rule for job in remote.values() if job.local)
    if local:
        fail(f"jobs ran locally instead of on SLURM: {local}")
    if not remote:
        fail("the snakemake output lists no job at all")
    last_submission = {jid: (sid, slog) for jid, sid, slog in submissions}
    slurm = squeue_jobs(run_id)
    logged = stepped = 0
    for jid, job in sorted(remote.items()):
        rule = job.rule
        if jid not in last_submission:
            fail(f"job {jid} (rule {rule}) was never submitted with sbatch")
            continue
        sid, slog = last_submission[jid]
        info = slurm.get(sid)
        if info is None:
            fail(f"rule {rule}: SLURM job {sid} unknown to squeue (run {run_id})")
        else:
            if info["comment"].split("_wildcards_")[0] != f"rule_{rule}" or info["state"] != "COMPLETED":
                fail(f"rule {rule}: SLURM job {sid} is {info['comment']!r} in state {info['state']}, "
                     f"expected rule_{rule} COMPLETED")
            for key in ("slurm_partition", "mem_mb"):
                want = job.resources.get(key)
                got = info["partition" if key == "slurm_partition" else key]
                if want is not None and want != got:
                    fail(f"rule {rule}: SLURM job {sid} has {key} {got}, the profile asked for {want}")
        if job.log is None:
            fail(f"rule {rule} has no log file: cannot show where it ran")
            continue
        log_path = workdir / job.log
        if not log_path.is_file():
            fail(f"rule {rule}: log {job.log} missing")
            continue
        logged_rule, ids = rule_log(log_path)
        if ids:
            logged += 1
            if logged_rule not in (None, rule):
                fail(f"{job.log}: first line names rule {logged_rule}, expected {rule}")
            if ids != [str(sid)]:
                fail(f"{job.log}: SLURM_JOB_ID {ids}, expected ['{sid}'] (the id sbatch returned)")
        else:
            stepped += 1
            step_log = Path(slog)
            if not step_log.is_file():
                fail(f"rule {rule}: no SLURM_JOB_ID in {job.log} and SLURM log {slog} missing "
                     "(is slurm-keep-successful-logs set?)")
            elif not re.search(rf"^(local)?rule {re.escape(rule)}:$", step_log.read_text(errors="replace"), re.MULTILINE):
                fail(f"rule {rule}: SLURM log {slog} does not show the rule being executed")
    print(f"slurm evidence: run {run_id}: {len(remote)} jobs, {len(submissions)} sbatch submissions, "
          f"all COMPLETED in squeue with the profile's partition and memory; {logged} rule logs "
          f"record the SLURM_JOB_ID sbatch returned, {stepped} (no id in their log) verified through "
          f"squeue + their SLURM job log")


def check_failed(workdir: Path, text: str, rule: str) -> None:
    jobs, _submissions, run_ids = parse_output(text)
    if f"Error in rule {rule}" not in text:
        fail(f"the output does not say 'Error in rule {rule}'")
    if f"rule {rule} failed on purpose" not in text:
        fail(f"the output does not carry the injected-failure message naming rule {rule}")
    if len(run_ids) != 1:
        fail(f"expected one 'SLURM run ID:' line, found {len(run_ids)}")
        return
    slurm = squeue_jobs(run_ids[0])
    states = [info["state"] for info in slurm.values() if info["comment"].split("_wildcards_")[0] == f"rule_{rule}"]
    if not states or any(s != "FAILED" for s in states):
        fail(f"squeue shows rule {rule} jobs in states {states}, expected FAILED on SLURM")
    local = sorted(job.rule for job in jobs.values() if job.local and job.rule not in LOCAL_TARGETS)
    if local:
        fail(f"jobs ran locally instead of on SLURM: {local}")
    print(f"slurm evidence: run {run_ids[0]}: rule {rule} failed on SLURM "
          f"({len(states)} attempt(s), states {states}) and the output names it")


def main(argv: list[str]) -> int:
    mode, workdir, output = argv[1], Path(argv[2]), Path(argv[3])
    text = output.read_text(errors="replace")
    if mode == "ok":
        check_ok(workdir, text)
    elif mode == "failed":
        check_failed(workdir, text, argv[4])
    else:
        raise SystemExit(f"unknown mode {mode}")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
