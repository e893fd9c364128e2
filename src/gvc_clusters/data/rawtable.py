"""Read one printed table (data/raw/<family>/table_*.csv) as text, strictly.

Raw files are UTF-8, comma-separated, with a leading ``row`` column (see data/raw/README.md).
Every cell is returned as a string, exactly as transcribed; numbers are parsed later, after the
decision log has been applied, so that nothing is interpreted silently here.

Encoding policy: the files are specified as UTF-8 *without* a byte-order mark. A BOM is refused
(not silently stripped): it is the mark of a file re-saved by a spreadsheet, which may also have
re-formatted cells ("1,005.0" -> "1005"), so the reader stops and says so rather than guess.
Bytes that are not UTF-8 (typically Latin-1 accents in place names, "Esp\\xedrito Santo") are
located by line, byte offset and column, and shown as Latin-1 would read them.

The same strict reader (:func:`read_text_table`) serves the editorial CSV files (cluster key,
decision log, chapter 9 verdicts), so that no file reaches ``pandas.read_csv`` and fails with an
unlocated ``UnicodeDecodeError`` or ``ParserError``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from gvc_clusters.errors import InputError

# A plain printed number: optional minus, digits with optional thousands commas, optional
# decimals, optional percent sign. Digits are ASCII 0-9: Python's \d (and float()) also take
# other scripts' digits ("٣", "١٢"), which the book never prints; an OCR glyph such as "٣" is a
# glyph that needs a decision like any other. Anything else (glyphs, footnote letters, "n.a.") needs a
# decision in the decision log.
_NUMBER = re.compile(r"^-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?%?$")
# "12,5": a decimal comma (continental notation), which the book never uses.
DECIMAL_COMMA = re.compile(r"^-?[0-9]+,([0-9]{1,2}|[0-9]{4,})%?$")
BOM = b"\xef\xbb\xbf"
# Printed tables and editorial files are a few kB; a file this large in their place (a data dump
# copied over a table) is refused before it is read, instead of minutes of parsing and a huge log.
MAX_TEXT_BYTES = 2_000_000


def parse_number(text: str) -> float | None:
    """Parse a plain printed number ("1,005.0", "12.5%", "-3"); return None if it is not one."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    return float(text.rstrip("%").replace(",", ""))


def not_a_number_hint(text: str) -> str:
    """Why ``text`` is not a plain printed number, in a few words (for error messages)."""
    text = text.strip()
    if DECIMAL_COMMA.match(text):
        return "a decimal comma where the tables print a decimal point"
    if text.count(".") > 1:
        return "more than one decimal point"
    return "not a plain number"


# A printed range: two plain numbers joined by a hyphen, en dash or em dash ("60-90", "10–15").
_RANGE = re.compile(r"^(?P<low>[^-–—]+?)\s*[-–—]\s*(?P<high>[^-–—]+)$")


def parse_range(text: str, *, file: str | Path = "<text>", row=None, column=None) -> tuple[float, float]:
    """Parse a printed range ("60-90", "10–15", "70–100") or a single plain number ("1,200").

    Returns ``(low, high)``; a single number gives ``(value, value)``. Anything else, or a range
    with low > high, raises InputError naming ``file``, ``row`` and ``column``.
    """
    text = text.strip()
    single = parse_number(text)
    if single is not None:
        return single, single
    match = _RANGE.match(text)
    if match:
        low, high = parse_number(match["low"]), parse_number(match["high"])
        if low is not None and high is not None and low <= high:
            return low, high
    raise InputError(file, "cell is not a plain number or a printed range", row=row, column=column, value=text,
                     expected="a plain number, or 'low-high' / 'low–high' with low <= high")


def _brief(record: list[str], width: int = 40) -> list[str]:
    """A record for an error message: long cells shortened."""
    return [c if len(c) <= width else c[: width - 3] + "..." for c in record]


def _column_at(line_prefix: str, header: list[str] | None) -> str | None:
    """The column a position on a CSV line falls in (the text of the line before it is given)."""
    try:
        cells = next(csv.reader([line_prefix]))
    except (csv.Error, StopIteration):
        return None
    index = max(len(cells) - 1, 0)
    if header and index < len(header):
        return header[index]
    return f"#{index + 1}"


def decode_utf8(path: str | Path, data: bytes) -> str:
    """``data`` as text, or InputError locating a byte-order mark or the first non-UTF-8 byte."""
    if data.startswith(BOM):
        raise InputError(path, "file starts with a UTF-8 byte-order mark", row=1, value="\ufeff",
                         expected="UTF-8 without BOM (re-save the file without the BOM; see data/raw/README.md)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = err.start
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data[:start].count(b"\n") + 1
        head = data[: data.find(b"\n")] if b"\n" in data else data
        header = None
        try:
            header = next(csv.reader([head.decode("utf-8").rstrip("\r")]))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            pass
        prefix = data[line_start:start].decode("utf-8", errors="replace")
        column = _column_at(prefix, header) if line > 1 else None
        byte = data[start]
        where = f"byte 0x{byte:02X} at byte offset {start} (line {line}" + (f", column {column!r})" if column else ")")
        raise InputError(path, f"file is not valid UTF-8 (Latin-1 or another encoding?): {where}", row=line,
                         value=data[start: start + 4].decode("latin-1"),
                         expected=f"UTF-8 text (in Latin-1 this byte reads {bytes([byte]).decode('latin-1')!r}; "
                                  "re-save the file as UTF-8)") from None


def read_records(path: str | Path, *, what: str = "file",
                 listed_in: str = "data/raw/sources.yaml") -> list[tuple[int, list[str]]]:
    """The CSV records of ``path`` as (line number where the record starts, cells), strictly.

    Missing, empty, BOM-marked or non-UTF-8 files and malformed quoting raise InputError.
    Blank lines are skipped.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"{what} is missing", expected=f"a file listed in {listed_in}")
    if path.is_dir():
        raise InputError(path, f"{what} is a directory", expected="a CSV file")
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InputError(path, f"{what} is {size:,} bytes, far larger than a printed table (a different file "
                         "copied in its place?); refused before reading it", value=f"{size:,} bytes",
                         expected=f"at most {MAX_TEXT_BYTES:,} bytes")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, f"{what} is empty", row=1, value=data.decode("latin-1"),
                         expected="a header line and at least one row")
    text = decode_utf8(path, data)
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    line = 1
    try:
        for rec in reader:
            if rec:
                records.append((line, rec))
            line = reader.line_num + 1
    except csv.Error as err:
        raise InputError(path, f"malformed CSV: {err}", row=reader.line_num,
                         expected="RFC 4180 quoting (write the file with Python's csv module)") from None
    return records


def _check_header(path: Path, header: list[str], first: str | None) -> None:
    if len(header) == 1:
        for delimiter, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in header[0]:
                raise InputError(path, f"header is not comma-separated (it is {name}-separated)", row=1,
                                 value=header[0][:60], expected="comma-separated columns"
                                 + (f" starting with {first!r}" if first else ""))
    if first is not None and header[0] != first:
        raise InputError(path, f"first column must be {first!r}", row=1, column=header[0], value=header[0],
                         expected=repr(first))
    for i, name in enumerate(header):
        if not name.strip():
            raise InputError(path, "empty column header", row=1, column=f"#{i + 1}", value=name,
                             expected="a printed or descriptive column name")
    dupes = [name for i, name in enumerate(header) if name in header[:i]]
    if dupes:
        raise InputError(path, "column header printed twice", row=1, column=dupes[0], value=header,
                         expected="each column name once")


def _check_columns(path: Path, columns: list[str], expected_columns: list[str] | None) -> None:
    if expected_columns is None:
        return
    missing = [c for c in expected_columns if c not in columns]
    extra = [c for c in columns if c not in expected_columns]
    if missing:
        raise InputError(path, "missing column(s) in header", row=1, column=missing[0],
                         value=columns, expected=f"columns {expected_columns}")
    if extra:
        raise InputError(path, "unexpected column(s) in header", row=1, column=extra[0],
                         value=columns, expected=f"columns {expected_columns}")


def read_raw_table(path: str | Path, expected_columns: list[str] | None = None) -> pd.DataFrame:
    """Return the table as a DataFrame of strings indexed by the printed ``row`` number.

    Raises InputError (naming file, row and column) for: a missing or empty file, a byte-order
    mark or non-UTF-8 bytes, a different delimiter, missing, extra, duplicate or empty columns,
    ragged rows, and row numbers that are not 1, 2, 3, ...
    """
    path = Path(path)
    records = read_records(path, what="raw table file")
    header = records[0][1]
    _check_header(path, header, "row")
    columns = header[1:]
    _check_columns(path, columns, expected_columns)
    rows = []
    for line_no, rec in records[1:]:
        if len(rec) != len(header):
            raise InputError(path, f"row has {len(rec)} cells, header has {len(header)}",
                             row=rec[0] if rec else line_no, value=_brief(rec), expected=f"{len(header)} cells")
        expected_row = str(len(rows) + 1)
        if rec[0] != expected_row:
            raise InputError(path, "row numbers must count 1, 2, 3, ... in printed order", row=rec[0],
                             column="row", value=rec[0], expected=expected_row)
        rows.append([c.strip() for c in rec[1:]])
    if not rows:
        raise InputError(path, "raw table has a header but no rows", row=1, value=header,
                         expected="at least one row")
    frame = pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="row"), dtype=object)
    return frame


def read_text_table(path: str | Path, columns: list[str], *, what: str = "file") -> pd.DataFrame:
    """An editorial CSV file (cluster key, decision log, verdicts) as strings, strictly.

    The header must be exactly ``columns``; every record must have as many cells. The index is
    the file line where each record starts (the header is line 1), for error messages.
    """
    path = Path(path)
    records = read_records(path, what=what, listed_in="data/raw/README.md")
    header = records[0][1]
    _check_header(path, header, columns[0])
    if header != list(columns):
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        column = (missing or extra or [None])[0]
        raise InputError(path, f"{what} header differs", row=1, column=column, value=header,
                         expected=str(list(columns)))
    lines, body = [], []
    for line, rec in records[1:]:
        if len(rec) != len(header):
            raise InputError(path, f"line has {len(rec)} cells, header has {len(header)}", row=line, value=_brief(rec),
                             expected=f"{len(header)} cells")
        lines.append(line)
        body.append(rec)
    if not body:  # named here: otherwise a downstream table fails for want of this file's rows
        raise InputError(path, f"{what} has a header but no rows", row=1, value=header,
                         expected="at least one record after the header")
    return pd.DataFrame(body, columns=list(columns), index=pd.Index(lines, name="line"), dtype=object)
