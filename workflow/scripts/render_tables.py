"""Render every model and book table as LaTeX, HTML and CSV."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.draw import write_tables
from gvc_clusters.output.exhibits import Exhibit


def main():
    i, p = snakemake.input, snakemake.params
    write_tables(exhibits=[Exhibit(**record) for record in p.exhibits],
                 inputs={key: path for key, path in i.items() if key != "templates"},
                 preset=p.preset, under=p.under, labels=p.labels, spec_labels=p.spec_labels, out_dir=p.out_dir,
                 template_dir=Path(i.templates[0]).parent)


run_job(snakemake, main)
