"""The light layout module (read by the Snakefile) matches what the families really read and build."""

import pytest
from conftest import RAW

from gvc_clusters.families import FAMILIES, build_family, family_module
from gvc_clusters.layout import FAMILY_FILES, FAMILY_TABLES
from gvc_clusters.sources import load_manifest


@pytest.mark.parametrize("family", FAMILIES)
def test_layout_matches_the_family(family):
    assert FAMILY_FILES[family] == list(family_module(family).FILES)
    assert sorted(FAMILY_TABLES[family]) == sorted(build_family(family, RAW).tables)


def test_every_manifest_file_belongs_to_one_family():
    listed = sorted(f for files in FAMILY_FILES.values() for f in files)
    assert listed == sorted(e["file"] for e in load_manifest(RAW / "sources.yaml"))
