"""The book's claims, estimated, and one declared rule that gives each its verdict.

For every claim of the registry (:mod:`gvc_clusters.claims.registry`) ``gather_evidence``
collects what the workflow computed about its estimand, and ``verdict`` applies the rule of config
``claims.verdict_rule`` (``VerdictRule``; defaults and wording in config/README.md "claims"), the
same way to every claim. Each verdict records the condition that decided it.

An effect claim (an average marginal effect on the probability of the top outcome category, in a
named spec):

1. *not testable* when the registry says so (with its reason), when the spec is not fitted, or when
   the fit cannot identify the effect: the fit did not converge or is separated in a direction that
   moves the effect (``separation: estimand``; ``fit``: any separation of the fit).
2. The default estimate (main link, the book's sample, the default reading) is tested as the book
   predicts. positive / negative: the predicted sign, the (1 - alpha) interval excluding zero and the
   permutation p below ``permutation_p``; the opposite sign with the same evidence *contradicts* it;
   anything else is *not supported*. none ("Neutral", "None"): an equivalence test, the (1 - 2 alpha)
   interval inside (-smallest_effect, smallest_effect) (two one-sided tests at alpha): evidence of no
   relation; a relation that the positive/negative test would find *contradicts* it; otherwise the data
   cannot tell (*inconclusive*: no evidence of a relation, and none of its absence). nonpositive
   ("Neutral/negative"): the one-sided (1 - alpha) upper bound below smallest_effect.
3. A default that holds must hold across every source of uncertainty the project computes: under each
   readings assumption the share of readings where it holds (sign and p < alpha, or the equivalence) at
   least ``readings_share``; in the fit with the added cases (when config ``cases`` names some); under
   the other link. All hold: *supported*; any fails: *fragile* (decided_by names each failure).

A descriptive claim (a gap between printed group values, a change in a printed series, chapter 9's
classification) has no sampling model: the printed numbers decide (*supported* or *contradicted*);
the classification must also hold under the chapter's other rules, else *fragile*.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from gvc_clusters.errors import InputError
from gvc_clusters.vocabulary import DEFAULT

VERDICTS = ("supported", "fragile", "not supported", "inconclusive", "contradicted", "not testable")
DIRECTIONAL = ("positive", "negative")


@dataclass(frozen=True)
class VerdictRule:
    """config ``claims.verdict_rule`` (defaults as the schema's)."""
    alpha: float = 0.05
    permutation_p: float = 0.10
    readings_share: float = 0.90
    smallest_effect: float = 0.10
    separation: str = "estimand"

    @classmethod
    def from_config(cls, config: dict | None) -> VerdictRule:
        return cls(**(config or {}))

    @property
    def z(self) -> float:
        """The two-sided (1 - alpha) normal quantile (1.96 at alpha = 0.05)."""
        return float(stats.norm.ppf(1 - self.alpha / 2))

    @property
    def z_one_sided(self) -> float:
        """The one-sided (1 - alpha) quantile (1.645): the equivalence tests' bounds."""
        return float(stats.norm.ppf(1 - self.alpha))


@dataclass
class Check:
    """One robustness check of a default that holds: does the claim hold there too?"""
    name: str                   # "readings A", "cases", "other link", "other rules"
    holds: bool | None          # None: not computed
    detail: str


@dataclass
class Evidence:
    """What the workflow computed about one claim's estimand."""
    claim: dict
    kind: str                                   # effect | group_gap | series | classification | none
    testable: bool = True
    why_not: str = ""
    estimate: float = math.nan
    std_error: float = math.nan
    p_value: float = math.nan
    p_permutation: float = math.nan
    permutation_mc_se: float = math.nan
    permutation_draws: int | None = None
    permutation_group_n: int | None = None     # observations permuted (a within-group test)
    n_obs: int | None = None
    model_id: str = ""
    category: str = ""
    profile: tuple[str, float, float] | None = None   # (coefficient, low, high): latent-scale profile CI
    readings: list[dict] = field(default_factory=list)
    cases: dict | None = None                   # None: no cases configured
    alternative: dict | None = None             # the other link (effects) / other rules (classification)
    value_text: str = ""                        # descriptive claims: what the printed numbers say
    unit: str = ""


# ----------------------------------------------------------------------------------------------
# The rule
# ----------------------------------------------------------------------------------------------

def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def signed_text(value: float) -> str:
    """'+0.265', '−0.050': decided_by is read as words, so its minus is a true one (U+2212)."""
    return f"{value:+.3f}".replace("-", "\u2212")


def interval(estimate: float, std_error: float, rule: VerdictRule) -> tuple[float, float]:
    """The two-sided (1 - alpha) Wald interval (the fits' own 95% CI at the default alpha)."""
    return estimate - rule.z * std_error, estimate + rule.z * std_error


def holds_at(predicted: str, estimate, std_error, p_value, rule: VerdictRule):
    """Whether the claim holds at one estimate (arrays work too): the predicted sign with p < alpha
    (positive / negative), the equivalence within the smallest effect (none), the upper bound below
    it (nonpositive). What a reading, the with-cases fit and the other link are each asked."""
    estimate, std_error, p_value = (np.asarray(x, dtype=float) for x in (estimate, std_error, p_value))
    delta, z = rule.smallest_effect, rule.z_one_sided
    with np.errstate(invalid="ignore"):
        if predicted == "positive":
            return (estimate > 0) & (p_value < rule.alpha)
        if predicted == "negative":
            return (estimate < 0) & (p_value < rule.alpha)
        if predicted == "none":
            return (estimate - z * std_error > -delta) & (estimate + z * std_error < delta)
        if predicted == "nonpositive":
            return estimate + z * std_error < delta
    raise ValueError(f"unknown prediction {predicted!r}")


def _default_test(ev: Evidence, rule: VerdictRule) -> tuple[str, str]:
    """The default estimate against the prediction: ("holds" | "contradicted" | "not supported" |
    "inconclusive", the condition that decided it)."""
    predicted, est, se = ev.claim["predicted"], ev.estimate, ev.std_error
    low, high = interval(est, se, rule)
    level = f"{100 * (1 - rule.alpha):g}%"
    perm = ev.p_permutation
    perm_ok = not math.isnan(perm) and perm < rule.permutation_p
    excludes = low > 0 or high < 0
    perm_words = ("no permutation p-value" if math.isnan(perm) else
                  f"permutation p {p_text(perm)} {'<' if perm_ok else '≥'} {rule.permutation_p:.2f}")
    if predicted in DIRECTIONAL:
        sign_ok = est > 0 if predicted == "positive" else est < 0
        if excludes and perm_ok:
            if sign_ok:
                return "holds", f"predicted sign, {level} interval excludes zero, {perm_words}"
            return "contradicted", f"opposite sign, {level} interval excludes zero, {perm_words}"
        if not excludes:
            return "not supported", f"{level} interval includes zero"
        return "not supported", perm_words
    delta = rule.smallest_effect
    z = rule.z_one_sided
    inner = f"{100 * (1 - 2 * rule.alpha):g}%"
    if predicted == "none":
        if est - z * se > -delta and est + z * se < delta:
            return "holds", f"{inner} interval within ±{delta:g} (equivalence): evidence of no relation"
        if excludes and perm_ok:
            return "contradicted", f"{level} interval excludes zero, {perm_words}: a relation"
        if excludes:
            return "inconclusive", (f"{level} interval excludes zero but {perm_words}, and the {inner} interval "
                                    f"reaches beyond ±{delta:g}")
        return "inconclusive", (f"no evidence of a relation ({level} interval includes zero), but the {inner} "
                                f"interval reaches beyond ±{delta:g}: the data cannot tell")
    if predicted == "nonpositive":
        if est + z * se < delta:
            return "holds", f"one-sided {level} upper bound below {delta:g}: no positive relation"
        if low > 0 and perm_ok:
            return "contradicted", f"positive, {level} interval excludes zero, {perm_words}"
        return "inconclusive", f"one-sided {level} upper bound at or above {delta:g}: the data cannot rule out a positive relation"
    raise ValueError(f"unknown prediction {predicted!r}")


def verdict(ev: Evidence, rule: VerdictRule) -> tuple[str, str]:
    """(verdict, decided_by) of one claim under the rule (module docstring)."""
    if not ev.testable:
        return "not testable", ev.why_not
    if ev.kind in ("group_gap", "series"):
        return _descriptive_verdict(ev)
    if ev.kind == "classification":
        if not bool(ev.estimate):
            return "contradicted", f"the printed signs classify, under {ev.value_text}"
        return _robust(f"the printed signs classify, under {ev.value_text}", robustness_checks(ev, rule))
    outcome, why = _default_test(ev, rule)
    if outcome != "holds":
        return outcome, why
    return _robust(why, robustness_checks(ev, rule))


def _robust(default_why: str, checks: list[Check]) -> tuple[str, str]:
    """Supported when every robustness check holds; fragile (naming each failure) otherwise."""
    failed = [c for c in checks if c.holds is not True]
    if not failed:
        shown = "; ".join(c.detail for c in checks)
        return "supported", default_why + (f"; it also holds: {shown}" if shown else "")
    return "fragile", f"{default_why}; but it does not hold: " + "; ".join(c.detail for c in failed)


def _descriptive_verdict(ev: Evidence) -> tuple[str, str]:
    predicted = ev.claim["predicted"]
    sign_ok = ev.estimate > 0 if predicted == "positive" else ev.estimate < 0
    if ev.estimate == 0 or math.isnan(ev.estimate):
        return "not supported", f"the printed numbers give {ev.value_text}"
    return ("supported" if sign_ok else "contradicted"), f"the printed numbers give {ev.value_text}"


def robustness_checks(ev: Evidence, rule: VerdictRule) -> list[Check]:
    """Each source of uncertainty the project computes, asked whether the claim holds there."""
    if ev.kind == "classification":
        alt = ev.alternative or {}
        return [Check("other rules", alt.get("holds"), alt.get("detail", "under the other rules (not computed)"))]
    checks = []
    predicted = ev.claim["predicted"]
    for r in ev.readings:
        ok = r["share"] >= rule.readings_share
        how = f"all {r['n_readings']:,}" if r["method"] == "enumerated" else \
            f"{r['n_readings']:,} sampled, MC SE {r['mc_se']:.3f}"
        checks.append(Check(f"readings {r['assumption']}", bool(ok),
                            f"readings ({r['assumption']}): holds in {r['share']:.2f} of them ({how}; "
                            f"{rule.readings_share:.2f} needed)"))
    if not ev.readings:
        checks.append(Check("readings", None, "readings: not computed for this spec"))
    if ev.cases is not None:
        c = ev.cases
        if not c.get("converged", True):
            checks.append(Check("cases", False, "with the added cases: the fit did not converge"))
        elif math.isnan(c["estimate"]):
            checks.append(Check("cases", None, "with the added cases: not computed"))
        else:
            ok = bool(holds_at(predicted, c["estimate"], c["std_error"], c["p_value"], rule))
            checks.append(Check("cases", ok, f"with the added cases: {signed_text(c['estimate'])}, p {p_text(c['p_value'])}"))
    alt = ev.alternative
    if alt is None:
        checks.append(Check("other link", None, "other link: not fitted"))
    elif not alt.get("identified", True):
        checks.append(Check("other link", False, f"{alt['link']} link: not identified"))
    else:
        ok = bool(holds_at(predicted, alt["estimate"], alt["std_error"], alt["p_value"], rule))
        checks.append(Check("other link", ok, f"{alt['link']} link: {signed_text(alt['estimate'])}, p {p_text(alt['p_value'])}"))
    return checks


# ----------------------------------------------------------------------------------------------
# Evidence from the result files
# ----------------------------------------------------------------------------------------------

@dataclass
class Results:
    """The result files the claims read (what rule claim_verdicts declares as its inputs)."""
    specs: dict[str, tuple[pd.DataFrame, dict]]           # spec -> (estimates, models.json)
    links: dict[str, list[str]]                           # spec -> its links (config), main first
    reading_estimates: pd.DataFrame | None = None
    reading_summary: pd.DataFrame | None = None
    with_without: pd.DataFrame | None = None              # results/cases/with_without.csv (cases configured)
    samples: pd.DataFrame | None = None                   # results/cases/samples.csv
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)   # processed tables by name
    classification: pd.DataFrame | None = None


def load_results(*, ordinal: dict[str, tuple[str, str]], links: dict[str, list[str]],
                 reading_estimates: str | None = None, reading_summary: str | None = None,
                 with_without: str | None = None, samples: str | None = None,
                 tables: dict[str, str] | None = None, classification: str | None = None) -> Results:
    """Read the files (paths as the rule declares them); ``ordinal``: spec -> (estimates, models)."""
    from gvc_clusters.io import read_parquet
    from gvc_clusters.models.reading_views import read_reading_estimates, read_summary
    from gvc_clusters.results import read_estimates

    specs = {name: (read_estimates(est), json.loads(Path(models).read_text(encoding="utf-8")))
             for name, (est, models) in ordinal.items()}
    return Results(specs=specs, links=links,
                   reading_estimates=read_reading_estimates(reading_estimates) if reading_estimates else None,
                   reading_summary=read_summary(reading_summary) if reading_summary else None,
                   with_without=pd.read_csv(with_without, dtype={"category": str}, keep_default_na=False,
                                            na_values=[""]) if with_without else None,
                   samples=pd.read_csv(samples) if samples else None,
                   tables={name: read_parquet(path) for name, path in (tables or {}).items()},
                   classification=pd.read_csv(classification) if classification else None)


def gather_evidence(claim: dict, results: Results, rule: VerdictRule) -> Evidence:
    """Everything the verdict needs about one claim."""
    if not claim.get("testable", True):
        return Evidence(claim, "none", testable=False, why_not=claim["reason"])
    estimand = claim["estimand"]
    kind = estimand["kind"]
    if kind == "effect":
        return effect_evidence(claim, results, rule)
    if kind == "group_gap":
        return group_gap_evidence(claim, results)
    if kind == "series":
        return series_evidence(claim, results)
    return classification_evidence(claim, results)


def _top_ame(estimates: pd.DataFrame, model_id: str, term: str) -> pd.Series | None:
    """The effect on the top outcome category (the readings' estimand) of ``term`` in ``model_id``."""
    rows = estimates[(estimates["model_id"] == model_id) & (estimates["role"] == "ame")]
    if rows.empty:
        return None
    top = max(rows["category"].unique(), key=float)
    hit = rows[(rows["term"] == term) & (rows["category"] == top)]
    return hit.iloc[0] if len(hit) else None


def _terms_text(terms: list[str]) -> str:
    """Separating columns as a reader knows them ('Natural-resource sector, Global quasi-hierarchy ×
    Natural-resource sector'), not as column names: the reason is printed in the report."""
    return ", ".join(DEFAULT.variable(t) for t in terms)


def _not_identified(model: dict, term: str, separation: str) -> str:
    """Why the fit cannot identify the effect ('' when it can)."""
    extra = model.get("extra", {})
    diverging = [f for f in extra.get("separation") or [] if isinstance(f, dict) and f.get("scope") == "model"]
    if separation == "fit" and (diverging or not model["converged"]):
        what = f"{diverging[0]['type']} separation by {_terms_text(diverging[0]['terms'])}" if diverging \
            else "the fit did not converge"
        return f"not testable with these data: {what} (rule: any separation of the fit)"
    if term in (extra.get("effects_not_identified") or []):
        return (f"not testable with these data: {diverging[0]['type']} separation by "
                f"{_terms_text(diverging[0]['terms'])} moves this effect (the MLE does not exist)")
    if not model["converged"] and not diverging:
        return "not testable with these data: the fit did not converge"
    return ""


def effect_evidence(claim: dict, results: Results, rule: VerdictRule) -> Evidence:
    est = claim["estimand"]
    spec, term = est["spec"], est["term"]
    ev = Evidence(claim, "effect", unit="probability")
    if spec not in results.specs:
        ev.testable, ev.why_not = False, f"not testable here: spec {spec} is not fitted (config ordinal.specs)"
        return ev
    estimates, models = results.specs[spec]
    links = results.links[spec]
    model_id = f"{spec}__{est['outcome']}__{links[0]}"
    if model_id not in models:
        raise InputError("data/claims/claims.yaml", f"{claim['id']}: spec {spec} has no model of outcome "
                         f"{est['outcome']!r}", column="estimand/outcome", value=est["outcome"],
                         expected=sorted(models))
    row = _top_ame(estimates, model_id, term)
    if row is None:
        terms = sorted(set(estimates[(estimates["model_id"] == model_id) & (estimates["role"] == "ame")]["term"]))
        raise InputError("data/claims/claims.yaml", f"{claim['id']}: spec {spec} reports no effect {term!r}",
                         column="estimand/term", value=term, expected=terms)
    model = models[model_id]
    ev.model_id, ev.category, ev.n_obs = model_id, str(row["category"]), int(model["n_obs"])
    ev.estimate, ev.std_error, ev.p_value = float(row["estimate"]), float(row["std_error"]), float(row["p_value"])
    why = _not_identified(model, term, rule.separation)
    if why or math.isnan(ev.std_error):
        ev.testable, ev.why_not = False, why or "not testable with these data: the effect has no standard error"
        return ev
    ev.p_permutation, ev.permutation_mc_se, ev.permutation_draws = _permutation(estimates, model, model_id, term)
    within = ((model.get("extra") or {}).get("permutation_groups") or {}).get(term)
    ev.permutation_group_n = int(within["n_group"]) if within else None
    ev.profile = _profile(model, term)
    if results.reading_estimates is not None:
        from gvc_clusters.models.reading_views import claim_shares

        ev.readings = claim_shares(results.reading_estimates, results.reading_summary, model_id, "ame", term,
                                   lambda e, s, p: holds_at(claim["predicted"], e, s, p, rule))
    if results.with_without is not None:
        ev.cases = _cases(results, model_id, term, ev.category)
    if len(links) > 1:
        other = f"{spec}__{est['outcome']}__{links[1]}"
        alt = _top_ame(estimates, other, term)
        if alt is not None:
            ev.alternative = {"link": links[1], "model_id": other, "estimate": float(alt["estimate"]),
                              "std_error": float(alt["std_error"]), "p_value": float(alt["p_value"]),
                              "identified": not _not_identified(models[other], term, rule.separation)
                              and not math.isnan(float(alt["std_error"]))}
    return ev


def _permutation(estimates: pd.DataFrame, model: dict, model_id: str, term: str):
    """(p, Monte Carlo SE, draws) of the randomization test of the effect: within the group for a
    conditional effect ("v | g", permutation_by_group), else the variable's own test."""
    extra = model.get("extra", {})
    permutation = extra.get("permutation") or {}
    draws = permutation.get("n_permutations")
    if " | " in term:
        within = (extra.get("permutation_groups") or {}).get(term)
        if within is None:
            return math.nan, math.nan, draws
        return float(within["p_value"]), float(within["mc_se"]), int(within["n_draws"])
    rows = estimates[(estimates["model_id"] == model_id) & (estimates["role"] == "coef") & (estimates["term"] == term)]
    if rows.empty or pd.isna(rows.iloc[0]["p_value_permutation"]):
        return math.nan, math.nan, draws
    tested = term if term in (permutation.get("mc_se") or {}) else next(
        (t for t, cols in (permutation.get("columns") or {}).items() if term in cols), term)
    return float(rows.iloc[0]["p_value_permutation"]), float((permutation.get("mc_se") or {}).get(tested, math.nan)), draws


def _profile(model: dict, term: str) -> tuple[str, float, float] | None:
    """The profile-likelihood interval of the one coefficient that carries the effect, where there is
    one: a variable in no interaction, or its effect within the group where its product columns are
    zero (the reference level of the categorical it interacts with, or a binary moderator at 0), where
    the effect has the coefficient's sign."""
    extra = model.get("extra", {})
    variable, _, over = term.partition(" | ")
    components = {c for comps in (extra.get("interactions") or {}).values() for c in comps}
    if variable in components:
        value = ((extra.get("ame") or {}).get(term) or {}).get("over_value", "")
        if not over or not (value == "0" or (value not in components and value != "1")):
            return None
    ci = (extra.get("profile_ci") or {}).get(variable)
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return variable, float(ci[0]), float(ci[1])


def _cases(results: Results, model_id: str, term: str, category: str) -> dict:
    ww = results.with_without
    hit = ww[(ww["model_id"] == model_id) & (ww["role"] == "ame") & (ww["term"] == term)
             & (ww["category"].astype(str) == category)]
    sample = results.samples[results.samples["model_id"] == model_id] if results.samples is not None else pd.DataFrame()
    out = {"estimate": math.nan, "std_error": math.nan, "p_value": math.nan, "converged": True, "entered": "",
           "n_added": 0}
    if len(sample):
        s = sample.iloc[0]
        out.update(converged=bool(s["converged_with"]), entered=str(s["cases_entered"]) if pd.notna(s["cases_entered"])
                   else "", n_added=int(s["n_added"]))
    if len(hit):
        h = hit.iloc[0]
        out.update(estimate=float(h["estimate_with"]), std_error=float(h["std_error_with"]),
                   p_value=float(h["p_value_with"]))
    return out


def group_gap_evidence(claim: dict, results: Results) -> Evidence:
    est = claim["estimand"]
    frame = results.tables[est["table"]]
    for column, value in (est.get("where") or {}).items():
        frame = frame[frame[column] == value]
    values = frame.set_index(frame[est["by"]].astype(str))[est["value"]].astype(float)
    higher, lower = values[est["higher"]], values[est["lower"]]
    gap = float(higher.min() - lower.max())
    text = (f"{_names(higher)} against {_names(lower)}: the lowest of the first {'exceeds' if gap > 0 else 'does not exceed'} "
            f"the highest of the others by {gap:.2f}")
    return Evidence(claim, "group_gap", estimate=gap, value_text=text, unit="index points")


def _names(values: pd.Series) -> str:
    from gvc_clusters.vocabulary import SECTOR_GROUP_LABELS

    return ", ".join(f"{SECTOR_GROUP_LABELS.get(k, k).lower()} {v:.2f}" for k, v in values.items())


def _growth(a: float, b: float) -> float:
    return 100.0 * (b / a - 1.0)


def _annual(a: float, b: float, years: int) -> float:
    return 100.0 * ((b / a) ** (1.0 / years) - 1.0)


def series_evidence(claim: dict, results: Results) -> Evidence:
    est = claim["estimand"]
    frame = results.tables[est["table"]].set_index("year")[est["column"]].astype(float)
    a, b = frame[est["from"]], frame[est["to"]]
    measure = est["measure"]
    if measure == "growth":
        value = _growth(a, b)
        text = f"{a:g} in {est['from']} and {b:g} in {est['to']}: {value:+.1f} per cent"
        unit = "per cent"
    elif measure == "annual_growth":
        value = _annual(a, b, est["to"] - est["from"])
        text = f"{a:g} in {est['from']} and {b:g} in {est['to']}: {value:+.1f} per cent a year"
        unit = "per cent a year"
    else:
        base = _annual(frame[est["base_from"]], frame[est["base_to"]], est["base_to"] - est["base_from"])
        latest = _growth(a, b)
        value = latest - base
        text = (f"{latest:+.1f} per cent in {est['from']}–{est['to']} against {base:+.1f} per cent a year in "
                f"{est['base_from']}–{est['base_to']}: {value:+.1f} points")
        unit = "percentage points"
    return Evidence(claim, "series", estimate=float(value), value_text=text, unit=unit)


def _selected(frame: pd.DataFrame, where: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, values in where.items():
        mask &= frame[column].astype(str).isin([str(v) for v in values])
    return mask


def classification_holds(frame: pd.DataFrame, estimand: dict) -> tuple[bool, str]:
    """Whether one rule's classification says what the claim says, and the rows that decide it."""
    from gvc_clusters.analysis.export_performance import OUTCOME_CLASS

    among = frame[_selected(frame, estimand["among"])]
    chosen = _selected(among, estimand["select"])
    in_class = among["outcome"].map(lambda o: OUTCOME_CLASS.get(o) == estimand["class"])
    label = estimand["class"].replace("_", " ")

    def rows(mask):
        part = among[mask]
        return ", ".join(f"{c} {t} ({p})" for c, t, p in zip(part["country"], part["source_table"], part["product_code"]))

    if estimand["test"] == "all":
        ok = bool(in_class[chosen].all()) and bool(chosen.any())
        others = rows(chosen & ~in_class)
        return ok, f"{label}: {rows(chosen & in_class) or 'none'}" + (f"; not: {others}" if others else "")
    ok = bool((in_class & chosen).any()) and not bool((in_class & ~chosen).any())
    others = rows(in_class & ~chosen)
    return ok, f"{label}: {rows(in_class & chosen) or 'none'}" + (f"; also {others}" if others else "; no other")


def classification_evidence(claim: dict, results: Results) -> Evidence:
    from gvc_clusters.vocabulary import CATEGORIES

    est = claim["estimand"]
    frame = results.classification
    rules = list(dict.fromkeys(frame["rule_variant"]))
    outcomes = {r: classification_holds(frame[frame["rule_variant"] == r], est) for r in rules}
    default_ok, default_text = outcomes[rules[0]]
    names = CATEGORIES["rule_variant"]
    others = rules[1:]
    failing = [names.get(r, r) for r in others if not outcomes[r][0]]
    detail = (f"other rules: {', '.join(names.get(r, r) for r in others)}" if not failing
              else f"{', '.join(failing)}: {'; '.join(outcomes[r][1] for r in others if not outcomes[r][0])}")
    alternative = {"link": ", ".join(names.get(r, r) for r in others), "holds": not failing if others else None,
                   "detail": detail}
    return Evidence(claim, "classification", estimate=float(default_ok),
                    value_text=f"{names.get(rules[0], rules[0])}, {default_text}", alternative=alternative,
                    unit="class")


# ----------------------------------------------------------------------------------------------
# The verdicts table
# ----------------------------------------------------------------------------------------------

BASE_COLUMNS = ["claim_id", "group", "words", "predicted", "kind", "verdict", "decided_by", "spec", "outcome", "term",
                "model_id", "category", "n_obs", "estimate", "std_error", "ci_low", "ci_high", "p_value",
                "p_value_permutation", "permutation_mc_se", "permutation_draws", "profile_term", "profile_ci_low",
                "profile_ci_high", "permutation_group_n", "unit", "value_text", "stated_value", "describes",
                "also_stated_lines", "cell_relation", "cell_sector_group", "cell_upgrading_type"]
TAIL_COLUMNS = ["cases_estimate", "cases_p_value", "cases_entered", "cases_holds", "alternative", "alternative_estimate",
                "alternative_p_value", "alternative_holds", "quote_line", "quote", "note", "rule_alpha", "rule_permutation_p",
                "rule_readings_share", "rule_smallest_effect", "rule_separation"]


def verdict_row(ev: Evidence, rule: VerdictRule, assumptions: list[str]) -> dict:
    """One row of results/claims/verdicts.csv."""
    claim = ev.claim
    est = claim.get("estimand") or {}
    decision, decided_by = verdict(ev, rule)
    low, high = interval(ev.estimate, ev.std_error, rule) if ev.kind == "effect" else (math.nan, math.nan)
    row = {"claim_id": claim["id"], "group": claim["group"], "words": claim["words"], "predicted": claim["predicted"],
           "kind": est.get("kind", "none"), "verdict": decision, "decided_by": decided_by, "spec": est.get("spec", ""),
           "outcome": est.get("outcome", ""), "term": est.get("term", ""), "model_id": ev.model_id,
           "category": ev.category, "n_obs": ev.n_obs, "estimate": ev.estimate, "std_error": ev.std_error,
           "ci_low": low, "ci_high": high, "p_value": ev.p_value, "p_value_permutation": ev.p_permutation,
           "permutation_mc_se": ev.permutation_mc_se, "permutation_draws": ev.permutation_draws,
           "profile_term": ev.profile[0] if ev.profile else "", "profile_ci_low": ev.profile[1] if ev.profile else math.nan,
           "profile_ci_high": ev.profile[2] if ev.profile else math.nan, "unit": ev.unit, "value_text": ev.value_text,
           "permutation_group_n": ev.permutation_group_n, "stated_value": claim.get("stated_value", math.nan),
           "describes": est.get("describes", ""),
           "also_stated_lines": ";".join(str(q["line"]) for q in claim.get("also_stated", [])),
           **{f"cell_{k}": (claim.get("cell") or {}).get(k, "") for k in ("relation", "sector_group", "upgrading_type")}}
    shares = {r["assumption"]: r for r in ev.readings}
    for a in assumptions:
        r = shares.get(a)
        row[f"readings_{a}_share"] = r["share"] if r else math.nan
        row[f"readings_{a}_mc_se"] = r["mc_se"] if r else math.nan
        row[f"readings_{a}_n"] = r["n_readings"] if r else None
        row[f"readings_{a}_method"] = r["method"] if r else ""
        row[f"readings_{a}_label"] = r["label"] if r else ""
        row[f"readings_{a}_holds"] = (r["share"] >= rule.readings_share) if r else None
    cases = ev.cases or {}
    checks = {c.name: c for c in robustness_checks(ev, rule)} if ev.testable and ev.kind in ("effect",
                                                                                              "classification") else {}
    alt = ev.alternative or {}
    row.update({"cases_estimate": cases.get("estimate", math.nan), "cases_p_value": cases.get("p_value", math.nan),
                "cases_entered": cases.get("entered", "") if ev.cases is not None else "",
                "cases_holds": checks["cases"].holds if "cases" in checks else None,
                "alternative": alt.get("link", ""), "alternative_estimate": alt.get("estimate", math.nan),
                "alternative_p_value": alt.get("p_value", math.nan),
                "alternative_holds": (checks.get("other link") or checks.get("other rules")).holds
                if ("other link" in checks or "other rules" in checks) else None,
                "quote_line": claim["quote"]["line"], "quote": claim["quote"]["text"], "note": claim.get("note", ""),
                "rule_alpha": rule.alpha, "rule_permutation_p": rule.permutation_p,
                "rule_readings_share": rule.readings_share, "rule_smallest_effect": rule.smallest_effect,
                "rule_separation": rule.separation})
    return row


def claim_verdicts(registry: dict, results: Results, rule: VerdictRule) -> pd.DataFrame:
    """Every claim's verdict, in registry order (the columns of results/claims/verdicts.csv)."""
    assumptions = sorted(set(results.reading_estimates["assumption"])) if results.reading_estimates is not None else []
    rows = [verdict_row(gather_evidence(c, results, rule), rule, assumptions) for c in registry["claims"]]
    reading_columns = [f"readings_{a}_{k}" for a in assumptions
                       for k in ("share", "mc_se", "n", "method", "label", "holds")]
    return pd.DataFrame(rows, columns=BASE_COLUMNS + reading_columns + TAIL_COLUMNS)


def write_claim_verdicts(inputs: dict, output: str, *, specs: list[str], links: dict[str, list[str]],
                         rule: dict) -> pd.DataFrame:
    """Rule claim_verdicts: check the registry (schema, quotes at their seed lines, Table 10-3 cell by
    cell), gather each claim's evidence from the declared inputs and write the verdicts.
    ``inputs``: the rule's inputs by name (``table__<name>``: a processed table a claim names;
    ``ordinal_estimates``/``ordinal_models``: one per spec of ``specs``, in that order; ``cases``:
    with_without.csv and samples.csv, or nothing)."""
    from gvc_clusters.claims.registry import check_registry, read_registry, read_seed_lines
    from gvc_clusters.io import read_parquet, write_csv

    registry = read_registry(inputs["registry"])
    check_registry(registry, read_seed_lines(inputs["seed_lines"]), read_parquet(inputs["patterns"]),
                   inputs["registry"])
    estimates, models = list(inputs["ordinal_estimates"]), list(inputs["ordinal_models"])
    if not len(estimates) == len(models) == len(specs):
        raise ValueError(f"claim_verdicts: {len(specs)} specs but {len(estimates)} estimates and {len(models)} models")
    cases = list(inputs.get("cases") or [])
    results = load_results(ordinal={s: (e, m) for s, e, m in zip(specs, estimates, models)}, links=links,
                           reading_estimates=inputs.get("reading_estimates"),
                           reading_summary=inputs.get("reading_summary"),
                           with_without=cases[0] if cases else None, samples=cases[1] if cases else None,
                           tables={k.removeprefix("table__"): v for k, v in inputs.items() if k.startswith("table__")},
                           classification=inputs.get("classification"))
    frame = claim_verdicts(registry, results, VerdictRule.from_config(rule))
    write_csv(frame, output)
    return frame
