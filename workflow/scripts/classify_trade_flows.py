"""Chapter 9's classification on the configured trade flows: aggregate (streamed), measure, classify."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis.trade_flows import run
from gvc_clusters.jobs import run_job


def main():
    output = {"classified": snakemake.output.classified, "summary": snakemake.output.summary,
              "facts": snakemake.output.facts}
    run(snakemake.params.options, output, files=list(snakemake.input),
        market_share_rules=snakemake.params.rules, temp_dir=snakemake.params.temp_dir)


run_job(snakemake, main)
