"""Cases beyond the book: coded case files, their evidence, double coding and the with/without sample.

A case file (``data/cases/<case_id>.yaml``, protocol in data/cases/README.md) codes one cluster the
book does not cover on the book's variables: CE degree (Low / Medium / High), governance 0–3 per
chain type (0 absent, 1 domestic, 2 global, 3 domestic and global), upgrading 0–3 per type. Every
code carries its value or ``null`` (missing: the source is silent, never guessed), verbatim
evidence with seed line numbers, the coder's confidence and a note. Each coder's independent
coding lives in ``data/cases/coding/coder_<X>/<case_id>.yaml`` (same schema, codes only); the
reconciliation log says how each disagreement was settled.

Pure functions: the workflow scripts and the tests call them.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gvc_clusters.errors import InputError, InputErrors
from gvc_clusters.vocabulary import CE_LEVELS, UPGRADING_TYPES
from gvc_clusters.vocabulary import CHAIN_TYPES as CHAINS

CE_VARIABLE = "ce_degree"
GOV_VARIABLES = tuple(f"gov_{c}" for c in CHAINS)
UPG_VARIABLES = tuple(f"upg_{t}" for t in UPGRADING_TYPES)
VARIABLES = (CE_VARIABLE, *GOV_VARIABLES, *UPG_VARIABLES)
# Column of the processed model dataset (data/processed/clusters/model_dataset) each variable fills.
DATASET_COLUMNS = {CE_VARIABLE: "ce_degree",
                   **{f"gov_{c}": f"{c}_chain_0to3" for c in CHAINS},
                   **{f"upg_{t}": f"{t}_upgrading_0to3" for t in UPGRADING_TYPES}}
# Level of measurement for Krippendorff's alpha: CE and upgrading are ordered scales; the
# governance code is a category (1 domestic, 2 global, 3 both: 3 is not "more" than 2).
LEVELS = {CE_VARIABLE: "ordinal", **{v: "nominal" for v in GOV_VARIABLES}, **{v: "ordinal" for v in UPG_VARIABLES}}
CE_ORDER = CE_LEVELS
RECONCILIATION_COLUMNS = ["case_id", "variable", "coder_a", "coder_b", "final", "settled_by", "reason"]


def _schema() -> dict:
    return json.loads(resources.files("gvc_clusters.data.schemas").joinpath("case.schema.json").read_text("utf-8"))


def normalize(text: str) -> str:
    """Whitespace-insensitive form used to compare quotes with the seed (nothing else changes:
    OCR hyphenation, quotes marks and accents must be exactly as in the seed)."""
    return re.sub(r"\s+", " ", text).strip()


def read_case(path: str | Path) -> dict:
    """One case or coding file, validated against the JSON schema; the file stem must be the case id."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from err
    validate_case(doc, path)
    return doc


def validate_case(doc, path: str | Path) -> None:
    """Schema errors, each located by its path in the file, raised together."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = [InputError(path, err.message, column="/".join(str(p) for p in err.absolute_path) or "(top)")
              for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]
    if not errors and doc["case_id"] != Path(path).stem:
        errors.append(InputError(path, "case_id differs from the file name", column="case_id",
                                 value=doc["case_id"], expected=Path(path).stem))
    if errors:
        raise InputErrors(errors)


def read_cases(directory: str | Path) -> dict[str, dict]:
    """Every ``*.yaml`` case file of a directory, by case id (sorted)."""
    return read_case_files(Path(directory).glob("*.yaml"))


def read_case_files(paths) -> dict[str, dict]:
    """The given case files, by case id (sorted)."""
    return {Path(p).stem: read_case(p) for p in sorted(map(str, paths))}


def evidence_items(doc: dict):
    """(variable, evidence) for every quote of a file: codes, CE components and extra variables alike."""
    for group in ("codes", "ce_components", "extra"):
        for variable, code in (doc.get(group) or {}).items():
            for item in code.get("evidence", []):
                yield variable, item


def check_quotes(doc: dict, seeds_dir: str | Path, path: str | Path = "case") -> list[InputError]:
    """Every quote must appear verbatim (up to whitespace) within its cited lines of its seed."""
    problems, cache = [], {}
    for variable, item in evidence_items(doc):
        seed = Path(seeds_dir) / item["seed"]
        if seed not in cache:
            if not seed.exists():
                problems.append(InputError(path, "cited seed file does not exist", column=variable, value=item["seed"]))
                continue
            cache[seed] = seed.read_text(encoding="utf-8").split("\n")
        lines = cache[seed]
        start, end = item["lines"]
        if not 1 <= start <= end <= len(lines):
            problems.append(InputError(path, "cited lines outside the seed", column=variable,
                                       value=[start, end], expected=f"1 <= start <= end <= {len(lines)}"))
            continue
        if normalize(item["quote"]) not in normalize(" ".join(lines[start - 1:end])):
            problems.append(InputError(path, f"quote not found verbatim in {item['seed']} lines {start}-{end}",
                                       column=variable, value=item["quote"][:80]))
    return problems


def check_relations(cases: dict[str, dict], book_ids: set[str]) -> list[InputError]:
    """A case is a cluster the book does not have: its id is not a book id, every related book
    cluster exists, and a case declared the same cluster as a book one cannot enter the models."""
    problems = []
    for case_id, doc in cases.items():
        if case_id in book_ids:
            problems.append(InputError(f"{case_id}.yaml", "case id is a book cluster id (counted twice)",
                                       column="case_id", value=case_id))
        for rel in doc.get("relations", []):
            if rel["book_cluster"] not in book_ids:
                problems.append(InputError(f"{case_id}.yaml", "relation names an unknown book cluster",
                                           column="relations", value=rel["book_cluster"],
                                           expected="a cluster_id of data/raw/clusters/cluster_key.csv"))
    return problems


# ----------------------------------------------------------------------------------------------
# Codes as tables
# ----------------------------------------------------------------------------------------------

def codes_frame(cases: dict[str, dict]) -> pd.DataFrame:
    """Long table: case_id, variable, value (text; '' = missing), confidence, n_quotes, note."""
    rows = []
    for case_id, doc in sorted(cases.items()):
        for variable in VARIABLES:
            code = doc["codes"][variable]
            rows.append({"case_id": case_id, "variable": variable, "value": format_value(code["value"]),
                         "confidence": code["confidence"], "n_quotes": len(code["evidence"]),
                         "note": normalize(code["note"])})
    return pd.DataFrame(rows, columns=["case_id", "variable", "value", "confidence", "n_quotes", "note"])


def format_value(value) -> str:
    """A code as text: '' for missing, '1.5' / '2' for numbers, 'Medium' for CE."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def model_rows(cases: dict[str, dict]) -> pd.DataFrame:
    """The cases in the layout of data/processed/clusters/model_dataset (one row each).

    ``has_upgrading_data`` is true when at least one upgrading type is coded, so a case that codes
    only CE (the mezcal abstract) is counted as excluded for lack of upgrading data.
    """
    rows = []
    for case_id, doc in sorted(cases.items()):
        ident, codes = doc["identity"], doc["codes"]
        row = {"cluster_id": case_id, "sector_group": ident["sector_group"], "product": ident["product"],
               "location": ident["location"], "country": ident["country"], "ce_degree": codes[CE_VARIABLE]["value"]}
        for variable in (*GOV_VARIABLES, *UPG_VARIABLES):
            value = codes[variable]["value"]
            row[DATASET_COLUMNS[variable]] = np.nan if value is None else float(value)
        row["has_upgrading_data"] = any(codes[v]["value"] is not None for v in UPG_VARIABLES)
        rows.append(row)
    return pd.DataFrame(rows)


def with_cases(dataset: pd.DataFrame, cases: dict[str, dict], selected: list[str]) -> pd.DataFrame:
    """The book's model dataset plus the selected cases (config ``cases:``), types kept."""
    unknown = sorted(set(selected) - set(cases))
    if unknown:
        raise InputError("config", "`cases:` names cases that have no file in data/cases", column="cases",
                         value=", ".join(unknown), expected="one of " + ", ".join(sorted(cases)))
    twice = [c for c in selected if any(r["relation"] == "same_cluster" for r in cases[c].get("relations", []))]
    twice += [c for c in selected if c in set(dataset["cluster_id"])]
    if twice:
        raise InputError("config", "case is a book cluster already in the sample (it would be counted twice)",
                         column="cases", value=", ".join(sorted(set(twice))))
    if not selected:
        return dataset
    added = model_rows({c: cases[c] for c in selected})[dataset.columns.tolist()]
    out = pd.concat([dataset, added.astype({k: v for k, v in dataset.dtypes.items() if str(v) != "category"})],
                    ignore_index=True)
    for col, dtype in dataset.dtypes.items():
        if str(dtype) == "category":
            out[col] = pd.Categorical(out[col].astype("string"),
                                      categories=sorted(set(dtype.categories) | set(out[col].dropna().astype(str))))
    return out


def exclusions_by_variable(cases: dict[str, dict], selected: list[str], spec_name: str, spec: dict) -> pd.DataFrame:
    """For each outcome of a spec: which selected cases miss which variable (so they drop out)."""
    from gvc_clusters.analysis.coding import model_variables

    rows = []
    if not selected:
        return pd.DataFrame(columns=["spec", "outcome", "case_id", "entered", "missing"])
    data = model_variables(model_rows({c: cases[c] for c in selected}))
    for outcome in spec["outcomes"]:
        for row in data.itertuples(index=False):
            rec = row._asdict()
            missing = [v for v in [outcome, *spec["regressors"]] if v in rec and pd.isna(rec[v])]
            rows.append({"spec": spec_name, "outcome": outcome, "case_id": rec["cluster_id"],
                         "entered": not missing, "missing": ", ".join(missing)})
    return pd.DataFrame(rows, columns=["spec", "outcome", "case_id", "entered", "missing"])


# ----------------------------------------------------------------------------------------------
# Double coding: agreement and reconciliation
# ----------------------------------------------------------------------------------------------

def _numeric(variable: str, value) -> float:
    if value is None:
        return np.nan
    return float(CE_ORDER[value]) if variable == CE_VARIABLE else float(value)


def agreement(coding_a: dict[str, dict], coding_b: dict[str, dict]) -> pd.DataFrame:
    """Per variable: Krippendorff's alpha over the cases both coders coded, with its level.

    A ``null`` (missing) is treated as "not coded" by alpha, the usual convention; because saying
    "the source is silent" is itself a coding decision, ``n_agree_incl_missing`` (and
    ``percent_agree_incl_missing``) count a value against a null as a disagreement, and ``alpha_missing_as_category`` is a nominal alpha in which
    "missing" is one more category. Alpha is undefined (NaN, see ``alpha_note``) when fewer than
    two values occur among the pairable codes, e.g. both coders give every case the same value.
    """
    import krippendorff

    common = sorted(set(coding_a) & set(coding_b))
    rows = []
    for variable in VARIABLES:
        a = np.array([_numeric(variable, coding_a[c]["codes"][variable]["value"]) for c in common])
        b = np.array([_numeric(variable, coding_b[c]["codes"][variable]["value"]) for c in common])
        both = ~np.isnan(a) & ~np.isnan(b)
        same_incl_missing = np.array([(np.isnan(x) and np.isnan(y)) or x == y for x, y in zip(a, b)])
        values = np.unique(np.concatenate([a[both], b[both]]))
        note = ""
        alpha = np.nan
        if both.sum() < 2:
            note = "fewer than two cases coded by both"
        elif len(values) < 2:
            note = "one value only among the codes: alpha undefined"
        else:
            alpha = float(krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement=LEVELS[variable]))
        # "missing" as a category of its own (nominal): agreement on whether and how to code
        codes_a = np.where(np.isnan(a), -1.0, a)
        codes_b = np.where(np.isnan(b), -1.0, b)
        alpha_missing = np.nan
        if len(common) >= 2 and len(np.unique(np.concatenate([codes_a, codes_b]))) >= 2:
            alpha_missing = float(krippendorff.alpha(reliability_data=np.vstack([codes_a, codes_b]),
                                                     level_of_measurement="nominal"))
        rows.append({"variable": variable, "level": LEVELS[variable], "n_cases": len(common),
                     "n_coded_by_both": int(both.sum()), "n_agree_coded": int((a[both] == b[both]).sum()),
                     "n_agree_incl_missing": int(same_incl_missing.sum()),
                     "percent_agree_incl_missing": 100.0 * same_incl_missing.mean() if len(common) else np.nan,
                     "alpha": alpha, "alpha_note": note, "alpha_missing_as_category": alpha_missing})
    return pd.DataFrame(rows)


def disagreements(coding_a: dict[str, dict], coding_b: dict[str, dict]) -> pd.DataFrame:
    """Every (case, variable) where the two codings differ, a value against a null included."""
    rows = []
    for case_id in sorted(set(coding_a) | set(coding_b)):
        for variable in VARIABLES:
            va = format_value(coding_a[case_id]["codes"][variable]["value"]) if case_id in coding_a else "(not coded)"
            vb = format_value(coding_b[case_id]["codes"][variable]["value"]) if case_id in coding_b else "(not coded)"
            if va != vb:
                rows.append({"case_id": case_id, "variable": variable, "coder_a": va, "coder_b": vb})
    return pd.DataFrame(rows, columns=["case_id", "variable", "coder_a", "coder_b"])


def read_reconciliation(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(frame.columns) != RECONCILIATION_COLUMNS:
        raise InputError(path, "unexpected columns", value=list(frame.columns), expected=RECONCILIATION_COLUMNS)
    return frame


def check_reconciliation(cases: dict[str, dict], coding_a: dict[str, dict], coding_b: dict[str, dict],
                         log: pd.DataFrame, path: str | Path = "reconciliation_log.csv",
                         review: pd.DataFrame | None = None, review_path: str | Path = "review_log.csv"
                         ) -> list[InputError]:
    """The final case files are the codings with every disagreement settled as the log says, then
    changed only where the review log says: a code both coders agree on is reconciled as is; each
    disagreement has exactly one log row whose coder columns match the codings, and its ``final`` is
    the reconciled value; a review row (``review``: case_id, variable, reconciled, final, reason)
    names the reconciled value it changes, and the case file holds its ``final``. Everything else
    in the case file is the reconciled value."""
    problems = []
    diffs = disagreements(coding_a, coding_b)
    logged = {(r.case_id, r.variable): r for r in log.itertuples(index=False)}
    reconciled: dict[tuple[str, str], str] = {}
    for row in diffs.itertuples(index=False):
        entry = logged.pop((row.case_id, row.variable), None)
        if entry is None:
            problems.append(InputError(path, "disagreement without a log row", column=row.variable,
                                       value=f"{row.case_id}: A={row.coder_a!r}, B={row.coder_b!r}"))
            continue
        if (entry.coder_a, entry.coder_b) != (row.coder_a, row.coder_b):
            problems.append(InputError(path, "log row does not match the codings", column=row.variable,
                                       value=f"{row.case_id}: log A={entry.coder_a!r} B={entry.coder_b!r}",
                                       expected=f"A={row.coder_a!r} B={row.coder_b!r}"))
        if not entry.reason.strip() or not entry.settled_by.strip():
            problems.append(InputError(path, "log row without settled_by/reason", column=row.variable, value=row.case_id))
        reconciled[(row.case_id, row.variable)] = entry.final
    for (case_id, variable) in logged:
        problems.append(InputError(path, "log row for a code the coders agree on", column=variable, value=case_id))
    for case_id in cases:
        source = coding_a.get(case_id) or coding_b.get(case_id)
        for variable in VARIABLES:
            if (case_id, variable) not in reconciled and source is not None:
                reconciled[(case_id, variable)] = format_value(source["codes"][variable]["value"])
    reviewed = {} if review is None else {(r.case_id, r.variable): r for r in review.itertuples(index=False)}
    for key, entry in reviewed.items():
        if key not in reconciled:
            problems.append(InputError(review_path, "review row for a code no coding has", column=key[1], value=key[0]))
        elif entry.reconciled != reconciled[key]:
            problems.append(InputError(review_path, "review row does not start from the reconciled value",
                                       column=key[1], value=f"{key[0]}: {entry.reconciled!r}",
                                       expected=reconciled[key]))
        elif entry.final == entry.reconciled or not entry.reason.strip():
            problems.append(InputError(review_path, "review row that changes nothing or gives no reason",
                                       column=key[1], value=key[0]))
    for (case_id, variable), value in sorted(reconciled.items()):
        if case_id not in cases:
            continue
        final = format_value(cases[case_id]["codes"][variable]["value"])
        if (case_id, variable) in reviewed:
            expected, what = reviewed[(case_id, variable)].final, "the review log"
        elif (case_id, variable) in set(zip(diffs["case_id"], diffs["variable"])):
            expected, what = value, "the reconciliation log"
        else:
            expected, what = value, "the agreed coding"
        if final != expected:
            problems.append(InputError(f"{case_id}.yaml", f"final code differs from {what}", column=variable,
                                       value=final, expected=expected))
    return problems


# ----------------------------------------------------------------------------------------------
# The cited seed lines, stored with the cases so the quote check runs in a fresh clone
# ----------------------------------------------------------------------------------------------

SEED_LINE_COLUMNS = ["seed", "line", "text"]


def find_seeds_dir(root: str | Path) -> Path | None:
    """The OCR seeds (not part of the repository): $GVC_SEEDS_DIR, else ../shared/seeds or
    ../../shared/seeds next to the checkout (a worktree sits one level deeper). None if absent."""
    import os

    root = Path(root).resolve()
    candidates = [os.environ.get("GVC_SEEDS_DIR"), root.parent / "shared" / "seeds", root.parent.parent / "shared" / "seeds"]
    for cand in candidates:
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None


def cited_lines(docs: list[dict]) -> set[tuple[str, int]]:
    """Every (seed, line) any quote of these files cites."""
    out = set()
    for doc in docs:
        for _, item in evidence_items(doc):
            start, end = item["lines"]
            out.update((item["seed"], n) for n in range(start, end + 1))
    return out


def extract_seed_lines(docs: list[dict], seeds_dir: str | Path) -> pd.DataFrame:
    """The cited lines, verbatim from the seeds (written to data/cases/seed_lines.csv)."""
    rows, cache = [], {}
    for seed, line in sorted(cited_lines(docs)):
        if seed not in cache:
            cache[seed] = (Path(seeds_dir) / seed).read_text(encoding="utf-8").split("\n")
        rows.append({"seed": seed, "line": line, "text": cache[seed][line - 1]})
    return pd.DataFrame(rows, columns=SEED_LINE_COLUMNS)


def read_seed_lines(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"seed": str, "line": int, "text": str}, keep_default_na=False)
    if list(frame.columns) != SEED_LINE_COLUMNS:
        raise InputError(path, "unexpected columns", value=list(frame.columns), expected=SEED_LINE_COLUMNS)
    return frame


def lines_directory(seed_lines: pd.DataFrame, tmp_dir: str | Path) -> Path:
    """Write the stored lines back as seed files (uncited lines empty) so ``check_quotes`` reads them."""
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    for seed, group in seed_lines.groupby("seed"):
        n = int(group["line"].max())
        lines = [""] * n
        for row in group.itertuples(index=False):
            lines[row.line - 1] = row.text
        (tmp_dir / seed).write_text("\n".join(lines), encoding="utf-8")
    return tmp_dir


def seed_lines_arguments(argv: list[str] | None, description: str) -> tuple[Path, Path]:
    """(repository root, seeds folder) of a command that refreshes a stored seed_lines.csv (the
    cases' here, the claims' in gvc_clusters.claims.registry)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--root", default=".", help="repository root")
    parser.add_argument("--seeds", default=None, help="directory of the OCR seeds")
    args = parser.parse_args(argv)
    root = Path(args.root)
    seeds = Path(args.seeds) if args.seeds else find_seeds_dir(root)
    if seeds is None:
        raise SystemExit("seeds not found: pass --seeds DIR or set GVC_SEEDS_DIR")
    return root, seeds


def main(argv: list[str] | None = None) -> None:
    """``python -m gvc_clusters.analysis.cases`` refreshes data/cases/seed_lines.csv from the seeds after a
    case file is added or edited (the tests say when it is stale)."""
    root, seeds = seed_lines_arguments(argv, main.__doc__)
    docs = all_evidence_documents(root)
    extract_seed_lines(docs, seeds).to_csv(root / "data/cases/seed_lines.csv", index=False, lineterminator="\n")


def all_evidence_documents(root: str | Path) -> list[dict]:
    """Every file whose quotes are checked: the case files, each coder's codings, the protocol anchors
    and the precedents the deviations log quotes."""
    base = Path(root) / "data" / "cases"
    docs = list(read_cases(base).values())
    for coder_dir in sorted((base / "coding").glob("coder_*")):
        docs += list(read_cases(coder_dir).values())
    anchors = base / "protocol" / "anchors.yaml"
    if anchors.exists():
        docs.append({"codes": yaml.safe_load(anchors.read_text(encoding="utf-8"))["anchors"]})
    deviations = base / "protocol" / "deviations.yaml"
    if deviations.exists():
        logged = yaml.safe_load(deviations.read_text(encoding="utf-8"))["deviations"]
        docs.append({"codes": {d["id"]: {"evidence": d["precedent"]} for d in logged}})
    return docs


def raise_all(problems: list[InputError]) -> None:
    """Raise every located problem at once (nothing to do when the list is empty)."""
    if problems:
        raise InputErrors(problems)


if __name__ == "__main__":
    main()
