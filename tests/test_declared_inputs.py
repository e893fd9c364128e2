"""Every rule of the default build reads exactly what it declares.

For each rule, Snakemake itself resolves the job (its named inputs, outputs and params, from the
Snakefile); only the declared input files are copied into an empty directory, beside a copy of the
rule's script and of the package (so even a path the package built from its own location would
point into the empty directory), and the script runs there. Any read of an undeclared file fails
the job. The outputs must equal the repository's build byte for byte (a staged output: the file its
publish rule copies it to). ``RULES`` must list every rule of the build (a test holds it equal to
the DAG), so a new rule is covered or the suite fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ensure_built

ROOT = Path(__file__).resolve().parents[1]
# The rules of the default build, with the costly ones (model fits, the paper) in the slow set.
SLOW_RULES = {"fit_ordinal", "fit_panel", "reading_analysis", "build_paper"}
RULES = ["clean_clusters", "clean_dairy", "clean_salmon", "clean_furniture", "clean_trade", "publish_clusters",
         "publish_dairy", "publish_salmon", "publish_furniture", "publish_trade", "replicate_chapter10",
         "solve_readings", "reading_analysis", "classify_exports", "fit_ordinal", "publish_ordinal", "fit_panel",
         "publish_panel", "claim_verdicts", "render_tables", "render_figures", "render_report", "build_paper",
         "snapshot_estimates", "codebook", "replication_readme", "results_manifest"]
# Rules whose script reads state on purpose, named in the rule (not inputs: they change from run to
# run): machine_facts reads the benchmark files and the machine itself.
READS_STATE = {"machine_facts": "the benchmark .tsv files and the machine's facts (params benchmark_dir, environment)"}
# Outputs that depend on the state of the last build (the report's "what changed" and the snapshot
# it compares with), not only on the declared inputs: the job must succeed, their bytes may differ.
STATEFUL = {"results/report/index.html", "results/report/paper.tex", "results/report/changes.csv",
            *(f"results/last_build/{name}" for name in ("estimates.csv", "inputs.csv", "config.json", "decisions.csv",
                                                        "checks.csv", "verdicts.csv"))}

RUNNER = r'''
import json, runpy, sys


class Named(list):
    """The part of snakemake's Namedlist a script uses: positions, names, items()."""

    def __init__(self, entries):
        self._names = {}
        for name, value in entries:
            if name is not None:
                self._names[name] = value
            self.extend(value if isinstance(value, list) else [value])

    def __getattr__(self, name):
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key):
        return self._names[key] if isinstance(key, str) else list.__getitem__(self, key)

    def items(self):
        return self._names.items()

    def keys(self):
        return self._names.keys()


class Job:
    pass


spec = json.load(open(sys.argv[1], encoding="utf-8"))
job = Job()
for key in ("input", "output", "params", "log", "wildcards"):
    setattr(job, key, Named(spec[key]))
job.rule, job.config, job.scriptdir, job.threads = spec["rule"], spec["config"], spec["scriptdir"], 1
runpy.run_path(spec["script"], init_globals={"snakemake": job}, run_name="__main__")
'''


def _named(namedlist) -> list[tuple[str | None, object]]:
    """(name, value) of a snakemake Namedlist, unnamed entries with name None, in order."""
    names = {}
    for name, (start, end) in namedlist._names.items():
        if end is None or end > start:
            names[start] = (name, end)
    out, k = [], 0
    values = list(namedlist)
    while k < len(values):
        if k in names:
            name, end = names[k]
            end = end if end is not None else k + 1
            value = values[k:end]
            single = namedlist._names[name][1] is None
            out.append((name, _plain(value[0]) if single else [_plain(v) for v in value]))
            k = end
        else:
            out.append((None, _plain(values[k])))
            k += 1
    # named entries that are empty lists hold no position
    out += [(name, []) for name, (start, end) in namedlist._names.items()
            if end is not None and start == end]
    return out


def _plain(value):
    return value if isinstance(value, (dict, list, int, float, bool)) or value is None else str(value)


@pytest.fixture(scope="module")
def dag() -> dict:
    """rule -> its first job (by output) as Snakemake resolves it from the Snakefile and
    config/config.yaml, for every rule of the default build."""
    ensure_built()
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import DAGSettings, OutputSettings, ResourceSettings

    cwd = os.getcwd()
    try:
        with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
            workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=ROOT / "Snakefile",
                                        workdir=ROOT)
            dag_api = workflow_api.dag(DAGSettings())
            workflow = dag_api.workflow_api._workflow
            workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True)
            workflow._build_dag()
            out = {}
            for job in sorted(workflow.dag.jobs, key=lambda j: (j.rule.name, sorted(map(str, j.output)))):
                if job.rule.name in out or job.rule.script is None:
                    continue
                out[job.rule.name] = {
                    "rule": job.rule.name, "input": _named(job.input), "output": _named(job.output),
                    "params": _named(job.params), "wildcards": _named(job.wildcards),
                    "script": os.path.relpath(os.path.join(os.path.dirname(job.rule.snakefile),
                                                           job.rule.script), ROOT),
                    "config": json.loads(json.dumps(workflow.config, default=str))}
            published = {}   # staged output -> the file its publish rule copies it to
            for job in workflow.dag.jobs:
                if job.rule.name.startswith("publish_"):   # staged files and their published copies, in order
                    staged = job.input.staged if "staged" in job.input._names else job.input
                    copies = job.output.published if "published" in job.output._names else job.output
                    published.update(zip(map(str, staged), map(str, copies)))
            return {"jobs": out, "published": published}
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def jobs(dag) -> dict:
    return dag["jobs"]


def _files(entries) -> list[str]:
    return [v for _, value in entries for v in (value if isinstance(value, list) else [value])]


def run_in_sandbox(job: dict, sandbox: Path, missing: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Copy the job's declared inputs (less ``missing``), its script and the package into ``sandbox``
    and run the script there as Snakemake would."""
    for path in _files(job["input"]):
        assert not os.path.isabs(path), path
        if path not in missing:
            (sandbox / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, sandbox / path)
    # code, not data: the rule's script and the package
    shutil.copytree(ROOT / "src", sandbox / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    script = sandbox / job["script"]
    script.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / job["script"], script)
    for path in _files(job["output"]):
        (sandbox / path).parent.mkdir(parents=True, exist_ok=True)
    spec = {**job, "script": str(script), "scriptdir": str(script.parent), "log": [(None, "job.log")]}
    (sandbox / "job.json").write_text(json.dumps(spec), encoding="utf-8")
    (sandbox / "runner.py").write_text(RUNNER, encoding="utf-8")
    return subprocess.run([sys.executable, "runner.py", "job.json"], cwd=sandbox, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "PYTHONPATH": str(sandbox / "src")}, check=False)


def test_every_rule_of_the_build_is_checked(jobs):
    assert sorted(jobs) == sorted([*RULES, *READS_STATE])


@pytest.mark.parametrize("rule", [pytest.param(r, marks=pytest.mark.slow) if r in SLOW_RULES else r for r in RULES])
def test_rule_runs_on_its_declared_inputs_alone(rule, dag, tmp_path):
    job = dag["jobs"][rule]
    if rule == "build_paper" and shutil.which("latexmk") is None:
        pytest.skip("TeX is not installed (CI installs it from Debian packages)")
    assert _files(job["input"]), f"{rule} declares no input"
    run = run_in_sandbox(job, tmp_path)
    log = tmp_path / "job.log"
    assert run.returncode == 0, run.stderr[-3000:] + (log.read_text() if log.exists() else "")
    for path in _files(job["output"]):
        if path not in STATEFUL:
            built = dag["published"].get(path, path)
            assert (tmp_path / path).read_bytes() == (ROOT / built).read_bytes(), f"{rule}: {path} differs"


def test_a_file_not_copied_fails_the_job(jobs, tmp_path):
    """The check has teeth: one declared input of render_figures left out of the sandbox (as an
    undeclared read would be) and the job fails, naming the file."""
    dropped = "data/processed/salmon/salmon_production.parquet"
    assert dropped in _files(jobs["render_figures"]["input"])
    run = run_in_sandbox(jobs["render_figures"], tmp_path, missing=(dropped,))
    assert run.returncode != 0
    assert dropped in run.stderr + (tmp_path / "job.log").read_text()
