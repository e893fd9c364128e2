"""Read one printed table (data/raw/<family>/table_*.csv) as text, strictly.

Raw files are UTF-8, comma-separated, with a leading ``row`` column (see data/raw/README.md).
Every cell is returned as a string, exactly as transcribed; numbers are parsed later, after the
decision log has been applied, so that nothing is interpreted silently here.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .errors import InputError

# A plain printed number: optional minus, digits with optional thousands commas, optional
# decimals, optional percent sign. Anything else (glyphs, footnote letters, "n.a.") needs a
# decision in the decision log.
_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")


def parse_number(text: str) -> float | None:
    """Parse a plain printed number ("1,005.0", "12.5%", "-3"); return None if it is not one."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    return float(text.rstrip("%").replace(",", ""))


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


def read_raw_table(path: str | Path, expected_columns: list[str] | None = None) -> pd.DataFrame:
    """Return the table as a DataFrame of strings indexed by the printed ``row`` number.

    Raises InputError (naming file, row and column) for: a missing or empty file, a byte-order
    mark or non-UTF-8 bytes, a different delimiter, missing or extra columns, ragged rows, and
    row numbers that are not 1, 2, 3, ...
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "raw table file is missing", expected="a file listed in data/raw/sources.yaml")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "raw table file is empty", expected="a header line and at least one row")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(path, "file starts with a UTF-8 byte-order mark", row=1,
                         expected="UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(path, "file is not valid UTF-8 (Latin-1 or another encoding?)", row=line,
                         value=data[err.start: err.start + 4].decode("latin-1"), expected="UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [r for r in reader]
    except csv.Error as err:
        raise InputError(path, f"malformed CSV: {err}", row=reader.line_num) from None
    header = records[0] if records else []
    if not header:
        raise InputError(path, "the first line (the header) is empty", row=1,
                         expected="comma-separated columns starting with 'row'")
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise InputError(path, "header is not comma-separated", row=1, value=header[0][:60],
                         expected="comma-separated columns starting with 'row'")
    if header[0] != "row":
        raise InputError(path, "first column must be the printed row number", row=1, column=header[0],
                         value=header[0], expected="'row'")
    columns = header[1:]
    if expected_columns is not None:
        missing = [c for c in expected_columns if c not in columns]
        extra = [c for c in columns if c not in expected_columns]
        if missing:
            raise InputError(path, "missing column(s) in header", row=1, column=missing[0],
                             value=columns, expected=f"columns {expected_columns}")
        if extra:
            raise InputError(path, "unexpected column(s) in header", row=1, column=extra[0],
                             value=columns, expected=f"columns {expected_columns}")
    rows = []
    for line_no, rec in enumerate(records[1:], start=2):
        if len(rec) != len(header):
            raise InputError(path, f"row has {len(rec)} cells, header has {len(header)}",
                             row=rec[0] if rec else line_no, value=rec, expected=f"{len(header)} cells")
        expected_row = str(len(rows) + 1)
        if rec[0] != expected_row:
            raise InputError(path, "row numbers must count 1, 2, 3, ... in printed order", row=rec[0],
                             column="row", value=rec[0], expected=expected_row)
        rows.append([c.strip() for c in rec[1:]])
    if not rows:
        raise InputError(path, "raw table has a header but no rows", expected="at least one row")
    frame = pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="row"), dtype=object)
    return frame
