# Config validation, the package on the path, and the paths every rule uses. What the workflow
# builds (which specs run, every output, each rule's inputs, the catalog of outputs) is decided by
# gvc_clusters.workflow_plan, from the validated config (tests/test_workflow_plan.py).
import hashlib
import os
import sys
from pathlib import Path

from snakemake.utils import validate

# The library lives in src/. The Snakefile reads the layout from it, and every script puts
# src/ on its own path (first lines), so the workflow runs from a plain checkout, in any
# environment that has the dependencies (venv, conda env of `conda:`, a cluster node).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from gvc_clusters.preflight import preflight, preflight_paths

# Mistyped keys and bad paths first, with a clear message (the schema says the same, less readably).
preflight_paths(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
# Fills every default of the schema (nested ones too): the rules index config plainly.
validate(config, schema="../schemas/config.schema.yaml")
from gvc_clusters.output.tex_requirements import pdf_setting

# YAML reads an unquoted `pdf: off` as False: from here on the setting is auto, on or off.
config["paper"]["pdf"] = pdf_setting(config["paper"]["pdf"])

from gvc_clusters.layout import FAMILY_TABLES, REPLICATION_OUTPUTS
from gvc_clusters.data.sources import load_manifest
from gvc_clusters.workflow_plan import SIMULATED, Plan, is_simulated

# Before any job: paths, cluster_by, user tables' headers, permutation cost, and the signatures
# of the decision log and the sources manifest (gvc_clusters/preflight.py).
preflight(config)


def package_fingerprint():
    """Hash of the package source. Every script rule takes it as a param, so editing the
    library reruns the rules that use it (Snakemake itself only tracks the rule's own script).
    """
    digest = hashlib.sha256()
    for path in sorted((Path(workflow.basedir) / "src" / "gvc_clusters").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE = package_fingerprint()
PACKAGE_VERSION = __import__("tomllib").loads(
    (Path(workflow.basedir) / "pyproject.toml").read_text(encoding="utf-8")
)["project"]["version"]
# The config files this run read (config/config.yaml, plus any --configfile): inputs of the README.
CONFIG_FILES = [
    os.path.relpath(p, workflow.basedir) if os.path.isabs(p) else p
    for p in map(str, workflow.configfiles)
]
RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
INTERIM = config["interim_dir"]
RESULTS = config["results_dir"]
FAMILIES = config["families"]
SCALE = config["scale"]["enabled"]
TRADE_FLOWS = config["trade_flows"]
REPORT = f"{RESULTS}/report"
CASES_DIR = "data/cases"
CASES_RESULTS = f"{RESULTS}/cases"

plan = Plan(config)
# One line when paper.pdf is left out: what TeX lacks and what to install.
if plan.report_enabled() and plan.paper_pdf_plan().note:
    print(plan.paper_pdf_plan().note, file=sys.stderr)
plan.check_simulated_panel_specs()
SCALE_PANEL = plan.scale_panel
READINGS_OUTPUTS = plan.readings_files()
READING_ANALYSIS_OUTPUTS = plan.reading_analysis_files()
# The printed tables that declare checksums in sources.yaml (the readings solver's inputs).
CHECKED_RAW_TABLES = plan.checked_raw_tables(load_manifest(f"{RAW}/sources.yaml"))


def ordinal_inputs(wildcards):
    return plan.ordinal_inputs(wildcards.spec)


def panel_inputs(wildcards):
    return plan.panel_inputs(wildcards.spec)


def trade_flows_inputs(wildcards):
    """The configured input files; a glob is expanded now and must match (the data are the user's)."""
    from snakemake.exceptions import WorkflowError

    try:
        return plan.trade_flows_inputs()
    except ValueError as err:
        raise WorkflowError(str(err)) from err


def rule_scripts():
    """rule -> its script, as the rules declare it (for the README's catalog of outputs)."""
    return {
        r.name: os.path.relpath(
            os.path.join(os.path.dirname(r.snakefile), r.script), workflow.basedir
        )
        for r in workflow.rules
        if r.script
    }


# ---- published outputs: a failing job never costs the last good ones --------------------------------
# Snakemake deletes a job's outputs when it starts and when it fails. Every output under results/
# and data/processed/ is therefore declared published(): Snakemake's update() flag, which keeps
# the file while the job runs and restores it when the job fails, so a published file is only ever
# replaced by a complete one (the jobs write each file whole; publish() renames). After a failure
# Snakemake records the failed job's params on the restored files, so they would look up to date:
# each such rule also writes a receipt (data/interim/receipts/<rule>[/<spec>].done, written by
# gvc_clusters.jobs.run_job when the job succeeds, deleted by Snakemake when it fails), and rule
# all requests every receipt: a job that failed reruns on the next run, whatever made it fail.
RECEIPTS = {}  # rule name -> receipt path (pattern)


def published(outputs):
    """Outputs (a path, a list or a dict of them) that a failing job must not delete."""
    if isinstance(outputs, dict):
        return {name: published(value) for name, value in outputs.items()}
    return update(outputs)


def receipt(rule_name, wildcard=None):
    """The receipt output of ``rule_name`` (one per job: ``wildcard`` names the rule's wildcard)."""
    name = f"{rule_name}/{{{wildcard}}}" if wildcard else rule_name
    path = f"{INTERIM}/receipts/{name}.done"
    RECEIPTS[rule_name] = path
    return path


def receipts_for(paths):
    """The receipts of the jobs that build ``paths`` (rule all requests them)."""
    found = set()
    for name, pattern in RECEIPTS.items():
        producer = workflow.get_rule(name)
        for path in paths:
            if producer.is_producer(path):
                found.add(pattern.format(**producer.get_wildcards(path)))
    return sorted(found)


# Path helpers of the cleaning rules (clean.smk).
raw_files = plan.raw_files
interim_tables = plan.interim_tables
processed_tables = plan.processed_tables
