"""Enumerate every reading of the garbled cells that the printed checksums allow (under A and B)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.readings_solver import write_readings


def main():
    write_readings(snakemake.params.raw_dir, snakemake.input.manifest, snakemake.input.decisions,
                   dict(snakemake.output.items()), max_solutions=snakemake.params.max_solutions,
                   seed=snakemake.params.seed)


run_job(snakemake, main)
