"""The light layout module (read by the Snakefile) and the family registry agree with what the
parsers really read and build."""

import pytest
from conftest import RAW

from gvc_clusters.data.decisions import read_decision_log
from gvc_clusters.data.families import FAMILIES, build_family, family, raw_dir_of_inputs
from gvc_clusters.data.parse import salmon
from gvc_clusters.data.parse.common import RawInputs
from gvc_clusters.data.sources import load_manifest
from gvc_clusters.errors import InputError
from gvc_clusters.layout import FAMILY_FILES, FAMILY_TABLES


def raw_inputs(name, files):
    return RawInputs(name, RAW, tuple(files), load_manifest(RAW / "sources.yaml"),
                     read_decision_log(RAW / "decision_log.csv"))


def test_the_registry_lists_the_layouts_families_in_its_order():
    assert list(FAMILIES) == list(FAMILY_FILES) == list(FAMILY_TABLES) == [
        "clusters", "dairy", "salmon", "furniture", "trade"]
    assert all(FAMILIES[name].name == name for name in FAMILIES)


@pytest.mark.parametrize("name", FAMILIES)
def test_each_parser_reads_exactly_the_declared_files_and_writes_the_declared_tables(name):
    fam = FAMILIES[name]
    raw = raw_inputs(name, fam.files)
    built = fam.build(raw)
    tables = set(built.tables) | set(fam.extras(raw, built.tables) if fam.extras else {})
    assert raw.used == set(FAMILY_FILES[name])
    assert sorted(tables) == sorted(FAMILY_TABLES[name])
    assert sorted(FAMILY_TABLES[name]) == sorted(build_family(name, RAW).tables)


def test_a_parser_cannot_read_a_file_its_family_does_not_declare():
    # only the declared files have their checksums verified before parsing
    with pytest.raises(InputError, match="does not declare") as err:
        salmon.build(raw_inputs("salmon", ["salmon/table_4_1.csv"]))
    assert err.value.value == "salmon/table_4_3.csv"


def test_an_unknown_family_is_named_with_the_known_ones():
    with pytest.raises(InputError, match="unknown table family") as err:
        family("coffee")
    assert err.value.expected == ["clusters", "dairy", "salmon", "furniture", "trade"]


def test_every_manifest_file_belongs_to_one_family():
    listed = sorted(f for files in FAMILY_FILES.values() for f in files)
    assert listed == sorted(e["file"] for e in load_manifest(RAW / "sources.yaml"))


def test_the_clean_rule_inputs_must_be_the_declared_files_beside_the_manifest():
    files = [f"data/raw/{f}" for f in FAMILY_FILES["salmon"]]
    assert str(raw_dir_of_inputs("salmon", files, "data/raw/sources.yaml")) == "data/raw"
    with pytest.raises(InputError, match="not the family's declared files") as err:
        raw_dir_of_inputs("salmon", files[::-1], "data/raw/sources.yaml")  # another order
    assert err.value.file == "rule clean_salmon"
    with pytest.raises(InputError, match="not the family's declared files"):
        raw_dir_of_inputs("salmon", files, "elsewhere/sources.yaml")  # not beside the manifest
