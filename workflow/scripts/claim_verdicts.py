"""The book's claims with their verdicts (results/claims/verdicts.csv)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.claims.verdicts import write_claim_verdicts
from gvc_clusters.jobs import run_job


def main():
    i, p = snakemake.input, snakemake.params
    write_claim_verdicts(dict(i.items()), snakemake.output.verdicts, specs=p.ordinal_specs, links=p.links,
                         rule=p.rule)


run_job(snakemake, main)
