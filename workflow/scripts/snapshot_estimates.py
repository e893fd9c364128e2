"""Keep this build's estimates and input fingerprints for the next build's "what changed"."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.changes import input_fingerprints, read_estimates, write_snapshot


def main():
    i = snakemake.input
    write_snapshot(read_estimates(i.estimates), input_fingerprints(i.raw, Path(i.manifest).parent.parent, snakemake.config),
                   Path(snakemake.output.estimates).parent)


run_job(snakemake, main)
