"""Draw every figure of the report as SVG and PNG."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.report import spec_files, write_figures
from gvc_clusters.workflow_plan import FIGURE_TABLES


def main():
    i, p = snakemake.input, snakemake.params
    write_figures(tables={name: i[name] for name in FIGURE_TABLES}, classification=i.classification,
                  ordinal=spec_files(p.ordinal_specs, i.ordinal_estimates, i.ordinal_models),
                  panel=spec_files(p.panel_specs, i.panel_estimates, i.panel_models),
                  readings=list(i.readings), out_dir=p.out_dir, figures=p.figures, labels=p.labels)


run_job(snakemake, main)
