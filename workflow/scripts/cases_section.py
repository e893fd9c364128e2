"""Write the report fragment "Cases beyond the book" (HTML and LaTeX)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.analysis import cases as C
from gvc_clusters.jobs import run_job
from gvc_clusters.output.cases_report import section_context, write_section


def main():
    i = snakemake.input
    frames = {k: pd.read_csv(getattr(i, k), keep_default_na=k != "reconciliation",
                             dtype=str if k == "reconciliation" else None)
              for k in ("agreement", "reconciliation", "with_without", "samples", "exclusions")}
    frames["with_without"]["category"] = frames["with_without"]["category"].fillna("").astype(str)
    frames["exclusions"]["missing"] = frames["exclusions"]["missing"].fillna("")
    context = section_context(cases=C.read_case_files(i.cases), selected=snakemake.params.selected,
                              agreement=frames["agreement"], reconciliation=frames["reconciliation"],
                              comparison=frames["with_without"], samples=frames["samples"],
                              exclusions=frames["exclusions"])
    write_section(context, html_template=i.html_template, tex_template=i.tex_template,
                  out_html=snakemake.output.html, out_tex=snakemake.output.tex)


run_job(snakemake, main)
