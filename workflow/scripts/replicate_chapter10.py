"""Rebuild Tables 10-1, 10-2, 10-4, 10-5, 10-6 and write the replication check."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.replicate import write_replication
from gvc_clusters.jobs import run_job


def main():
    write_replication(dict(snakemake.input.items()), snakemake.input.checksums, snakemake.params.out_dir,
                      snakemake.input.template)


run_job(snakemake, main)
