"""Compile results/report/paper.tex to paper.pdf; list any layout problem in the log."""
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.errors import InputError
from gvc_clusters.jobs import run_job
from gvc_clusters.output.paper import PaperError, compile_pdf
from gvc_clusters.output.tex_requirements import tex_problem


def main():
    # With paper: {pdf: on} on a machine whose TeX lacks a package: say which, not sixty lines of TeX log.
    # (the packages are read from the paper itself, a declared input: it loads what the template loads)
    problem = tex_problem(Path(snakemake.input.tex))
    if problem:
        raise InputError(snakemake.input.tex, f"config paper.pdf is 'on' but {problem}; "
                         "set paper: {pdf: auto} to build everything else without the PDF")
    try:
        i = snakemake.input
        reads = [i.numbers, *i.tables, *i.figures, i.codebook, *i.cases]
        problems = compile_pdf(i.tex, snakemake.output.pdf, inputs=reads, log=snakemake.params.tex_log)
    except PaperError as err:
        raise InputError(snakemake.input.tex, str(err)) from err
    for problem in problems:
        logging.getLogger("paper").warning("layout: %s", problem)


run_job(snakemake, main)
