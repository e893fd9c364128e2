"""The report fragment "Cases beyond the book": coded values with evidence, agreement, with/without.

Written as stand-alone HTML and LaTeX fragments (results/cases/cases_section.{html,tex}) that the
report and the paper can include; the numbers come from the CSVs the cases rules write.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from gvc_clusters.analysis.cases import CE_VARIABLE, DATASET_COLUMNS, VARIABLES, format_value, normalize
from gvc_clusters.output.render.tables import latex_escape
from gvc_clusters.templating import render_template
from gvc_clusters.vocabulary import CHAIN_TYPE_LABELS, CHAIN_TYPES, UPGRADING_TYPE_LABELS

MAIN_MODEL = "ce_governance__product__probit"  # the book's main product-upgrading model (ch. 10)
VARIABLE_LABELS = {
    "ce_degree": "CE degree", **{f"gov_{name}": label for name, label in CHAIN_TYPE_LABELS.items()},
    **{f"upg_{name}": label for name, label in UPGRADING_TYPE_LABELS.items()},
}
# model variable -> the case-file code it is built from (for the exclusion counts)
MODEL_TO_CODE = {"ce_level": CE_VARIABLE, "ce_low": CE_VARIABLE, "ce_high": CE_VARIABLE,
                 **{v.replace("_0to3", "").replace("_upgrading", ""): k for k, v in DATASET_COLUMNS.items()
                    if k.startswith("upg_")}}


def code_of(model_variable: str) -> str:
    """The case-file variable a model variable needs (quasi_hierarchy_global -> gov_quasi_hierarchy)."""
    if model_variable in MODEL_TO_CODE:
        return MODEL_TO_CODE[model_variable]
    for chain in CHAIN_TYPES:
        if model_variable.startswith(chain + "_"):
            return f"gov_{chain}"
    if model_variable.startswith("any_global"):
        return "gov_* (all four)"
    return model_variable


def exclusion_counts(exclusions: pd.DataFrame) -> pd.DataFrame:
    """Per spec × outcome × case-file variable: how many selected cases miss it (and drop out)."""
    rows = []
    for (spec, outcome), group in exclusions.groupby(["spec", "outcome"], sort=True):
        counts: dict[str, list[str]] = {}
        for row in group.itertuples(index=False):
            for var in filter(None, (v.strip() for v in str(row.missing).split(","))):
                counts.setdefault(code_of(var), [])
                if row.case_id not in counts[code_of(var)]:
                    counts[code_of(var)].append(row.case_id)
        for code, ids in sorted(counts.items()):
            rows.append({"spec": spec, "outcome": outcome, "code": code, "n_cases_missing": len(ids),
                         "cases": ", ".join(sorted(ids))})
    return pd.DataFrame(rows, columns=["spec", "outcome", "code", "n_cases_missing", "cases"])


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    return f"{float(value):.{digits}f}"


def section_context(*, cases: dict[str, dict], selected: list[str], agreement: pd.DataFrame,
                    reconciliation: pd.DataFrame, comparison: pd.DataFrame, samples: pd.DataFrame,
                    exclusions: pd.DataFrame) -> dict:
    """Everything the two templates print, as text (they only loop)."""
    case_rows, evidence = [], []
    for case_id, doc in sorted(cases.items()):
        codes = doc["codes"]
        quadrants = (doc.get("extra") or {}).get("samford_quadrants", {}).get("value")
        case_rows.append({"case_id": case_id, "name": doc["name"], "sector_group": doc["identity"]["sector_group"],
                          "selected": case_id in selected,
                          "codes": [format_value(codes[v]["value"]) or "missing" for v in VARIABLES],
                          "quadrants": format_value(quadrants) if quadrants else "–",
                          "relations": [f"{r['relation'].replace('_', ' ')} {r['book_cluster']}"
                                        for r in doc.get("relations", [])]})
        items = []
        for v in VARIABLES:
            code = codes[v]
            items.append({"variable": VARIABLE_LABELS[v], "value": format_value(code["value"]) or "missing",
                          "confidence": code["confidence"], "coder": code.get("coder", ""),
                          "note": normalize(code["note"]),
                          "quotes": [{"text": normalize(e["quote"]), "where": f"{e['seed'][:3]}, l. "
                                      + (f"{e['lines'][0]}" if e["lines"][0] == e["lines"][1]
                                         else f"{e['lines'][0]}–{e['lines'][1]}")} for e in code["evidence"]]})
        evidence.append({"case_id": case_id, "name": doc["name"], "citation": doc["source"]["citation"],
                         "entries": items})
    agree = [{"variable": VARIABLE_LABELS[r.variable], "level": r.level, "both": int(r.n_coded_by_both),
              "agree": f"{r.n_agree_incl_missing}/{r.n_cases}", "percent": _num(r.percent_agree_incl_missing, 0),
              "alpha": _num(r.alpha, 2), "alpha_missing": _num(r.alpha_missing_as_category, 2),
              "note": r.alpha_note if isinstance(r.alpha_note, str) else ""} for r in agreement.itertuples(index=False)]
    log = [{"case_id": r.case_id, "variable": VARIABLE_LABELS[r.variable], "a": r.coder_a or "missing",
            "b": r.coder_b or "missing", "final": r.final or "missing", "reason": r.reason}
           for r in reconciliation.itertuples(index=False)]
    sample = [{"model_id": r.model_id, "n_book": int(r.n_book), "n_with": int(r.n_with),
               "entered": r.cases_entered if isinstance(r.cases_entered, str) and r.cases_entered else "none",
               "excluded": r.cases_excluded if isinstance(r.cases_excluded, str) and r.cases_excluded else "none",
               "ll": f"{_num(r.loglik_book, 2)} / {_num(r.loglik_with, 2)}"} for r in samples.itertuples(index=False)]
    main = comparison[(comparison["model_id"] == MAIN_MODEL) & (comparison["role"] == "coef")]
    main_rows = [{"term": r.term, "book": _num(r.estimate_book), "se_book": _num(r.std_error_book),
                  "p_book": _num(r.p_value_book), "with": _num(r.estimate_with), "se_with": _num(r.std_error_with),
                  "p_with": _num(r.p_value_with), "change": _num(r.change)} for r in main.itertuples(index=False)]
    flagged = comparison["sign_changes"].astype(str).eq("True") | comparison["significance_changes"].astype(str).eq("True")
    flips = comparison[flagged & comparison["role"].eq("coef")]
    changed = [{"model_id": r.model_id, "role": r.role, "term": r.term + (f" [{r.category}]" if r.category else ""),
                "book": f"{_num(r.estimate_book)} (p {_num(r.p_value_book)})",
                "with": f"{_num(r.estimate_with)} (p {_num(r.p_value_with)})",
                "what": ", ".join(w for w, f in (("sign", r.sign_changes), ("5 % verdict", r.significance_changes))
                                  if str(f) == "True")} for r in flips.itertuples(index=False)]
    counts = exclusion_counts(exclusions)
    excl = [{"model": f"{r.spec}, {r.outcome}", "code": VARIABLE_LABELS.get(r.code, r.code),
             "n": int(r.n_cases_missing), "cases": r.cases} for r in counts.itertuples(index=False)]
    main_sample = samples[samples["model_id"] == MAIN_MODEL]
    return {"n_cases": len(cases), "selected": selected, "labels": [VARIABLE_LABELS[v] for v in VARIABLES],
            "cases": case_rows, "evidence": evidence, "agreement": agree, "log": log, "samples": sample,
            "main_model": MAIN_MODEL, "main_rows": main_rows, "changed": changed, "exclusions": excl,
            "main_n": (f"{int(main_sample['n_book'].iloc[0])} / {int(main_sample['n_with'].iloc[0])}"
                       if len(main_sample) else "–")}


def _escape_all(value):
    if isinstance(value, str):
        return latex_escape(value)
    if isinstance(value, list):
        return [_escape_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_all(v) for k, v in value.items()}
    return value


def write_section(context: dict, *, html_template: str | Path, tex_template: str | Path, out_html: str | Path,
                  out_tex: str | Path) -> None:
    Path(out_html).write_text(render_template(html_template, context, autoescape=True),
                              encoding="utf-8")
    Path(out_tex).write_text(render_template(tex_template, _escape_all(context), latex=True),
                             encoding="utf-8")
