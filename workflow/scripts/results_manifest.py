"""Write results/MANIFEST.sha256: the SHA-256 of every result (paper.pdf apart), in `sha256sum` format."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.data.publish import write_manifest
from gvc_clusters.jobs import run_job

run_job(snakemake, lambda: write_manifest(list(snakemake.input.listed), snakemake.output[0]))
