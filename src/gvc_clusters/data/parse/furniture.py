"""The Segusino / Puebla wooden-furniture clusters, Mexico (chapter 5): Tables 5-1, 5-2, 5-3, 5-5, 5-6.

Tidy outputs (printed shares, changes and ratios that are implied by the kept columns are dropped;
they are verified through the checksums declared in sources.yaml):
- ``mexico_furniture_exports`` (5-1): year 1991-2001; total_exports_usd_million,
  maquiladora_exports_usd_million, non_maquiladora_exports_usd_million (n.a. before 1994).
- ``puebla_furniture_exports`` (5-2): year 1994-1999; wooden_exports_usd_million (non-maquiladora),
  rustic_exports_usd_million, rustic_exports_to_us_usd_million.
- ``us_furniture_imports`` (5-3), long by year: country, row_type (country / subtotal / others /
  total), year (1992 or 2001), us_import_rank (1992: the printed ranking column; 2001: the rank
  prefix of the printed label "1 China"; missing for aggregate rows), exports_usd_million, share_pct.
- ``puebla_furniture_employment`` (5-5): year, month (missing for the bare "1996" label),
  employees_count.
- ``segusino_balance_sheet`` (5-6): year 1995-2000 (no 1999); total_assets_usd_million,
  total_liabilities_usd_million, equity_usd_million, sales_usd_million, exports_usd_million.
"""

from __future__ import annotations

import re

import pandas as pd

from gvc_clusters.data.parse.common import (
    FamilyTables,
    Origin,
    PrintedTable,
    RawInputs,
    cell_map,
    load_printed_table,
    whole_numbers,
    year_of,
)
from gvc_clusters.errors import InputError

COLUMNS_5_1 = {"Wooden furniture exports US$ millions": "total_exports_usd_million",
               "Maquiladoras US$ millions": "maquiladora_exports_usd_million",
               "Non-maquiladoras US$ millions": "non_maquiladora_exports_usd_million"}
SHARES_5_1 = ["Wooden furniture exports %", "Maquiladoras %", "Non-maquiladoras %"]
COLUMNS_5_2 = {"Wooden furniture Total (US$ millions)": "wooden_exports_usd_million",
               "Rustic wooden furniture Total (US$ millions)": "rustic_exports_usd_million",
               "Rustic wooden furniture Only to US (US$ millions)": "rustic_exports_to_us_usd_million"}
# Table 5-3: year -> (rank column or None, exports column, share column)
YEARS_5_3 = {1992: ("1992 Ranking", "1992 Exports to the U.S. (US$ millions)", "1992 % share"),
             2001: (None, "2001 Exports to the U.S. (US$ millions)", "2001 % share")}
CHANGES_5_3 = ["1992-2001 change in exports (US$ millions)", "1992-2001 change in exports (%)"]
AGGREGATE_ROWS = {"Subtotal": "subtotal", "Others": "others", "Total": "total"}
COLUMNS_5_5 = {"Number of employees": "employees_count"}
CHANGES_5_5 = ["Yearly change Number", "Yearly change Percentage"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
COLUMNS_5_6 = {"Total assets": "total_assets_usd_million", "Total liabilities": "total_liabilities_usd_million",
               "Equity": "equity_usd_million", "Sales": "sales_usd_million", "Exports": "exports_usd_million"}
RATIOS_5_6 = ["Exports/sales", "Leverage (liabilities/equity)", "Liability ratio (assets/liabilities)"]


def by_year(t: PrintedTable, columns: dict[str, str]) -> pd.DataFrame:
    """Year rows: the kept numeric columns renamed, with the printed year as an int column."""
    out = t.numbers[list(columns)].rename(columns=columns)
    out.insert(0, "year", [year_of(t, row, "Year") for row in t.raw.index])
    return out.reset_index(drop=True)


def split_label(t: PrintedTable, row: int) -> tuple[str, str, int | None]:
    """'1 China' -> ('China', 'country', 1); 'Subtotal' -> ('Subtotal', 'subtotal', None)."""
    label = t.raw.at[row, "Country"]
    if label in AGGREGATE_ROWS:
        return label, AGGREGATE_ROWS[label], None
    match = re.fullmatch(r"([0-9]{1,2}) (\S.*)", label)
    if not match:
        raise InputError(t.path, "country label without its 2001 rank prefix", row=row, column="Country",
                         value=label, expected=f"'<rank> <country>' or one of {list(AGGREGATE_ROWS)}")
    return match[2], "country", int(match[1])


def us_imports_long(t: PrintedTable) -> pd.DataFrame:
    whole_numbers(t, [rank for rank, _, _ in YEARS_5_3.values() if rank])
    records = []
    for row in t.raw.index:
        country, row_type, rank_2001 = split_label(t, row)
        for year, (rank_col, exports_col, share_col) in YEARS_5_3.items():
            rank = t.numbers.at[row, rank_col] if rank_col else rank_2001
            records.append({"country": country, "row_type": row_type, "year": year,
                            "us_import_rank": pd.NA if rank is None or pd.isna(rank) else int(rank),
                            "exports_usd_million": t.numbers.at[row, exports_col],
                            "share_pct": t.numbers.at[row, share_col]})
    out = pd.DataFrame(records)
    out["row_type"] = pd.Categorical(out["row_type"], ["country", *AGGREGATE_ROWS.values()])
    return out.astype({"us_import_rank": "Int64"})


def parse_date(t: PrintedTable, row: int) -> tuple[int, int | None]:
    """'November 1997' -> (1997, 11); '1996' -> (1996, None)."""
    text = t.raw.at[row, "Date"]
    match = re.fullmatch(rf"(?:({'|'.join(MONTHS)}) )?((?:19|20)[0-9][0-9])", text)
    if not match:
        raise InputError(t.path, "date label is not '[Month] YYYY'", row=row, column="Date", value=text,
                         expected="e.g. 'November 1997' or '1996'")
    return int(match[2]), MONTHS.index(match[1]) + 1 if match[1] else None


def employment(t: PrintedTable) -> pd.DataFrame:
    dates = [parse_date(t, row) for row in t.raw.index]
    whole_numbers(t, list(COLUMNS_5_5))
    out = pd.DataFrame({"year": [y for y, _ in dates], "month": pd.array([m for _, m in dates], dtype="Int64")})
    out["employees_count"] = t.numbers["Number of employees"].astype("Int64").array
    return out


def build(raw: RawInputs) -> FamilyTables:
    def load(file, numeric, label):
        return load_printed_table(raw, file, numeric, expected_columns=[label, *numeric])

    t51 = load("furniture/table_5_1.csv", [c for pair in zip(COLUMNS_5_1, SHARES_5_1) for c in pair], "Year")
    t52 = load("furniture/table_5_2.csv", list(COLUMNS_5_2), "Year")
    t53 = load("furniture/table_5_3.csv", [c for cols in YEARS_5_3.values() for c in cols if c] + CHANGES_5_3, "Country")
    t55 = load("furniture/table_5_5.csv", [*COLUMNS_5_5, *CHANGES_5_5], "Date")
    t56 = load("furniture/table_5_6.csv", [*COLUMNS_5_6, *RATIOS_5_6], "Year")
    tables = {"mexico_furniture_exports": by_year(t51, COLUMNS_5_1),
              "puebla_furniture_exports": by_year(t52, COLUMNS_5_2),
              "us_furniture_imports": us_imports_long(t53),
              "puebla_furniture_employment": employment(t55),
              "segusino_balance_sheet": by_year(t56, COLUMNS_5_6)}
    return FamilyTables(tables, [t51, t52, t53, t55, t56], lambda: origins(t51, t52, t53, t55, t56))


def origins(t51, t52, t53, t55, t56) -> dict[str, Origin]:
    """Where each processed cell was printed (see ``Origin``): schema failures name the raw cell."""
    def years(t, columns):
        return Origin.of_rows(t, t.raw.index, {"year": "Year", **{v: k for k, v in columns.items()}})

    imports = []
    for row in t53.raw.index:
        for (rank_col, exports_col, share_col) in YEARS_5_3.values():
            imports.append(cell_map(t53, row, {"country": "Country", "row_type": "Country",
                                               "us_import_rank": rank_col or "Country",
                                               "exports_usd_million": exports_col, "share_pct": share_col}))
    return {"mexico_furniture_exports": years(t51, COLUMNS_5_1),
            "puebla_furniture_exports": years(t52, COLUMNS_5_2),
            "us_furniture_imports": Origin(imports),
            "puebla_furniture_employment": Origin.of_rows(t55, t55.raw.index, {"year": "Date", "month": "Date",
                                                                               "employees_count": "Number of employees"}),
            "segusino_balance_sheet": years(t56, COLUMNS_5_6)}
