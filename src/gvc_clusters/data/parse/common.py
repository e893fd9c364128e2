"""What every family parser does first: read a raw table, check its decisions, decide its numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gvc_clusters.data import checks
from gvc_clusters.data.decisions import DEFAULT, numeric_table, verify_against_raw
from gvc_clusters.data.rawtable import read_raw_table
from gvc_clusters.data.sources import entry_for
from gvc_clusters.errors import InputError, InputErrors


@dataclass
class RawInputs:
    """What a family's parser reads: the raw files it declares, their verified manifest entries and
    the decision log.

    ``files`` are the family's raw files as the layout names them (``gvc_clusters.layout.FAMILY_FILES``,
    the workflow's inputs of its clean rule), relative to ``raw_dir``. A parser asks for a file by that
    name (``path``); a file the family does not declare is refused, because only declared files have
    their checksums verified before parsing. ``used`` records what was asked for.
    """

    family: str
    raw_dir: Path
    files: tuple[str, ...]
    manifest: list[dict]
    log: pd.DataFrame
    used: set[str] = field(default_factory=set)

    def path(self, file: str) -> Path:
        """The path of the declared raw ``file`` (relative name, e.g. ``salmon/table_4_3.csv``)."""
        if file not in self.files:
            raise InputError(self.raw_dir / file, f"the {self.family} parser reads a file its family does not "
                             "declare (its checksum is not verified)", value=file,
                             expected=f"one of {list(self.files)} (gvc_clusters.layout.FAMILY_FILES)")
        self.used.add(file)
        return self.raw_dir / file

    @property
    def decision_log_path(self) -> Path:
        return self.raw_dir / "decision_log.csv"

    @property
    def manifest_path(self) -> Path:
        return self.raw_dir / "sources.yaml"


@dataclass
class PrintedTable:
    """One raw table with its manifest entry, its decided numbers and its checksum results."""

    table: str
    path: Path
    entry: dict
    raw: pd.DataFrame
    numbers: pd.DataFrame
    check_results: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Where:
    """A place in an input file: the file, the printed row, the column header and the printed text."""

    file: str
    row: int | None = None
    column: str | None = None
    text: str | None = None


class Origin:
    """Where each cell of a processed table was printed, so that a schema failure names the input cell.

    ``cells`` has one dict per processed row (by position): processed column -> Where, and ``"*"`` for
    the row as a whole (used when a check spans several columns or a column is not mapped).
    """

    def __init__(self, cells: list[dict[str, Where]]):
        self.cells = list(cells)

    def __len__(self) -> int:
        return len(self.cells)

    def locate(self, position: int | None, column: str | None = None) -> Where | None:
        if position is None or not 0 <= position < len(self.cells):
            return None
        cells = self.cells[position]
        return cells.get(column) if column in cells else cells.get("*")

    @classmethod
    def of_rows(cls, t: PrintedTable, rows, columns: dict[str, str]) -> Origin:
        """One processed row per printed row ``rows`` of ``t``; ``columns`` maps processed -> printed."""
        return cls([cell_map(t, row, columns) for row in rows])


@dataclass
class FamilyTables:
    """What a family's ``build`` returns: its tidy tables, the printed tables they came from (with
    their checksum results) and, for error messages only, where each processed cell was printed.

    ``origins`` is called only when a table fails its schema (it costs a pass over every table).
    """

    tables: dict[str, pd.DataFrame]
    printed: list[PrintedTable]
    origins: Callable[[], dict[str, Origin]] = dict


def where(t: PrintedTable, row: int | None, column: str | None) -> Where:
    """The printed cell ``(row, column)`` of ``t`` (row None: the column header; column None: the row)."""
    text = None
    if row is not None and column is not None and row in t.raw.index and column in t.raw.columns:
        text = t.raw.at[row, column]
    elif row is None and column is not None:
        text = column
    return Where(str(t.path), row, column, text)


def cell_map(t: PrintedTable, row: int | None, columns: dict[str, str]) -> dict[str, Where]:
    cells = {name: where(t, row, printed) for name, printed in columns.items()}
    cells["*"] = Where(str(t.path), row)
    return cells


def load_printed_table(raw: RawInputs, file: str, numeric_columns: list[str],
                       expected_columns: list[str] | None = None, reading: str = DEFAULT) -> PrintedTable:
    """Read the declared raw ``file``, apply the decision log, evaluate its checksums."""
    entry = entry_for(raw.manifest, file)
    path = raw.path(file)
    log = raw.log
    printed = read_raw_table(path, expected_columns)
    missing = [c for c in numeric_columns if c not in printed.columns]
    if missing:
        raise InputError(path, "missing column(s) in header", row=1, column=missing[0], value=list(printed.columns),
                         expected=f"the columns {numeric_columns}")
    verify_against_raw(log, entry["table"], printed, path, raw.decision_log_path)
    numbers = numeric_table(printed, numeric_columns, log, entry["table"], path, reading)
    checks.verify_references(entry.get("checks", []), numbers, path, raw.manifest_path)
    results = checks.evaluate(entry["table"], entry.get("checks", []), numbers)
    return PrintedTable(entry["table"], path, entry, printed, numbers, results)


def whole_numbers(t: PrintedTable, columns: list[str], rows=None) -> None:
    """Counts and codes must be whole numbers: InputErrors naming every fractional cell (instead of
    a bare TypeError from ``astype("Int64")`` or a silent truncation by ``int``)."""
    errors = []
    for col in columns:
        for row in (t.numbers.index if rows is None else rows):
            value = t.numbers.at[row, col]
            if pd.notna(value) and float(value) != round(float(value)):
                errors.append(InputError(t.path, "a count or code is not a whole number", row=row, column=col,
                                         value=t.raw.at[row, col], expected="a whole number"))
    if errors:
        raise InputErrors(errors)


def year_of(t: PrintedTable, row: int, column: str) -> int:
    text = t.raw.at[row, column]
    if not re.fullmatch(r"(19|20)[0-9][0-9]", text):
        raise InputError(t.path, "not a printed year", row=row, column=column, value=text,
                         expected="a year such as 1987")
    return int(text)
