"""pandera contracts for every processed table, and a validator that reports located errors.

Each family module defines ``SCHEMAS: dict[str, DataFrameSchema]`` keyed by processed-table name
(the Parquet file stem under data/processed/<family>/). ``validate`` runs a schema lazily, so all
failures are collected, and re-raises them as the project's InputErrors. Given the table's
``Origin`` (built by the family parser), each failure names the *input* cell it comes from: the raw
file, the printed row, the column header, the printed text, and the rule it breaks in words.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pandera.pandas as pa

from gvc_clusters.errors import InputError, InputErrors

# Upgrading ratings are 0-3 in half points (the book prints 1.5, 2.5).
HALF_STEPS_0_TO_3 = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
HALF_STEPS_TEXT = "0–3 in half steps (0, 0.5, 1, ..., 3)"
CODES_0_TO_3_TEXT = "a governance code 0, 1, 2 or 3"
NON_NEGATIVE_TEXT = "a quantity >= 0 (it cannot be negative)"
SHARE_TEXT = "a share between 0 and 100 percent"


def year_span(first: int, last: int) -> str:
    return f"a year within the table's span {first}–{last}"


_DESCRIPTIONS = [
    (r"greater_than_or_equal_to\((.+)\)", lambda m: f"a value >= {m[1]}"),
    (r"greater_than\((.+)\)", lambda m: f"a value > {m[1]}"),
    (r"less_than_or_equal_to\((.+)\)", lambda m: f"a value <= {m[1]}"),
    (r"less_than\((.+)\)", lambda m: f"a value < {m[1]}"),
    (r"in_range\((.+), (.+)\)", lambda m: f"a value between {m[1]} and {m[2]}"),
    (r"isin\((.+)\)", lambda m: f"one of {m[1]}"),
    (r"equal_to\((.+)\)", lambda m: f"exactly {m[1]}"),
    (r"str_matches\((.+)\)", lambda m: f"text matching {m[1]}"),
    (r"str_length\((.+)\)", lambda m: "non-empty text"),
    (r"dtype\('?(.+?)'?\)", lambda m: f"values of type {m[1]}"),
    (r"not_nullable", lambda m: "a value (not missing)"),
    (r"field_uniqueness", lambda m: "each value once"),
    (r"column_in_schema", lambda m: "only the columns of the schema"),
    (r"column_in_dataframe", lambda m: "every column of the schema"),
]


def describe(check: str) -> str:
    """A pandera check name in words ('greater_than_or_equal_to(0)' -> 'a value >= 0')."""
    for pattern, text in _DESCRIPTIONS:
        match = re.fullmatch(pattern, str(check))
        if match:
            return text(match)
    return str(check)


def _position(frame: pd.DataFrame, index) -> int | None:
    if index is None or (isinstance(index, float) and math.isnan(index)):
        return None
    try:
        pos = frame.index.get_loc(index)
    except (KeyError, TypeError):
        try:
            pos = frame.index.get_loc(int(index))
        except (KeyError, TypeError, ValueError):
            return None
    return pos if isinstance(pos, int) else None


def _show(value):
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar -> Python scalar, for a readable repr
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _located(name, frame, origin, position, column, problem, value, expected) -> InputError:
    where = origin.locate(position, column) if origin is not None else None
    if where is None:
        row = None if position is None else position + 1
        return InputError(f"processed table {name!r}", problem, row=row, column=column, value=value,
                          expected=expected)
    shown = _show(value) if value is not None else where.text
    if where.text is not None and where.column is not None and str(where.text) != str(shown):
        problem += f"; the cell is printed {where.text!r}"
    return InputError(where.file, problem, row=where.row, column=where.column, value=shown, expected=expected)


def located_errors(frame: pd.DataFrame, err: pa.errors.SchemaErrors, name: str, origin=None) -> list[InputError]:
    """One InputError per failing cell (column checks), row (table-wide checks) or duplicate key."""
    cases = err.failure_cases.copy()
    cases["position"] = [_position(frame, i) for i in cases["index"]]
    errors = []
    for _, case in cases.iterrows():
        if case["schema_context"] == "DataFrameSchema" and case["position"] is not None and not pd.isna(case["position"]):
            continue  # table-wide checks and key uniqueness: grouped by row below
        column = case["column"] if isinstance(case["column"], str) else None
        position = None if pd.isna(case["position"]) else int(case["position"])
        errors.append(_located(name, frame, origin, position, column,
                               f"breaks the contract of processed table {name!r}"
                               + (f" (column {column!r})" if column else ""),
                               case["failure_case"], describe(case["check"])))
    wide = cases[(cases["schema_context"] == "DataFrameSchema") & cases["position"].notna()]
    for (check, position), group in wide.groupby(["check", "position"], sort=False):
        position = int(position)
        columns = [c for c in group["column"] if isinstance(c, str)]
        if check == "multiple_fields_uniqueness":
            key = tuple(_show(frame.iloc[position][c]) for c in columns)
            same = [p for p in range(len(frame))
                    if p != position and tuple(_show(frame.iloc[p][c]) for c in columns) == key]
            # Name the key column that comes from a printed cell (the last such: 'country', 'year', ...).
            mapped = [c for c in columns if origin is not None and getattr(origin.locate(position, c), "column", None)]
            column = (mapped or columns)[-1]
            others = [origin.locate(p, column) if origin is not None else None for p in same]
            also = ", ".join(f"row {w.row}" if w is not None and w.row is not None else f"processed row {p + 1}"
                             for w, p in zip(others, same))
            shown_key = f"{columns[0]} = {key[0]!r}" if len(key) == 1 else f"({', '.join(columns)}) = {key}"
            errors.append(_located(name, frame, origin, position, column,
                                   f"duplicate key {shown_key} in processed table {name!r}"
                                   + (f"; the same key comes from {also}" if also else ""),
                                   None, f"each ({', '.join(columns)}) once"))
        else:
            values = {c: _show(frame.iloc[position][c]) for c in columns if c in frame.columns}
            errors.append(_located(name, frame, origin, position, "*",
                                   f"breaks the rule {check!r} of processed table {name!r}", values,
                                   describe(check)))
    unique, seen = [], set()
    for e in errors:
        key = (e.file, str(e.row), str(e.column), repr(e.value), str(e.expected))
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, name: str, origin=None) -> pd.DataFrame:
    """Validate lazily; on failure raise InputErrors located through ``origin`` (an ``Origin``, or a
    function returning one, called only on failure) or, without it, by processed-table position."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        if callable(origin):
            origin = origin()
        raise InputErrors(located_errors(frame, err, name, origin)) from None


def all_schemas() -> dict[str, pa.DataFrameSchema]:
    from gvc_clusters.data.schemas import clusters, dairy, furniture, salmon, trade

    merged = {}
    for module in (clusters, dairy, furniture, salmon, trade):
        merged.update(module.SCHEMAS)
    return merged
