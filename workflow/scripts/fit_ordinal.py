"""Fit one ordered-probit/logit spec from config; write its estimates and model facts."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.jobs import run_job
from gvc_clusters.models.output import write_model_outputs
from gvc_clusters.models.specs import run_ordinal_spec


def main():
    name, spec, settings = snakemake.wildcards.spec, snakemake.params.spec, snakemake.params.settings
    inputs = dict(snakemake.input.items())   # the rule's declared inputs: the package reads these paths
    dataset = pd.read_parquet(inputs["dataset"]) if "dataset" in inputs else None
    # a user-table spec reads its own table (only the columns it names) inside run_ordinal_spec
    fits = run_ordinal_spec(name, spec, dataset, halves=settings["halves"],
                            n_permutations=settings["n_permutations"], seed=snakemake.params.seed,
                            user_table=inputs.get("user"))
    write_model_outputs(fits, snakemake.output)


run_job(snakemake, main)
