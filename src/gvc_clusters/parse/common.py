"""What every family parser does first: read a raw table, check its decisions, decide its numbers."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import checks
from ..errors import InputError
from ..decisions import DEFAULT, numeric_table, verify_against_raw
from ..rawtable import read_raw_table
from ..sources import entry_for


@dataclass
class PrintedTable:
    """One raw table with its manifest entry, its decided numbers and its checksum results."""

    table: str
    path: Path
    entry: dict
    raw: pd.DataFrame
    numbers: pd.DataFrame
    check_results: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_printed_table(raw_dir: str | Path, file: str, manifest: list[dict], log: pd.DataFrame,
                       numeric_columns: list[str], expected_columns: list[str] | None = None,
                       reading: str = DEFAULT) -> PrintedTable:
    """Read ``file`` (relative to ``raw_dir``), apply the decision log, evaluate its checksums."""
    raw_dir = Path(raw_dir)
    entry = entry_for(manifest, file)
    path = raw_dir / file
    raw = read_raw_table(path, expected_columns)
    verify_against_raw(log, entry["table"], raw, path, raw_dir / "decision_log.csv")
    numbers = numeric_table(raw, numeric_columns, log, entry["table"], path, reading)
    results = checks.evaluate(entry["table"], entry.get("checks", []), numbers)
    return PrintedTable(entry["table"], path, entry, raw, numbers, results)


def year_of(t: PrintedTable, row: int, column: str) -> int:
    text = t.raw.at[row, column]
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise InputError(t.path, "not a printed year", row=row, column=column, value=text,
                         expected="a year such as 1987")
    return int(text)
