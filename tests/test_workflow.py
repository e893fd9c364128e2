"""End to end: the Snakemake workflow in a scratch copy of the repository (marked slow)."""

import subprocess

import pytest
from conftest import edit_cell, refresh
from workflow_copy import SNAKEMAKE, copy_build, hashes, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(default_build, tmp_path_factory):
    """This module's copy of the session's build (test_bad_raw_input edits it, then restores it)."""
    return copy_build(default_build, tmp_path_factory.mktemp("workflow") / "built")


def test_build_produces_every_output_and_a_rerun_does_nothing(built):
    files = hashes(built)
    assert "results/replication/replication_check.csv" in files
    assert "data/processed/clusters/model_dataset.parquet" in files
    assert sum(f.startswith("data/processed/") and f.endswith(".parquet") for f in files) >= 10
    dry = snakemake(built, "--dry-run")
    assert dry.returncode == 0
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_bad_raw_input_stops_before_anything_is_overwritten(built):
    before = hashes(built)
    table = built / "data/raw/clusters/table_10_4.csv"
    original = table.read_bytes()
    manifest = built / "data/raw/sources.yaml"
    original_manifest = manifest.read_bytes()
    signatures = built / "data/raw/SHA256SUMS"  # refresh() re-signs the manifest too
    original_signatures = signatures.read_bytes()
    try:
        edit_cell(table, 14, "Product upgrading", "4")
        run = snakemake(built)
        assert run.returncode != 0
        assert "table_10_4.csv, column 'sha256': checksum mismatch" in run.stderr
        assert "clean_clusters" in run.stderr
        refresh(built / "data/raw")
        run = snakemake(built)
        assert run.returncode != 0
        assert "score_0to3" in run.stderr and "got 4" in run.stderr
        assert {k: v for k, v in hashes(built).items() if k.startswith("data/processed")} == \
               {k: v for k, v in before.items() if k.startswith("data/processed")}
    finally:
        table.write_bytes(original)
        manifest.write_bytes(original_manifest)
        signatures.write_bytes(original_signatures)


def test_lint_is_clean(built):
    run = subprocess.run([SNAKEMAKE, "--lint"], cwd=built, capture_output=True, text=True, timeout=300,
                         check=False)
    assert "Congratulations, your workflow is in a good condition!" in run.stdout + run.stderr
