"""The sentences of the "Cases beyond the book" section, each computed from the results it states.

Every function here returns text built from its arguments (the with-cases samples and fits, the case
files, the agreement tables, the deviations log): change a number or a sample and the sentence
changes. The templates only place the sentences. ``names`` maps case ids to the names printed;
``label`` maps a model variable (``quasi_hierarchy_global``) to the printed name of the case code it
needs (``cases_report.label_of``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from gvc_clusters.analysis.case_ce import DEGREE_BANDS, INDEX_MAX


def p_text(p: float) -> str:
    """'p = 0.027' or 'p < 0.001'."""
    return "p < 0.001" if float(p) < 0.001 else f"p = {float(p):.3f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _join(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ids(text) -> list[str]:
    return [s.strip() for s in str(text).split(",") if s.strip()] if isinstance(text, str) else []


# ---- which case enters which fit, and why ---------------------------------------------------------

def case_entry(samples: pd.DataFrame, exclusions: pd.DataFrame, case_id: str) -> dict:
    """For one case: the with-cases fits, the ones it enters, and for the others how many fits each
    missing model variable keeps it out of."""
    entered = [r.model_id for r in samples.itertuples(index=False) if case_id in _ids(r.cases_entered)]
    missing: dict[str, int] = {}
    for r in samples.itertuples(index=False):
        if r.model_id in entered:
            continue
        rows = exclusions[(exclusions["spec"] == r.spec) & (exclusions["outcome"] == r.outcome)
                          & (exclusions["case_id"] == case_id)]
        for variable in (_ids(rows["missing"].iloc[0]) if len(rows) else []):
            missing[variable] = missing.get(variable, 0) + 1
    return {"n_fits": len(samples), "n_entered": len(entered), "entered": entered, "missing": missing}


def entry_sentence(samples: pd.DataFrame, exclusions: pd.DataFrame, case_id: str, names: dict[str, str],
                   label: Callable[[str], str]) -> str:
    """'Brickmaking, Ciudad Juárez enters 6 of the 9 with-cases fits; it is left out of 3 because its
    functional upgrading is missing (3 fits).'"""
    e = case_entry(samples, exclusions, case_id)
    name, n, k = names.get(case_id, case_id), e["n_fits"], e["n_entered"]
    if k == n:
        return f"{name} enters all {n} with-cases fits."
    reasons = {}
    for variable, fits in e["missing"].items():
        reasons[label(variable)] = max(reasons.get(label(variable), 0), fits)
    why = _join([f"{code} ({_count(fits, 'fit')})" for code, fits in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))])
    head = f"{name} enters none of the {n} with-cases fits" if k == 0 else \
        f"{name} enters {k} of the {n} with-cases fits and is left out of {n - k}"
    return f"{head}: its code is missing for {why}."


def history_sentence(reconciliation: pd.DataFrame, review: pd.DataFrame, deviations: list[dict],
                     coders: list[str]) -> str:
    """How the final codes came about: disagreements reconciled, values the review changed, rules changed."""
    status = [d["decision"]["status"] for d in deviations]
    rules = (f"{_count(len(deviations), 'protocol rule')} changed after coding began "
             f"({status.count('restored')} restored, {status.count('kept')} kept as a logged deviation)"
             if deviations else "no protocol rule changed after coding began")
    return (f"{_count(len(coders), 'coder')} ({_join(sorted(coders))}) coded every case independently; their "
            f"{len(reconciliation)} disagreements were "
            f"reconciled, a later review changed {_count(len(review), 'value')}, and {rules}: all are logged below.")


# ---- standard errors and p-values -----------------------------------------------------------------

def inference_note(samples: pd.DataFrame) -> str:
    """What the with-cases fits' standard errors and p-values are, from the fits themselves."""
    if samples.empty:
        return "No with-cases fit was run."
    by_type: dict[str, list[str]] = {}
    for spec, group in samples.groupby("spec", sort=True):
        for se_type in sorted(set(group["se_type"].astype(str))):
            by_type.setdefault(se_type, []).append(str(spec))
    ses = "; ".join(f"{t} in {_join(specs)}" for t, specs in sorted(by_type.items()))
    stats = sorted(set(samples["statistic"].astype(str)))
    return (f"Standard errors: {ses}. The p-values are asymptotic ({_join(stats)} statistics; the "
            "randomization tests stay with the main models): with so few added cases and rare outcome "
            "categories they are approximate.")


# ---- agreement ------------------------------------------------------------------------------------

def alpha_cell(alpha: float, n_units: int) -> str:
    """α with the units it rests on: '1.00 (4 units)', or '– (2 units)' when undefined."""
    shown = "–" if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)) else f"{float(alpha):.2f}"
    return f"{shown} ({_count(int(n_units), 'unit')})"


def alpha_statement(n_units: int, n_values: int, chance: float, attainable: str, informative: bool,
                    alpha: float) -> str:
    """When α says nothing, why: too few units, one value only, or α = 1 within reach of chance."""
    if n_units < 2:
        return f"Not computable: {_count(n_units, 'unit')} coded by both."
    if n_values < 2:
        return (f"Undefined: both coders used one value on the {n_units} units they both coded, "
                "so there is no variation to agree on.")
    if informative:
        return f"Informative: coders choosing at random would reach α = 1 in {100 * chance:.1f} % of codings."
    possible = f" Possible values: {attainable}." if attainable else ""
    return (f"Uninformative: on {n_units} units with {n_values} values in use, coders choosing at random "
            f"reach α = 1 in {100 * chance:.0f} % of codings.{possible}")


def pooled_alpha_sentence(pooled: dict) -> str:
    """The agreement over every coded cell, with its unit counts."""
    n_all, n_coded = int(pooled["n_units_all"]), int(pooled["n_units_coded"])
    return (f"Pooled over all {n_all} cells ({int(pooled['n_cases'])} cases × 9 variables), the two coders agree "
            f"on {int(pooled['n_agree_all'])} ({float(pooled['percent_agree_all']):.1f} %): nominal α = "
            f"{float(pooled['alpha_all']):.2f} with missing as a category ({n_all} units) and "
            f"{float(pooled['alpha_coded']):.2f} over the {n_coded} cells both coders gave a value ({n_coded} units).")


# ---- confidence, selection, time, units, CE ---------------------------------------------------------

def confidence_sentence(cases: dict[str, dict], samples: pd.DataFrame, model_id: str, code_of: Callable[[str], str],
                        regressors: list[str], names: dict[str, str]) -> str:
    """How many of the case codes that enter a model are low confidence (computed from the files)."""
    row = samples[samples["model_id"] == model_id]
    if row.empty or not _ids(row["cases_entered"].iloc[0]):
        return f"No case enters {model_id}."
    variables = [row["outcome"].iloc[0], *regressors]
    codes = sorted({code_of(v) for v in variables if code_of(v) in cases[_ids(row['cases_entered'].iloc[0])[0]]["codes"]})
    levels = [(c, v, cases[c]["codes"][v]["confidence"]) for c in _ids(row["cases_entered"].iloc[0]) for v in codes]
    low = sum(conf == "low" for *_, conf in levels)
    who = _join([names.get(c, c) for c in _ids(row["cases_entered"].iloc[0])])
    if low == len(levels):
        return (f"Every case code entering {model_id} is low confidence: all {len(levels)} codes of {who} it "
                "uses. The verdict changes with the cases rest on them.")
    return (f"{low} of the {len(levels)} case codes entering {model_id} ({who}) are low confidence; the verdict "
            "changes with the cases rest on them.")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _ids(text)]


def selection_sentence(samples: pd.DataFrame, cases: dict[str, dict], model_ids: list[str],
                       code_of: Callable[[str], str], names: dict[str, str]) -> str:
    """The book's selection (clusters with some upgrading): the lowest outcome value in its sample,
    and the cases that fall below it."""
    parts, below = [], {}
    for model_id in model_ids:
        row = samples[samples["model_id"] == model_id]
        if row.empty:
            continue
        outcome, book = row["outcome"].iloc[0], _numbers(row["categories_book"].iloc[0])
        parts.append(f"{outcome} upgrading from {min(book):g} to {max(book):g}")
        for c in _ids(row["cases_entered"].iloc[0]):
            value = cases[c]["codes"][code_of(outcome)]["value"]
            if value is not None and float(value) < min(book):
                below.setdefault(c, []).append(f"{outcome} {float(value):g}")
    below = [f"{names.get(c, c)} ({', '.join(values)})" for c, values in below.items()]
    head = ("The book chose clusters that had some upgrading (001 l. 186); its estimation samples have "
            f"{_join(parts)}.")
    if not below:
        return head + " No added case falls below those values."
    return (head + f" {_join(below)} {'falls' if len(below) == 1 else 'fall'} below them: a bottom category the "
            "book's sample does not have, outside its selection rule, from which the with-cases estimates "
            "learn what the book's cannot.")


def time_sentence(cases: dict[str, dict], names: dict[str, str], book_years: tuple[int, int] = (2002, 2003)) -> str:
    """The cases' time frames against the book's fieldwork."""
    spans = [f"{names.get(c, c)} {d['identity']['years'][0]}–{d['identity']['years'][1]}" for c, d in sorted(cases.items())]
    later = [c for c, d in cases.items() if d["identity"]["years"][1] > book_years[1]]
    return (f"The book's codes describe its clusters at its fieldwork (September {book_years[0]} to June "
            f"{book_years[1]}, 001 l. 184); the cases' evidence covers {_join(spans)}: "
            f"{len(later)} of {len(cases)} end after {book_years[1]}.")


def referent_sentence(evidence: pd.DataFrame) -> str:
    """Where the evidence of the coded values comes from: the unit, the wider industry, or another referent."""
    coded = evidence[evidence["value"].astype(str) != ""]
    n = {a: int(coded[f"n_{a}"].sum()) for a in ("unit", "wider", "other")}
    roles = {r: int(coded[f"n_{r}"].sum()) for r in ("supports", "contradicts", "context")}
    supported = int((coded["supporting_lines"].astype(str) != "").sum())
    contested = int((coded["n_contradicts"] > 0).sum())
    return (f"The {len(coded)} coded values (codes, CE components, quadrants) carry {sum(roles.values())} quotes: "
            f"{roles['supports']} support their value, {roles['contradicts']} contradict it and {roles['context']} "
            f"give context; {n['unit']} are about the case's unit, {n['wider']} about the industry more widely "
            f"and {n['other']} about another referent. {supported} of the {len(coded)} values have a supporting "
            f"quote; {contested} have a contrary quote, shown beside them.")


def ce_sentence(ce: pd.DataFrame, names: dict[str, str]) -> str:
    """Whether the texts speak to enough CE components to derive the degree by the book's rule."""
    bands = ", ".join(f"{name} from {lower:g}" for name, lower in DEGREE_BANDS)
    per_case = _join([f"{names.get(r.case_id, r.case_id)} {int(r.n_known)} of 8 (index {r.index_min:g}–{r.index_max:g})"
                      for r in ce.itertuples(index=False)])
    derived = [r for r in ce.itertuples(index=False) if isinstance(r.derived, str) and r.derived]
    verdict = ("for no case do the known components fix the degree, so every CE code is holistic" if not derived
               else f"the components fix the degree for {_join([names.get(r.case_id, r.case_id) for r in derived])}")
    return (f"The texts speak to {per_case} of the book's eight CE components (index 0–{INDEX_MAX:g}; degree "
            f"bands, this project's reading: {bands}); {verdict}.")


def bands_sentence(bands: pd.DataFrame) -> str:
    """The check of the degree bands against the book: each sector's mean index (Table 10-1) against
    its most common degree (Tables 10-4 to 10-6)."""
    each = _join([f"{r.sector_group.replace('_', ' ')} {r.mean_index:.2f} in the {r.band} band, most common "
                  f"degree {r.modal_degree}" for r in bands.itertuples(index=False)])
    return (f"Check against the book: {each}; the band matches the most common degree in "
            f"{int(bands['agrees'].astype(bool).sum())} of {len(bands)} sectors.")


# ---- verdicts across scenarios -------------------------------------------------------------------

def leave_one_out_sentence(verdicts: pd.DataFrame, term_label: str, model_id: str, names: dict[str, str]) -> str:
    """The 5 % verdict on one term in the book's sample, with all cases, each case alone and each left out."""
    if verdicts.empty:
        return f"{term_label[:1].upper() + term_label[1:]} is not estimated in {model_id}."

    def show(row) -> str:
        return f"{p_text(row.p_value)} ({'significant' if row.significant_5 else 'not significant'} at 5 %)"

    def each(kind: str) -> str:
        rows = verdicts[verdicts["kind"] == kind]
        return _join([f"{names.get(r.case_id, r.case_id)} {p_text(r.p_value)}" for r in rows.itertuples(index=False)])

    book = next(verdicts[verdicts["kind"] == "book"].itertuples(index=False))
    full = next(verdicts[verdicts["kind"] == "all"].itertuples(index=False), None)
    text = f"{term_label[:1].upper() + term_label[1:]} in {model_id}: book sample {show(book)}"
    if full is not None:
        text += f"; all cases {show(full)}"
    if (verdicts["kind"] == "only").any():
        text += f". Each case added alone: {each('only')}; each case left out of all: {each('without')}"
    moved = verdicts[verdicts["kind"].isin(["all", "only", "without"])]
    return text + (f". The 5 % verdict differs from the book's in {int(moved['verdict_changes'].sum())} of "
                   f"{len(moved)} case sets.")


def protocol_sentence(deviation: dict, fits: pd.DataFrame, names: dict[str, str], model_id: str, term: str,
                      term_label: str) -> str:
    """One changed rule: the decision, the codes it moves, and what the other version does to the fits."""
    status = deviation["decision"]["status"]
    adopted = "original" if status == "restored" else "revised"
    other = "revised" if adopted == "original" else "original"
    codes = _join([f"{names.get(c['case_id'], c['case_id'])} {c['variable']} {c[adopted]} ({other} rule: {c[other]})"
                   for c in deviation["codes"]])
    decided = fits[fits["scenario"] == "all cases"]
    flipped = fits[fits["rule"] == deviation["id"]]
    keys = ["model_id", "term"]
    both = decided.merge(flipped, on=keys, suffixes=("_decided", "_other"))
    moved = both[both["significant_5_decided"].astype(bool) != both["significant_5_other"].astype(bool)]
    key = both[(both["model_id"] == model_id) & (both["term"] == term)]
    key_text = (f"; {term_label} in {model_id}: {p_text(key['p_value_decided'].iloc[0])} as decided, "
                f"{p_text(key['p_value_other'].iloc[0])} under the {other} rule") if len(key) else ""
    changed = ("no 5 % verdict differs" if moved.empty else
               "5 % verdicts that differ: " + _join([f"{r.term} in {r.model_id}" for r in moved.itertuples(index=False)]))
    return (f"Rule {deviation['id']} ({status}; {codes}){key_text}. Over the {len(both)} coefficients of the "
            f"with-cases fits, {changed}.")


def changes_sentence(comparison: pd.DataFrame) -> str:
    """How many coefficients change sign or 5 % verdict when the cases are added."""
    coef = comparison[comparison["role"] == "coef"]
    sign = coef["sign_changes"].astype(str).eq("True")
    verdict = coef["significance_changes"].astype(str).eq("True")
    if not (sign | verdict).any():
        return "No coefficient changes sign or 5 % verdict when the cases are added."
    signs = f"the sign of {_count(int(sign.sum()), 'coefficient')}" if sign.any() else "no coefficient's sign"
    return f"Adding the cases changes {signs} and the 5 % verdict of {int(verdict.sum())} of the {len(coef)}:"


def exclusions_sentence(exclusions: pd.DataFrame) -> str:
    """How many selected cases miss a code some model needs."""
    left_out = exclusions[~exclusions["entered"].astype(str).eq("True")] if len(exclusions) else exclusions
    if left_out.empty:
        return "No selected case misses a code the models need."
    cases = sorted(set(left_out["case_id"]))
    return (f"{_count(len(cases), 'selected case')} {'misses' if len(cases) == 1 else 'miss'} a code that at least "
            f"one model needs, in {len(left_out.groupby(['spec', 'outcome']))} spec × outcome combinations:")
