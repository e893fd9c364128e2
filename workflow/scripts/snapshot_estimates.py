"""Keep this build's snapshot (estimates, inputs, validated config, decisions, checks, claims'
verdicts) for the next build's "what changed"."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.changes import build_snapshot, write_snapshot


def main():
    i = snakemake.input
    raw = Path(i.manifest).parent
    verdicts = list(getattr(i, "verdicts", None) or [])
    snapshot = build_snapshot(i.estimates, i.raw, raw.parent, snakemake.config, decision_log=raw / "decision_log.csv",
                              manifest=i.manifest, verdicts=verdicts[0] if verdicts else None)
    write_snapshot(snapshot, Path(snakemake.output.estimates).parent)


run_job(snakemake, main)
