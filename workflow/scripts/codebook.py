"""Write the codebook and data/processed/datapackage.json from the pandera schemas."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.codebook import write_codebook


def main():
    write_codebook(families=list(snakemake.params.families), csv=list(snakemake.input.csv),
                   version=snakemake.params.version, datapackage_out=snakemake.output.datapackage,
                   markdown_out=snakemake.output.markdown, html_out=snakemake.output.html,
                   tex_out=snakemake.output.tex)


run_job(snakemake, main)
