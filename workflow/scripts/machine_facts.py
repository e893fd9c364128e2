"""Write results/machine.json: the machine, the environment-creation and the build times."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.replication_readme import write_machine


def main():
    write_machine(snakemake.output[0], benchmarks=sorted(map(str, Path(snakemake.params.benchmark_dir).rglob("*.tsv"))),
                  environment=snakemake.params.environment)


run_job(snakemake, main)
