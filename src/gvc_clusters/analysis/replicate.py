"""Rebuild the book's chapter 10 tables from the processed cluster data and compare with print.

Every printed number gets a row in the replication check: the printed text, the value the
decision log reads it as, the number reproduced from the processed data, and a status:

- ``match``: reproduced equals printed (averages: rounded to the printed two decimals);
- ``match_truncated``: equal only when the book's average is truncated, not rounded;
- ``mismatch``: no reading reproduces it; the explanation quotes the decision log's
  ``contradiction`` entry for that cell (a documented book inconsistency);
- ``not_reproducible``: the book does not print the data needed (e.g. per-cluster EE and JA).

Each row also says what its comparison proves (``evidence_A``, ``evidence_B``): a cell's own row is
``transcription`` (a plain printed cell equals the processed one: an identity, no check) or
``decoded`` (a glyph cell equals the value the log decoded it as: an identity too); a printed
total, sum or average has the class of :mod:`gvc_clusters.data.checksum_evidence` under each
assumption: ``independent`` (it names only plain cells), ``independent_given_A``/``_B`` (the
other checks alone fix the garbled cells it names, so its match confirms them),
``decodes_its_cells`` (they are fixed only with this check: its match holds by construction),
``cells_left_free`` (they take several values among the readings the checks allow: its match
holds for the default reading only) or ``result_is_garbled`` (its printed result is itself a
garbled cell the assumption leaves free: it constrains nothing). Table 10-2's codes that the OCR
shifted onto the product header lines are compared with the cluster row below them
(``header_shift``).
"""

from __future__ import annotations

import math

import pandas as pd

from gvc_clusters.data.checksum_evidence import CHECK_CLASSES
from gvc_clusters.data.readings_solver import SOLVED
from gvc_clusters.vocabulary import (
    CHAIN_TYPE_LABELS,
    CHAIN_TYPES,
    CHAPTER10_TABLES,
    PRINTED_CHAIN_TYPES,
    PRINTED_SECTOR_GROUPS,
    PRINTED_UPGRADING_TYPES,
    UPGRADING_TABLE_SECTORS,
)

CHECK_COLUMNS = ["table", "row", "row_label", "column", "printed_text", "printed_value", "reproduced_value",
                 "status", "explanation", "evidence_A", "evidence_B"]
EVIDENCE_KINDS = ["transcription", "decoded", "header_shift", "not_checked", *CHECK_CLASSES]
UPGRADING_TABLES = UPGRADING_TABLE_SECTORS
PRINTED_TABLES = CHAPTER10_TABLES  # the printed tables the check compares with
TYPE_COLUMN = {v: k for k, v in PRINTED_UPGRADING_TYPES.items()}


def _two_decimals(value: float) -> tuple[float, float]:
    """The value rounded half-up and truncated to two decimals (the book uses both)."""
    scaled = value * 100
    return math.floor(scaled + 0.5 + 1e-9) / 100, math.floor(scaled + 1e-9) / 100


def compare_average(printed: float, reproduced: float) -> str:
    rounded, truncated = _two_decimals(reproduced)
    if abs(printed - rounded) < 1e-9:
        return "match"
    if abs(printed - truncated) < 1e-9:
        return "match_truncated"
    return "mismatch"


def rebuild_upgrading_table(dataset: pd.DataFrame, table: str) -> pd.DataFrame:
    """Table 10-4/10-5/10-6: clusters of one sector group with the Total and Average rows.

    The book's averages divide by all clusters of the group, counting N/A as zero (Table 10-4's
    Functional average 0.70 = 10.5/15), so the rebuilt averages do the same.
    """
    rows = dataset[dataset["sector_group"] == UPGRADING_TABLES[table]]
    scores = rows[[f"{u}_upgrading_0to3" for u in TYPE_COLUMN]].copy()
    scores.columns = [_rebuilt_column(u) for u in TYPE_COLUMN]
    scores[_rebuilt_column("sum")] = scores.sum(axis=1, min_count=1)
    body = pd.concat([rows[["cluster_id", "product", "location", "ce_degree"]].reset_index(drop=True),
                      scores.reset_index(drop=True)], axis=1)
    body["ce_degree"] = body["ce_degree"].astype(str)
    total = {"cluster_id": "Total", **{c: scores[c].sum() for c in scores.columns[:-1]}}
    average = {"cluster_id": "Average", **{c: scores[c].fillna(0).mean() for c in scores.columns}}
    return pd.concat([body, pd.DataFrame([total, average])], ignore_index=True)


def _rebuilt_column(kind: str) -> str:
    return "sum_of_upgrading" if kind == "sum" else f"{kind}_upgrading"


def rebuild_governance_table(dataset: pd.DataFrame) -> pd.DataFrame:
    """Table 10-2: the four governance codes per cluster, in printed order."""
    cols = [f"{c}_chain_0to3" for c in CHAIN_TYPES]
    return dataset[["cluster_id", "sector_group", "product", "location", "country", *cols]].copy()


def governance_patterns(dataset: pd.DataFrame) -> pd.DataFrame:
    """Share of clusters per sector group in which each chain type is present (code > 0), and global (2, 3)."""
    out = []
    for sector, group in dataset.groupby("sector_group", observed=True, sort=False):
        for chain in CHAIN_TYPES:
            codes = group[f"{chain}_chain_0to3"].dropna()
            out.append({"sector_group": sector, "chain_type": chain, "clusters_with_codes": len(codes),
                        "present_pct": 100 * float((codes > 0).mean()) if len(codes) else math.nan,
                        "global_pct": 100 * float(codes.isin([2, 3]).mean()) if len(codes) else math.nan})
    return pd.DataFrame(out)


def _explanation(log: pd.DataFrame, table: str, row: int, column: str) -> str:
    hits = log[(log["table"] == table) & (log["row"] == str(row)) & (log["column"] == column)
               & (log["kind"] == "contradiction")]
    return hits["reason"].iloc[0] if len(hits) else ""


def _decoded(log: pd.DataFrame, table: str, row: int, column: str) -> str:
    hits = log[(log["table"] == table) & (log["row"] == str(row)) & (log["column"] == column)
               & (log["reading"] == "default") & (log["kind"] != "contradiction")]
    return f"decoded ({hits['kind'].iloc[0]}): {hits['reason'].iloc[0]}" if len(hits) else ""


def _cell_evidence(text: str) -> str:
    from gvc_clusters.data.rawtable import parse_number

    return "transcription" if text == "" or parse_number(text) is not None else "decoded"


def header_shift_rows(raw: pd.DataFrame, governance: pd.DataFrame, log: pd.DataFrame) -> list[list]:
    """Table 10-2's codes printed on product header lines (the OCR shifted them there from the
    cluster row below): each beside the processed code of that cluster row."""
    from gvc_clusters.data.rawtable import parse_number

    out = []
    codes = {(int(r.source_row), r.chain_type): r.code_0to3 for r in governance.itertuples()}
    structural = log[(log["table"] == "10-2") & (log["kind"] == "structural") & (log["column"] != "*")]
    for rec in structural.drop_duplicates(["row", "column"]).itertuples():
        row, column = int(rec.row), rec.column
        text = raw.at[row, column]
        below = codes.get((row + 1, PRINTED_CHAIN_TYPES[column]))
        value = parse_number(text)
        reproduced = None if below is None or pd.isna(below) else float(below)
        if value is None:
            status, why = "not_available", f"printed {text!r} is not a code (stray mark); {rec.reason}"
        elif reproduced is not None and abs(value - reproduced) < 1e-9:
            status, why = "match", f"the header line repeats the cluster row below (row {row + 1}); {rec.reason}"
        else:
            scale = " (outside the 0-3 scale)" if value > 3 else ""
            status = "mismatch"
            why = (f"header line prints {text}{scale} where the cluster row below (row {row + 1}) prints "
                   f"{raw.at[row + 1, column]}; {rec.reason}")
        out.append(["10-2", row, raw.at[row, "Cluster"], column, text, value, reproduced, status, why,
                    "header_shift", "header_shift"])
    return out


def replication_check(dataset: pd.DataFrame, printed_aggregates: pd.DataFrame, printed_row_sums: pd.DataFrame,
                      upgrading: pd.DataFrame, governance: pd.DataFrame, sector_ce_index: pd.DataFrame,
                      raw_tables: dict[str, pd.DataFrame], log: pd.DataFrame,
                      evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every printed number of Tables 10-1, 10-2, 10-4, 10-5, 10-6 beside its reproduction.

    ``evidence`` is :func:`gvc_clusters.data.checksum_evidence.table_evidence` for Tables 10-4/5/6
    (one row per printed checksum and assumption); a checksum row it does not name is
    ``independent``.
    """
    out = []
    by_target = {}
    if evidence is not None:
        for rec in evidence.itertuples():
            by_target[(rec.table, int(rec.row), rec.column, rec.assumption)] = rec.evidence

    def checksum_evidence(table, row, column, assumption):
        if (table, row, column, assumption) in by_target:
            return by_target[(table, row, column, assumption)]
        return "independent"

    def add(table, row, label, column, printed_value, reproduced, status, explanation="", cell=False):
        text = raw_tables[table].at[row, column] if row in raw_tables[table].index else ""
        if not explanation:
            explanation = _explanation(log, table, row, column) if status == "mismatch" else \
                _decoded(log, table, row, column)
        if cell:
            ev_a = ev_b = _cell_evidence(text)
        elif status == "not_reproducible":
            ev_a = ev_b = "not_checked"
        else:
            ev_a, ev_b = (checksum_evidence(table, row, column, a) for a in ("A", "B"))
        out.append([table, row, label, column, text, printed_value, reproduced, status, explanation, ev_a, ev_b])

    # Cell level: every rating and code in the processed data equals the printed (decoded) cell.
    for _, rec in upgrading.iterrows():
        table, row = rec["source_table"], int(rec["source_row"])
        col = TYPE_COLUMN[rec["upgrading_type"]]
        raw = raw_tables[table]
        value = rec["score_0to3"]
        add(table, row, raw.at[row, raw.columns[0]], col, value, value,
            "match" if not pd.isna(value) else "not_available", cell=True)
    for _, rec in governance.iterrows():
        row = int(rec["source_row"])
        chain = CHAIN_TYPE_LABELS[rec["chain_type"]]
        value = rec["code_0to3"]
        add("10-2", row, raw_tables["10-2"].at[row, "Cluster"], chain, None if pd.isna(value) else float(value),
            None if pd.isna(value) else float(value), "match" if not pd.isna(value) else "not_available", cell=True)
    out += header_shift_rows(raw_tables["10-2"], governance, log)

    # Row sums, Totals and Averages: recomputed from the ratings.
    for table in UPGRADING_TABLES:
        rebuilt = rebuild_upgrading_table(dataset, table).set_index("cluster_id")
        raw = raw_tables[table]
        sums = printed_row_sums[printed_row_sums["table"] == table]
        for _, rec in sums.iterrows():
            row = int(upgrading[(upgrading["cluster_id"] == rec["cluster_id"])]["source_row"].iloc[0])
            reproduced = float(rebuilt.at[rec["cluster_id"], _rebuilt_column("sum")])
            status = "match" if abs(reproduced - rec["printed_value"]) < 1e-9 else "mismatch"
            add(table, row, raw.at[row, raw.columns[0]], "Sum of upgrading", rec["printed_value"], reproduced, status)
        label_col = raw.columns[0]
        for statistic in ("total", "average"):
            row = int(raw.index[raw[label_col] == statistic.capitalize()][0])
            printed = printed_aggregates[(printed_aggregates["table"] == table)
                                         & (printed_aggregates["statistic"] == statistic)]
            for _, rec in printed.iterrows():
                column = TYPE_COLUMN.get(rec["column"], "Sum of upgrading")
                reproduced = float(rebuilt.at[statistic.capitalize(), _rebuilt_column(rec["column"])])
                if statistic == "average":
                    status = compare_average(rec["printed_value"], reproduced)
                else:
                    status = "match" if abs(reproduced - rec["printed_value"]) < 1e-9 else "mismatch"
                explanation = ("the book truncates this average to two decimals instead of rounding"
                               if status == "match_truncated" else "")
                add(table, row, statistic.capitalize(), column, rec["printed_value"], reproduced, status, explanation)

    # Table 10-1: only the printed identity CE = 0.5 EE + 0.5 JA can be recomputed.
    raw = raw_tables["10-1"]
    index = sector_ce_index.pivot(index="sector_group", columns="component", values="average_points")
    for row in raw.index:
        sector = PRINTED_SECTOR_GROUPS[raw.at[row, "Sector"]]
        ee, ja, ce = (index.at[sector, c] for c in ("external_economies", "joint_actions", "collective_efficiency"))
        for column, value in (("External economies (EE)", ee), ("Joint actions (JA)", ja)):
            add("10-1", row, raw.at[row, "Sector"], column, value, None, "not_reproducible",
                "the book prints no per-cluster EE or JA scores, only these sector averages")
        add("10-1", row, raw.at[row, "Sector"], "Collective Efficiency Index", ce, round(0.5 * ee + 0.5 * ja, 4),
            compare_average(ce, 0.5 * ee + 0.5 * ja))
    return pd.DataFrame(out, columns=CHECK_COLUMNS)


def summarize(check: pd.DataFrame, checksums: pd.DataFrame, reading_counts: pd.DataFrame | None = None
              ) -> pd.DataFrame:
    """Counts per table and status, for the Markdown summary and the closing numbers: the
    replication check, what its matches prove (evidence under each assumption), the printed
    checksums, and the number of readings the checksums allow per table and assumption."""
    a = check.groupby(["table", "status"], sort=True).size().rename("count").reset_index()
    a.insert(0, "what", "chapter 10 replication")
    parts = [a]
    matches = check[check["status"].isin(["match", "match_truncated"])]
    for assumption in ("A", "B"):
        col = f"evidence_{assumption}"
        if col in matches:
            e = matches.groupby(["table", col], sort=True).size().rename("count").reset_index()
            e = e.rename(columns={col: "status"})
            e.insert(0, "what", f"matches by evidence ({assumption})")
            parts.append(e)
    b = checksums.groupby(["table", "status"], sort=True).size().rename("count").reset_index()
    b.insert(0, "what", "printed checksums")
    parts.append(b)
    if reading_counts is not None and len(reading_counts):
        r = reading_counts[["table", "assumption", "status", "solutions"]].rename(columns={"solutions": "count"})
        # "readings under B" where the table has uncertain cells, "no uncertain cells under B" where not
        r["status"] = [("readings" if s == SOLVED else s) + f" under {a}"
                       for s, a in zip(r.pop("status"), r.pop("assumption").astype(str))]
        r.insert(0, "what", "readings the checksums allow")
        parts.append(r[["what", "table", "status", "count"]])
    return pd.concat(parts, ignore_index=True)


def _evidence_counts(check: pd.DataFrame) -> dict[str, tuple[int, int]]:
    matches = check[check["status"].isin(["match", "match_truncated"])]
    a, b = matches["evidence_A"].value_counts(), matches["evidence_B"].value_counts()
    return {k: (int(a.get(k, 0)), int(b.get(k, 0))) for k in EVIDENCE_KINDS if a.get(k, 0) or b.get(k, 0)}


def decision_log_summary(log: pd.DataFrame) -> pd.DataFrame:
    """Decisions per table and kind; ambiguous cells and alternative readings counted apart."""
    cells = log[(log["row"] != "*") & (log["column"] != "*")]
    rows = []
    for table, group in log.groupby("table", sort=False):
        c = cells[cells["table"] == table]
        default = c[c["reading"] == "default"]
        rows.append({"table": table,
                     "glyph_cells_decided": int((default["kind"] == "glyph").sum()),
                     "missing_cells": int((default["kind"] == "missing").sum()),
                     "ambiguous_cells": int(c[c["kind"] == "ambiguous"].drop_duplicates(["row", "column"]).shape[0]),
                     "alternative_readings": int(c.loc[c["reading"] != "default", "reading"].nunique()),
                     "contradictions": int((group["kind"] == "contradiction").sum()),
                     "structural": int((group["kind"] == "structural").sum())})
    out = pd.DataFrame(rows)
    total = {"table": "all", **{c: int(out[c].sum()) for c in out.columns if c != "table"}}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def write_replication(inputs: dict, checksum_files: list[str], out_dir, template) -> None:
    """Read the processed cluster data, rebuild the tables, write CSVs and the Markdown summary.

    ``inputs``: the rule's named inputs (workflow/rules/replicate.smk): the processed tables, the
    decision log (``decisions``), the printed tables (``printed_10_1`` ... ``printed_10_6``), the
    readings solver's checksum evidence and reading counts. Nothing else is read.
    """
    from pathlib import Path

    from gvc_clusters.data.decisions import read_decision_log
    from gvc_clusters.data.rawtable import read_raw_table
    from gvc_clusters.io import read_parquet, write_csv
    from gvc_clusters.templating import render_template

    out_dir = Path(out_dir)
    frames = {k: read_parquet(v) for k, v in inputs.items() if str(v).endswith(".parquet")}
    log = read_decision_log(inputs["decisions"])
    raw_tables = {t: read_raw_table(inputs[f"printed_{t.replace('-', '_')}"]) for t in PRINTED_TABLES}
    checksums = pd.concat([pd.read_csv(f) for f in checksum_files], ignore_index=True)
    dataset = frames["dataset"]
    evidence = pd.read_csv(inputs["evidence"])  # what each printed checksum proves (rule solve_readings)
    for table in UPGRADING_TABLES:
        write_csv(rebuild_upgrading_table(dataset, table), out_dir / f"table_{table.replace('-', '_')}.csv")
    write_csv(rebuild_governance_table(dataset), out_dir / "table_10_2.csv")
    write_csv(governance_patterns(dataset), out_dir / "governance_patterns.csv")
    ce = frames["sector_ce_index"].pivot(index="sector_group", columns="component", values="average_points")
    ce = ce.reset_index()
    ce["collective_efficiency_recomputed"] = 0.5 * ce["external_economies"] + 0.5 * ce["joint_actions"]
    write_csv(ce, out_dir / "table_10_1.csv")
    check = replication_check(dataset, frames["printed_aggregates"], frames["printed_row_sums"],
                              frames["upgrading"], frames["governance"], frames["sector_ce_index"], raw_tables, log,
                              evidence)
    write_csv(check, out_dir / "replication_check.csv")
    reading_counts = pd.read_csv(inputs["reading_counts"], dtype={"table": str}) if inputs.get("reading_counts") \
        else None
    summary = summarize(check, checksums, reading_counts)
    write_csv(summary, out_dir / "replication_summary.csv")
    decisions = decision_log_summary(log)
    write_csv(decisions, out_dir / "decision_log_summary.csv")
    text = render_template(template, {
        "summary": summary.to_dict("records"),
        "exceptions": check[check["status"].isin(["mismatch", "match_truncated", "not_reproducible"])].to_dict("records"),
        "checksum_failures": checksums[checksums["status"] == "mismatch"].to_dict("records"),
        "decisions": decisions.to_dict("records"),
        "counts": check["status"].value_counts().sort_index().to_dict(),
        "evidence_counts": _evidence_counts(check),
        "reading_counts": [] if reading_counts is None else reading_counts.to_dict("records"),
        "checksum_counts": checksums["status"].value_counts().sort_index().to_dict()}, trim=False)
    (out_dir / "replication_check.md").write_text(text, encoding="utf-8")
