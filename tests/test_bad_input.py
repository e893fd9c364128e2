"""Bad input, case by case: every corruption of data/raw is stopped with a located InputError.

Each test corrupts a private copy of data/raw (the ``raw_copy`` fixture), re-signs it with
``refresh`` when the case is about a stage after the checksum check, runs the family build (the
clean step, which runs before any model), and asserts that the message names the file, the row,
the column, the offending value and what was expected. Where a part does not apply to the case
(a missing file has no row), the test says so.

Conventions the messages follow (gvc_clusters.errors.InputError):
``<file>, row <row>, column '<column>': <problem> (got <value>; expected <expectation>)``.
In a raw table, ``row`` is the printed row number (the ``row`` column). For problems found before
the file can be read as a table (encoding, delimiter) it is the file line, and the message says so.
In the editorial files (cluster key, decision log, sources.yaml) ``row`` is the file line.

Encoding decision: raw files are UTF-8 *without* BOM (data/raw/README.md). A BOM is rejected with
a clear message rather than stripped: it marks a file re-saved by a spreadsheet, which may also
have reformatted cells, so the checksum and a human should look at it. Latin-1 bytes are located
by line, byte offset and column and shown as Latin-1 reads them.

The property-based tests at the end feed arbitrary bytes and CSV-like text to the raw-table
readers: they either return a well-formed table or raise InputError, never anything else.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from conftest import RAW, edit_cell, refresh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gvc_clusters.data.decisions import numeric_table, read_decision_log
from gvc_clusters.data.families import build_family, write_family
from gvc_clusters.data.parse.clusters import KEY_COLUMNS
from gvc_clusters.data.rawtable import parse_number, parse_range, read_raw_table, read_text_table
from gvc_clusters.data.sources import load_manifest
from gvc_clusters.errors import InputError, InputErrors

SALMON_SHARE = "Chile's percentage of world farmed salmon production"


# --------------------------------------------------------------------------------------------
# helpers


def read_records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_records(path: Path, records: list[list[str]], delimiter: str = ",") -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(records)


def manifest_line(raw: Path, file: str) -> int:
    """The line of ``- file: <file>`` in the copy's sources.yaml (what the messages cite)."""
    for number, line in enumerate((raw / "sources.yaml").read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == f"- file: {file}":
            return number
    raise AssertionError(f"{file} not in sources.yaml")


def build_error(family: str, raw: Path) -> InputError:
    """Run the clean step of ``family`` on ``raw``; it must fail with the project's error type."""
    with pytest.raises(InputError) as info:
        build_family(family, raw)
    return info.value


def assert_names(err: InputError, *parts: str) -> str:
    """Every part (file, 'row N', "column 'C'", value, expectation) is in the message."""
    message = str(err)
    for part in parts:
        assert part in message, f"{part!r} not in message:\n{message}"
    return message


def located(err: InputError, file: str, row=None, column=None) -> InputError:
    """The first error of ``err`` (one or several) located at ``file``/``row``/``column``."""
    for e in getattr(err, "errors", [err]):
        if Path(e.file).name == file and (row is None or str(e.row) == str(row)) \
                and (column is None or e.column == column):
            return e
    raise AssertionError(f"no error at {file} row {row} column {column!r} in:\n{err}")


# --------------------------------------------------------------------------------------------
# files and the sources manifest


def test_missing_raw_file(raw_copy):
    (raw_copy / "clusters/table_10_5.csv").unlink()
    err = build_error("clusters", raw_copy)
    line = manifest_line(raw_copy, "clusters/table_10_5.csv")
    assert_names(err, f"sources.yaml, row {line}, column 'file'",
                 "manifest entry names a file that does not exist",
                 "got 'clusters/table_10_5.csv'",
                 f"expected an existing raw file at {raw_copy / 'clusters/table_10_5.csv'}")


def test_sources_manifest_entry_with_no_file(raw_copy):
    """An entry added for a table not transcribed yet: caught when the workflow starts (the check
    preflight runs on every entry), before any clean job, which looks at its own files only."""
    from gvc_clusters.data.sources import verify_checksums

    manifest = raw_copy / "sources.yaml"
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    ghost = dict(entries[3], file="dairy/table_2_9.csv", table="2-9")
    manifest.write_text(manifest.read_text(encoding="utf-8")
                        + yaml.safe_dump([ghost], sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        verify_checksums(manifest, files=[])
    err = str(caught.value)
    build_family("dairy", raw_copy)   # the dairy job itself reads only its declared files
    line = manifest_line(raw_copy, "dairy/table_2_9.csv")
    assert_names(err, f"sources.yaml, row {line}, column 'file'", "manifest entry names a file that does not exist",
                 "got 'dairy/table_2_9.csv'", "expected an existing raw file at", "table_2_9.csv")


def test_raw_file_without_manifest_entry(raw_copy):
    """No row or column applies: the entry itself is what is missing."""
    manifest = raw_copy / "sources.yaml"
    entries = [e for e in yaml.safe_load(manifest.read_text(encoding="utf-8")) if e["file"] != "dairy/table_2_2.csv"]
    manifest.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv: raw file has no entry in the sources manifest",
                 "got 'dairy/table_2_2.csv'", "expected an entry with file: dairy/table_2_2.csv in", "sources.yaml")


def test_checksum_mismatch(raw_copy):
    """An edited file is refused before it is parsed; the message gives both hashes and the entry."""
    path = raw_copy / "dairy/table_2_2.csv"
    recorded = next(e["sha256"] for e in load_manifest(raw_copy / "sources.yaml") if e["file"] == "dairy/table_2_2.csv")
    edit_cell(path, 1, "2001", "99.9")
    err = build_error("dairy", raw_copy)
    from gvc_clusters.data.sources import sha256

    assert_names(err, "table_2_2.csv, column 'sha256': checksum mismatch",
                 f"sources.yaml line {manifest_line(raw_copy, 'dairy/table_2_2.csv')}",
                 f"got '{sha256(path)}'", f"expected {recorded}",
                 "python -m gvc_clusters.data.sources --update")


def test_manifest_entry_breaks_its_schema(raw_copy):
    manifest = raw_copy / "sources.yaml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index("- file: dairy/table_2_2.csv")
    sha_at = text.index("  sha256: ", start)
    end = text.index("\n", sha_at)
    manifest.write_text(text[:sha_at] + "  sha256: not-a-hash" + text[end:], encoding="utf-8")
    sha_line = text[:sha_at].count("\n") + 1
    err = build_error("dairy", raw_copy)
    assert_names(err, f"sources.yaml, row {sha_line}, column 'sha256'",
                 "manifest entry 'dairy/table_2_2.csv' does not match the schema",
                 "got 'not-a-hash'", "expected a string matching ^[0-9a-f]{64}$")


# --------------------------------------------------------------------------------------------
# file format: empty, encoding, delimiter, columns, shape


def test_empty_file(raw_copy):
    (raw_copy / "dairy/table_2_2.csv").write_bytes(b"")
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 1: raw table file is empty", "got ''",
                 "expected a header line and at least one row")


def test_header_without_rows(raw_copy):
    path = raw_copy / "dairy/table_2_2.csv"
    write_records(path, read_records(path)[:1])
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 1: raw table has a header but no rows", "got ['row', 'Item', '1995'",
                 "expected at least one row")


def test_utf8_byte_order_mark_is_rejected(raw_copy):
    path = raw_copy / "dairy/table_2_2.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 1: file starts with a UTF-8 byte-order mark", r"got '\ufeff'",
                 "expected UTF-8 without BOM")


def test_latin1_accent_in_a_raw_table(raw_copy):
    """'Espírito Santo' saved as Latin-1 in Table 10-2 (line 18 = printed row 17, column 'Cluster')."""
    path = raw_copy / "clusters/table_10_2.csv"
    text = path.read_text(encoding="utf-8")
    line = "17,Espírito Santo (Brazil),1,1,0,0"
    assert line in text
    path.write_bytes(text.replace(line, "\x00").encode("utf-8").replace(b"\x00", line.encode("latin-1")))
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    offset = text.encode("utf-8").index(line.encode("utf-8")) + len("17,Esp")
    assert_names(err, "table_10_2.csv, row 18: file is not valid UTF-8 (Latin-1 or another encoding?)",
                 f"byte 0xED at byte offset {offset} (line 18, column 'Cluster')",
                 "got 'írit'", "expected UTF-8 text (in Latin-1 this byte reads 'í'")


def test_latin1_accents_in_the_cluster_key(raw_copy):
    """The whole editorial key re-saved as Latin-1: the first accent is on line 8 ('León')."""
    path = raw_copy / "clusters/cluster_key.csv"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[7].startswith("leon_shoes,traditional_manufacturing,Shoes,León,")
    path.write_bytes(text.encode("latin-1"))
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "cluster_key.csv, row 8: file is not valid UTF-8", "byte 0xF3", "(line 8, column 'location')",
                 "got 'ón,M'", "expected UTF-8 text (in Latin-1 this byte reads 'ó'")


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab")])
def test_wrong_delimiter(raw_copy, delimiter, name):
    path = raw_copy / "dairy/table_2_2.csv"
    write_records(path, read_records(path), delimiter=delimiter)
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    header = delimiter.join(["row", "Item", "1995", "1996", "1997"])
    assert_names(err, f"table_2_2.csv, row 1: header is not comma-separated (it is {name}-separated)",
                 f"got {header!r}"[:-1], "expected comma-separated columns starting with 'row'")


def test_missing_column(raw_copy):
    path = raw_copy / "dairy/table_2_2.csv"
    write_records(path, [rec[:-1] for rec in read_records(path)])  # drop 2001
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 1, column '2001': missing column(s) in header",
                 "got ['Item', '1995', '1996', '1997', '1998', '1999', '2000']",
                 "expected columns ['Item', '1995', '1996', '1997', '1998', '1999', '2000', '2001']")


def test_missing_column_in_an_upgrading_table(raw_copy):
    """Table 10-4 used to be read without a fixed header: a dropped column gave a bare KeyError."""
    path = raw_copy / "clusters/table_10_4.csv"
    records = read_records(path)
    drop = records[0].index("Process upgrading")
    write_records(path, [rec[:drop] + rec[drop + 1:] for rec in records])
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "table_10_4.csv, row 1, column 'Process upgrading': missing column(s) in header",
                 "got ['Cluster', 'Degree of collective efficiency', 'Product upgrading', 'Functional upgrading'",
                 "expected columns ['Cluster', 'Degree of collective efficiency', 'Product upgrading', "
                 "'Process upgrading'")


def test_extra_column(raw_copy):
    path = raw_copy / "dairy/table_2_2.csv"
    records = read_records(path)
    write_records(path, [records[0] + ["2002"]] + [rec + ["1.0"] for rec in records[1:]])
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 1, column '2002': unexpected column(s) in header",
                 "got ['Item', '1995',", "'2001', '2002']",
                 "expected columns ['Item', '1995', '1996', '1997', '1998', '1999', '2000', '2001']")


def test_ragged_row(raw_copy):
    path = raw_copy / "dairy/table_2_2.csv"
    records = read_records(path)
    records[3] = records[3] + ["8.1"]
    write_records(path, records)
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 3: row has 10 cells, header has 9",
                 "got ['3', 'Pasteurization', '7.4'", "'13.7', '8.1']", "expected 9 cells")


def test_truncated_table_loses_a_row_a_check_needs(raw_copy):
    """Table 5-1 without its last printed row (2001): the checks declared over rows 4-11 cannot run.
    (Used to escape as a bare KeyError from pandas.)"""
    path = raw_copy / "furniture/table_5_1.csv"
    write_records(path, read_records(path)[:-1])
    refresh(raw_copy)
    err = build_error("furniture", raw_copy)
    assert_names(err, "table_5_1.csv, row 11, column 'Wooden furniture exports US$ millions': row 11 named by check "
                      "row_formula#1 in", "sources.yaml is not in the table (truncated file?)",
                 "got 11", "expected printed rows 1..10")


# --------------------------------------------------------------------------------------------
# cells: numbers, ranges of values, codes


@pytest.mark.parametrize(
    "text, why",
    [("1.2.3", "more than one decimal point"),
     ("12,4", "a decimal comma where the tables print a decimal point")],
)
def test_unparseable_number(raw_copy, text, why):
    edit_cell(raw_copy / "dairy/table_2_2.csv", 2, "1997", text)
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, f"table_2_2.csv, row 2, column '1997': cell is not a number ({why})",
                 f"got '{text}'", "expected a plain number such as 1,005.0 or 12.5 (decimal point, thousands commas)")


def test_negative_quantity(raw_copy):
    edit_cell(raw_copy / "dairy/table_2_2.csv", 3, "1998", "-8.8")
    refresh(raw_copy)
    err = build_error("dairy", raw_copy)
    assert_names(err, "table_2_2.csv, row 3, column '1998'",
                 "processed table 'dairy_milk' (column 'pasteurization_million_gallons')",
                 "got -8.8", "expected a quantity >= 0 (it cannot be negative)")


def test_share_over_100_in_the_salmon_table(raw_copy):
    edit_cell(raw_copy / "salmon/table_4_1.csv", 2, SALMON_SHARE, "107.9%")
    refresh(raw_copy)
    err = build_error("salmon", raw_copy)
    assert_names(err, f"table_4_1.csv, row 2, column \"{SALMON_SHARE}\"",
                 "the cell is printed '107.9%'", "got 107.9", "expected a share between 0 and 100 percent")


def test_share_over_100_in_the_trade_table(raw_copy):
    column = "Competitiveness: market share 2000"
    edit_cell(raw_copy / "trade/table_9_2.csv", 2, column, "102.44%")
    refresh(raw_copy)
    err = build_error("trade", raw_copy)
    assert_names(err, f"table_9_2.csv, row 2, column '{column}'",
                 "processed table 'export_performance' (column 'market_share_2000_pct')",
                 "got 102.44", "expected a share between 0 and 100 percent")


@pytest.mark.parametrize("text", ["4", "2.7"])
def test_upgrading_score_out_of_scale(raw_copy, text):
    edit_cell(raw_copy / "clusters/table_10_4.csv", 14, "Product upgrading", text)
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    message = assert_names(err, "table_10_4.csv, row 14, column 'Product upgrading'",
                           "processed table 'upgrading' (column 'score_0to3')",
                           f"got {text}", "expected 0–3 in half steps")
    # The same cell also feeds the model dataset: it is reported once.
    assert message.count("table_10_4.csv, row 14") == 1


def test_unknown_governance_code(raw_copy):
    edit_cell(raw_copy / "clusters/table_10_2.csv", 3, "Market", "5")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "table_10_2.csv, row 3, column 'Market'", "processed table 'governance' (column 'code_0to3')",
                 "got 5", "expected a governance code 0, 1, 2 or 3")


def test_fractional_governance_code(raw_copy):
    """Used to escape as a bare TypeError from astype('Int64')."""
    edit_cell(raw_copy / "clusters/table_10_2.csv", 3, "Market", "1.5")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "table_10_2.csv, row 3, column 'Market': a count or code is not a whole number",
                 "got '1.5'", "expected a whole number")


def test_unknown_degree_of_collective_efficiency(raw_copy):
    edit_cell(raw_copy / "clusters/table_10_6.csv", 3, "Degree of collective efficiency", "Mid")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "table_10_6.csv, row 3, column 'Degree of collective efficiency': "
                      "unknown degree of collective efficiency", "got 'Mid'", "expected ['Low', 'Medium', 'High']")


# --------------------------------------------------------------------------------------------
# keys: sector groups, duplicate clusters, duplicate country-year rows, years outside the span


def _edit_key(raw: Path, line: int, column: str, value: str) -> None:
    path = raw / "clusters/cluster_key.csv"
    records = read_records(path)
    records[line - 1][KEY_COLUMNS.index(column)] = value
    write_records(path, records)


def test_unknown_sector_group(raw_copy):
    _edit_key(raw_copy, 5, "sector_group", "handicrafts")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "cluster_key.csv, row 5, column 'sector_group': unknown sector group", "got 'handicrafts'",
                 "expected ['traditional_manufacturing', 'natural_resource_based', 'complex_products', "
                 "'specialized_suppliers']")


def test_duplicate_cluster_key(raw_copy):
    _edit_key(raw_copy, 4, "cluster_id", "medellin_textile")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    e = located(err, "cluster_key.csv", 4, "cluster_id")
    assert_names(e, "cluster_key.csv, row 4, column 'cluster_id': duplicate cluster key", "got 'medellin_textile'",
                 "expected each cluster once (it is also on line 2)")


def test_key_row_number_that_is_not_a_number(raw_copy):
    """Used to escape as a bare ValueError from int()."""
    _edit_key(raw_copy, 6, "governance_row", "7a")
    refresh(raw_copy)
    err = build_error("clusters", raw_copy)
    assert_names(err, "cluster_key.csv, row 6, column 'governance_row': governance_row is not a printed row number",
                 "got '7a'", "expected a positive integer")


def test_duplicate_year(raw_copy):
    edit_cell(raw_copy / "salmon/table_4_1.csv", 3, "Year", "1990")
    refresh(raw_copy)
    err = build_error("salmon", raw_copy)
    e = located(err, "table_4_1.csv", 3, "Year")
    assert_names(e, "table_4_1.csv, row 3, column 'Year': duplicate key year = 1990",
                 "the same key comes from row 2", "got '1990'", "expected each (year) once")


def test_duplicate_country_year(raw_copy):
    """Table 5-3 with Italy printed twice: (country, year) repeats for 1992 and for 2001."""
    edit_cell(raw_copy / "furniture/table_5_3.csv", 4, "Country", "4 Italy")
    refresh(raw_copy)
    err = build_error("furniture", raw_copy)
    e = located(err, "table_5_3.csv", 4, "Country")
    assert_names(e, "table_5_3.csv, row 4, column 'Country': duplicate key (country, year) = ('Italy', 1992)",
                 "the same key comes from row 3", "got '4 Italy'", "expected each (country, year) once")
    assert_names(located(err, "table_5_3.csv", 3, "Country"), "the same key comes from row 4", "got '3 Italy'")


def test_year_outside_the_tables_span(raw_copy):
    edit_cell(raw_copy / "salmon/table_4_1.csv", 2, "Year", "2010")
    refresh(raw_copy)
    err = build_error("salmon", raw_copy)
    assert_names(err, "table_4_1.csv, row 2, column 'Year'", "processed table 'salmon_production' (column 'year')",
                 "got 2010", "expected a year within the table's span 1987–2001")


# --------------------------------------------------------------------------------------------
# the decision log, read by the same strict reader


def test_decision_log_with_a_ragged_line(raw_copy):
    """Used to escape as pandas' ParserError ('Expected 10 fields in line 6, saw 11')."""
    path = raw_copy / "decision_log.csv"
    records = read_records(path)
    records[5] = records[5] + ["stray"]
    write_records(path, records)
    err = build_error("dairy", raw_copy)
    assert_names(err, "decision_log.csv, row 6: line has 11 cells, header has 10",
                 "got ['1-2', '1', 'Salmon-Austral Regiona',", "'stray']", "expected 10 cells")


# --------------------------------------------------------------------------------------------
# failing safely: before any model, nothing already built is lost


def test_failure_leaves_earlier_outputs_and_exits_cleanly(raw_copy, tmp_path, capsys):
    """The clean job of a family (as workflow/scripts/clean_family.py runs it) stops on bad input with
    exit status 1 and a readable message; the outputs of the previous good run are untouched, and
    no model job can start since the models read only those outputs."""
    from gvc_clusters.jobs import run_job

    out = tmp_path / "processed" / "dairy"
    names = ["dairy_chain_2000", "dairy_milk"]
    output = SimpleNamespace(parquet=[str(out / f"{n}.parquet") for n in names],
                             csv=[str(out / f"{n}.csv") for n in names],
                             checksums=str(out / "checksums.csv"), summary=str(out / "summary.json"))
    write_family(build_family("dairy", raw_copy), output)  # a previous good run
    files = [*output.parquet, *output.csv, output.checksums, output.summary]
    before = {f: Path(f).read_bytes() for f in files}

    edit_cell(raw_copy / "dairy/table_2_2.csv", 3, "1998", "-8.8")
    refresh(raw_copy)
    smk = SimpleNamespace(log=[str(tmp_path / "logs" / "clean_dairy.log")], rule="clean_dairy", config={"fail_rules": []})
    with pytest.raises(SystemExit) as exit_info:
        run_job(smk, lambda: write_family(build_family("dairy", raw_copy), output))
    assert exit_info.value.code == 1
    stderr = capsys.readouterr().err
    assert "ERROR (bad input) in rule clean_dairy" in stderr
    assert "table_2_2.csv, row 3, column '1998'" in stderr and "Traceback" not in stderr
    assert {f: Path(f).read_bytes() for f in files} == before


def test_every_error_carries_its_location_as_attributes(raw_copy):
    """Not only the text: file, row, column, value and expected are fields a caller can use."""
    edit_cell(raw_copy / "salmon/table_4_1.csv", 4, SALMON_SHARE, "124.4%")
    refresh(raw_copy)
    err = build_error("salmon", raw_copy)
    assert isinstance(err, InputErrors)
    (e,) = err.errors
    assert (Path(e.file).name, e.row, e.column, e.value) == ("table_4_1.csv", 4, SALMON_SHARE, 124.4)
    assert e.expected == "a share between 0 and 100 percent"


# --------------------------------------------------------------------------------------------
# property-based: the readers never fail with anything but InputError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

# CSV-ish pieces, so that generated files often get past the header and into the rows.
PIECES = st.sampled_from(["row", ",", "\n", "\r\n", "\r", '"', '""', ";", "\t", "1", "2", "3", "10", "A", "B",
                          "x", " ", "1,005.0", "n.a.", "é", "\ufeff", "\x00", "Espírito", "-", "%"])


def _well_formed(frame: pd.DataFrame) -> None:
    assert list(frame.index) == list(range(1, len(frame) + 1))
    assert len(set(frame.columns)) == len(frame.columns) and all(c.strip() for c in frame.columns)
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())


@FUZZ
@given(data=st.binary(max_size=300))
def test_read_raw_table_on_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "t.csv"
    path.write_bytes(data)
    try:
        frame = read_raw_table(path)
    except InputError as err:
        assert str(err).startswith(str(path))
        return
    _well_formed(frame)


@FUZZ
@given(head=st.sampled_from(["", "row,A,B\n", "row,A\n1,", "row;A\n", "\ufeffrow,A\n"]),
       body=st.lists(PIECES, max_size=40).map("".join),
       encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_read_raw_table_on_csv_like_text(tmp_path_factory, head, body, encoding):
    path = tmp_path_factory.mktemp("csvish") / "t.csv"
    path.write_bytes((head + body).encode(encoding, errors="replace"))
    try:
        frame = read_raw_table(path, ["A", "B"] if head.startswith("row,A,B") else None)
    except InputError as err:
        assert str(err).startswith(str(path))
        return
    _well_formed(frame)


@FUZZ
@given(data=st.one_of(st.binary(max_size=200),
                      st.lists(PIECES, max_size=40).map(lambda p: ("table,row,x\n" + "".join(p)).encode())))
def test_editorial_reader_on_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("editorial") / "key.csv"
    path.write_bytes(data)
    try:
        frame = read_text_table(path, ["table", "row", "x"])
    except InputError:
        return
    assert list(frame.columns) == ["table", "row", "x"]
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_number_and_range_parsers_on_any_text(text):
    value = parse_number(text)
    assert value is None or math.isfinite(value)
    try:
        low, high = parse_range(text, file="f.csv", row=1, column="c")
    except InputError as err:
        assert "f.csv, row 1, column 'c'" in str(err)
        return
    assert low <= high


DECISION_LOG = read_decision_log(RAW / "decision_log.csv")


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_numeric_table_on_any_cell_text(cells):
    log = DECISION_LOG
    raw = pd.DataFrame({"Item": ["x"] * len(cells), "v": cells}, index=pd.RangeIndex(1, len(cells) + 1, name="row"))
    try:
        out = numeric_table(raw, ["v"], log, "no-such-table", "t.csv")
    except InputError as err:
        assert re.search(r"t\.csv, row \d+, column 'v'", str(err))
        return
    assert out["v"].dtype == float


@FUZZ
@given(text=st.one_of(st.text(max_size=200),
                      st.lists(st.sampled_from(["- ", "file: ", "a.csv", "\n", "  ", "sha256: ", "x", ":", "[", "]",
                                                "table: 1-1", "{", "}", "'"]), max_size=30).map("".join)))
def test_manifest_loader_on_any_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("manifest") / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        entries = load_manifest(path)
    except InputError:
        return
    assert isinstance(entries, list)
