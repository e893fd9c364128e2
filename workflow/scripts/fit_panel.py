"""Fit one panel spec from config; write its estimates, model facts and reading ranges."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.models.output import write_model_outputs
from gvc_clusters.models.specs import numeric_columns, panel_readings, read_user_table, run_panel_spec, spec_columns


def main():
    spec = snakemake.params.spec
    tables = {k: read_user_table(v, spec_columns(spec), numeric_columns(spec)) if k == "user" else read_user_table(v)
              for k, v in snakemake.input.items() if k != "readings"}
    fits = run_panel_spec(snakemake.wildcards.spec, spec, tables)
    readings = panel_readings(snakemake.wildcards.spec, spec, tables,
                              read_user_table(snakemake.input.readings) if "readings" in snakemake.input.keys() else None,
                              cap=snakemake.params.max_readings, seed=snakemake.params.seed)
    write_model_outputs(fits, readings, snakemake.output)


run_job(snakemake, main)
