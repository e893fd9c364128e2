"""Shared fixtures: the repository's raw data, and a writable copy of it for bad-input tests."""

import shutil
from pathlib import Path

import pytest

from gvc_clusters.data.sources import update_checksums

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
# The developer's guide: README.md in the repository, README-developer.md in the deposit archive
# (whose README.md is the replication README; gvc_clusters.output.package).
DEVELOPER_README = ROOT / ("README-developer.md" if (ROOT / "README-developer.md").is_file() else "README.md")


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of data/raw; after editing a file call ``refresh(raw)`` to re-sign it."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target, ignore=shutil.ignore_patterns("_fragments"))
    return target


@pytest.fixture(scope="session")
def default_build(tmp_path_factory) -> Path:
    """One clean build with the default config, made once per session and shared by the slow tests
    that need a built workspace (each clean build costs a minute and a half). Never edited: a test
    takes its own copy with ``workflow_copy.copy_build``."""
    from workflow_copy import clean_build

    return clean_build(tmp_path_factory, "default-build")


def refresh(raw: Path) -> None:
    """Recompute the manifest hashes, so a test reaches the check it means to exercise."""
    update_checksums(raw / "sources.yaml")


def edit_cell(path: Path, row: int, column: str, new_text: str) -> None:
    """Replace one cell of a raw table (row = printed row number)."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    col = records[0].index(column)
    records[row][col] = new_text
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)


def corrupt(raw: Path, file: str, row: int, column: str, text: str) -> Path:
    """Set one cell of ``file`` in a ``raw_copy`` (row = printed row, or data line - 1), then recompute
    the manifest hashes and re-sign (``refresh``), so that the build gets past the checksum and
    signature verification to the check under test. Returns ``raw``."""
    edit_cell(raw / file, row, column, text)
    refresh(raw)
    return raw


_BUILT = []


def ensure_built() -> None:
    """Build the repository's own outputs once per session if they are missing (a fresh clone runs
    the tests before any build). Tests on the real processed data call this instead of skipping:
    a skipped test cannot fail."""
    if _BUILT or (ROOT / "results/MANIFEST.sha256").exists():
        _BUILT.append(True)
        return
    import subprocess
    import sys

    snakemake = str(Path(sys.executable).parent / "snakemake")
    run = subprocess.run([snakemake, "--cores", "2"], cwd=ROOT, capture_output=True, text=True, timeout=1200,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    _BUILT.append(True)


def coefficients(result):
    """term -> estimate of a ModelResult's coefficient rows (the known-coefficient tests compare them)."""
    est = result.estimates
    return est[est.role == "coef"].set_index("term")["estimate"]
