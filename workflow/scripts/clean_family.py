"""Write one family's tidy tables (Parquet for the pipeline, CSV for people)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # the gvc_clusters package
import logging

from gvc_clusters.families import build_family
from gvc_clusters.io import write_csv, write_parquet
from gvc_clusters.jobs import run_job


def main():
    result = build_family(snakemake.params.family, snakemake.params.raw_dir)
    for parquet, csv in zip(snakemake.output.parquet, snakemake.output.csv):
        name = parquet.rsplit("/", 1)[-1].removesuffix(".parquet")
        write_parquet(result.tables[name], parquet)
        write_csv(result.tables[name], csv)
        logging.info("wrote %s (%d rows)", name, len(result.tables[name]))


run_job(snakemake.log[0], main)
