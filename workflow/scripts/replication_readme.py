"""Write the replication README from config, manifest, decision log, lock and the output catalog."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.replication_readme import write_readme


def main():
    write_readme(snakemake.input.template, snakemake.output[0], config=dict(snakemake.config),
                 manifest=snakemake.input.manifest, decision_log=snakemake.input.decisions,
                 catalog=snakemake.params.catalog, lock=snakemake.input.lock,
                 exhibits=snakemake.params.exhibits, configfiles=list(snakemake.input.configfiles),
                 version=snakemake.params.version)


run_job(snakemake, main)
