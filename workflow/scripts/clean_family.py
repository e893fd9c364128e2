"""Build one family: verify, decide, parse and validate; write its tidy tables to the staging area."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.families import build_family, write_family
from gvc_clusters.jobs import run_job
from gvc_clusters.sources import verify_signatures


def main():
    verify_signatures(snakemake.params.raw_dir)  # the decision log and the manifest, as signed
    result = build_family(snakemake.params.family, snakemake.params.raw_dir)
    write_family(result, snakemake.output)


run_job(snakemake, main)
