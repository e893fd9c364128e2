"""The salmon cluster of southern Chile (chapter 4): Tables 4-1 and 4-3.

Tidy outputs
- ``salmon_production`` (Table 4-1): one row per printed year (1987-2001). Columns: year,
  chile_production_thousand_tons, chile_world_share_pct (Chile's % of world farmed salmon
  production), tenth_region_production_thousand_tons, exports_usd_million_fob.
- ``salmon_firms_jobs`` (Table 4-3): one row per printed row (industries and the two Subtotals).
  Columns: subsystem (the printed spanning label, filled down), industry (as printed),
  is_subtotal, independent_firms_count, integrated_firms_count (missing where the book prints
  nothing), total_firms_count, jobs_count (estimated, December 2001).
"""

from __future__ import annotations

import pandas as pd

from gvc_clusters.data.parse.common import (
    FamilyTables,
    Origin,
    PrintedTable,
    RawInputs,
    load_printed_table,
    whole_numbers,
    year_of,
)
from gvc_clusters.errors import InputError

PRODUCTION_FILE = "salmon/table_4_1.csv"  # -> tidy_production -> salmon_production
FIRMS_FILE = "salmon/table_4_3.csv"  # -> tidy_firms_jobs -> salmon_firms_jobs

COLUMNS_4_1 = {
    "Production of farmed salmon and trout in Chile (thousands of tons)": "chile_production_thousand_tons",
    "Chile's percentage of world farmed salmon production": "chile_world_share_pct",
    "Tenth Region estimated production (thousands of tons)": "tenth_region_production_thousand_tons",
    "Total export value (US\\$ millions FOB)": "exports_usd_million_fob",
}
COLUMNS_4_3 = {
    "Number of independent firms": "independent_firms_count",
    "Number of integrated firms ^a": "integrated_firms_count",
    "Total": "total_firms_count",
    "Jobs (estimated, December 2001)": "jobs_count",
}
SUBTOTAL = "Subtotal"


def tidy_production(t: PrintedTable) -> pd.DataFrame:
    out = t.numbers[list(COLUMNS_4_1)].rename(columns=COLUMNS_4_1)
    out.insert(0, "year", [year_of(t, row, "Year") for row in t.raw.index])
    return out.reset_index(drop=True)


def subsystems(t: PrintedTable) -> list[str]:
    """The Subsystem label spans the rows below it until the next label: fill it down."""
    labels, current = [], ""
    for row, label in t.raw["Subsystem"].items():
        current = label or current
        if not current:
            raise InputError(t.path, "first row has no subsystem label", row=row, column="Subsystem", value=label,
                             expected="a spanning subsystem label")
        labels.append(current)
    return labels


def tidy_firms_jobs(t: PrintedTable) -> pd.DataFrame:
    for row, industry in t.raw["Industry"].items():
        if not industry:
            raise InputError(t.path, "industry label is empty", row=row, column="Industry", value=industry)
    whole_numbers(t, list(COLUMNS_4_3))
    out = pd.DataFrame({"subsystem": subsystems(t), "industry": list(t.raw["Industry"]),
                        "is_subtotal": list(t.raw["Industry"] == SUBTOTAL)})
    counts = t.numbers[list(COLUMNS_4_3)].rename(columns=COLUMNS_4_3).reset_index(drop=True)
    return pd.concat([out, counts.astype("Int64")], axis=1)


def build(raw: RawInputs) -> FamilyTables:
    production = load_printed_table(raw, PRODUCTION_FILE, list(COLUMNS_4_1), expected_columns=["Year", *COLUMNS_4_1])
    firms = load_printed_table(raw, FIRMS_FILE, list(COLUMNS_4_3),
                               expected_columns=["Subsystem", "Industry", *COLUMNS_4_3])
    tables = {"salmon_production": tidy_production(production), "salmon_firms_jobs": tidy_firms_jobs(firms)}
    return FamilyTables(tables, [production, firms], lambda: origins(production, firms))


def origins(production: PrintedTable, firms: PrintedTable) -> dict[str, Origin]:
    """Where each processed cell was printed (see ``Origin``): schema failures name the raw cell."""
    return {
        "salmon_production": Origin.of_rows(production, production.raw.index,
                                            {"year": "Year", **{v: k for k, v in COLUMNS_4_1.items()}}),
        "salmon_firms_jobs": Origin.of_rows(firms, firms.raw.index,
                                            {"subsystem": "Subsystem", "industry": "Industry", "is_subtotal": "Industry",
                                             **{v: k for k, v in COLUMNS_4_3.items()}}),
    }
