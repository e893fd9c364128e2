"""Fit every ordered-model spec on the book's clusters and with the configured cases, side by side,
and in every case set and protocol-rule version of the sensitivity analysis."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.analysis import cases as C
from gvc_clusters.analysis.case_protocol import read_deviations
from gvc_clusters.io import write_csv
from gvc_clusters.jobs import run_job
from gvc_clusters.models.case_fits import compare_samples, scenario_fits


def main():
    i, p = snakemake.input, snakemake.params
    cases = C.read_case_files(i.cases)
    C.raise_all(C.check_relations(cases, set(pd.read_csv(i.cluster_key)["cluster_id"])))
    dataset = pd.read_parquet(i.dataset)
    estimates, samples, exclusions = compare_samples(dataset, cases, p.selected, p.specs, halves=p.halves,
                                                       seed=p.seed)
    write_csv(estimates, snakemake.output.with_without)
    write_csv(samples, snakemake.output.samples)
    write_csv(exclusions, snakemake.output.exclusions)
    write_csv(scenario_fits(dataset, cases, p.selected, read_deviations(i.deviations), p.specs, halves=p.halves,
                            seed=p.seed), snakemake.output.sensitivity)


run_job(snakemake, main)
