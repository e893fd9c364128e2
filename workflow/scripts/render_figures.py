"""Draw every figure of the report as SVG and PNG."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.report import write_figures


def main():
    write_figures(processed_dir=snakemake.params.processed_dir, classification=snakemake.input.classification,
                  ordinal=snakemake.params.ordinal, panel=snakemake.params.panel,
                  readings=snakemake.params.readings, out_dir=snakemake.params.out_dir,
                  figures=snakemake.params.figures, labels=snakemake.params.labels)


run_job(snakemake, main)
