"""Simulate the scale profile's data: a cluster cross-section and a long trade panel (seeded)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.scale import write_cluster_cross_section, write_trade_panel
from gvc_clusters.jobs import run_job


def main():
    sizes, seed = snakemake.params.sizes, snakemake.params.seed
    write_cluster_cross_section(snakemake.output.cross_section, sizes["cross_section_rows"], seed)
    write_trade_panel(snakemake.output.panel, sizes["panel_entities"], sizes["panel_years"], seed)


run_job(snakemake, main)
