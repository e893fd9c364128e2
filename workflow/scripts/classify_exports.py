"""Chapter 9: classify every country-product (text rule, printed rule, Kaplinsky-Readman), compare
with the chapter's verdicts, and evaluate what equations (9.1)/(9.2) allow."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.export_performance import write_classification
from gvc_clusters.jobs import run_job


def main():
    write_classification(snakemake.input, snakemake.params.rules, snakemake.output)


run_job(snakemake, main)
