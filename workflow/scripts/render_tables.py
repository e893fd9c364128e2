"""Render every model and book table as LaTeX, HTML and CSV."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.report import spec_files, write_tables


def main():
    i, p = snakemake.input, snakemake.params
    write_tables(ordinal=spec_files(p.ordinal_specs, i.ordinal_estimates, i.ordinal_models),
                 panel=spec_files(p.panel_specs, i.panel_estimates, i.panel_models),
                 replication={Path(f).stem: f for f in i.replication}, classification=i.classification,
                 preset=p.preset, under=p.under, labels=p.labels, out_dir=p.out_dir,
                 template_dir=Path(i.templates[0]).parent)


run_job(snakemake, main)
