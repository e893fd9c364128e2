"""The declared verdict rule (gvc_clusters.claims.verdicts), on hand-built evidence: no build needed.

The thresholds are config/config.yaml's ``claims.verdict_rule`` (so a change of the declared rule is
seen here), and the evidence sits just inside or just outside each of them. The base case is Table
10-3's first cell as the build estimates it (+0.2887, SE 0.1466, within-group permutation p 0.056).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from claims_fixtures import MAIN, ROOT, TERM, config_rule, effect_claim, make_results, registry, untestable_claim

from gvc_clusters.claims.verdicts import (
    BASE_COLUMNS,
    TAIL_COLUMNS,
    VERDICTS,
    Evidence,
    VerdictRule,
    _not_identified,
    claim_verdicts,
    gather_evidence,
    holds_at,
    interval,
    robustness_checks,
    verdict,
)

RULE = config_rule()


def test_the_declared_rule_is_the_documented_default():
    """config/config.yaml, the JSON schema's defaults and the dataclass agree (and the tests below use them)."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    props = schema["properties"]["claims"]["properties"]["verdict_rule"]["properties"]
    assert RULE == VerdictRule(**{k: v["default"] for k, v in props.items()}) == VerdictRule()
    assert (RULE.alpha, RULE.permutation_p, RULE.readings_share, RULE.smallest_effect, RULE.separation) == \
        (0.05, 0.10, 0.90, 0.10, "estimand")
    assert RULE.z == pytest.approx(1.959964, abs=1e-6) and RULE.z_one_sided == pytest.approx(1.644854, abs=1e-6)


def _readings(*shares, method=("enumerated", "sampled")):
    return [{"assumption": a, "label": a, "method": m, "n_readings": 6912 if m == "enumerated" else 200,
             "share": s, "mc_se": 0.0 if m == "enumerated" else math.sqrt(s * (1 - s) / 200)}
            for a, s, m in zip("AB", shares, method)]


def evidence(predicted="positive", *, estimate=0.2887, std_error=0.1466, p_value=0.049, p_permutation=0.056,
             readings=(0.95, 0.93), cases=None, alternative=(0.265, 0.10, 0.008), **kw) -> Evidence:
    """An effect claim's evidence: by default one that holds everywhere (the logit's p 0.008 < alpha)."""
    alt = None if alternative is None else {"link": "logit", "estimate": alternative[0], "std_error": alternative[1],
                                            "p_value": alternative[2], "identified": True}
    return Evidence(effect_claim(predicted), "effect", estimate=estimate, std_error=std_error, p_value=p_value,
                    p_permutation=p_permutation, readings=_readings(*readings), cases=cases, alternative=alt, **kw)


# ---- directional claims ------------------------------------------------------------------------

def test_supported_predicted_sign_interval_excludes_zero_permutation_below_and_holds_everywhere():
    decision, why = verdict(evidence(cases={"estimate": 0.31, "std_error": 0.14, "p_value": 0.03}), RULE)
    assert decision == "supported"
    assert why.startswith("predicted sign, 95% interval excludes zero, permutation p 0.056 < 0.10; it also holds: ")
    for part in ("readings (A): holds in 0.95 of them (all 6,912; 0.90 needed)",
                 "readings (B): holds in 0.93 of them (200 sampled, MC SE 0.018; 0.90 needed)",
                 "with the added cases: +0.310, p 0.030", "logit link: +0.265, p 0.008"):
        assert part in why


def test_the_interval_is_the_configured_wald_interval():
    low, high = interval(0.288670802353, 0.146623081418, RULE)
    assert (low, high) == pytest.approx((0.00129484347, 0.576046761235), abs=1e-9)   # the fit's own CI
    wider = VerdictRule(alpha=0.01)
    assert interval(0.2887, 0.1466, wider)[0] < 0
    assert verdict(evidence(), wider)[0] == "not supported"                         # the rule is applied


@pytest.mark.parametrize("change, failing, named", [
    ({"readings": (0.95, 0.25)}, "readings B", "readings (B): holds in 0.25 of them (200 sampled, MC SE 0.031"),
    ({"readings": (0.50, 0.93)}, "readings A", "readings (A): holds in 0.50 of them (all 6,912"),
    ({"alternative": (0.265, 0.153, 0.083)}, "other link", "logit link: +0.265, p 0.083"),
    ({"alternative": (-0.05, 0.10, 0.62)}, "other link", "logit link: −0.050, p 0.620"),
    ({"cases": {"estimate": 0.12, "std_error": 0.15, "p_value": 0.42}}, "cases", "with the added cases: +0.120, p 0.420"),
    ({"cases": {"estimate": 0.31, "std_error": 0.14, "p_value": 0.03, "converged": False}}, "cases",
     "with the added cases: the fit did not converge"),
])
def test_fragile_holds_by_default_fails_one_check_and_names_it(change, failing, named):
    ev = evidence(**{"cases": {"estimate": 0.31, "std_error": 0.14, "p_value": 0.03}, **change})
    decision, why = verdict(ev, RULE)
    assert decision == "fragile"
    default, _, failed = why.partition("; but it does not hold: ")
    assert default == "predicted sign, 95% interval excludes zero, permutation p 0.056 < 0.10"
    assert named in failed
    assert [c.name for c in robustness_checks(ev, RULE) if c.holds is not True] == [failing]


def test_the_readings_share_at_the_threshold_holds_and_just_below_it_does_not():
    at = RULE.readings_share
    assert verdict(evidence(readings=(at, at)), RULE)[0] == "supported"
    assert verdict(evidence(readings=(at, at - 0.005)), RULE)[0] == "fragile"


def test_not_supported_when_the_interval_includes_zero_or_the_permutation_p_is_not_below_the_threshold():
    assert verdict(evidence(std_error=0.16), RULE) == ("not supported", "95% interval includes zero")
    decision, why = verdict(evidence(p_permutation=0.126), RULE)
    assert (decision, why) == ("not supported", "permutation p 0.126 ≥ 0.10")
    threshold = RULE.permutation_p
    assert verdict(evidence(p_permutation=threshold), RULE)[0] == "not supported"        # strictly below
    assert verdict(evidence(p_permutation=threshold - 0.001), RULE)[0] == "supported"
    assert verdict(evidence(p_permutation=math.nan), RULE) == ("not supported", "no permutation p-value")
    # the wrong sign without the evidence is not a contradiction
    assert verdict(evidence(estimate=-0.2887, std_error=0.16), RULE)[0] == "not supported"


def test_contradicted_a_significant_effect_of_the_wrong_sign():
    decision, why = verdict(evidence(estimate=-0.2887, p_permutation=0.02), RULE)
    assert (decision, why) == ("contradicted", "opposite sign, 95% interval excludes zero, permutation p 0.020 < 0.10")
    assert verdict(evidence("negative", p_permutation=0.02), RULE)[0] == "contradicted"
    assert verdict(evidence("negative", estimate=-0.2887, alternative=(-0.265, 0.10, 0.008)), RULE)[0] == "supported"
    # a contradiction is not softened by the robustness checks
    assert verdict(evidence(estimate=-0.2887, p_permutation=0.02, readings=(0.1, 0.1)), RULE)[0] == "contradicted"


# ---- claims of no relation ("Neutral", "None") --------------------------------------------------

def test_neutral_supported_only_by_equivalence_evidence_of_no_relation():
    # 90% interval 0.01 +- 1.645 * 0.03 = (-0.039, 0.059), inside +-0.10
    ev = evidence("none", estimate=0.01, std_error=0.03, p_value=0.74, p_permutation=0.71,
                  alternative=(0.008, 0.03, 0.79))
    decision, why = verdict(ev, RULE)
    assert decision == "supported"
    assert why.startswith("90% interval within ±0.1 (equivalence): evidence of no relation")
    assert bool(holds_at("none", 0.008, 0.03, 0.79, RULE))


def test_neutral_inconclusive_when_the_interval_includes_zero_but_is_wide_no_evidence_of_a_relation():
    # the build's "Traditional manufacturing, process: Neutral": +0.077 (SE 0.152), 95% CI -0.222 to 0.375
    ev = evidence("none", estimate=0.076669894658, std_error=0.152333802655, p_value=0.61, p_permutation=0.6486)
    decision, why = verdict(ev, RULE)
    assert decision == "inconclusive"
    assert why == ("no evidence of a relation (95% interval includes zero), but the 90% interval reaches beyond "
                   "±0.1: the data cannot tell")
    assert "evidence of no relation" not in why


def test_the_equivalence_bound_is_the_smallest_effect_of_interest():
    delta, z = RULE.smallest_effect, RULE.z_one_sided
    inside = evidence("none", estimate=0.0, std_error=0.99 * delta / z, alternative=(0.0, 0.01, 0.9))
    outside = evidence("none", estimate=0.0, std_error=1.01 * delta / z, alternative=(0.0, 0.01, 0.9))
    assert verdict(inside, RULE)[0] == "supported"
    assert verdict(outside, RULE)[0] == "inconclusive"
    assert verdict(outside, VerdictRule(smallest_effect=2 * delta))[0] == "supported"


def test_neutral_contradicted_by_a_relation_and_inconclusive_by_one_without_permutation_evidence():
    decision, why = verdict(evidence("none"), RULE)        # the build's +0.289, permutation p 0.056
    assert (decision, why) == ("contradicted", "95% interval excludes zero, permutation p 0.056 < 0.10: a relation")
    assert verdict(evidence("none", estimate=-0.2887), RULE)[0] == "contradicted"    # a relation of either sign
    decision, why = verdict(evidence("none", p_permutation=0.20), RULE)
    assert decision == "inconclusive" and why.startswith("95% interval excludes zero but permutation p 0.200 ≥ 0.10")


def test_neutral_or_negative_is_a_one_sided_bound():
    # upper bound -0.05 + 1.645 * 0.08 = 0.082 < 0.10
    ev = evidence("nonpositive", estimate=-0.05, std_error=0.08, p_permutation=0.6, alternative=(-0.06, 0.08, 0.5))
    assert verdict(ev, RULE)[0] == "supported"
    decision, why = verdict(evidence("nonpositive", estimate=0.02, std_error=0.08, p_permutation=0.8), RULE)
    assert (decision, why) == ("inconclusive", ("one-sided 95% upper bound at or above 0.1: the data cannot rule "
                                                "out a positive relation"))
    assert verdict(evidence("nonpositive", p_permutation=0.02), RULE)[0] == "contradicted"


def test_holds_at_answers_for_every_reading_at_once():
    est = np.array([0.29, -0.29, 0.29, 0.01, np.nan])
    se = np.array([0.14, 0.14, 0.14, 0.03, np.nan])
    p = np.array([0.04, 0.04, 0.06, 0.74, np.nan])
    assert holds_at("positive", est, se, p, RULE).tolist() == [True, False, False, False, False]
    assert holds_at("negative", est, se, p, RULE).tolist() == [False, True, False, False, False]
    assert holds_at("none", est, se, p, RULE).tolist() == [False, False, False, True, False]
    with pytest.raises(ValueError, match="unknown prediction"):
        holds_at("sideways", est, se, p, RULE)


# ---- not testable ------------------------------------------------------------------------------

SEPARATED = {"converged": False, "extra": {
    "separation": [{"scope": "model", "type": "quasi-complete",
                    "terms": ["sector_natural_resource", "quasi_hierarchy_global:sector_natural_resource"]}],
    "effects_not_identified": ["quasi_hierarchy_global | sector=sector_natural_resource"]}}


def test_separation_that_moves_the_effect_makes_it_not_testable():
    """The build's buyers_by_sector product fit: quasi-complete separation in the natural-resource group."""
    why = _not_identified(SEPARATED, "quasi_hierarchy_global | sector=sector_natural_resource", "estimand")
    assert why == ("not testable with these data: quasi-complete separation by Natural-resource sector, "
                   "Global quasi-hierarchy × Natural-resource sector moves this effect (the MLE does not exist)")
    assert _not_identified(SEPARATED, "quasi_hierarchy_global | sector=traditional manufacturing", "estimand") == ""
    strict = _not_identified(SEPARATED, "quasi_hierarchy_global | sector=traditional manufacturing", "fit")
    assert strict.startswith("not testable with these data: quasi-complete separation by Natural-resource sector")
    assert "(rule: any separation of the fit)" in strict
    assert _not_identified({"converged": False, "extra": {}}, "x", "estimand") == \
        "not testable with these data: the fit did not converge"
    assert verdict(Evidence(effect_claim(), "effect", testable=False, why_not=why), RULE) == ("not testable", why)


def test_a_fit_that_did_not_converge_gives_not_testable_through_the_evidence():
    ev = gather_evidence(effect_claim(), make_results(converged=False), RULE)
    assert (ev.testable, ev.why_not) == (False, "not testable with these data: the fit did not converge")
    ev = gather_evidence(effect_claim(), make_results(std_error=math.nan), RULE)
    assert verdict(ev, RULE) == ("not testable", "not testable with these data: the effect has no standard error")


def test_a_claim_the_registry_marks_untestable_keeps_its_reason():
    ev = gather_evidence(untestable_claim(), make_results(), RULE)
    assert verdict(ev, RULE) == ("not testable", untestable_claim()["reason"])


# ---- descriptive claims ------------------------------------------------------------------------

def test_printed_numbers_decide_a_descriptive_claim():
    claim = {**effect_claim(), "estimand": {"kind": "group_gap"}}
    gap = Evidence(claim, "group_gap", estimate=1.49, value_text="gap 1.49")
    assert verdict(gap, RULE) == ("supported", "the printed numbers give gap 1.49")
    assert verdict(Evidence(claim, "group_gap", estimate=-0.12, value_text="gap −0.12"), RULE)[0] == "contradicted"
    assert verdict(Evidence(claim, "series", estimate=0.0, value_text="no change"), RULE)[0] == "not supported"


def test_a_classification_holds_under_the_other_rules_or_is_fragile():
    claim = {**effect_claim(), "estimand": {"kind": "classification"}}
    holds = Evidence(claim, "classification", estimate=1.0, value_text="the book's rule, upgrading: Chile",
                     alternative={"holds": True, "detail": "other rules: unit values"})
    assert verdict(holds, RULE)[0] == "supported"
    fails = Evidence(claim, "classification", estimate=1.0, value_text="the book's rule, upgrading: Chile",
                     alternative={"holds": False, "detail": "unit values: upgrading: none"})
    assert verdict(fails, RULE) == ("fragile", ("the printed signs classify, under the book's rule, upgrading: "
                                                "Chile; but it does not hold: unit values: upgrading: none"))
    assert verdict(Evidence(claim, "classification", estimate=0.0, value_text="x"), RULE)[0] == "contradicted"


# ---- the verdicts file, from hand-made result files --------------------------------------------

def test_claim_verdicts_from_result_files_reproduces_the_builds_first_cell():
    frame = claim_verdicts(registry(), make_results(), RULE)
    reading_columns = [f"readings_{a}_{k}" for a in "AB" for k in ("share", "mc_se", "n", "method", "label", "holds")]
    assert list(frame.columns) == BASE_COLUMNS + reading_columns + TAIL_COLUMNS
    assert set(frame["verdict"]) <= set(VERDICTS)
    row = frame.iloc[0]
    assert (row["verdict"], row["decided_by"]) == ("fragile", (
        "predicted sign, 95% interval excludes zero, permutation p 0.056 < 0.10; but it does not hold: readings (A): "
        "holds in 0.50 of them (all 6,912; 0.90 needed); readings (B): holds in 0.25 of them (200 sampled, MC SE "
        "0.031; 0.90 needed); logit link: +0.265, p 0.083"))
    assert (row["model_id"], row["category"], row["n_obs"]) == (MAIN, "3", 34)
    assert row[["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx([0.288670802353, 0.00129484347,
                                                                             0.576046761235])
    assert (row["p_value_permutation"], row["permutation_draws"], row["permutation_group_n"]) == (0.056, 4999, 14)
    assert (row["profile_term"], row["profile_ci_low"]) == ("ce_level", pytest.approx(0.312359882178))
    assert row[["readings_A_share", "readings_A_n", "readings_B_share", "readings_B_n"]].tolist() == \
        [0.5, 6912, 0.25, 200]
    assert row["readings_B_mc_se"] == pytest.approx(math.sqrt(0.25 * 0.75 / 200))
    assert (row["readings_A_holds"], row["readings_B_holds"], row["alternative_holds"]) == (False, False, False)
    assert frame.iloc[1]["verdict"] == "not testable"


def test_every_check_passing_in_the_files_makes_it_supported():
    results = make_results(readings={"holding_a": 4, "holding_b": 190}, alt=(0.265, 0.10, 0.008),
                           cases=(0.31, 0.14, 0.03))
    row = claim_verdicts(registry(), results, RULE).iloc[0]
    assert row["verdict"] == "supported"
    assert (row["readings_A_share"], row["readings_B_share"]) == (1.0, 0.95)
    assert (row["cases_holds"], row["alternative_holds"], row["cases_entered"]) == (True, True, "gdl_footwear")


def test_the_term_term_must_exist_in_the_spec():
    claim = effect_claim()
    claim["estimand"]["term"] = "ce_level | sector=nowhere"
    with pytest.raises(Exception, match="reports no effect 'ce_level \\| sector=nowhere'") as err:
        gather_evidence(claim, make_results(), RULE)
    assert "claims.yaml" in str(err.value) and "t10_3.ce.trad.product" in str(err.value)
    assert TERM in str(err.value)
