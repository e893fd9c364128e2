"""The decision log: every interpretation of a printed cell, in one machine-readable file.

``data/raw/decision_log.csv`` has one row per decision (see data/raw/README.md). This module
checks that each decision still matches the raw file it talks about (same row label, same
printed text), and turns a raw table of strings into numbers under a chosen *reading*:
``default`` or an alternative id such as ``10-2.A`` whose rows override the default values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from gvc_clusters.data.rawtable import not_a_number_hint, parse_number, read_text_table
from gvc_clusters.errors import InputError, InputErrors

LOG_COLUMNS = ["table", "row", "row_label", "column", "printed_text", "value_used", "reading", "kind",
               "confidence", "reason"]
KINDS = {"glyph", "ambiguous", "contradiction", "structural", "missing"}
CONFIDENCES = {"high", "medium", "low"}
DEFAULT = "default"
# An alternative reading's id: the table and a letter ("10-2.A"); no spaces, so "default " (a
# trailing space) cannot become a new reading beside "default".
READING_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*\.[A-Z][0-9A-Za-z_-]*")


def read_decision_log(path: str | Path, tables: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate the decision log's own shape (not yet against the raw tables).

    ``tables``: the table ids of the sources manifest; a decision about any other table would be
    ignored by every job, so it is refused (the callers that have the manifest pass it)."""
    path = Path(path)
    log = read_text_table(path, LOG_COLUMNS, what="decision log")
    lines = list(log.index)
    log = log.reset_index(drop=True)  # positional index, as before: record i is on line i + 2
    errors = []
    for i, rec in log.iterrows():
        line = lines[i]
        if rec["row"] != "*" and not (re.fullmatch("[0-9]+", rec["row"]) and int(rec["row"]) >= 1):
            errors.append(InputError(path, "row is not a printed row number or '*'", row=line, column="row",
                                     value=rec["row"], expected="a positive integer, or '*' for a whole-table decision"))
        if not rec["column"]:
            errors.append(InputError(path, "column is empty", row=line, column="column", value=rec["column"],
                                     expected="a column header of the table file, or '*'"))
        if not rec["reading"]:
            errors.append(InputError(path, "reading is empty", row=line, column="reading", value=rec["reading"],
                                     expected="'default' or an alternative id such as '10-4.A'"))
        elif rec["reading"] != DEFAULT and not READING_ID.fullmatch(rec["reading"]):
            near = " (did you mean 'default'?)" if rec["reading"].strip().lower() == DEFAULT else ""
            errors.append(InputError(path, "reading is neither 'default' nor an alternative id" + near, row=line,
                                     column="reading", value=rec["reading"],
                                     expected="'default', or '<table>.<letter>' such as '10-4.A' (no spaces)"))
        if tables is not None and rec["table"] not in tables:
            errors.append(InputError(path, "table is not a table of the sources manifest (a decision about it "
                                     "would be ignored)", row=line, column="table", value=rec["table"],
                                     expected=f"one of {sorted(tables)}"))
        if rec["kind"] not in KINDS:
            errors.append(InputError(path, "unknown decision kind", row=line, column="kind",
                                     value=rec["kind"], expected=sorted(KINDS)))
        if rec["confidence"] not in CONFIDENCES:
            errors.append(InputError(path, "unknown confidence", row=line, column="confidence",
                                     value=rec["confidence"], expected=sorted(CONFIDENCES)))
        if rec["value_used"] != "NA" and parse_number(rec["value_used"]) is None:
            errors.append(InputError(path, "value_used is not a number or NA", row=line, column="value_used",
                                     value=rec["value_used"], expected="a plain number or NA"))
        if not rec["reason"].strip():
            errors.append(InputError(path, "every decision needs a reason", row=line, column="reason"))
    # A cell has at most one value-setting decision per reading. A `contradiction` row is a finding
    # about the kept printed value: it may accompany a glyph decision, but must agree with it.
    cell_rows = log[(log["row"] != "*") & (log["column"] != "*")]
    setting = cell_rows[cell_rows["kind"] != "contradiction"]
    dup = setting[setting.duplicated(["table", "row", "column", "reading"], keep=False)]
    for i, rec in dup.iterrows():
        errors.append(InputError(path, "two decisions for the same cell and reading", row=i + 2,
                                 column=rec["column"], value=f"{rec['table']} row {rec['row']} {rec['reading']}"))
    # One cell, one default: a second `contradiction` row for the same cell and reading would let two
    # reasons (and confidences) describe one kept value; merge them into one row.
    findings = cell_rows[cell_rows["kind"] == "contradiction"]
    for i, rec in findings[findings.duplicated(["table", "row", "column", "reading"], keep="first")].iterrows():
        errors.append(InputError(path, "two contradiction rows for the same cell and reading (one cell, one default: "
                                 "merge their reasons into one row)", row=i + 2, column=rec["column"],
                                 value=f"{rec['table']} row {rec['row']} {rec['reading']}"))
    keyed = setting.set_index(["table", "row", "column", "reading"])["value_used"]
    for i, rec in cell_rows[cell_rows["kind"] == "contradiction"].iterrows():
        other = keyed.get((rec["table"], rec["row"], rec["column"], rec["reading"]))
        if other is not None and other != rec["value_used"]:
            errors.append(InputError(path, "contradiction row disagrees with the cell's other decision", row=i + 2,
                                     column="value_used", value=rec["value_used"], expected=other))
    if errors:
        raise InputErrors(errors)
    return log


def decisions_for(log: pd.DataFrame, table: str) -> pd.DataFrame:
    return log[log["table"] == table]


def verify_against_raw(log: pd.DataFrame, table: str, raw: pd.DataFrame, raw_path: str | Path,
                       log_path: str | Path = "data/raw/decision_log.csv") -> None:
    """Every decision of ``table`` must point at an existing cell whose text it quotes exactly."""
    errors = []
    label_column = raw.columns[0]
    for i, rec in decisions_for(log, table).iterrows():
        line = i + 2
        if rec["row"] == "*":
            if rec["column"] != "*" and rec["column"] not in raw.columns:
                errors.append(InputError(log_path, f"decision names a column not in {raw_path}", row=line,
                                         column="column", value=rec["column"], expected=list(raw.columns)))
            continue
        try:
            row = int(rec["row"])
        except ValueError:
            errors.append(InputError(log_path, "row is not a number", row=line, column="row", value=rec["row"]))
            continue
        if row not in raw.index:
            errors.append(InputError(log_path, f"decision points at a row not in {raw_path}", row=line,
                                     column="row", value=row, expected=f"1..{len(raw)}"))
            continue
        if raw.at[row, label_column] != rec["row_label"]:
            errors.append(InputError(log_path, f"row label differs from {raw_path} row {row}", row=line,
                                     column="row_label", value=rec["row_label"],
                                     expected=repr(raw.at[row, label_column])))
        if rec["column"] == "*":
            continue
        if rec["column"] not in raw.columns:
            errors.append(InputError(log_path, f"decision names a column not in {raw_path}", row=line,
                                     column="column", value=rec["column"], expected=list(raw.columns)))
            continue
        if raw.at[row, rec["column"]] != rec["printed_text"]:
            errors.append(InputError(log_path, f"printed_text differs from {raw_path} row {row}", row=line,
                                     column="printed_text", value=rec["printed_text"],
                                     expected=repr(raw.at[row, rec["column"]])))
    if errors:
        raise InputErrors(errors)


def cell_values(log: pd.DataFrame, table: str, reading: str = DEFAULT) -> dict[tuple[int, str], float]:
    """Cell -> value under ``reading``: the default decisions, overridden by the reading's rows."""
    rows = decisions_for(log, table)
    rows = rows[(rows["row"] != "*") & (rows["column"] != "*")]
    values = {}
    # Contradiction rows first, so that a glyph decision on the same cell (which must agree) wins.
    rows = rows.sort_values("kind", key=lambda k: k != "contradiction", kind="stable")
    for wanted in ([DEFAULT] if reading == DEFAULT else [DEFAULT, reading]):
        for _, rec in rows[rows["reading"] == wanted].iterrows():
            v = rec["value_used"]
            values[(int(rec["row"]), rec["column"])] = math.nan if v == "NA" else parse_number(v)
    return values


def numeric_table(raw: pd.DataFrame, numeric_columns: list[str], log: pd.DataFrame, table: str,
                  raw_path: str | Path, reading: str = DEFAULT, data_rows: list[int] | None = None) -> pd.DataFrame:
    """Numbers for ``numeric_columns`` of the ``data_rows`` (default: all rows).

    A cell with a decision takes the decided value; an empty cell stays missing; a plain printed
    number is parsed; anything else raises InputError naming the cell (an undecided glyph).
    """
    decided = cell_values(log, table, reading)
    rows = raw.index if data_rows is None else data_rows
    out = pd.DataFrame(index=pd.Index(rows, name="row"), columns=numeric_columns, dtype=float)
    errors = []
    for row in rows:
        for col in numeric_columns:
            text = raw.at[row, col]
            if (row, col) in decided:
                out.at[row, col] = decided[(row, col)]
            elif text == "":
                out.at[row, col] = math.nan
            else:
                value = parse_number(text)
                if value is None:
                    errors.append(InputError(raw_path, f"cell is not a number ({not_a_number_hint(text)}) and has no "
                                             "decision in the decision log", row=row, column=col, value=text,
                                             expected="a plain number such as 1,005.0 or 12.5 (decimal point, "
                                                      "thousands commas), or a decision-log entry for this cell"))
                else:
                    out.at[row, col] = value
    if errors:
        raise InputErrors(errors)
    return out


def readings(log: pd.DataFrame) -> list[str]:
    """Alternative reading ids in a stable order (the default reading is not listed)."""
    return sorted(set(log["reading"]) - {DEFAULT})
