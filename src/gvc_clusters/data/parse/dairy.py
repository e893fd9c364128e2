"""The dairy cluster of Boaco and Chontales, Nicaragua (chapter 2): Tables 2-1 and 2-2.

Tidy outputs
- ``dairy_chain_2000`` (Table 2-1, year 2000): one row per printed column, i.e. per territory and
  firm group (Nicaragua / all firms; Boaco-Chontales / SMEs; Boaco-Chontales / large companies).
  Columns: territory, firm_group, livestock_companies_count, production_million_gallons_low/_high,
  industrial_enterprises_count_low/_high, processing_million_gallons_low/_high, exports_usd_million.
  The book prints some cells as ranges ("60-90", "10–15"): they are split into ``_low``/``_high``;
  a single printed number gives low == high.
- ``dairy_milk`` (Table 2-2): one row per year 1995-2001. Columns: year, production_million_gallons,
  collection_million_gallons, pasteurization_million_gallons, exports_usd_million (2001 printed
  "n.a." -> missing).
"""

from __future__ import annotations

import pandas as pd

from gvc_clusters.data.decisions import cell_values
from gvc_clusters.data.parse.common import (
    FamilyTables,
    Origin,
    PrintedTable,
    RawInputs,
    Where,
    load_printed_table,
    where,
)
from gvc_clusters.data.rawtable import parse_range
from gvc_clusters.errors import InputError

CHAIN_FILE = "dairy/table_2_1.csv"  # -> tidy_chain -> dairy_chain_2000
MILK_FILE = "dairy/table_2_2.csv"  # -> tidy_milk -> dairy_milk

# Table 2-1: printed row label -> (tidy variable, may the book print a range here?)
ITEMS_2_1 = {
    "Number of livestock companies": ("livestock_companies_count", False),
    "Total production (millions of gallons/yr)": ("production_million_gallons", True),
    "Number of industrial enterprises": ("industrial_enterprises_count", True),
    "Total processing (millions of gallons/yr)": ("processing_million_gallons", True),
    "Exports (US\\$ millions)": ("exports_usd_million", False),
}
GROUPS_2_1 = {
    "Nicaragua": ("Nicaragua", "all"),
    "SMEs in Boaco-Chontales": ("Boaco-Chontales", "smes"),
    "Large companies in Boaco-Chontales": ("Boaco-Chontales", "large_companies"),
}
COUNTS_2_1 = ["livestock_companies_count", "industrial_enterprises_count_low", "industrial_enterprises_count_high"]

YEARS_2_2 = [str(y) for y in range(1995, 2002)]
ITEMS_2_2 = {
    "Production": "production_million_gallons",
    "Collection": "collection_million_gallons",
    "Pasteurization": "pasteurization_million_gallons",
    "Export (US\\$ millions)": "exports_usd_million",
}


def rows_by_label(t: PrintedTable, items: dict) -> dict[str, int]:
    """Printed row label -> row number; every label must be known and every item printed once."""
    label_col = t.raw.columns[0]
    found = {}
    for row, label in t.raw[label_col].items():
        if label not in items or label in found:
            problem = "unknown row label" if label not in items else "row label printed twice"
            raise InputError(t.path, problem, row=row, column=label_col, value=label, expected=list(items))
        found[label] = row
    missing = [label for label in items if label not in found]
    if missing:
        raise InputError(t.path, "printed row is missing", column=label_col, value=missing[0], expected=list(items))
    return found


def _low_high(t: PrintedTable, decided: dict, row: int, col: str, may_range: bool,
              whole: bool = False) -> tuple[float, float]:
    if (row, col) in decided:
        value = decided[(row, col)]
        return value, value
    low, high = parse_range(t.raw.at[row, col], file=t.path, row=row, column=col)
    if low != high and not may_range:
        raise InputError(t.path, "a range where the book prints a single number", row=row, column=col,
                         value=t.raw.at[row, col], expected="a plain number")
    if whole and (low != round(low) or high != round(high)):
        raise InputError(t.path, "a count is not a whole number", row=row, column=col, value=t.raw.at[row, col],
                         expected="a whole number (or a range of whole numbers)")
    return low, high


def tidy_chain(t: PrintedTable, log: pd.DataFrame) -> pd.DataFrame:
    rows = rows_by_label(t, ITEMS_2_1)
    decided = cell_values(log, t.table)
    records = []
    for col, (territory, group) in GROUPS_2_1.items():
        rec = {"territory": territory, "firm_group": group}
        for label, (name, may_range) in ITEMS_2_1.items():
            low, high = _low_high(t, decided, rows[label], col, may_range, whole=name.endswith("_count"))
            if may_range:
                rec[f"{name}_low"], rec[f"{name}_high"] = low, high
            else:
                rec[name] = low
        records.append(rec)
    out = pd.DataFrame(records)
    out = out[["territory", "firm_group", "livestock_companies_count",
               *[f"{n}_{end}" for n, r in ITEMS_2_1.values() if r for end in ("low", "high")],
               "exports_usd_million"]]
    return out.astype({c: "Int64" for c in COUNTS_2_1})


def tidy_milk(t: PrintedTable) -> pd.DataFrame:
    rows = rows_by_label(t, ITEMS_2_2)
    records = [{"year": int(year), **{name: t.numbers.at[rows[label], year] for label, name in ITEMS_2_2.items()}}
               for year in YEARS_2_2]
    return pd.DataFrame(records)


def build(raw: RawInputs) -> FamilyTables:
    chain = load_printed_table(raw, CHAIN_FILE, [], expected_columns=["Item", *GROUPS_2_1])
    milk = load_printed_table(raw, MILK_FILE, YEARS_2_2, expected_columns=["Item", *YEARS_2_2])
    tables = {"dairy_chain_2000": tidy_chain(chain, raw.log), "dairy_milk": tidy_milk(milk)}
    return FamilyTables(tables, [chain, milk], lambda: origins(chain, milk))


def origins(chain: PrintedTable, milk: PrintedTable) -> dict[str, Origin]:
    """Both tables are transposed: a processed row is a printed column, a processed column a printed row."""
    chain_rows = rows_by_label(chain, ITEMS_2_1)
    chain_cells = []
    for col in GROUPS_2_1:
        cells = {"territory": where(chain, None, col), "firm_group": where(chain, None, col),
                 "*": Where(str(chain.path), None, col)}
        for label, (name, may_range) in ITEMS_2_1.items():
            for out in ([f"{name}_low", f"{name}_high"] if may_range else [name]):
                cells[out] = where(chain, chain_rows[label], col)
        chain_cells.append(cells)
    milk_rows = rows_by_label(milk, ITEMS_2_2)
    milk_cells = [{"year": where(milk, None, year), "*": Where(str(milk.path), None, year),
                   **{name: where(milk, milk_rows[label], year) for label, name in ITEMS_2_2.items()}}
                  for year in YEARS_2_2]
    return {"dairy_chain_2000": Origin(chain_cells), "dairy_milk": Origin(milk_cells)}
