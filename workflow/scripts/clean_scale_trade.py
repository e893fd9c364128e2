"""Clean the long trade table: unit values and market shares per product-year, streamed."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.scale import clean_trade_table
from gvc_clusters.jobs import run_job


def main():
    clean_trade_table(snakemake.input[0], snakemake.output[0], engine="arrow")


run_job(snakemake, main)
