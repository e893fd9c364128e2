"""Draw every figure of the report as SVG and PNG."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.draw import write_figures
from gvc_clusters.output.exhibits import Exhibit


def main():
    p = snakemake.params
    write_figures(exhibits=[Exhibit(**record) for record in p.exhibits], inputs=dict(snakemake.input.items()),
                  out_dir=p.out_dir, labels=p.labels, spec_labels=p.spec_labels)


run_job(snakemake, main)
