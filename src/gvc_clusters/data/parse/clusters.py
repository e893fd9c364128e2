"""The 40-cluster dataset of chapters 1 and 10: Tables 10-1, 10-2, 10-4, 10-5, 10-6 (+ 1-2, 1-3).

The cluster key (data/raw/clusters/cluster_key.csv, an editorial file) names each of the 40
clusters once and says on which printed row of Table 10-2 and of its upgrading table (10-4/5/6) it
stands; the parser checks the printed row labels against it, so a shifted row cannot slip through.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from gvc_clusters.data.decisions import DEFAULT, cell_values
from gvc_clusters.data.parse.common import (
    FamilyTables,
    Origin,
    PrintedTable,
    RawInputs,
    Where,
    cell_map,
    load_printed_table,
    where,
    whole_numbers,
)
from gvc_clusters.data.rawtable import read_text_table
from gvc_clusters.errors import InputError, InputErrors
from gvc_clusters.vocabulary import (
    CE_DEGREES,
    CHAIN_TYPES,
    PRINTED_CHAIN_TYPES,
    PRINTED_SECTOR_GROUPS,
    PRINTED_UPGRADING_TYPES,
    SECTOR_GROUPS,
    UPGRADING_TABLES,
    UPGRADING_TYPES,
    table_file_stem,
)

UPGRADING_FILES = {t: f"clusters/{table_file_stem(t)}.csv" for t in UPGRADING_TABLES}
SUM_COLUMN = "Sum of upgrading"
CE_COLUMN = "Degree of collective efficiency"
KEY_COLUMNS = ["cluster_id", "sector_group", "product", "location", "country", "governance_row",
               "governance_label", "upgrading_table", "upgrading_row", "upgrading_label", "case_list_row",
               "field_study_rows"]
KEY_FILE = "clusters/cluster_key.csv"
FIELD_STUDY_NUMERIC = ["Number of firms", "Production 1995", "Production 2002", "Exports 1996", "Exports 2002",
                       "Direct jobs", "Indirect jobs"]
FIELD_STUDY_COLUMNS = {"Number of firms": "firms_count", "Production 1995": "production_1995_usd_million",
                       "Production 2002": "production_2002_usd_million", "Exports 1996": "exports_1996_usd_million",
                       "Exports 2002": "exports_2002_usd_million", "Direct jobs": "direct_jobs_count",
                       "Indirect jobs": "indirect_jobs_count"}
CE_INDEX_COLUMNS = {"External economies (EE)": "external_economies", "Joint actions (JA)": "joint_actions",
                    "Collective Efficiency Index": "collective_efficiency"}


UPGRADING_TABLES = ["", *UPGRADING_FILES]


def read_cluster_key(path: str | Path) -> pd.DataFrame:
    """The editorial cluster key, indexed by file line; every field checked before it is used."""
    key = read_text_table(path, KEY_COLUMNS, what="cluster key")
    errors = []

    def integer(line, column, text, *, optional=False):
        if (optional and text == "") or (re.fullmatch("[0-9]+", text) and int(text) >= 1):
            return
        errors.append(InputError(path, f"{column} is not a printed row number", row=line, column=column, value=text,
                                 expected="a positive integer" + (" or empty" if optional else "")))

    for row, rec in key.iterrows():
        if rec["sector_group"] not in SECTOR_GROUPS:
            errors.append(InputError(path, "unknown sector group", row=row, column="sector_group",
                                     value=rec["sector_group"], expected=list(SECTOR_GROUPS)))
        if not rec["cluster_id"]:
            errors.append(InputError(path, "empty cluster id", row=row, column="cluster_id", value=rec["cluster_id"],
                                     expected="a short lower-case id such as 'sinos_valley_shoes'"))
        integer(row, "governance_row", rec["governance_row"])
        if rec["upgrading_table"] not in UPGRADING_TABLES:
            errors.append(InputError(path, "unknown upgrading table", row=row, column="upgrading_table",
                                     value=rec["upgrading_table"], expected=f"one of {UPGRADING_TABLES[1:]} or empty"))
        elif rec["upgrading_table"]:
            integer(row, "upgrading_row", rec["upgrading_row"])
        integer(row, "case_list_row", rec["case_list_row"], optional=True)
        for part in filter(None, rec["field_study_rows"].split(";")):
            integer(row, "field_study_rows", part)
    dup = key[key["cluster_id"].duplicated(keep=False)]
    for row, rec in dup.iterrows():
        others = [str(r) for r in dup.index[dup["cluster_id"] == rec["cluster_id"]] if r != row]
        errors.append(InputError(path, "duplicate cluster key", row=row, column="cluster_id", value=rec["cluster_id"],
                                 expected=f"each cluster once (it is also on line {', '.join(others)})"))
    for column in ("governance_row", "case_list_row"):
        used = key[(key[column] != "") & key[column].duplicated(keep=False)]
        for row, rec in used.iterrows():
            errors.append(InputError(path, f"two clusters claim the same {column}", row=row, column=column,
                                     value=rec[column], expected="each printed row for one cluster"))
    if errors:
        raise InputErrors(errors)
    return key


def _label(raw: pd.DataFrame, table: str, row: int) -> str:
    # Tables 10-5/10-6 print the product and the location in two columns; the key stores the location.
    return raw.at[row, "Location"] if table in ("10-5", "10-6") else raw.at[row, raw.columns[0]]


def _check_labels(key: pd.DataFrame, tables: dict[str, PrintedTable], key_path) -> None:
    errors = []
    for krow, rec in key.iterrows():
        checks = [("10-2", int(rec["governance_row"]), rec["governance_label"], "governance")]
        if rec["upgrading_table"]:
            checks.append((rec["upgrading_table"], int(rec["upgrading_row"]), rec["upgrading_label"], "upgrading"))
        for table, row, label, what in checks:
            printed = tables[table].raw
            if row not in printed.index or _label(printed, table, row) != label:
                got = _label(printed, table, row) if row in printed.index else None
                errors.append(InputError(key_path, f"{what} row does not carry this cluster's printed label "
                                         f"in Table {table}", row=krow, column=f"{what}_label", value=got,
                                         expected=repr(label)))
    if errors:
        raise InputErrors(errors)


def load_chapter10(raw: RawInputs, reading: str = DEFAULT) -> dict[str, PrintedTable]:
    gov_cols = list(PRINTED_CHAIN_TYPES)
    up_cols = [*PRINTED_UPGRADING_TYPES, SUM_COLUMN]
    tables = {"10-1": load_printed_table(raw, "clusters/table_10_1.csv",
                                         list(CE_INDEX_COLUMNS), expected_columns=["Sector", *CE_INDEX_COLUMNS],
                                         reading=reading),
              "10-2": load_printed_table(raw, "clusters/table_10_2.csv", gov_cols,
                                         expected_columns=["Cluster", *gov_cols], reading=reading)}
    for table, file in UPGRADING_FILES.items():
        labels = ["Cluster"] if table == "10-4" else ["Main product", "Location"]
        tables[table] = load_printed_table(raw, file, up_cols,
                                           expected_columns=[*labels, CE_COLUMN, *up_cols], reading=reading)
    return tables


def _header_rows_must_be_empty(key: pd.DataFrame, t: PrintedTable, log: pd.DataFrame) -> None:
    """Rows of Table 10-2 that are not clusters (sector and product headers) carry no codes.

    The misaligned complex-products block prints codes on product headers; each such row must be
    disowned by a structural decision (value NA), otherwise the parser refuses to guess.
    """
    cluster_rows = set(key["governance_row"].astype(int))
    decided = cell_values(log, "10-2")
    whole_row = set(log[(log["table"] == "10-2") & (log["column"] == "*")]["row"])
    errors = []
    for row in t.raw.index.difference(sorted(cluster_rows)):
        for col in PRINTED_CHAIN_TYPES:
            if t.raw.at[row, col] != "" and (row, col) not in decided and str(row) not in whole_row:
                errors.append(InputError(t.path, "a header row carries a code; log a structural decision",
                                         row=row, column=col, value=t.raw.at[row, col],
                                         expected="empty, or a decision-log entry"))
    if errors:
        raise InputErrors(errors)


def tidy_chapter10(tables: dict[str, PrintedTable], key: pd.DataFrame, log: pd.DataFrame,
                   key_path="data/raw/clusters/cluster_key.csv") -> dict[str, pd.DataFrame]:
    """Tidy tables: clusters, upgrading (long), governance (long), sector CE index, printed aggregates."""
    _check_labels(key, tables, key_path)
    _header_rows_must_be_empty(key, tables["10-2"], log)
    whole_numbers(tables["10-2"], list(PRINTED_CHAIN_TYPES), rows=sorted(set(key["governance_row"].astype(int))))
    clusters, upgrading, governance = [], [], []
    for _, rec in key.iterrows():
        cid = rec["cluster_id"]
        ce = pd.NA
        if rec["upgrading_table"]:
            t = tables[rec["upgrading_table"]]
            row = int(rec["upgrading_row"])
            ce = t.raw.at[row, CE_COLUMN]
            if ce not in CE_DEGREES:
                raise InputError(t.path, "unknown degree of collective efficiency", row=row, column=CE_COLUMN,
                                 value=ce, expected=list(CE_DEGREES))
            for col, utype in PRINTED_UPGRADING_TYPES.items():
                upgrading.append({"cluster_id": cid, "upgrading_type": utype,
                                  "score_0to3": t.numbers.at[row, col],
                                  "source_table": rec["upgrading_table"], "source_row": row})
        g = tables["10-2"]
        grow = int(rec["governance_row"])
        for col, chain in PRINTED_CHAIN_TYPES.items():
            governance.append({"cluster_id": cid, "chain_type": chain, "code_0to3": g.numbers.at[grow, col],
                               "source_table": "10-2", "source_row": grow})
        clusters.append({"cluster_id": cid, "sector_group": rec["sector_group"], "product": rec["product"],
                         "location": rec["location"], "country": rec["country"], "ce_degree": ce,
                         "has_upgrading_data": bool(rec["upgrading_table"])})
    clusters = pd.DataFrame(clusters)
    clusters["sector_group"] = pd.Categorical(clusters["sector_group"], list(SECTOR_GROUPS))
    clusters["ce_degree"] = pd.Categorical(clusters["ce_degree"], list(CE_DEGREES), ordered=True)
    upgrading = pd.DataFrame(upgrading)
    upgrading["upgrading_type"] = pd.Categorical(upgrading["upgrading_type"], list(UPGRADING_TYPES))
    governance = pd.DataFrame(governance)
    governance["chain_type"] = pd.Categorical(governance["chain_type"], list(CHAIN_TYPES))
    governance["code_0to3"] = governance["code_0to3"].astype("Int64")

    t101 = tables["10-1"]
    ce_index = []
    for row in t101.raw.index:
        sector = PRINTED_SECTOR_GROUPS.get(t101.raw.at[row, "Sector"])
        if sector is None:
            raise InputError(t101.path, "unknown sector row", row=row, column="Sector",
                             value=t101.raw.at[row, "Sector"], expected=list(PRINTED_SECTOR_GROUPS))
        for col, index in CE_INDEX_COLUMNS.items():
            ce_index.append({"sector_group": sector, "component": index, "average_points": t101.numbers.at[row, col]})
    ce_index = pd.DataFrame(ce_index)
    ce_index["sector_group"] = pd.Categorical(ce_index["sector_group"], list(SECTOR_GROUPS))

    printed = []
    sum_by_cluster = []
    for table in UPGRADING_FILES:
        t = tables[table]
        label_col = t.raw.columns[0]
        for row in t.raw.index:
            label = t.raw.at[row, label_col]
            if label in ("Total", "Average"):
                for col in [*PRINTED_UPGRADING_TYPES, SUM_COLUMN]:
                    value = t.numbers.at[row, col]
                    if pd.notna(value):
                        printed.append({"table": table, "statistic": label.lower(),
                                        "column": PRINTED_UPGRADING_TYPES.get(col, "sum"), "printed_value": value})
        for _, rec in key[key["upgrading_table"] == table].iterrows():
            row = int(rec["upgrading_row"])
            sum_by_cluster.append({"cluster_id": rec["cluster_id"], "table": table, "statistic": "row_sum",
                                   "column": "sum", "printed_value": t.numbers.at[row, SUM_COLUMN]})
    aggregates = pd.DataFrame(printed)
    row_sums = pd.DataFrame(sum_by_cluster)
    return {"clusters": clusters, "upgrading": upgrading, "governance": governance,
            "sector_ce_index": ce_index, "printed_aggregates": aggregates, "printed_row_sums": row_sums}


def model_dataset(tidy: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per cluster: CE degree, the four upgrading scores and the four governance codes."""
    up = tidy["upgrading"].pivot(index="cluster_id", columns="upgrading_type", values="score_0to3")
    up.columns = [f"{c}_upgrading_0to3" for c in up.columns]
    gov = tidy["governance"].pivot(index="cluster_id", columns="chain_type", values="code_0to3")
    gov.columns = [f"{c}_chain_0to3" for c in gov.columns]
    wide = tidy["clusters"].set_index("cluster_id").join(up).join(gov)
    wide = wide.reindex(tidy["clusters"]["cluster_id"]).reset_index()
    return wide


def tidy_case_list(raw: pd.DataFrame, key: pd.DataFrame, path) -> pd.DataFrame:
    """Table 1-3: one row per printed case study, with its sector group and cluster id."""
    by_row = {int(r): cid for cid, r in zip(key["cluster_id"], key["case_list_row"]) if r}
    group_headers = {"Traditional manufacturing sector": "traditional_manufacturing",
                     "Natural-resource-based sector": "natural_resource_based",
                     "Complex products industries sector": "complex_products",
                     "Specialized services sector (software)": "specialized_suppliers"}
    rows, group = [], None
    for row, rec in raw.iterrows():
        if rec["Case study"] in group_headers:
            group = group_headers[rec["Case study"]]
            continue
        if row not in by_row:
            raise InputError(path, "case study has no cluster in the cluster key", row=row, column="Case study",
                             value=rec["Case study"], expected=f"a case_list_row entry in {KEY_FILE}")
        rows.append({"cluster_id": by_row[row], "sector_group": group, "case_study": rec["Case study"],
                     "country": rec["Country"], "sources": rec["Source"], "source_row": row})
    out = pd.DataFrame(rows)
    out["sector_group"] = pd.Categorical(out["sector_group"], list(SECTOR_GROUPS))
    return out


SUM_OF_PARTS = re.compile(r"^\s*[0-9][0-9,]*(?:\s*\+\s*[0-9][0-9,]*)+\s*$")


def printed_parts(text) -> str | None:
    """The summands of a cell printed as a sum of numbers, normalised ('65 + 150'); None otherwise."""
    if not isinstance(text, str) or not SUM_OF_PARTS.match(text):
        return None
    return " + ".join(part.strip().replace(",", "") for part in text.split("+"))


def tidy_field_studies(t: PrintedTable, key: pd.DataFrame) -> pd.DataFrame:
    """Table 1-2: the 12 new field studies, one row each; numbers as decided, labels as printed."""
    cluster_of = {}
    for cid, rows in zip(key["cluster_id"], key["field_study_rows"]):
        for r in filter(None, rows.split(";")):
            cluster_of[int(r)] = cid
    out = pd.DataFrame({"field_study_row": t.raw.index.astype(int),
                        "cluster_id": [cluster_of.get(r) for r in t.raw.index],
                        "printed_label": t.raw["Cluster"].to_numpy(),
                        "country": t.raw["Country"].to_numpy(),
                        "date_of_creation": t.raw["Date of creation"].to_numpy()})
    for col, name in FIELD_STUDY_COLUMNS.items():
        out[name] = t.numbers[col].to_numpy()
    # A count printed as a sum ('65 + 150': firms in the main chain + local providers, footnote a):
    # the decision log chooses the value; the printed parts are kept beside it.
    out["firms_count_printed_parts"] = [printed_parts(v) for v in t.raw["Number of firms"]]
    missing = out[out["cluster_id"].isna()]
    if len(missing):
        raise InputError(t.path, "field study has no cluster in the cluster key", row=int(missing.iloc[0, 0]),
                         column="Cluster", value=missing.iloc[0]["printed_label"],
                         expected=f"a field_study_rows entry in {KEY_FILE}")
    return out


def build_reading(raw: RawInputs, reading: str = DEFAULT):
    """Everything of the cluster family under one reading of the decision log."""
    key_path = raw.path(KEY_FILE)
    key = read_cluster_key(key_path)
    tables = load_chapter10(raw, reading)
    tidy = tidy_chapter10(tables, key, raw.log, key_path)
    t12 = load_printed_table(raw, "clusters/table_1_2.csv", FIELD_STUDY_NUMERIC,
                             expected_columns=["Cluster", "Country", "Date of creation", *FIELD_STUDY_NUMERIC],
                             reading=reading)
    t13 = load_printed_table(raw, "clusters/table_1_3.csv", [],
                             expected_columns=["Case study", "Country", "Source"], reading=reading)
    tidy["field_studies"] = tidy_field_studies(t12, key)
    tidy["case_list"] = tidy_case_list(t13.raw, key, t13.path)
    tidy["model_dataset"] = model_dataset(tidy)
    return tidy, [t12, t13, *tables.values()]


def alternative_readings(raw: RawInputs, default_dataset: pd.DataFrame) -> pd.DataFrame:
    """Cells of the model dataset that an alternative reading changes (long: reading, cluster, variable)."""
    from gvc_clusters.data.decisions import readings

    changed = []
    base = default_dataset.set_index("cluster_id")
    for reading in readings(raw.log):
        tidy, _ = build_reading(raw, reading)
        alt = tidy["model_dataset"].set_index("cluster_id")
        for variable in base.columns:
            a, b = base[variable], alt[variable]
            differs = ~((a == b).fillna(False) | (a.isna() & b.isna()))
            for cid in base.index[differs.to_numpy()]:
                changed.append({"reading": reading, "cluster_id": cid, "variable": variable,
                                "default_value": float(a[cid]), "reading_value": float(b[cid])})
        if not any(c["reading"] == reading for c in changed):
            changed.append({"reading": reading, "cluster_id": None, "variable": None,
                            "default_value": float("nan"), "reading_value": float("nan")})
    return pd.DataFrame(changed, columns=["reading", "cluster_id", "variable", "default_value", "reading_value"])


def origins(tidy: dict[str, pd.DataFrame], printed: list[PrintedTable], key: pd.DataFrame,
            key_path) -> dict[str, Origin]:
    """Where each processed cell was printed (see ``Origin``): schema failures name the raw cell."""
    by_table = {t.table: t for t in printed}
    key_cols = {c: c for c in ["cluster_id", "sector_group", "product", "location", "country"]}
    key_line = {rec["cluster_id"]: line for line, rec in key.iterrows()}
    up_col = {v: k for k, v in PRINTED_UPGRADING_TYPES.items()}
    chain_col = {v: k for k, v in PRINTED_CHAIN_TYPES.items()}

    def key_cells(cid):
        line = key_line.get(cid)
        cells = {c: Where(str(key_path), line, c, key.at[line, c] if line is not None else None) for c in key_cols}
        cells["*"] = Where(str(key_path), line)
        return cells

    def cluster_cells(cid):
        cells = key_cells(cid)
        line = key_line.get(cid)
        table = key.at[line, "upgrading_table"] if line is not None else ""
        if table:
            row = int(key.at[line, "upgrading_row"])
            cells["ce_degree"] = where(by_table[table], row, CE_COLUMN)
            for utype, col in up_col.items():
                cells[f"{utype}_upgrading_0to3"] = where(by_table[table], row, col)
        if line is not None:
            grow = int(key.at[line, "governance_row"])
            for chain, col in chain_col.items():
                cells[f"{chain}_chain_0to3"] = where(by_table["10-2"], grow, col)
        return cells

    def long_cells(frame, column_of, value_column, table_of):
        out = []
        for rec in frame.itertuples(index=False):
            t = by_table[table_of(rec)]
            cells = cell_map(t, int(rec.source_row), {value_column: column_of(rec)})
            cells["cluster_id"] = key_cells(rec.cluster_id)["cluster_id"]
            out.append(cells)
        return Origin(out)

    result = {
        "clusters": Origin([cluster_cells(cid) for cid in tidy["clusters"]["cluster_id"]]),
        "model_dataset": Origin([cluster_cells(cid) for cid in tidy["model_dataset"]["cluster_id"]]),
        "upgrading": long_cells(tidy["upgrading"], lambda r: up_col[r.upgrading_type], "score_0to3",
                                lambda r: r.source_table),
        "governance": long_cells(tidy["governance"], lambda r: chain_col[r.chain_type], "code_0to3",
                                 lambda r: "10-2"),
    }
    t101 = by_table["10-1"]
    sector_row = {PRINTED_SECTOR_GROUPS.get(label): row for row, label in t101.raw["Sector"].items()}
    component_col = {v: k for k, v in CE_INDEX_COLUMNS.items()}
    result["sector_ce_index"] = Origin([
        cell_map(t101, sector_row.get(rec.sector_group), {"sector_group": "Sector",
                                                          "average_points": component_col[rec.component]})
        for rec in tidy["sector_ce_index"].itertuples(index=False)])
    field_cols = {v: k for k, v in FIELD_STUDY_COLUMNS.items()}
    field_cols.update({"printed_label": "Cluster", "country": "Country", "date_of_creation": "Date of creation",
                       "firms_count_printed_parts": "Number of firms",
                       "field_study_row": "Cluster"})
    result["field_studies"] = Origin.of_rows(by_table["1-2"], tidy["field_studies"]["field_study_row"], field_cols)
    result["case_list"] = Origin.of_rows(by_table["1-3"], tidy["case_list"]["source_row"],
                                         {"case_study": "Case study", "country": "Country", "sources": "Source"})
    aggregates = []
    for rec in tidy["printed_aggregates"].itertuples(index=False):
        t = by_table[rec.table]
        label = rec.statistic.title()
        rows = [r for r, v in t.raw[t.raw.columns[0]].items() if v == label]
        column = up_col.get(rec.column, SUM_COLUMN)
        aggregates.append(cell_map(t, rows[0] if rows else None, {"printed_value": column}))
    result["printed_aggregates"] = Origin(aggregates)
    sums = []
    for rec in tidy["printed_row_sums"].itertuples(index=False):
        line = key_line.get(rec.cluster_id)
        row = int(key.at[line, "upgrading_row"]) if line is not None else None
        sums.append({**key_cells(rec.cluster_id), **cell_map(by_table[rec.table], row, {"printed_value": SUM_COLUMN})})
    result["printed_row_sums"] = Origin(sums)
    return result


def build(raw: RawInputs) -> FamilyTables:
    tidy, printed = build_reading(raw)
    key_path = raw.path(KEY_FILE)

    def where_printed():
        return origins(tidy, printed, read_cluster_key(key_path), key_path)

    return FamilyTables(tidy, printed, where_printed)


def build_extras(raw: RawInputs, tidy: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Built after the default reading's tables have passed their schemas (see families.build_family)."""
    return {"model_dataset_readings": alternative_readings(raw, tidy["model_dataset"])}
