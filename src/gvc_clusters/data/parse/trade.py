"""Export performance in world markets (chapter 9): Tables 9-1, 9-2, 9-4 and the chapter's verdicts.

Tidy outputs
- ``export_performance`` (Tables 9-2 salmon and 9-4 wooden furniture, stacked): one row per
  source_table x product x country. Columns: source_table, product_code (a-d, the printed block
  letter), product (the product name of the block header, repaired from the OCR fragments and
  checked against the printed text), country, export_earnings_cagr_pct, market_share_1990_pct
  (missing where printed n.a.), market_share_2000_pct, unit_value_change_pct (1990-2000, relative to
  competitors), world_demand_cagr_pct (printed once per product, in its header row).
- ``product_upgrading_conditions`` (Table 9-1): one row per printed condition; the four sign
  conditions as printed text (">0", "><0", "≤0"; not numbers).
- ``chapter9_verdicts`` (trade/chapter9_verdicts.csv, an extracted text file, not a printed table):
  source_table, product_code, product, country, verdict, seed_line, quote; every country-product pair
  must be one printed in Tables 9-2/9-4.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from gvc_clusters.data.parse.common import (
    FamilyTables,
    Origin,
    PrintedTable,
    RawInputs,
    Where,
    cell_map,
    load_printed_table,
)
from gvc_clusters.data.rawtable import read_text_table
from gvc_clusters.data.sources import entry_for
from gvc_clusters.errors import InputError
from gvc_clusters.vocabulary import TRADE_PRODUCTS

CONDITIONS_FILE = "trade/table_9_1.csv"  # -> conditions -> product_upgrading_conditions
PERFORMANCE_FILES = {"9-2": "trade/table_9_2.csv", "9-4": "trade/table_9_4.csv"}
VERDICTS_FILE = "trade/chapter9_verdicts.csv"

PERFORMANCE_COLUMNS = {
    "Export earnings ^a": "export_earnings_cagr_pct",
    "Competitiveness: market share 1990": "market_share_1990_pct",
    "Competitiveness: market share 2000": "market_share_2000_pct",
    "Unit value": "unit_value_change_pct",
}
WORLD_DEMAND = "External market conditions ^a"
# "(b) Kitchen furnitu ure-external market conditions :ª": the OCR may put spaces inside "external".
HEADER = re.compile(r"^\((?P<code>[a-z])\)\s*(?P<stem>.+?)\s*-\s*" + r"\s?".join("external") + r"\b.*$")
MIN_NAME_SIMILARITY = 0.85

CONDITION_COLUMNS = {"Export value ΔX_i": "export_value_sign",
                     "External market conditions ΔQ^{w}_{i}": "world_demand_sign",
                     "Competitiveness ΔM_i": "market_share_sign", "Unit value ΔV_i": "unit_value_sign"}
VERDICT_COLUMNS = ["table", "product", "country", "verdict", "seed_line", "quote"]


def product_of(t: PrintedTable, row: int, expected_code: str) -> tuple[str, str]:
    """A block header row -> (letter, product name); the printed name must be the expected product."""
    label = t.raw.at[row, "Country"]
    match = HEADER.match(label)
    names = TRADE_PRODUCTS[t.table]
    if not match or match["code"] != expected_code or expected_code not in names:
        raise InputError(t.path, "product header is not the next printed product block", row=row, column="Country",
                         value=label, expected=f"'({expected_code}) <product>-external market conditions: ...'")
    name = names[expected_code]
    if difflib.SequenceMatcher(None, match["stem"].lower(), name.lower()).ratio() < MIN_NAME_SIMILARITY:
        raise InputError(t.path, "product header does not name the expected product", row=row, column="Country",
                         value=match["stem"], expected=repr(name))
    return expected_code, name


def _require_empty(t: PrintedTable, row: int, columns: list[str], what: str) -> None:
    for col in columns:
        if pd.notna(t.numbers.at[row, col]):
            raise InputError(t.path, f"a {what} row carries a value here", row=row, column=col,
                             value=t.raw.at[row, col], expected="empty")


def performance_rows(t: PrintedTable) -> list[dict]:
    records, product, demand = [], None, None
    for row in t.raw.index:
        label = t.raw.at[row, "Country"]
        if label.startswith("("):
            next_code = chr(ord(product[0]) + 1) if product else "a"
            product, demand = product_of(t, row, next_code), t.numbers.at[row, WORLD_DEMAND]
            _require_empty(t, row, list(PERFORMANCE_COLUMNS), "product header")
            continue
        if product is None:
            raise InputError(t.path, "country row before the first product header", row=row, column="Country",
                             value=label, expected="a '(a) ...' product header first")
        _require_empty(t, row, [WORLD_DEMAND], "country")
        records.append({"source_table": t.table, "product_code": product[0], "product": product[1],
                        "country": label,
                        **{name: t.numbers.at[row, col] for col, name in PERFORMANCE_COLUMNS.items()},
                        "world_demand_cagr_pct": demand})
    return records


def conditions(t: PrintedTable) -> pd.DataFrame:
    out = t.raw[list(CONDITION_COLUMNS)].rename(columns=CONDITION_COLUMNS)
    out.insert(0, "condition_id", t.raw.index.astype(int))
    return out.reset_index(drop=True).astype({c: str for c in CONDITION_COLUMNS.values()})


def read_verdicts(path: Path) -> pd.DataFrame:
    """The verdicts file as strings, indexed by file line (for error messages)."""
    return read_text_table(path, VERDICT_COLUMNS, what="verdicts file")


def verdicts(path: Path, entry: dict, performance: pd.DataFrame) -> pd.DataFrame:
    """Parse the verdicts and check each names a printed product, a printed country pair and a seed line."""
    frame = read_verdicts(path)
    printed = set(zip(performance["source_table"], performance["product_code"], performance["country"]))
    first, last = entry["seed_lines"]
    records = []
    for line, rec in frame.iterrows():
        match = re.fullmatch(r"\(([a-z])\) (.+)", rec["product"])
        code = match[1] if match else None
        if not match or TRADE_PRODUCTS.get(rec["table"], {}).get(code) != match[2]:
            raise InputError(path, "product is not a printed product block of Tables 9-2/9-4", row=line,
                             column="product", value=rec["product"], expected=TRADE_PRODUCTS.get(rec["table"], TRADE_PRODUCTS))
        if (rec["table"], code, rec["country"]) not in printed:
            raise InputError(path, f"country is not printed in Table {rec['table']} block ({code})", row=line,
                             column="country", value=rec["country"])
        if not re.fullmatch("[0-9]+", rec["seed_line"]) or not first <= int(rec["seed_line"]) <= last:
            raise InputError(path, "seed line is not a line of chapter 9", row=line, column="seed_line",
                             value=rec["seed_line"], expected=f"an integer in {first}..{last}")
        records.append({"source_table": rec["table"], "product_code": code, "product": match[2],
                        "country": rec["country"], "verdict": rec["verdict"], "seed_line": int(rec["seed_line"]),
                        "quote": rec["quote"]})
    return pd.DataFrame(records)


def build(raw: RawInputs) -> FamilyTables:
    t91 = load_printed_table(raw, CONDITIONS_FILE, [], expected_columns=list(CONDITION_COLUMNS))
    numeric = [*PERFORMANCE_COLUMNS, WORLD_DEMAND]
    performance_tables = [load_printed_table(raw, file, numeric, expected_columns=["Country", *numeric])
                          for file in PERFORMANCE_FILES.values()]
    performance = pd.DataFrame([r for t in performance_tables for r in performance_rows(t)])
    verdicts_path = raw.path(VERDICTS_FILE)
    tables = {"export_performance": performance,
              "product_upgrading_conditions": conditions(t91),
              "chapter9_verdicts": verdicts(verdicts_path, entry_for(raw.manifest, VERDICTS_FILE), performance)}
    return FamilyTables(tables, [t91, *performance_tables], lambda: origins(t91, performance_tables, verdicts_path))


def origins(t91: PrintedTable, performance_tables: list[PrintedTable], verdicts_path: Path) -> dict[str, Origin]:
    """Where each processed cell was printed (see ``Origin``): schema failures name the raw cell."""
    columns = {name: col for col, name in PERFORMANCE_COLUMNS.items()}
    performance = []
    for t in performance_tables:
        header_row = None
        for row in t.raw.index:  # the same walk as ``performance_rows``
            if t.raw.at[row, "Country"].startswith("("):
                header_row = row
                continue
            cells = cell_map(t, row, {"country": "Country", **columns})
            cells.update({k: v for k, v in cell_map(t, header_row, {"world_demand_cagr_pct": WORLD_DEMAND,
                                                                   "product": "Country",
                                                                   "product_code": "Country"}).items() if k != "*"})
            performance.append(cells)
    frame = read_verdicts(verdicts_path)
    verdict_cols = {"source_table": "table", "product_code": "product", "product": "product", "country": "country",
                    "verdict": "verdict", "seed_line": "seed_line", "quote": "quote"}
    verdict_cells = [{**{k: Where(str(verdicts_path), line, c, frame.at[line, c]) for k, c in verdict_cols.items()},
                      "*": Where(str(verdicts_path), line)} for line in frame.index]
    return {"export_performance": Origin(performance),
            "product_upgrading_conditions": Origin.of_rows(t91, t91.raw.index,
                                                           {"condition_id": "row", **{v: k for k, v in
                                                                                      CONDITION_COLUMNS.items()}}),
            "chapter9_verdicts": Origin(verdict_cells)}
