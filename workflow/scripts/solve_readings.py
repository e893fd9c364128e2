"""Enumerate every reading of the garbled cells that the printed checksums allow (under each assumption)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.data.reading_space import assumptions_from_config
from gvc_clusters.data.readings import write_readings
from gvc_clusters.jobs import run_job


def main():
    i = snakemake.input
    # sources.yaml names each table relative to its own folder
    tables = {Path(os.path.relpath(p, Path(i.manifest).parent)).as_posix(): p for p in i.printed_tables}
    write_readings(tables, i.manifest, i.decisions, dict(snakemake.output.items()),
                   max_solutions=snakemake.params.max_solutions, seed=snakemake.params.seed,
                   assumptions=assumptions_from_config(snakemake.params.assumptions))


run_job(snakemake, main)
