"""The report fragment "Cases beyond the book": units and time, codes with their quotes by role, CE
components, coding history and protocol deviations, agreement, with/without and leave-one-case-out.

Written as stand-alone HTML and LaTeX fragments (results/cases/cases_section.{html,tex}) that the
report and the paper include; the numbers come from the CSVs the cases rules write and the case
files, every sentence about them from ``cases_text``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from gvc_clusters.analysis.case_ce import COMPONENT_LABELS, COMPONENTS, ce_table
from gvc_clusters.analysis.case_evidence import ROLES, evidence_table, where
from gvc_clusters.analysis.case_protocol import timeline
from gvc_clusters.analysis.case_sensitivity import KEY_TERM, verdicts
from gvc_clusters.analysis.cases import CE_VARIABLE, DATASET_COLUMNS, VARIABLES, format_value, normalize
from gvc_clusters.output import cases_text as T
from gvc_clusters.output.render.tables import latex_escape, typeset_text
from gvc_clusters.templating import render_template
from gvc_clusters.vocabulary import CHAIN_TYPE_LABELS, CHAIN_TYPES, UPGRADING_TYPE_LABELS, UPGRADING_TYPES

KEY_TERM_LABEL = "the CE × complex-products interaction"
VARIABLE_LABELS = {
    "ce_degree": "CE degree", **{f"gov_{name}": f"{label} chain" for name, label in CHAIN_TYPE_LABELS.items()},
    **{f"upg_{name}": f"{label} upgrading" for name, label in UPGRADING_TYPE_LABELS.items()},
}
# model variable -> the case-file code it is built from (for the exclusion counts)
MODEL_TO_CODE = {"ce_level": CE_VARIABLE, "ce_low": CE_VARIABLE, "ce_high": CE_VARIABLE,
                 **{v.replace("_0to3", "").replace("_upgrading", ""): k for k, v in DATASET_COLUMNS.items()
                    if k.startswith("upg_")}}
MARKS = {"reviewed": "†"}  # codes the review changed (review_log.csv)
DEVIATION_MARK = "‡"      # codes a changed protocol rule sets (deviations.yaml)


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


def label_of(model_variable: str) -> str:
    """The printed name of the case code a model variable needs ('Quasi-hierarchy chain')."""
    code = code_of(model_variable)
    return VARIABLE_LABELS.get(code, code).lower() if code in VARIABLE_LABELS else code


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


def _quote(item: dict) -> dict:
    return {"text": normalize(item["quote"]), "where": where(item), "about": item.get("about", "")}


def _code_cell(code: dict, deviated: bool) -> str:
    value = format_value(code["value"]) or "missing"
    mark = MARKS.get(code.get("coder", ""), "") + (DEVIATION_MARK if deviated else "")
    return f"{value}{mark} ({code['confidence']})" if code["value"] is not None else f"{value}{mark}"


def code_table(cases: dict[str, dict], deviations: list[dict]) -> dict:
    """The coded values, one column per case and one row per variable (fits the page with full
    headers), each cell 'value (confidence)' with marks for reviewed and deviation-set codes."""
    ids = sorted(cases)
    deviated = {(c["case_id"], c["variable"]) for d in deviations for c in d["codes"]}
    rows = [{"label": VARIABLE_LABELS[v], "cells": [_code_cell(cases[c]["codes"][v], (c, v) in deviated) for c in ids]}
            for v in VARIABLES]
    rows.append({"label": "Samford quadrants", "cells": [
        format_value((cases[c].get("extra") or {}).get("samford_quadrants", {}).get("value")) or "–" for c in ids]})
    return {"cases": [cases[c]["name"] for c in ids], "rows": rows}


def evidence_entries(doc: dict) -> list[dict]:
    """Each code of a case with its quotes grouped by role: supporting, contrary (beside it), context."""
    entries = []
    for group, variables in (("codes", VARIABLES), ("ce_components", COMPONENTS)):
        for v in variables:
            code = (doc.get(group) or {}).get(v)
            if code is None:
                continue
            label = VARIABLE_LABELS.get(v) or f"CE component: {COMPONENT_LABELS[v]}"
            basis = f", {code['basis']}" if code.get("basis") else ""
            entries.append({"variable": label, "value": format_value(code["value"]) or "missing",
                            "confidence": code["confidence"] + basis, "coder": code.get("coder", ""),
                            "note": normalize(code["note"]),
                            **{role: [_quote(e) for e in code["evidence"] if e.get("role") == role] for role in ROLES}})
    return entries


def ce_rows(ce: pd.DataFrame) -> dict:
    """The CE components table: one row per component, one column per case, then the index interval,
    the degree it fixes and the coded degree."""
    ce = ce.sort_values("case_id")
    rows = [{"label": COMPONENT_LABELS[c], "cells": ["–" if v is None or pd.isna(v) else f"{float(v):g}"
                                                     for v in ce[c]]} for c in COMPONENTS]
    rows.append({"label": "Index interval", "cells": [f"{r.index_min:g}–{r.index_max:g}" for r in ce.itertuples()]})
    rows.append({"label": "Degree it fixes", "cells": [r.derived if isinstance(r.derived, str) and r.derived
                                                       else f"none ({r.degree_min}–{r.degree_max})"
                                                       for r in ce.itertuples()]})
    rows.append({"label": "Coded degree", "cells": [f"{r.coded} ({r.basis})" for r in ce.itertuples()]})
    return {"rows": rows}


def main_spec(specs: dict[str, dict]) -> str:
    """The spec that tests the book's CE × complex-products claim: the first of the book's ordinal specs
    (config order) declaring the interaction of KEY_TERM's components; found by what it estimates,
    never by its name."""
    parts = sorted(KEY_TERM.split(":"))
    for name, spec in specs.items():
        if "table" not in spec and any(sorted(i) == parts for i in spec.get("interactions") or []):
            return name
    raise ValueError(f"no ordinal spec declares the interaction {KEY_TERM} the cases section reports on")


def main_model(specs: dict[str, dict]) -> str:
    """Its product-upgrading fit with its main link (the book's main model, chapter 10)."""
    name = main_spec(specs)
    return f"{name}__{UPGRADING_TYPES[0]}__{(specs[name].get('links') or ['probit'])[0]}"


def loo_rows(fits: pd.DataFrame, names: dict[str, str], main: str) -> dict:
    """The leave-one-case-out table: per case set, N and p of the CE × complex term in each outcome's
    main-link fit of the spec ``main``, a star where it is significant at 5 %."""
    models = sorted({m for m in fits["model_id"] if m.startswith(main + "__") and m.endswith("__probit")},
                    key=lambda m: ["product", "process", "functional"].index(m.split("__")[1])
                    if m.split("__")[1] in ("product", "process", "functional") else 9)
    tables = {m: verdicts(fits, m) for m in models}
    rows = []
    if not models:
        return {"models": [], "rows": []}
    for i, r in enumerate(tables[models[0]].itertuples(index=False)):
        label = r.scenario
        if r.case_id:
            label = r.scenario.replace(r.case_id, names.get(r.case_id, r.case_id))
        cells = []
        for m in models:
            row = tables[m].iloc[i]
            cells.append(f"{int(row.n_obs)}: {_num(row.p_value)}{'*' if row.significant_5 else ''}")
        rows.append({"label": label, "cells": cells})
    return {"models": [m.split("__")[1] for m in models], "rows": rows}


def read_section_frames(paths: dict[str, str | Path]) -> dict[str, pd.DataFrame]:
    """The cases rules' CSVs as ``section_context`` takes them: the log as text (an empty cell is a
    missing code, not NaN), empty categories, missing lists and case lists as ''."""
    frames = {k: pd.read_csv(v, keep_default_na=k != "reconciliation", dtype=str if k == "reconciliation" else None)
              for k, v in paths.items()}
    if "with_without" in frames:
        frames["with_without"]["category"] = frames["with_without"]["category"].fillna("").astype(str)
    for key, column in (("exclusions", "missing"), ("samples", "cases_entered"), ("samples", "cases_excluded"),
                        ("sensitivity", "case_id"), ("sensitivity", "rule"), ("sensitivity", "cases_entered"),
                        ("agreement", "attainable"), ("agreement", "alpha_note")):
        if key in frames and column in frames[key]:
            frames[key][column] = frames[key][column].fillna("").astype(str)
    return frames


def section_context(*, cases: dict[str, dict], selected: list[str], agreement: pd.DataFrame,
                    reconciliation: pd.DataFrame, comparison: pd.DataFrame, samples: pd.DataFrame,
                    exclusions: pd.DataFrame, pooled: dict, review: pd.DataFrame, deviations: list[dict],
                    provenance: dict, sensitivity: pd.DataFrame, bands: pd.DataFrame, specs: dict[str, dict]) -> dict:
    """Everything the two templates print, as text (they only loop)."""
    names = {c: d["name"] for c, d in cases.items()}
    spec_name, model_name = main_spec(specs), main_model(specs)
    evidence = evidence_table(cases)
    ce = ce_table(cases)
    units = []
    for case_id, doc in sorted(cases.items()):
        quotes = evidence[evidence["case_id"] == case_id]
        units.append({"name": doc["name"], "unit": normalize(doc["identity"]["unit"]),
                      "years": f"{doc['identity']['years'][0]}–{doc['identity']['years'][1]}",
                      "period": normalize(doc["identity"]["period"]),
                      "quotes": " / ".join(str(int(quotes[f"n_{a}"].sum())) for a in ("unit", "wider", "other")),
                      "selected": case_id in selected})
    agree = [{"variable": VARIABLE_LABELS[r.variable], "level": r.level,
              "agree": f"{r.n_agree_incl_missing}/{r.n_cases}", "alpha": T.alpha_cell(r.alpha, r.n_coded_by_both),
              "alpha_missing": T.alpha_cell(r.alpha_missing_as_category, r.n_cases),
              "statement": T.alpha_statement(int(r.n_coded_by_both), int(r.n_values), float(r.chance_perfect),
                                             str(r.attainable) if isinstance(r.attainable, str) else "",
                                             str(r.informative) == "True", r.alpha)}
             for r in agreement.itertuples(index=False)]
    log = [{"case_id": r.case_id, "variable": VARIABLE_LABELS[r.variable], "a": r.coder_a or "missing",
            "b": r.coder_b or "missing", "final": r.final or "missing", "reason": r.reason}
           for r in reconciliation.itertuples(index=False)]
    reviewed = [{"case": names.get(r.case_id, r.case_id), "variable": VARIABLE_LABELS.get(r.variable, r.variable),
                 "reconciled": r.reconciled or "missing", "final": r.final or "missing", "reason": r.reason}
                for r in review.itertuples(index=False)]
    sample = [{"model_id": r.model_id, "n_book": int(r.n_book), "n_with": int(r.n_with),
               "entered": r.cases_entered if isinstance(r.cases_entered, str) and r.cases_entered else "none",
               "excluded": r.cases_excluded if isinstance(r.cases_excluded, str) and r.cases_excluded else "none",
               "ll": f"{_num(r.loglik_book, 2)} / {_num(r.loglik_with, 2)}"} for r in samples.itertuples(index=False)]
    main = comparison[(comparison["model_id"] == model_name) & (comparison["role"] == "coef")]
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
    main_sample = samples[samples["model_id"] == model_name]
    regressors = list(specs.get(spec_name, {}).get("regressors", []))
    main_probits = [m for m in samples["model_id"] if m.startswith(spec_name + "__") and m.endswith("__probit")]
    devs = [{"id": d["id"], "title": d["title"], "status": d["decision"]["status"], "date": d["decision"]["date"],
             "original": normalize(d["original"]["text"]).replace("**", ""), "original_when": f"{d['original']['commit'][:8]}, "
             f"{d['original']['date'][:10]}", "revised": normalize(d["revised"]["text"]).replace("**", ""),
             "revised_when": f"{d['revised']['commit'][:8]}, {d['revised']['date'][:10]}",
             "seen": normalize(d["seen_before_change"]), "assessment": normalize(d["assessment"]),
             "reason": normalize(d["decision"]["reason"]),
             "sentence": T.protocol_sentence(d, sensitivity, names, model_name, KEY_TERM, KEY_TERM_LABEL)}
            for d in deviations]
    return {
        "n_cases": len(cases), "selected": [names.get(c, c) for c in selected],
        "history": T.history_sentence(reconciliation, review, deviations,
                                      sorted({c for d in cases.values() for c in d.get("coders", [])})),
        "entry": [T.entry_sentence(samples, exclusions, c, names, label_of) for c in selected],
        "selection": T.selection_sentence(samples, cases, main_probits, code_of, names),
        "time": T.time_sentence(cases, names), "units": units,
        "codes": code_table(cases, deviations), "referents": T.referent_sentence(evidence),
        "ce": ce_rows(ce), "case_names": [cases[c]["name"] for c in sorted(cases)],
        "ce_sentence": T.ce_sentence(ce, names), "bands": T.bands_sentence(bands),
        "evidence": [{"case_id": c, "name": d["name"], "citation": d["source"]["citation"],
                      "unit": normalize(d["identity"]["unit"]), "entries": evidence_entries(d)}
                     for c, d in sorted(cases.items())],
        "roles": [{"role": r.replace("_", " "), "what": normalize(t)} for r, t in provenance["roles"].items()],
        "timeline": timeline(provenance).to_dict("records"), "deviations": devs, "review": reviewed,
        "agreement": agree, "pooled": T.pooled_alpha_sentence(pooled), "log": log, "samples": sample,
        "main_model": model_name, "main_rows": main_rows, "changed": changed,
        "changes": T.changes_sentence(comparison),
        "confidence": T.confidence_sentence(cases, samples, model_name, code_of, regressors, names),
        "loo": loo_rows(sensitivity, names, spec_name), "main_spec": spec_name,
        "loo_sentence": T.leave_one_out_sentence(verdicts(sensitivity, model_name), KEY_TERM_LABEL, model_name, names),
        "inference": T.inference_note(samples), "exclusions": excl,
        "exclusions_sentence": T.exclusions_sentence(exclusions),
        "main_n": (f"{int(main_sample['n_book'].iloc[0])} / {int(main_sample['n_with'].iloc[0])}"
                   if len(main_sample) else "–"),
        "marks": {"reviewed": MARKS["reviewed"], "deviation": DEVIATION_MARK}}


# Characters the LaTeX fragment spells out (the cases' text has Greek and dagger marks)
_TEX_EXTRA = {"α": r"$\alpha$", "†": r"\textdagger{}", "‡": r"\textdaggerdbl{}", "·": r"\textperiodcentered{}"}


def tex_text(text: str) -> str:
    """latex_escape plus the few characters of this section it does not spell."""
    out = latex_escape(text)
    for char, tex in _TEX_EXTRA.items():
        out = out.replace(char, tex)
    return out


def _escape_all(value, escape=tex_text):
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, list):
        return [_escape_all(v, escape) for v in value]
    if isinstance(value, dict):
        return {k: _escape_all(v, escape) for k, v in value.items()}
    return value


def write_section(context: dict, *, html_template: str | Path, tex_template: str | Path, out_html: str | Path,
                  out_tex: str | Path) -> None:
    Path(out_html).write_text(render_template(html_template, _escape_all(context, typeset_text), autoescape=True),
                              encoding="utf-8")
    Path(out_tex).write_text(render_template(tex_template, _escape_all(context), latex=True),
                             encoding="utf-8")
