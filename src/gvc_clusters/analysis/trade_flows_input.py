"""The trade-flow input files, checked and, when a row is bad, located (issue 22).

``analysis/trade_flows.py`` streams the flows through DuckDB, Arrow or pandas. Those engines count
the rows they cannot use, but a count (or an engine's own error: DuckDB's ``Binder Error`` on a
ragged row, Arrow's ``Failed to parse string``) does not say where the problem is. This module
says where:

* :func:`check_periods` checks config ``trade_flows.periods`` (preflight runs it before any job);
* :func:`read_header` reads a file's header and refuses, by name, a directory in place of a
  file, a ``.gz`` that is not gzip, a Parquet file that is truncated or not Parquet, and a header
  that is not UTF-8 (byte and line, as Latin-1 would read it);
* :func:`first_bad_row` streams the files once more (only when the engine found a problem, so a
  clean run pays nothing) and returns the first row that breaks the layout's rules: a row with
  the wrong number of cells, a line that is not UTF-8, a year, exporter or product that is missing
  or not an integer, an HS code that is not 1-6 digits, a value that is missing, negative, not
  finite or not a number, a quantity that is neither ``NA``/empty nor a finite number; with its
  file, line (Parquet: row), column and value.

The rules are those the engines apply, written once here in plain Python for the message.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gvc_clusters.errors import InputError

INTEGER = re.compile(r"[0-9]+")
HS_CODE = re.compile(r"[0-9]{1,6}")
NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")   # ASCII, finite
MISSING_QUANTITY = {"NA", ""}    # BACI writes a missing quantity as NA (padded with spaces)
EXPECTED = {"t": "a year (an integer)", "i": "an exporter code (an integer)",
            "k": "an HS code of 1 to 6 digits (HS-6)", "v": "a finite value >= 0 (thousand USD)",
            "q": "a finite quantity (tonnes), or NA / empty for a missing one"}


def check_periods(periods: Mapping[str, Sequence[int]], where: str = "config"
                  ) -> tuple[tuple[int, int], tuple[int, int]]:
    """(a0, a1), (b0, b1) of config ``trade_flows.periods``, or InputError naming the key (also run
    by preflight, before any job)."""
    try:
        (a0, a1), (b0, b1) = (tuple(int(y) for y in periods[p]) for p in ("a", "b"))
    except (KeyError, TypeError, ValueError):
        raise InputError(where, "periods must be {a: [first, last], b: [first, last]} years",
                         column="trade_flows.periods", value=periods, expected="e.g. {a: [1995, 2000], b: [2015, 2020]}") from None
    if a0 > a1 or b0 > b1 or a1 >= b0:
        raise InputError(where, "periods must be [first, last] years with period a before period b",
                         column="trade_flows.periods", value={"a": [a0, a1], "b": [b0, b1]},
                         expected="first <= last in each period, and a's last year before b's first")
    if b1 - a0 >= 64:   # the DuckDB scan records the years found as bits of one 64-bit integer
        raise InputError(where, f"periods may span at most 64 years, got {a0}-{b1} ({b1 - a0 + 1} years)",
                         column="trade_flows.periods", value={"a": [a0, a1], "b": [b0, b1]},
                         expected="b's last year less than 64 years after a's first")
    return (a0, a1), (b0, b1)


def kind(path: str) -> str | None:
    name = str(path).lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    return None


def _binary(path: str):
    return gzip.open(path, "rb") if str(path).lower().endswith(".gz") else open(path, "rb")


def read_header(path: str) -> list[str]:
    """The column names of one input file, or InputError naming what is wrong with the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if Path(path).is_dir():
        raise InputError(path, "the trade_flows input is a directory, not a file",
                         expected="a BACI CSV (.csv, .csv.gz) or Parquet file")
    if kind(path) == "parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(path, f"not a readable Parquet file (truncated, or another format named .parquet): "
                             f"{err}", expected="a complete Parquet file") from None
    try:
        with _binary(path) as handle:
            line = handle.readline()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise InputError(path, f"not a gzip file, although it is named .gz ({err})",
                         expected="a gzip-compressed CSV, or the plain CSV named .csv") from None
    from gvc_clusters.data.rawtable import decode_utf8

    text = decode_utf8(path, line).rstrip("\r\n")
    return [c.strip().strip('"') for c in next(csv.reader([text]), [])]


@dataclass
class BadRow:
    file: str
    row: int            # CSV: the file line; Parquet: the row (1-based)
    column: str | None
    value: object
    problem: str

    def error(self, count: int | None = None, what: str = "") -> InputError:
        lead = f"{count:,} row(s) {what}; the first: " if count else ""
        return InputError(self.file, lead + self.problem, row=self.row, column=self.column, value=self.value,
                          expected=EXPECTED.get(self.column, "as many cells as the header, in UTF-8"))


def _cell_problem(column: str, text: str) -> str | None:
    """Why one CSV cell breaks the layout's rule for its column (None: it is fine)."""
    text = text.strip()
    if column in ("t", "i"):
        return None if INTEGER.fullmatch(text) else ("a missing key" if not text else "not an integer")
    if column == "k":
        return None if HS_CODE.fullmatch(text) else ("a missing key" if not text else "not an HS code of 1-6 digits")
    if column == "q" and text in MISSING_QUANTITY:
        return None
    if not text:
        return "a missing value"
    if not NUMBER.fullmatch(text):
        return "not a finite number" if text.lower().lstrip("+-") in ("nan", "inf", "infinity") else "not a number"
    if column == "v" and float(text) < 0:
        return "a negative value"
    return None


def _csv_bad_row(path: str, columns: Sequence[str], bounds: tuple[int, int, int, int] | None) -> BadRow | None:
    with _binary(path) as raw:
        # surrogateescape: a byte that is not UTF-8 survives as a marker, located below by row
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        header = [c.strip().strip('"') for c in next(reader, [])]
        index = {c: header.index(c) for c in columns if c in header}
        line = reader.line_num
        for cells in reader:
            row = line + 1
            line = reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                return BadRow(path, row, None, ",".join(cells)[:80],
                              f"a row of {len(cells)} cells under a header of {len(header)} (a ragged row)")
            undecodable = next((c for c in cells if any("\udc80" <= ch <= "\udcff" for ch in c)), None)
            if undecodable is not None:
                column = header[cells.index(undecodable)]
                shown = undecodable.encode("utf-8", "surrogateescape").decode("latin-1")
                return BadRow(path, row, column, shown, "a cell that is not UTF-8 (Latin-1 or another encoding?)")
            year = cells[index["t"]].strip() if "t" in index else ""
            if bounds is not None and INTEGER.fullmatch(year):
                a0, a1, b0, b1 = bounds
                if not (a0 <= int(year) <= a1 or b0 <= int(year) <= b1):
                    continue   # outside both periods: the engines never read it
            for column in columns:
                if column in index and (problem := _cell_problem(column, cells[index[column]])):
                    return BadRow(path, row, column, cells[index[column]], problem)
    return None


def _parquet_bad_row(path: str, columns: Sequence[str], bounds) -> BadRow | None:
    import pyarrow.parquet as pq

    offset = 0
    for batch in pq.ParquetFile(path).iter_batches(columns=list(columns), batch_size=100_000):
        rows = batch.to_pydict()
        n = batch.num_rows
        for j in range(n):
            year = rows["t"][j]
            if bounds is not None and isinstance(year, int) and not (
                    bounds[0] <= year <= bounds[1] or bounds[2] <= year <= bounds[3]):
                continue
            for column in columns:
                value = rows[column][j]
                text = "" if value is None else ("nan" if isinstance(value, float) and math.isnan(value) else
                                                 "inf" if isinstance(value, float) and math.isinf(value) else
                                                 str(int(value)) if isinstance(value, float) and value.is_integer()
                                                 and column in ("t", "i", "k") else str(value))
                if column == "k" and isinstance(value, int):
                    text = f"{value:06d}" if 0 <= value <= 999_999 else str(value)
                if column == "q" and value is None:
                    continue
                if problem := _cell_problem(column, text):
                    return BadRow(path, offset + j + 1, column, value, problem)
        offset += n
    return None


def first_bad_row(files: Sequence[str], layout_columns: Sequence[str],
                  bounds: tuple[int, int, int, int] | None = None) -> BadRow | None:
    """The first row of ``files`` (in order) an engine cannot use; ``bounds`` (a0, a1, b0, b1): only
    rows of the periods are checked for their values (every row for its shape and encoding)."""
    columns = [c for c in ("t", "i", "k", "v", "q") if c in layout_columns]
    for path in files:
        found = (_parquet_bad_row if kind(path) == "parquet" else _csv_bad_row)(path, columns, bounds)
        if found is not None:
            return found
    return None
