"""The one readings output: the main specs over the readings of every assumption, counted exactly."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.models.reading_batch import write_reading_analysis


def main():
    write_reading_analysis(dict(snakemake.input.items()), dict(snakemake.output.items()),
                           ordinal_specs=snakemake.params.ordinal_specs, panel_specs=snakemake.params.panel_specs,
                           halves=snakemake.params.halves, readings_config=snakemake.params.readings,
                           seed=snakemake.params.seed)


run_job(snakemake, main)
