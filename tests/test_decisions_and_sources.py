"""The decision log and the sources manifest: located errors, readings, checksums."""

import csv
import math

import pytest
from conftest import RAW, edit_cell, refresh

from gvc_clusters.data.decisions import cell_values, numeric_table, read_decision_log, readings, verify_against_raw
from gvc_clusters.data.families import build_family
from gvc_clusters.data.rawtable import read_raw_table
from gvc_clusters.data.sources import load_manifest, verify_checksums
from gvc_clusters.errors import InputError


def test_repository_manifest_and_log_are_consistent():
    entries = verify_checksums(RAW / "sources.yaml")
    assert len(entries) == 22   # 20 printed tables (Table 10-3 added, issue 26), the cluster key and chapter 9 verdicts
    log = read_decision_log(RAW / "decision_log.csv")
    assert readings(log) == ["1-2.A", "1-2.B", "1-2.C", "10-2.A", "10-2.B", "10-2.C", "10-2.D", "10-2.E", "10-2.F",
                             "10-2.G", "10-2.H", "10-2.I", "10-2.J", "10-2.K"]


def test_every_manifest_entry_has_provenance():
    for e in load_manifest(RAW / "sources.yaml"):
        assert e["authors"] and e["title"] and e["units"] is not None
        first, last = e["seed_lines"]
        assert 1 <= first <= last <= 3973


def test_decoded_glyphs_of_table_10_4():
    log = read_decision_log(RAW / "decision_log.csv")
    values = cell_values(log, "10-4")
    assert values[(3, "Product upgrading")] == 3.0  # 'm'
    assert values[(2, "Sum of upgrading")] == 6.0  # '9' printed upside down
    assert values[(22, "Intersectoral upgrading")] == 0.06  # '90.0' printed upside down


def test_alternative_reading_overrides_only_its_cells():
    log = read_decision_log(RAW / "decision_log.csv")
    default, alternative = cell_values(log, "10-2"), cell_values(log, "10-2", "10-2.A")
    before = {k: default.get(k, math.nan) for k in alternative}
    same = {k for k in alternative if alternative[k] == before[k] or (math.isnan(alternative[k]) and math.isnan(before[k]))}
    changed = set(alternative) - same
    assert changed == {(58, "Network")}
    assert alternative[(58, "Network")] == 2.0


def test_undecided_glyph_names_file_row_column_value(raw_copy):
    path = raw_copy / "clusters/table_10_4.csv"
    edit_cell(path, 6, "Degree of collective efficiency", "Medium")  # untouched label column, sanity
    edit_cell(path, 14, "Product upgrading", "2.5x")
    raw = read_raw_table(path)
    log = read_decision_log(raw_copy / "decision_log.csv")
    with pytest.raises(InputError) as err:
        numeric_table(raw, ["Product upgrading"], log, "10-4", path)
    assert "table_10_4.csv, row 14, column 'Product upgrading'" in str(err.value)
    assert "got '2.5x'" in str(err.value)


def test_decision_that_no_longer_matches_the_raw_file(raw_copy):
    path = raw_copy / "clusters/table_10_4.csv"
    edit_cell(path, 3, "Product upgrading", "M")  # the log says the printed text is 'm'
    log = read_decision_log(raw_copy / "decision_log.csv")
    with pytest.raises(InputError, match="printed_text differs from .*table_10_4.csv row 3"):
        verify_against_raw(log, "10-4", read_raw_table(path), path)


def test_unknown_decision_kind_is_located(raw_copy):
    path = raw_copy / "decision_log.csv"
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[5][7] = "guess"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(InputError, match="decision_log.csv, row 6, column 'kind': unknown decision kind"):
        read_decision_log(path)


def test_checksum_mismatch_is_reported_before_parsing(raw_copy):
    edit_cell(raw_copy / "dairy/table_2_2.csv", 1, "2001", "99.9")
    with pytest.raises(InputError, match=r"table_2_2.csv, column 'sha256': checksum mismatch"):
        build_family("dairy", raw_copy)


def test_manifest_entry_without_file(raw_copy):
    (raw_copy / "salmon/table_4_1.csv").unlink()
    with pytest.raises(InputError, match="manifest entry names a file that does not exist"):
        verify_checksums(raw_copy / "sources.yaml")


def test_raw_file_without_manifest_entry(raw_copy):
    with pytest.raises(InputError, match="raw file has no entry in the sources manifest"):
        verify_checksums(raw_copy / "sources.yaml", files=["clusters/table_10_9.csv"])


def test_manifest_schema_violation_names_the_entry(raw_copy):
    path = raw_copy / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("chapter: 4\n", "chapter: four\n", 1), encoding="utf-8")
    with pytest.raises(InputError, match="does not match the schema"):
        load_manifest(path)


def test_refresh_makes_an_edited_copy_verifiable(raw_copy):
    edit_cell(raw_copy / "dairy/table_2_2.csv", 1, "2001", "63.2")
    refresh(raw_copy)
    verify_checksums(raw_copy / "sources.yaml")
