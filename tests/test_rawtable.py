"""Reading a printed table strictly: every malformed file is reported where it is malformed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gvc_clusters.data.rawtable import parse_number, read_raw_table
from gvc_clusters.errors import InputError


@pytest.mark.parametrize(
    "text, value",
    [("1,005.0", 1005.0), ("12.5%", 12.5), ("-3", -3.0), ("0.96%", 0.96), ("100,000", 100000.0), ("7", 7.0)],
)
def test_plain_printed_numbers_parse(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1.2.3", "12,5", "m", "_", "90.0x", "n.a.", "", "1,00", "2 2", "∞", "66ª"])
def test_anything_else_is_not_a_number(text):
    assert parse_number(text) is None


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="table.csv: raw table file is missing"):
        read_raw_table(tmp_path / "table.csv")


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="is empty"):
        read_raw_table(write(tmp_path, ""))


def test_byte_order_mark_is_rejected(tmp_path):
    with pytest.raises(InputError, match="row 1: file starts with a UTF-8 byte-order mark"):
        read_raw_table(write(tmp_path, "\ufeffrow,A\n1,2\n"))


def test_latin1_accents_are_located(tmp_path):
    with pytest.raises(InputError, match=r"row 2: file is not valid UTF-8.*got 'írit"):
        read_raw_table(write(tmp_path, "row,Place\n1,Espírito Santo\n", encoding="latin-1"))


def test_semicolon_delimiter(tmp_path):
    with pytest.raises(InputError, match="header is not comma-separated"):
        read_raw_table(write(tmp_path, "row;A;B\n1;2;3\n"))


def test_missing_and_extra_columns_name_the_column(tmp_path):
    path = write(tmp_path, "row,A,C\n1,2,3\n")
    with pytest.raises(InputError, match="column 'B': missing column"):
        read_raw_table(path, ["A", "B", "C"])
    with pytest.raises(InputError, match="column 'C': unexpected column"):
        read_raw_table(path, ["A"])


def test_ragged_row_names_its_row(tmp_path):
    with pytest.raises(InputError, match="row 2: row has 2 cells, header has 3"):
        read_raw_table(write(tmp_path, "row,A,B\n1,x,y\n2,x\n"))


def test_row_numbers_must_count_up(tmp_path):
    with pytest.raises(InputError, match="row 3, column 'row'.*expected 2"):
        read_raw_table(write(tmp_path, "row,A\n1,x\n3,y\n"))


def test_cells_are_kept_as_printed(tmp_path):
    frame = read_raw_table(write(tmp_path, 'row,A,B\n1," m ",90.0\n2,<u></u>,"1,005.0"\n'))
    assert frame.loc[1].tolist() == ["m", "90.0"]
    assert frame.loc[2].tolist() == ["<u></u>", "1,005.0"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_the_projects_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "t.csv"
    path.write_text(text, encoding="utf-8")
    try:
        frame = read_raw_table(path)
    except InputError:
        return
    assert list(frame.index) == list(range(1, len(frame) + 1))
