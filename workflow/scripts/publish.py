"""Copy a rule's staged inputs to its published outputs (same order): the publish step of staged rules."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.data.publish import publish
from gvc_clusters.jobs import run_job

run_job(snakemake, lambda: publish(list(snakemake.input.staged), list(snakemake.output.published)))
