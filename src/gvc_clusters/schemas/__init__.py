"""pandera contracts for every processed table, and a validator that reports located errors.

Each family module defines ``SCHEMAS: dict[str, DataFrameSchema]`` keyed by processed-table name
(the Parquet file stem under data/processed/<family>/). ``validate`` runs a schema lazily, so all
failures are collected, and re-raises them as the project's InputErrors naming table, row, column
and value.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import InputError, InputErrors

# Upgrading ratings are 0-3 in half points (the book prints 1.5, 2.5).
HALF_STEPS_0_TO_3 = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        errors = []
        for _, case in err.failure_cases.iterrows():
            index = case["index"]
            row = None if pd.isna(index) else int(index) + 1 if isinstance(index, (int, float)) else index
            errors.append(InputError(f"processed table {name!r}", f"fails check {case['check']}",
                                     row=row, column=case["column"], value=case["failure_case"],
                                     expected=str(case["check"])))
        raise InputErrors(errors) from None


def all_schemas() -> dict[str, pa.DataFrameSchema]:
    from . import clusters, dairy, furniture, salmon, trade

    merged = {}
    for module in (clusters, dairy, furniture, salmon, trade):
        merged.update(module.SCHEMAS)
    return merged
