"""Fit every ordered-model spec on the book's clusters and with the configured cases, side by side."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.analysis import cases as C
from gvc_clusters.io import write_csv
from gvc_clusters.jobs import run_job


def main():
    cases = C.read_case_files(snakemake.input.cases)
    C.raise_all(C.check_relations(cases, set(pd.read_csv(snakemake.input.cluster_key)["cluster_id"])))
    estimates, samples, exclusions = C.compare_samples(
        pd.read_parquet(snakemake.input.dataset), cases, snakemake.params.selected, snakemake.params.specs,
        halves=snakemake.params.halves, seed=snakemake.params.seed)
    write_csv(estimates, snakemake.output.with_without)
    write_csv(samples, snakemake.output.samples)
    write_csv(exclusions, snakemake.output.exclusions)


run_job(snakemake, main)
