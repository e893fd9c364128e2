"""Write the replication README from config, manifest, decision log, versions and benchmarks."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.replication_readme import write_readme


def main():
    write_readme(snakemake.input.template, snakemake.output[0], config=dict(snakemake.config),
                 manifest=snakemake.input.manifest, decision_log=snakemake.input.decisions,
                 benchmarks=sorted(map(str, Path(snakemake.params.benchmark_dir).rglob("*.tsv"))), catalog=snakemake.params.catalog)


run_job(snakemake, main)
