"""No rule deletes a published output before its replacement is complete (issue 22, section 2; slow).

Snakemake deletes a job's outputs when the job starts and when it fails. Every output under
results/ and data/processed/ is declared ``published()`` (workflow/rules/common.smk: kept while
the job runs, restored when it fails), and each such rule writes a receipt that rule all requests,
so a job that failed reruns on the next run. Each test takes a copy of the session's default build
(conftest ``default_build``):

* every rule that writes under results/ or data/processed/, found from the workflow itself
  (``snakemake --summary``), is made to fail (config ``fail_rules`` with ``--forcerun``): the
  published files stay byte-identical, no ``.partial`` file is left, and the next run plans every
  one of those rules again;
* a changed spec refits even after a run whose fit failed (before: "Nothing to be done" and the
  old estimates stayed published);
* an unsigned edit of a raw table stops the readings solver as it stops the clean job, and the
  published readings stay (before: readings.csv was rewritten from the edited table).

Runs put a stub ``scontrol`` first on PATH (no SLURM controller here; see test_reliability.py).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import edit_cell
from workflow_copy import SNAKEMAKE, copy_build, env_without_slurm, hashes

pytestmark = pytest.mark.slow

PUBLISHED = ("results/", "data/processed/")
TIMING = ("results/benchmarks/",)
JOB_BLOCK = re.compile(r"^(?:local)?rule (\S+):$", re.MULTILINE)


def snakemake(workspace: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=workspace, capture_output=True, text=True,
                          timeout=timeout, env=env_without_slurm(workspace), check=False)


def tail(proc: subprocess.CompletedProcess, n: int = 3000) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-n:]}\n--- stderr ---\n{proc.stderr[-n:]}"


def published_files(workspace: Path) -> dict[str, str]:
    return {f: h for f, h in hashes(workspace, folders=("data/processed", "results"), exclude=TIMING).items()}


def partial_files(workspace: Path) -> list[str]:
    return sorted(str(p.relative_to(workspace)) for folder in ("data/processed", "results")
                  for p in (workspace / folder).rglob("*.partial"))


def publishing_rules(workspace: Path) -> dict[str, list[str]]:
    """rule -> its outputs under results/ or data/processed/, from the workflow (``--summary``): a
    new rule is covered without editing this test."""
    proc = snakemake(workspace, "--summary")
    assert proc.returncode == 0, tail(proc)
    rules: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) >= 3 and fields[0].startswith(PUBLISHED):
            rules.setdefault(fields[2], []).append(fields[0])
    return rules


def rule_depths(workspace: Path) -> dict[str, int]:
    """rule -> the length of the longest path to it from a rule without inputs (``--rulegraph``):
    two rules at the same depth never depend on each other, so they can fail in one run."""
    proc = snakemake(workspace, "--rulegraph")
    assert proc.returncode == 0, tail(proc)
    nodes = dict(re.findall(r'^\s*(\d+)\[label = "([^"]*)"', proc.stdout, re.MULTILINE))
    parents: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in re.findall(r"^\s*(\d+) -> (\d+)", proc.stdout, re.MULTILINE):
        parents[b].add(a)
    depth: dict[str, int] = {}

    def of(node: str) -> int:
        if node not in depth:
            depth[node] = 1 + max((of(p) for p in parents[node]), default=-1)
        return depth[node]

    return {nodes[n]: of(n) for n in nodes}


def test_every_rule_that_publishes_keeps_its_outputs_when_it_fails(default_build, tmp_path):
    workspace = copy_build(default_build, tmp_path / "inject")
    rules = publishing_rules(workspace)
    assert {"publish_clusters", "publish_ordinal", "publish_panel", "solve_readings", "reading_analysis",
            "replicate_chapter10", "render_report", "snapshot_estimates", "results_manifest"} <= set(rules)
    depths = rule_depths(workspace)
    before = published_files(workspace)
    assert set(before) >= {f for outputs in rules.values() for f in outputs if not f.startswith(TIMING)}
    groups: dict[int, list[str]] = {}
    for rule in rules:
        groups.setdefault(depths[rule], []).append(rule)
    last_failed: set[str] = set()   # rules whose last job failed
    reran: Counter = Counter()
    # Deepest first, each run --until its group: the rules that failed before (missing receipts) are
    # all downstream, so they do not rerun; one that did would have to reproduce its files byte for
    # byte, which the check after each run covers.
    for depth in sorted(groups, reverse=True):
        group = sorted(groups[depth])
        proc = snakemake(workspace, "--keep-going", "--forcerun", *group, "--until", *group,
                         "--config", f"fail_rules={yaml.safe_dump(group, default_flow_style=True).strip()}")
        assert proc.returncode != 0, tail(proc)
        for rule in group:
            assert f"ERROR (injected failure) in rule {rule}: rule {rule} failed on purpose" in proc.stderr, tail(proc)
        started = set(JOB_BLOCK.findall(proc.stdout + proc.stderr))
        reran.update(started - set(group))
        last_failed = (last_failed - started) | set(group)
        after = published_files(workspace)
        changed = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
        assert not changed, f"failing {group} changed or deleted published files: {changed[:20]}"
        assert partial_files(workspace) == [], group
    print(f"\n[staging] {len(rules)} rules made to fail in {len(groups)} runs: {sorted(rules)}; rerun (receipt "
          f"missing) and reproduced byte for byte: {dict(reran)}")
    # A failed job leaves no receipt: the next plain run plans each rule whose last job failed.
    plan = snakemake(workspace, "--dry-run")
    assert plan.returncode == 0, tail(plan)
    planned = set(JOB_BLOCK.findall(plan.stdout + plan.stderr))
    assert last_failed == set(rules) - set(reran), (sorted(last_failed), dict(reran))
    assert last_failed <= planned, (sorted(last_failed - planned), tail(plan))
    for rule in last_failed:
        receipt = f"Missing output files: data/interim/receipts/{rule}"
        assert receipt in plan.stdout + plan.stderr, (rule, tail(plan))


def test_a_changed_spec_refits_even_after_its_fit_failed(default_build, tmp_path):
    """The issue's stale estimates: change a spec, run with the fit failing, rerun plainly. Before,
    the rerun said "Nothing to be done" and the old estimates stayed published."""
    workspace = copy_build(default_build, tmp_path / "refit")
    spec = "us_furniture_imports"
    target = f"results/models/panel/{spec}/models.json"
    models = workspace / target
    assert '"se_type": "robust (heteroskedasticity-consistent)"' in models.read_text(encoding="utf-8")
    published_before = published_files(workspace)
    override = workspace / "override.yaml"
    override.write_text(yaml.safe_dump({"panel": {"specs": {spec: {"se_type": "unadjusted"}}}}), encoding="utf-8")
    args = ("--configfile", "config/config.yaml", "override.yaml")   # last: --configfile takes every word after it
    failing = snakemake(workspace, target, "--config", "fail_rules=[fit_panel]", *args)
    assert failing.returncode != 0 and "ERROR (injected failure) in rule fit_panel" in failing.stderr, tail(failing)
    assert published_files(workspace) == published_before
    plan = snakemake(workspace, target, "--dry-run", *args)
    assert plan.returncode == 0, tail(plan)
    jobs = Counter(JOB_BLOCK.findall(plan.stdout + plan.stderr))
    assert jobs["fit_panel"] == 1 and jobs["publish_panel"] == 1, tail(plan)
    assert "Params have changed since last execution" in plan.stdout + plan.stderr
    run = snakemake(workspace, target, *args)
    assert run.returncode == 0, tail(run)
    text = models.read_text(encoding="utf-8")
    assert '"se_type": "unadjusted (homoskedastic)"' in text, text[:3000]
    assert text != (default_build / target).read_text(encoding="utf-8")


def test_an_unsigned_raw_edit_stops_the_readings_solver_and_keeps_the_readings(default_build, tmp_path):
    """Before: the clean job refused the edit, but solve_readings, reading the raw tables directly,
    rewrote results/replication/readings/readings.csv from it."""
    workspace = copy_build(default_build, tmp_path / "readings")
    before = published_files(workspace)
    edit_cell(workspace / "data/raw/clusters/table_10_4.csv", 3, "Product upgrading", "3")
    proc = snakemake(workspace, "--keep-going")
    assert proc.returncode != 0, tail(proc)
    assert re.search(r"ERROR \(bad input\) in rule solve_readings: 1 problem\(s\):\n\s+- data/raw/clusters/"
                     r"table_10_4.csv, column 'sha256': checksum mismatch", proc.stderr), tail(proc)
    assert "ERROR (bad input) in rule clean_clusters" in proc.stderr, tail(proc)
    after = published_files(workspace)
    assert after == before, sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
