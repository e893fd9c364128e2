"""Write the report fragment "Cases beyond the book" (HTML and LaTeX)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.analysis import cases as C
from gvc_clusters.analysis.case_protocol import read_deviations, read_provenance, read_review
from gvc_clusters.jobs import run_job
from gvc_clusters.output.cases_report import read_section_frames, section_context, write_section


def main():
    i = snakemake.input
    frames = read_section_frames({k: getattr(i, k) for k in ("agreement", "reconciliation", "with_without",
                                                            "samples", "exclusions", "sensitivity", "bands")})
    context = section_context(cases=C.read_case_files(i.cases), selected=snakemake.params.selected,
                              agreement=frames["agreement"], reconciliation=frames["reconciliation"],
                              comparison=frames["with_without"], samples=frames["samples"],
                              exclusions=frames["exclusions"], sensitivity=frames["sensitivity"],
                              bands=frames["bands"], pooled=pd.read_csv(i.pooled).iloc[0].to_dict(),
                              review=read_review(i.review), deviations=read_deviations(i.deviations),
                              provenance=read_provenance(i.provenance), specs=snakemake.params.specs)
    write_section(context, html_template=i.html_template, tex_template=i.tex_template,
                  out_html=snakemake.output.html, out_tex=snakemake.output.tex)


run_job(snakemake, main)
