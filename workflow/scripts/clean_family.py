"""Build one family: verify, decide, parse and validate; write its tidy tables to the staging area."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.data.families import build_family, raw_dir_of_inputs, write_family
from gvc_clusters.data.sources import verify_signatures
from gvc_clusters.jobs import run_job


def main():
    # the rule's inputs are the family's raw files (gvc_clusters.layout.FAMILY_FILES), next to the manifest
    family = snakemake.params.family
    raw_dir = raw_dir_of_inputs(family, list(snakemake.input.tables), snakemake.input.manifest)
    verify_signatures(raw_dir)  # the decision log and the manifest, as signed
    result = build_family(family, raw_dir)  # parser: gvc_clusters.data.families.FAMILIES[family].build
    write_family(result, snakemake.output)


run_job(snakemake, main)
