"""What changed since the last run: configuration, inputs, decisions, checks, estimates and verdicts.

A build's *snapshot* (``Snapshot``, kept in results/last_build/ by the rule ``snapshot_estimates``)
holds what its results depend on and what they say:

    estimates.csv   every estimate with its SE and p-value (model_id, role, term, category)
    inputs.csv      SHA-256 of every input file and the configuration's digest
    config.json     the validated configuration (defaults filled), canonical JSON
    decisions.csv   the decision log, one row per decision with its id (``decision_ids``)
    checks.csv      the printed-table checks of data/raw/sources.yaml, one row per check with its id
    verdicts.csv    verdicts of claims (claim_id, verdict), when a claims table is given; else empty

``compare(previous, current)`` lists every difference as rows of one long table (``CHANGE_COLUMNS``):
the configuration keys that changed (a diff of the validated configuration), the input files,
the decisions and checks by id (added, removed, changed, and a check ``loosened``: a larger
tolerance, fewer cells, missing values read as zero), every estimate, SE and p-value that moved,
and the verdicts that changed: significance at the reported levels (``LEVELS``), the sign, and the
claims' verdicts. ``summary_lines`` leads with what matters (the config keys, what moved most, which
verdicts changed); ``console_warnings`` names the decisions and checks removed or loosened.

The report (rule ``render_report``) compares the previous snapshot with the build it renders and
writes the full list to results/report/changes.csv; ``snapshot_estimates`` then keeps the build's
own snapshot; ``./pipeline.sh rerun`` prints the same summary (``python -m gvc_clusters.output.changes``
on the snapshot kept before the run and the one after), and the workflow's ``onsuccess`` prints the
warnings (``print_warnings``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gvc_clusters.results import read_estimates as results_read_estimates

KEYS = ["model_id", "role", "term", "category"]
ESTIMATE_FIELDS = ["estimate", "std_error", "p_value"]
TOLERANCE = 1e-9   # below this (relative, and absolute near zero) a number has not moved: float noise
LEVELS = (0.01, 0.05, 0.10)   # the significance levels the tables report (stars preset; config tables.style)
CONSTANT_TERMS = ("const", "Intercept", "intercept")
DECISION_FIELDS = ["table", "row", "row_label", "column", "printed_text", "value_used", "reading", "kind",
                   "confidence", "reason"]
CHANGE_COLUMNS = ["what", "id", "change", "field", "previous", "current", "detail"]
NOTHING_CHANGED = ("Nothing changed since the previous build in this folder (or this is the first build "
                   "here): the same configuration, inputs, decisions and checks, and the same estimates.")
SNAPSHOT_FILES = ("estimates.csv", "inputs.csv", "config.json", "decisions.csv", "checks.csv", "verdicts.csv")


# ----------------------------------------------------------------------------------------------
# Snapshots
# ----------------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """What one build's results depend on and say (module docstring). A snapshot kept by an older
    version of the workflow may lack the configuration, decisions, checks or verdicts (None)."""
    estimates: pd.DataFrame
    inputs: pd.DataFrame
    config: dict | None = None
    decisions: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None
    verdicts: pd.DataFrame | None = None


def read_estimates(paths: Iterable[str | Path]) -> pd.DataFrame:
    """The build's estimates, one row per (model, role, term, category), with SE and p-value."""
    frames = [results_read_estimates(p) for p in paths]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*KEYS, *ESTIMATE_FIELDS])
    frame["category"] = frame["category"].fillna("").astype(str)
    for column in ESTIMATE_FIELDS:   # an older snapshot has no p-values
        if column not in frame:
            frame[column] = np.nan
    return frame[[*KEYS, *ESTIMATE_FIELDS]].sort_values(KEYS, kind="stable").reset_index(drop=True)


def input_fingerprints(files: Iterable[str | Path], root: str | Path, config: dict) -> pd.DataFrame:
    """SHA-256 of every input file and the configuration's digest. ``files`` are named relative to
    ``root`` (the raw folder's parent: ``raw/clusters/table_10_1.csv``), or as given when outside it."""
    rows = []
    for path in sorted(map(Path, files)):
        try:
            name = path.relative_to(root).as_posix()
        except ValueError:
            name = path.as_posix()
        rows.append({"input": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    rows.append({"input": "config", "sha256": hashlib.sha256(canonical_json(config).encode()).hexdigest()})
    return pd.DataFrame(rows, columns=["input", "sha256"])


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def decision_ids(log: pd.DataFrame) -> pd.Series:
    """One id per decision-log row: table/row/column/reading/kind (a cell may carry a value decision and
    a contradiction), with "#2", "#3" for further rows of the same key in file order (whole-table
    structural notes)."""
    base = (log["table"] + "/" + log["row"] + "/" + log["column"] + "/" + log["reading"] + "/" + log["kind"])
    occurrence = base.groupby(base).cumcount() + 1
    return base.where(occurrence == 1, base + "#" + occurrence.astype(str))


def read_decisions(path: str | Path) -> pd.DataFrame:
    """The decision log as text (``NA`` kept as written), with its ``decision_id`` first."""
    log = pd.read_csv(path, dtype=str, keep_default_na=False)
    log = log[[c for c in DECISION_FIELDS if c in log.columns]]
    log.insert(0, "decision_id", decision_ids(log))
    return log


def read_checks(manifest: str | Path) -> pd.DataFrame:
    """The checks of data/raw/sources.yaml, one row per check: ``check_id`` as the replication check
    names it (table and ``type#i``), the definition as canonical JSON, and its tolerance."""
    import yaml

    entries = yaml.safe_load(Path(manifest).read_text(encoding="utf-8")) or []
    rows = []
    for entry in entries:
        for i, check in enumerate(entry.get("checks") or [], start=1):
            rows.append({"check_id": f"{entry['table']} {check.get('type')}#{i}", "table": str(entry["table"]),
                         "definition": canonical_json(check), "tolerance": float(check.get("tolerance", 0.0))})
    return pd.DataFrame(rows, columns=["check_id", "table", "definition", "tolerance"])


def build_snapshot(estimate_files: Iterable[str | Path], input_files: Iterable[str | Path], root: str | Path,
                   config: dict, *, decision_log: str | Path | None = None, manifest: str | Path | None = None,
                   verdicts: str | Path | None = None) -> Snapshot:
    """This build's snapshot from its files: the estimates of every spec, the input files (named
    relative to ``root``), the validated ``config``, the decision log and the sources manifest (its
    checks), and optionally a claims' verdicts table (claim_id, verdict)."""
    return Snapshot(estimates=read_estimates(estimate_files), inputs=input_fingerprints(input_files, root, config),
                    config=json.loads(canonical_json(config)),
                    decisions=read_decisions(decision_log) if decision_log else None,
                    checks=read_checks(manifest) if manifest else None,
                    verdicts=read_verdicts(verdicts) if verdicts else None)


def read_verdicts(path: str | Path) -> pd.DataFrame:
    """A verdicts table: ``claim_id`` and ``verdict`` (other columns ignored)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame[["claim_id", "verdict"]].sort_values("claim_id", kind="stable").reset_index(drop=True)


def write_snapshot(snapshot: Snapshot, out_dir: str | Path) -> None:
    """The snapshot's files (``SNAPSHOT_FILES``), byte-stable: sorted rows and keys, fixed float format."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv = {"index": False, "lineterminator": "\n"}
    snapshot.estimates.to_csv(out / "estimates.csv", float_format="%.12g", **csv)
    snapshot.inputs.to_csv(out / "inputs.csv", **csv)
    (out / "config.json").write_text(json.dumps(snapshot.config or {}, sort_keys=True, indent=1, default=str,
                                                ensure_ascii=False) + "\n", encoding="utf-8")
    empty = {"decisions.csv": ["decision_id", *DECISION_FIELDS], "checks.csv": ["check_id", "table", "definition",
                                                                                "tolerance"],
             "verdicts.csv": ["claim_id", "verdict"]}
    for name, frame in (("decisions.csv", snapshot.decisions), ("checks.csv", snapshot.checks),
                        ("verdicts.csv", snapshot.verdicts)):
        (frame if frame is not None else pd.DataFrame(columns=empty[name])).to_csv(out / name, **csv)


def read_snapshot(folder: str | Path) -> Snapshot | None:
    """A kept snapshot, or None when there is none (a first build). Files an older snapshot lacks are None."""
    folder = Path(folder)
    if not (folder / "estimates.csv").is_file():
        return None

    def table(name: str) -> pd.DataFrame | None:
        path = folder / name
        return pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None

    inputs = table("inputs.csv")
    config = folder / "config.json"
    checks = table("checks.csv")
    if checks is not None:
        checks["tolerance"] = checks["tolerance"].astype(float)
    return Snapshot(estimates=read_estimates([folder / "estimates.csv"]),
                    inputs=inputs if inputs is not None else pd.DataFrame(columns=["input", "sha256"]),
                    config=json.loads(config.read_text(encoding="utf-8")) if config.is_file() else None,
                    decisions=table("decisions.csv"), checks=checks, verdicts=table("verdicts.csv"))


# ----------------------------------------------------------------------------------------------
# Comparing two snapshots
# ----------------------------------------------------------------------------------------------

@dataclass
class Changes:
    """Every difference between two builds (``rows``, ``CHANGE_COLUMNS``) and the counts the summary
    leads with. ``previous`` is False when there was no build to compare with."""
    previous: bool
    rows: pd.DataFrame
    n_estimates: int = 0          # estimate rows in the current build
    p_values: bool = True         # False: the previous snapshot kept no p-values (an older workflow)


def compare(previous: Snapshot | None, current: Snapshot, levels: tuple[float, ...] = LEVELS) -> Changes:
    """Every difference between the previous build's snapshot and this one's (module docstring)."""
    if previous is None:
        return Changes(False, pd.DataFrame(columns=CHANGE_COLUMNS), len(current.estimates))
    rows = config_changes(previous, current)
    rows += input_changes(previous.inputs, current.inputs, config_known=previous.config is not None)
    if previous.decisions is not None and current.decisions is not None:
        rows += decision_changes(previous.decisions, current.decisions)
    if previous.checks is not None and current.checks is not None:
        rows += check_changes(previous.checks, current.checks)
    # a snapshot kept before p-values were kept has none: compare estimates, SEs and signs only
    has_p = bool(previous.estimates["p_value"].notna().any())
    rows += estimate_changes(previous.estimates, current.estimates,
                             ESTIMATE_FIELDS if has_p else ESTIMATE_FIELDS[:2])
    rows += verdict_changes(previous.estimates, current.estimates, levels, significance_known=has_p)
    if previous.verdicts is not None and current.verdicts is not None:
        rows += claim_changes(previous.verdicts, current.verdicts)
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS).fillna("")
    return Changes(True, frame, len(current.estimates), has_p)


def _row(what, id_, change, field="", previous="", current="", detail="") -> dict:
    return {"what": what, "id": id_, "change": change, "field": field, "previous": previous, "current": current,
            "detail": detail}


def flatten(value, prefix: str = "") -> dict[str, object]:
    """A nested configuration as dotted keys (``ordinal.specs.ce_governance.se_type``); lists are values."""
    if isinstance(value, dict) and value:
        out = {}
        for key in sorted(value):
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _show(value) -> str:
    """A configuration value as written in YAML-ish text (strings bare, the rest as JSON)."""
    if value is None:
        return "(absent)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def config_changes(previous: Snapshot, current: Snapshot) -> list[dict]:
    """The validated configuration's keys that differ, one row each (dotted key, before, after)."""
    if previous.config is None or current.config is None:
        return []
    before, after = flatten(previous.config), flatten(current.config)
    rows = []
    for key in sorted(set(before) | set(after)):
        if key in before and key in after and canonical_json(before[key]) == canonical_json(after[key]):
            continue
        change = "added" if key not in before else "removed" if key not in after else "changed"
        rows.append(_row("config", key, change, "", _show(before.get(key)) if key in before else "",
                         _show(after.get(key)) if key in after else ""))
    return rows


def input_changes(previous: pd.DataFrame, current: pd.DataFrame, config_known: bool = True) -> list[dict]:
    """Input files whose SHA-256 differs, or that appeared or disappeared. The configuration's digest
    is listed only when the previous snapshot kept no configuration to diff."""
    before = dict(zip(previous["input"], previous["sha256"]))
    after = dict(zip(current["input"], current["sha256"]))
    rows = []
    for name in sorted(set(before) | set(after)):
        if before.get(name) == after.get(name) or (name == "config" and config_known):
            continue
        change = "added" if name not in before else "removed" if name not in after else "changed"
        rows.append(_row("input", name, change, "sha256", before.get(name, "")[:12], after.get(name, "")[:12]))
    return rows


def _keyed_changes(what: str, previous: pd.DataFrame, current: pd.DataFrame, key: str,
                   fields: list[str]) -> list[dict]:
    """Rows added, removed, and changed field by field, of two tables with an id column ``key``."""
    before, after = previous.set_index(key), current.set_index(key)
    rows = []
    for id_ in sorted(set(before.index) - set(after.index)):
        rows.append(_row(what, id_, "removed", detail=_describe(before.loc[id_], fields)))
    for id_ in sorted(set(after.index) - set(before.index)):
        rows.append(_row(what, id_, "added", detail=_describe(after.loc[id_], fields)))
    for id_ in sorted(set(before.index) & set(after.index)):
        for field in fields:
            old, new = str(before.at[id_, field]), str(after.at[id_, field])
            if old != new:
                rows.append(_row(what, id_, "changed", field, old, new))
    return rows


def _describe(record: pd.Series, fields: list[str]) -> str:
    return "; ".join(f"{f} {record[f]}" for f in fields if f in record.index and str(record[f]) not in ("", "nan"))


def decision_changes(previous: pd.DataFrame, current: pd.DataFrame) -> list[dict]:
    """Decisions added, removed and changed (each changed field: value_used 29000 -> 28000, ...)."""
    fields = [f for f in DECISION_FIELDS if f in previous.columns and f in current.columns]
    return _keyed_changes("decision", previous, current, "decision_id",
                          [f for f in fields if f not in ("table", "row", "column", "reading", "kind")])


def check_changes(previous: pd.DataFrame, current: pd.DataFrame) -> list[dict]:
    """Checks added, removed and changed; a changed check that now lets more through (``loosened``)
    says how: a larger tolerance, fewer rows or columns checked, missing values read as zero."""
    before, after = previous.set_index("check_id"), current.set_index("check_id")
    rows = []
    for id_ in sorted(set(before.index) - set(after.index)):
        rows.append(_row("check", id_, "removed", "definition", before.at[id_, "definition"], ""))
    for id_ in sorted(set(after.index) - set(before.index)):
        rows.append(_row("check", id_, "added", "definition", "", after.at[id_, "definition"]))
    for id_ in sorted(set(before.index) & set(after.index)):
        old, new = json.loads(before.at[id_, "definition"]), json.loads(after.at[id_, "definition"])
        if old == new:
            continue
        how = loosened_by(old, new)
        for field in sorted(set(old) | set(new)):
            if old.get(field) != new.get(field):
                rows.append(_row("check", id_, "loosened" if field in how else "changed", field,
                                 _show(old.get(field)), _show(new.get(field)), how.get(field, "")))
    return rows


def loosened_by(old: dict, new: dict) -> dict[str, str]:
    """The fields by which a check lets more through than before, with why."""
    out = {}
    if float(new.get("tolerance", 0.0)) > float(old.get("tolerance", 0.0)):
        out["tolerance"] = "a larger tolerance"
    for field in ("rows", "range", "columns"):
        if field in old and field in new and len(_cells(new, field)) < len(_cells(old, field)):
            out[field] = f"fewer {'columns' if field == 'columns' else 'rows'} checked"
    if new.get("na_as_zero") and not old.get("na_as_zero"):
        out["na_as_zero"] = "missing values now read as zero"
    return out


def _cells(check: dict, field: str) -> list:
    if field == "range":
        first, last = check["range"]
        return list(range(first, last + 1))
    return list(check[field])


def _moved(old: float, new: float) -> bool:
    if math.isnan(old) and math.isnan(new):
        return False
    if math.isnan(old) or math.isnan(new):
        return True
    return abs(new - old) > TOLERANCE * max(1.0, abs(old))


def estimate_changes(previous: pd.DataFrame, current: pd.DataFrame,
                     fields: list[str] = ESTIMATE_FIELDS) -> list[dict]:
    """Estimates, SEs and p-values (``fields``) that moved, one row per number, and estimates new or removed."""
    merged = previous.merge(current, on=KEYS, how="outer", suffixes=("_previous", "_current"), indicator=True)
    rows = []
    for rec in merged.sort_values(KEYS, kind="stable").to_dict("records"):
        id_ = estimate_id(rec)
        if rec["_merge"] != "both":
            side = "current" if rec["_merge"] == "right_only" else "previous"
            rows.append(_row("estimate", id_, "added" if side == "current" else "removed", "estimate",
                             _number(rec["estimate_previous"]), _number(rec["estimate_current"])))
            continue
        for field in fields:
            old, new = float(rec[f"{field}_previous"]), float(rec[f"{field}_current"])
            if _moved(old, new):
                rows.append(_row("estimate", id_, "moved", field, _number(old), _number(new),
                                 _relative(old, new)))
    return rows


ID_SEPARATOR = " · "   # terms hold spaces, "|", ":" and "/" (conditional effects, products, cutpoints)


def estimate_id(rec: dict) -> str:
    """'model_id · role · term[ · category]': the estimate's key in one string (``split_estimate_id``)."""
    return ID_SEPARATOR.join(str(rec[k]) for k in KEYS if str(rec[k]) not in ("", "nan"))


def split_estimate_id(id_: str) -> dict[str, str]:
    """The key of an ``estimate_id``: model_id, role, term, category ("" when it has none)."""
    parts = id_.split(ID_SEPARATOR)
    return dict(zip(KEYS, [*parts, "", "", "", ""][:len(KEYS)]))


def _number(value) -> str:
    value = float(value)
    return "" if math.isnan(value) else f"{value:.6g}"


def _relative(old: float, new: float) -> str:
    if math.isnan(old) or math.isnan(new) or old == 0:
        return ""
    return f"{100 * (new - old) / abs(old):+.1f}%"


def significance(p: float, levels: tuple[float, ...] = LEVELS) -> float | None:
    """The strictest reported level a p-value is below (None: none of them, or no p-value)."""
    if p is None or math.isnan(p):
        return None
    below = [level for level in sorted(levels) if p < level]
    return below[0] if below else None


def _significance_text(level: float | None, levels: tuple[float, ...]) -> str:
    return f"significant at {level:.2f}" if level is not None else f"not significant at {max(levels):.2f}"


def verdict_changes(previous: pd.DataFrame, current: pd.DataFrame, levels: tuple[float, ...] = LEVELS,
                    significance_known: bool = True) -> list[dict]:
    """Coefficients and effects whose verdict changed: significance at the reported ``levels`` (the
    thresholds the p-value crossed) or the sign. Cutpoints and constants carry no verdict. Without
    the previous p-values (``significance_known`` False) only signs are compared."""
    merged = previous.merge(current, on=KEYS, how="inner", suffixes=("_previous", "_current"))
    merged = merged[merged["role"].isin(["coef", "ame"]) & ~merged["term"].isin(CONSTANT_TERMS)]
    rows = []
    for rec in merged.sort_values(KEYS, kind="stable").to_dict("records"):
        p_old, p_new = float(rec["p_value_previous"]), float(rec["p_value_current"])
        old, new = significance(p_old, levels), significance(p_new, levels)
        if old != new and significance_known:
            crossed = [f"{level:.2f}" for level in levels
                       if not math.isnan(p_old) and not math.isnan(p_new) and (p_old < level) != (p_new < level)]
            rows.append(_row("verdict", estimate_id(rec), "significance", "p_value", _number(p_old), _number(p_new),
                             (f"crossed {' and '.join(crossed)}: " if crossed else "")
                             + f"{_significance_text(old, levels)} → {_significance_text(new, levels)}"))
        s_old, s_new = np.sign(float(rec["estimate_previous"])), np.sign(float(rec["estimate_current"]))
        if s_old != s_new and not (math.isnan(s_old) or math.isnan(s_new)):
            rows.append(_row("verdict", estimate_id(rec), "sign", "estimate", _number(rec["estimate_previous"]),
                             _number(rec["estimate_current"]), "the sign changed"))
    return rows


def claim_changes(previous: pd.DataFrame, current: pd.DataFrame) -> list[dict]:
    """Claims whose verdict changed, appeared or disappeared (a claims table: claim_id, verdict)."""
    rows = _keyed_changes("claim", previous, current, "claim_id", ["verdict"])
    return [{**r, "field": r["field"] or "verdict"} for r in rows]


# ----------------------------------------------------------------------------------------------
# Words
# ----------------------------------------------------------------------------------------------

def _listed(items: list[str], limit: int = 5) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _arrow(row) -> str:
    return f"{row['previous'] or '(none)'} → {row['current'] or '(none)'}"


def summary_lines(changes: Changes, label: Callable[[str], str] = str) -> list[str]:
    """The short summary of ``changes``: configuration keys, input files, decisions and checks (what
    was removed or loosened first), how many estimates, SEs and p-values moved and the one that moved
    most, then the verdicts that changed with the thresholds their p-values crossed. ``label`` turns
    an estimate's id (``estimate_id``) into words (the report passes its labels)."""
    rows = changes.rows
    if not changes.previous or rows.empty:
        return [NOTHING_CHANGED]
    lines = []
    of = lambda what: rows[rows["what"] == what]
    config = of("config")
    if not config.empty:
        lines.append(f"Configuration: {len(config)} key(s) changed: "
                     + _listed([f"{r['id']} {_arrow(r)}" for _, r in config.iterrows()]) + ".")
    inputs = of("input")
    if not inputs.empty:
        names = [f"{r['id']} ({r['change']})" if r["id"] != "config" else
                 "the configuration (the previous snapshot kept no copy of it to compare keys)"
                 for _, r in inputs.iterrows()]
        lines.append(f"Input files changed ({len(inputs)}): {_listed(names)}.")
    for what, source in (("decision", "data/raw/decision_log.csv"), ("check", "data/raw/sources.yaml")):
        part = of(what)
        if part.empty:
            continue
        items = []
        for change in ("removed", "loosened", "changed", "added"):
            sub = part[part["change"] == change]
            if not sub.empty:
                described = list(dict.fromkeys(_change_item(r) for _, r in sub.iterrows()))
                items.append(f"{sub['id'].nunique()} {change} ({_listed(described)})")
        lines.append(f"{what.capitalize()}s ({source}): " + ", ".join(items) + ".")
    lines += _estimate_lines(of("estimate"), changes.n_estimates, label, changes.p_values)
    lines += _verdict_lines(of("verdict"), of("claim"), label)
    return lines


def _change_item(row) -> str:
    """A decision or check change in a few words: its id, and the field with old -> new values
    (a free-text field is only said to be edited; the full text is in the CSV)."""
    if row["change"] in ("removed", "added") or not row["field"]:
        return row["id"]
    if row["field"] in ("reason", "definition", "why"):
        return f"{row['id']} {row['field']} edited"
    return f"{row['id']} {row['field']} {_arrow(row)}"


def _estimate_lines(estimates: pd.DataFrame, n_estimates: int, label, p_values: bool = True) -> list[str]:
    if estimates.empty:
        return [f"Estimates: none of the {n_estimates:,} estimates, standard errors or p-values moved."]
    moved = estimates[estimates["change"] == "moved"]
    count = {f: int((moved["field"] == f).sum()) for f in ESTIMATE_FIELDS}
    added, removed = int((estimates["change"] == "added").sum()), int((estimates["change"] == "removed").sum())
    text = (f"Estimates: {count['estimate']:,} of {n_estimates:,} estimates moved; {count['std_error']:,} standard "
            + (f"errors and {count['p_value']:,} p-values changed" if p_values else
               "errors changed (p-values not compared: the previous snapshot kept none)"))
    text += (f"; {added:,} new" if added else "") + (f"; {removed:,} removed" if removed else "") + "."
    lines = [text]
    for field, what in (("estimate", "Moved most"), ("std_error", "Largest change of a standard error")):
        part = moved[moved["field"] == field]
        if part.empty:
            continue
        size = (part["current"].astype(float) - part["previous"].astype(float)).abs()
        if field == "std_error":
            size = size / part["previous"].astype(float).abs().replace(0, np.nan)
        top = part.loc[size.fillna(-1).idxmax()]
        lines.append(f"{what}: {label(top['id'])}, {_short(top['previous'])} → {_short(top['current'])}"
                     + (f" ({top['detail']})" if top["detail"] else "") + ".")
        if field == "estimate":
            break          # an estimate moved: that is the headline, not its SE
    return lines


def _verdict_lines(verdicts: pd.DataFrame, claims: pd.DataFrame, label) -> list[str]:
    lines = []
    if verdicts.empty:
        lines.append("Verdicts: no coefficient or effect changed its significance at "
                     + ", ".join(f"{level:g}" for level in LEVELS) + " or its sign.")
    else:
        # coefficients before effects, a crossing of 0.05 (the level a reader reads) before the others
        order = verdicts.assign(_coef=~verdicts["id"].str.contains(f"{ID_SEPARATOR}coef{ID_SEPARATOR}", regex=False),
                                _05=~verdicts["detail"].str.contains(r"crossed (?:\S+ and )?0\.05\b"))
        order = order.sort_values(["_05", "_coef"], kind="stable")
        items = [f"{label(r['id'])}: " + (f"p = {_p(r['previous'])} → {_p(r['current'])}, {r['detail']}"
                                          if r["change"] == "significance" else
                                          f"{_short(r['previous'])} → {_short(r['current'])}, the sign changed")
                 for _, r in order.iterrows()]
        shown = 5
        lines.append(f"Verdicts changed: {len(items)}" + (f" (the first {shown} below; every one in the full list)"
                                                          if len(items) > shown else "") + ":")
        lines += [f"  {item}." for item in items[:shown]]
    if not claims.empty:
        lines.append(f"Claims whose verdict changed ({claims['id'].nunique()}): "
                     + _listed([f"{r['id']} {_arrow(r)} ({r['change']})" for _, r in claims.iterrows()]) + ".")
    return lines


def _p(text: str) -> str:
    """A p-value as the summary prints it: three decimals, or "< 0.001" (the CSV keeps 6 digits)."""
    if text == "":
        return "n.a."
    value = float(text)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _short(text: str) -> str:
    """An estimate or SE as the summary prints it: 4 significant digits."""
    return "n.a." if text == "" else f"{float(text):.4g}"


def console_warnings(changes: Changes) -> list[str]:
    """One line per decision or check removed or loosened since the last run (the console names them
    at the end of the run: a removed contradiction or a loosened check lets a wrong cell through)."""
    rows = changes.rows
    risky = rows[(rows["what"].isin(["decision", "check"])) & rows["change"].isin(["removed", "loosened"])]
    out = []
    for _, r in risky.iterrows():
        how = f": {r['field']} {_arrow(r)} ({r['detail']})" if r["change"] == "loosened" else ""
        out.append(f"WARNING: {r['what']} {r['id']} {r['change']} since the last run{how}")
    return out


def write_changes(changes: Changes, path: str | Path) -> None:
    """The full list as CSV (``CHANGE_COLUMNS``, in the order compare lists them)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    changes.rows.to_csv(path, index=False, lineterminator="\n")


def read_changes(path: str | Path) -> Changes:
    """A written changes list (``write_changes``) back as Changes."""
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    return Changes(True, rows)


def rule_ran(log, rule: str) -> bool | None:
    """Whether the run whose Snakemake log file(s) ``log`` names (what the ``onsuccess`` handler gets:
    a path, or a list of them in Snakemake 9) ran a job of ``rule``; None when no log can be read."""
    paths = [log] if isinstance(log, (str, Path)) else list(log or [])
    texts = [Path(p).read_text(encoding="utf-8", errors="replace") for p in paths if Path(p).is_file()]
    if not texts:
        return None
    pattern = re.compile(rf"^(?:local)?rule {re.escape(rule)}:", re.MULTILINE)
    return any(pattern.search(text) for text in texts)


def print_warnings(path: str | Path, ran: bool | None = None, since: float | None = None, stream=None) -> list[str]:
    """Print ``console_warnings`` of the changes list at ``path`` (results/report/changes.csv) when this
    run wrote it: ``ran`` says whether the rule that writes it ran (``rule_ran``); where that is not
    known (None), when the file is no older than ``since`` (the start of the run). A run that did not
    render the report repeats no old warning. The workflow's onsuccess handler calls it."""
    path = Path(path)
    if ran is False or not path.is_file() or (ran is None and since is not None and path.stat().st_mtime < since):
        return []
    lines = console_warnings(read_changes(path))
    for line in lines:
        print(line, file=stream or sys.stderr)
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m gvc_clusters.output.changes PREVIOUS_DIR [CURRENT_DIR]``: print the summary of what
    changed between the snapshot kept before a run and the one the run wrote (default
    results/last_build), then the decisions and checks removed or loosened."""
    parser = argparse.ArgumentParser(description="What changed since the last run")
    parser.add_argument("previous", help="the previous build's snapshot folder (a copy of results/last_build)")
    parser.add_argument("current", nargs="?", default="results/last_build")
    args = parser.parse_args(argv)
    current = read_snapshot(args.current)
    if current is None:
        print(f"no snapshot in {args.current}")
        return 0
    changes = compare(read_snapshot(args.previous), current)
    print("\n".join(summary_lines(changes)))
    for line in console_warnings(changes):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
