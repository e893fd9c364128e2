"""Simulate the scale profile's BACI-layout flow table with planted chapter 9 outcomes (seeded)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.trade_flows_simulation import write_baci_flows
from gvc_clusters.jobs import run_job


def main():
    write_baci_flows(snakemake.output.flows, snakemake.params.rows, snakemake.params.seed,
                     planted_path=snakemake.output.planted)


run_job(snakemake, main)
