"""Verify one family's raw files (checksums, decisions, parsing, schemas) without writing data."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # the gvc_clusters package
import logging

from gvc_clusters.io import write_csv, write_json
from gvc_clusters.jobs import run_job
from gvc_clusters.families import build_family, validation_summary


def main():
    result = build_family(snakemake.wildcards.family, snakemake.params.raw_dir)
    write_csv(result.checks, snakemake.output.checksums)
    write_json(validation_summary(result), snakemake.output.summary)
    logging.info("validated %s: %d tables", result.family, len(result.tables))


run_job(snakemake.log[0], main)
