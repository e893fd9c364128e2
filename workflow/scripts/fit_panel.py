"""Fit one panel spec from config; write its estimates and model facts."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.models.output import write_model_outputs
from gvc_clusters.models.specs import read_user_table, run_panel_spec


def main():
    name, spec = snakemake.wildcards.spec, snakemake.params.spec
    inputs = dict(snakemake.input.items())   # the rule's declared inputs: the package reads these paths
    # a built-in panel's processed tables; a user's table is read (only the spec's columns) in run_panel_spec
    tables = {k: read_user_table(v) for k, v in inputs.items() if k != "user"}
    fits = run_panel_spec(name, spec, tables, user_table=inputs.get("user"))
    write_model_outputs(fits, snakemake.output)


run_job(snakemake, main)
