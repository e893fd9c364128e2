"""Render every model and book table as LaTeX, HTML and CSV."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.report import write_tables


def main():
    write_tables(ordinal=snakemake.params.ordinal, panel=snakemake.params.panel,
                 replication_dir=Path(snakemake.input.replication[0]).parent,
                 classification=snakemake.input.classification, preset=snakemake.params.preset,
                 under=snakemake.params.under, labels=snakemake.params.labels,
                 out_dir=snakemake.params.out_dir, template_dir=Path(snakemake.input.templates[0]).parent)


run_job(snakemake, main)
