"""Evaluate the checksums a printed table carries (totals, row sums, averages).

The checks are declared per table in data/raw/sources.yaml. A failing check is not an error:
it is a finding (usually a book inconsistency already logged as a ``contradiction``), reported in
the replication check beside the printed and recomputed numbers.
"""

from __future__ import annotations

import math

import pandas as pd

from .errors import InputError, InputErrors

CHECK_COLUMNS = ["table", "check", "row", "column", "printed", "recomputed", "difference", "tolerance",
                 "status", "why"]


def _rows(check: dict, frame: pd.DataFrame) -> list[int]:
    if "rows" in check:
        return list(check["rows"])
    if "range" in check:
        first, last = check["range"]
        return list(range(first, last + 1))
    return list(frame.index)


def _status(printed: float, recomputed: float, tolerance: float) -> str:
    if math.isnan(printed) or math.isnan(recomputed):
        return "not_checkable"
    return "match" if abs(printed - recomputed) <= tolerance + 1e-9 else "mismatch"


def verify_references(checks: list[dict], numbers: pd.DataFrame, raw_path, manifest_path="sources.yaml") -> None:
    """Every row and column a declared check names must be in the (numeric part of the) table.

    A truncated table, or a check naming a column the parser does not read, would otherwise fail
    inside pandas with a bare KeyError; here it is reported with the table file, the row or column
    and the check.
    """
    errors = []
    for i, check in enumerate(checks, start=1):
        label = f"{check.get('type')}#{i}"
        result_row = check.get("total_row", check.get("mean_row"))
        named_column = check.get("target") or (check.get("columns") or [None])[0]
        rows = _rows(check, numbers) + ([result_row] if result_row is not None else [])
        for row in rows:
            if row not in numbers.index:
                errors.append(InputError(raw_path, f"row {row} named by check {label} in {manifest_path} is not in "
                                         "the table (truncated file?)", row=row, column=named_column, value=row,
                                         expected=f"printed rows 1..{len(numbers)}"))
        columns = list(check.get("columns", [])) + ([check["target"]] if "target" in check else [])
        for col in columns:
            if col not in numbers.columns:
                errors.append(InputError(raw_path, f"column named by check {label} in {manifest_path} is not a "
                                         "numeric column of the table", column=col, value=col,
                                         expected=f"one of {list(numbers.columns)}"))
        if check.get("type") == "row_formula" and "expr" in check and len(numbers):
            try:
                numbers.iloc[:1].eval(check["expr"])
            except Exception as err:  # noqa: BLE001 - any failure of the expression is a manifest error
                errors.append(InputError(raw_path, f"expression of check {label} in {manifest_path} cannot be "
                                         f"evaluated: {type(err).__name__}: {err}", value=check["expr"],
                                         expected="a pandas eval expression over the numeric columns"))
    if errors:
        raise InputErrors(errors)


def evaluate(table: str, checks: list[dict], numbers: pd.DataFrame) -> pd.DataFrame:
    """One result row per (check, cell). ``numbers`` is the decided numeric table indexed by row."""
    out = []
    for i, check in enumerate(checks, start=1):
        tol = float(check.get("tolerance", 0.0))
        # Some printed aggregates treat "not available" as zero (Table 10-4 averages over all 15 rows).
        values_for = numbers.fillna(0.0) if check.get("na_as_zero") else numbers
        label = f"{check['type']}#{i}"
        if check["type"] == "row_formula":
            for row in _rows(check, numbers):
                values = values_for.loc[[row]]
                recomputed = float(values.eval(check["expr"]).iloc[0])
                printed = float(numbers.at[row, check["target"]])
                out.append([table, label, row, check["target"], printed, recomputed, printed - recomputed,
                            tol, _status(printed, recomputed, tol), check["why"]])
        else:
            rows = _rows(check, numbers)
            result_row = check["total_row"] if check["type"] == "column_sum" else check["mean_row"]
            for col in check["columns"]:
                part = values_for.loc[rows, col]
                recomputed = float(part.sum(min_count=1)) if check["type"] == "column_sum" else float(part.mean())
                printed = float(numbers.at[result_row, col])
                out.append([table, label, result_row, col, printed, recomputed, printed - recomputed, tol,
                            _status(printed, recomputed, tol), check["why"]])
    return pd.DataFrame(out, columns=CHECK_COLUMNS)
