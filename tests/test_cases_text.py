"""The sentences of the cases section come from the results: change the samples or a number and the
sentence changes (output/cases_text.py, analysis/case_agreement.py)."""

import copy
import itertools

import numpy as np
import pandas as pd
import pytest

from gvc_clusters.analysis import case_agreement as G
from gvc_clusters.output import cases_text as T
from gvc_clusters.output.cases_report import code_of, label_of

NAMES = {"brick": "Brickmaking", "pots": "Ceramics", "hides": "Tanning"}
MODELS = [("ce_governance", o, link) for o in ("product", "functional") for link in ("probit", "logit")]


def samples(entered: dict[str, str]) -> pd.DataFrame:
    """Four with-cases fits; ``entered``: outcome -> the cases that entered its fits."""
    return pd.DataFrame([{"spec": s, "outcome": o, "link": link, "model_id": f"{s}__{o}__{link}",
                          "cases_entered": entered[o], "categories_book": "1, 2, 3" if o == "product" else "0, 1, 2",
                          "categories_with": "0, 1, 2, 3" if o == "product" else "0, 1, 2",
                          "se_type": "model-based (inverse observed information)", "statistic": "z"}
                         for s, o, link in MODELS])


def exclusions(missing: dict[tuple[str, str], str]) -> pd.DataFrame:
    """(outcome, case) -> the model variables the case misses there ('' = entered)."""
    return pd.DataFrame([{"spec": "ce_governance", "outcome": o, "case_id": c, "entered": not m, "missing": m}
                         for (o, c), m in missing.items()])


BASE_SAMPLES = samples({"product": "brick, pots", "functional": "pots"})
BASE_EXCL = exclusions({("product", "brick"): "", ("product", "pots"): "", ("product", "hides"): "product, quasi_hierarchy_global",
                        ("functional", "brick"): "functional", ("functional", "pots"): "",
                        ("functional", "hides"): "functional, quasi_hierarchy_global"})


def sentence(case_id, s=BASE_SAMPLES, e=BASE_EXCL):
    return T.entry_sentence(s, e, case_id, NAMES, label_of)


def test_entry_sentences_follow_which_case_entered_which_fit():
    assert sentence("pots") == "Ceramics enters all 4 with-cases fits."
    assert sentence("brick") == ("Brickmaking enters 2 of the 4 with-cases fits and is left out of 2: its code is "
                                 "missing for functional upgrading (2 fits).")
    assert sentence("hides") == ("Tanning enters none of the 4 with-cases fits: its code is missing for quasi-hierarchy "
                                 "chain (4 fits), functional upgrading (2 fits) and product upgrading (2 fits).")
    # mutate the samples: ceramics drops out of the functional fits for a missing code
    fewer = samples({"product": "brick, pots", "functional": ""})
    excl = BASE_EXCL.copy()
    excl.loc[(excl["outcome"] == "functional") & (excl["case_id"] == "pots"), ["entered", "missing"]] = [False, "functional"]
    assert sentence("pots", fewer, excl) == ("Ceramics enters 2 of the 4 with-cases fits and is left out of 2: its code "
                                             "is missing for functional upgrading (2 fits).")
    assert T.case_entry(fewer, excl, "pots")["n_entered"] == 2


def test_inference_note_is_read_off_the_fits():
    note = T.inference_note(BASE_SAMPLES)
    assert note.startswith("Standard errors: model-based (inverse observed information) in ce_governance.")
    assert "The p-values are asymptotic (z statistics" in note
    robust = BASE_SAMPLES.assign(se_type=["HC1 (robust)"] * 2 + ["model-based (inverse observed information)"] * 2)
    assert "HC1 (robust) in ce_governance; model-based" in T.inference_note(robust)


def test_selection_sentence_names_the_cases_below_the_books_lowest_score():
    cases = {"brick": {"codes": {"upg_product": {"value": 0}, "upg_functional": {"value": None}}},
             "pots": {"codes": {"upg_product": {"value": 0}, "upg_functional": {"value": 0}}}}
    models = ["ce_governance__product__probit", "ce_governance__functional__probit"]
    text = T.selection_sentence(BASE_SAMPLES, cases, models, code_of, NAMES)
    assert "product upgrading from 1 to 3 and functional upgrading from 0 to 2" in text
    assert "Brickmaking (product 0) and Ceramics (product 0) fall below them" in text
    lower = BASE_SAMPLES.assign(categories_book="0, 1, 2, 3")
    assert T.selection_sentence(lower, cases, models, code_of, NAMES).endswith("No added case falls below those values.")


def test_confidence_sentence_counts_the_low_confidence_codes():
    def case(conf):
        return {"codes": {"upg_product": {"confidence": conf}, "ce_degree": {"confidence": "low"},
                          "gov_quasi_hierarchy": {"confidence": "low"}}}

    cases = {"brick": case("low"), "pots": case("low")}
    regressors = ["ce_level", "quasi_hierarchy_global", "sector_complex_products"]
    model = "ce_governance__product__probit"
    text = T.confidence_sentence(cases, BASE_SAMPLES, model, code_of, regressors, NAMES)
    assert text.startswith(f"Every case code entering {model} is low confidence: all 6 codes of Brickmaking and Ceramics")
    cases["pots"] = case("medium")
    assert T.confidence_sentence(cases, BASE_SAMPLES, model, code_of, regressors, NAMES).startswith(
        f"5 of the 6 case codes entering {model} (Brickmaking and Ceramics) are low confidence")


def verdict_rows(p: dict[str, float]) -> pd.DataFrame:
    kinds = {"book": ("book", ""), "all cases": ("all", ""), "only brick": ("only", "brick"),
             "only pots": ("only", "pots"), "without brick": ("without", "brick"), "without pots": ("without", "pots")}
    rows = [{"scenario": s, "kind": kinds[s][0], "case_id": kinds[s][1], "p_value": v, "significant_5": v < 0.05}
            for s, v in p.items()]
    frame = pd.DataFrame(rows)
    return frame.assign(verdict_changes=frame["significant_5"] != frame["significant_5"].iloc[0])


def test_leave_one_out_sentence_follows_the_p_values():
    p = {"book": 0.0599, "all cases": 0.027, "only brick": 0.038, "only pots": 0.038, "without brick": 0.038,
         "without pots": 0.038}
    text = T.leave_one_out_sentence(verdict_rows(p), "the CE × complex interaction", "m", NAMES)
    assert text.startswith("The CE × complex interaction in m: book sample p = 0.060 (not significant at 5 %); "
                           "all cases p = 0.027 (significant at 5 %). Each case added alone: Brickmaking p = 0.038 "
                           "and Ceramics p = 0.038")
    assert text.endswith("The 5 % verdict differs from the book's in 5 of 5 case sets.")
    p["only pots"] = 0.061
    moved = T.leave_one_out_sentence(verdict_rows(p), "the CE × complex interaction", "m", NAMES)
    assert "Ceramics p = 0.061" in moved and moved.endswith("in 4 of 5 case sets.")


def test_protocol_sentence_compares_the_two_versions():
    deviation = {"id": "rule", "decision": {"status": "restored"},
                 "codes": [{"case_id": "brick", "variable": "upg_process", "original": 1, "revised": 0}]}
    fits = pd.DataFrame([{"scenario": s, "rule": r, "model_id": "m", "term": term, "p_value": p, "significant_5": p < 0.05}
                         for s, r, term, p in [("all cases", "", "x", 0.02), ("all cases", "", "y", 0.30),
                                               ("rule: revised rule", "rule", "x", 0.03),
                                               ("rule: revised rule", "rule", "y", 0.04)]])
    text = T.protocol_sentence(deviation, fits, NAMES, "m", "x", "the interaction")
    assert text == ("Rule rule (restored; Brickmaking upg_process 1 (revised rule: 0)); the interaction in m: p = 0.020 "
                    "as decided, p = 0.030 under the revised rule. Over the 2 coefficients of the with-cases fits, "
                    "5 % verdicts that differ: y in m.")
    fits.loc[3, ["p_value", "significant_5"]] = [0.5, False]
    assert T.protocol_sentence(deviation, fits, NAMES, "m", "x", "the interaction").endswith("no 5 % verdict differs.")


def test_changes_sentence_counts_sign_and_verdict_changes():
    frame = pd.DataFrame({"role": ["coef", "coef", "ame"], "sign_changes": [False, False, True],
                          "significance_changes": [True, False, True]})
    assert T.changes_sentence(frame) == ("Adding the cases changes no coefficient's sign and the 5 % verdict of 1 of "
                                         "the 2:")
    frame.loc[1, "sign_changes"] = True
    assert T.changes_sentence(frame).startswith("Adding the cases changes the sign of 1 coefficient")
    assert T.changes_sentence(frame.assign(sign_changes=False, significance_changes=False)).startswith("No coefficient")


# ---- agreement ------------------------------------------------------------------------------------

def test_alpha_is_printed_with_its_units_and_judged():
    assert T.alpha_cell(1.0, 4) == "1.00 (4 units)" and T.alpha_cell(float("nan"), 1) == "– (1 unit)"
    two = T.alpha_statement(2, 2, G.chance_of_perfect_alpha(2, 2), "-0.5, 0, 1", False, 1.0)
    assert two == ("Uninformative: on 2 units with 2 values in use, coders choosing at random reach α = 1 in 14 % of "
                   "codings. Possible values: -0.5, 0, 1.")
    assert T.alpha_statement(2, 1, 0.14, "", False, float("nan")).startswith("Undefined: both coders used one value")
    assert T.alpha_statement(1, 2, float("nan"), "", False, float("nan")) == "Not computable: 1 unit coded by both."
    many = T.alpha_statement(8, 3, G.chance_of_perfect_alpha(8, 3), "", True, 0.9)
    assert many.startswith("Informative: coders choosing at random would reach α = 1 in 0.0 %")


def test_chance_of_perfect_alpha_matches_enumeration():
    """The closed form against brute force with the krippendorff package (2 coders, n units, k values)."""
    import krippendorff

    for n, k in ((2, 2), (2, 3), (3, 2)):
        perfect = defined = 0
        for codes in itertools.product(range(k), repeat=2 * n):
            data = np.array([codes[:n], codes[n:]], dtype=float)
            if len(set(codes)) < 2:
                continue
            defined += 1
            perfect += krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") == pytest.approx(1.0)
        assert G.chance_of_perfect_alpha(n, k) == pytest.approx(perfect / defined)
    assert G.chance_of_perfect_alpha(2, 2) == pytest.approx(1 / 7)
    assert G.attainable_alphas(2, 2) == [-0.5, 0.0, 1.0]


def test_pooled_alpha_over_every_coded_cell():
    from pathlib import Path

    from gvc_clusters.analysis import cases as C

    root = Path(__file__).resolve().parents[1] / "data" / "cases" / "coding"
    a, b = C.read_cases(root / "coder_a"), C.read_cases(root / "coder_b")
    pooled = G.pooled_alpha(a, b)
    assert (pooled["n_units_all"], pooled["n_units_coded"], pooled["n_agree_all"]) == (36, 18, 29)
    assert pooled["percent_agree_all"] == pytest.approx(80.5556, abs=1e-3)
    assert pooled["alpha_all"] == pytest.approx(0.724348, abs=1e-6)      # missing as a category, 36 units
    assert pooled["alpha_coded"] == pytest.approx(0.755245, abs=1e-6)    # both coded, 18 units
    text = T.pooled_alpha_sentence(pooled)
    assert "agree on 29 (80.6 %): nominal α = 0.72 with missing as a category (36 units) and 0.76 over the 18" in text
    b2 = copy.deepcopy(b)
    b2["jalisco_mezcal"]["codes"]["ce_degree"]["value"] = "High"   # one more disagreement
    worse = G.pooled_alpha(a, b2)
    assert worse["n_agree_all"] == 28 and worse["alpha_all"] < pooled["alpha_all"]
    info = G.informativeness(C.agreement(a, b), a, b).set_index("variable")
    assert info.loc["gov_market", "n_units"] == 2 and not info.loc["gov_market", "informative"]
    assert info.loc["gov_market", "attainable"] == "-0.5, 0, 1"


def test_bands_sentence_counts_the_sectors_that_agree():
    bands = pd.DataFrame({"sector_group": ["a_b", "c"], "mean_index": [6.31, 8.2], "band": ["Medium", "Medium"],
                          "modal_degree": ["Medium", "High"], "n_clusters": [15, 11], "agrees": [True, False]})
    text = T.bands_sentence(bands)
    assert "a b 6.31 in the Medium band, most common degree Medium" in text
    assert text.endswith("the band matches the most common degree in 1 of 2 sectors.")


def test_time_referent_ce_and_exclusion_sentences_follow_their_inputs():
    cases = {"brick": {"identity": {"years": [1988, 2016]}}, "pots": {"identity": {"years": [1990, 2002]}}}
    text = T.time_sentence(cases, NAMES)
    assert text.endswith("covers Brickmaking 1988–2016 and Ceramics 1990–2002: 1 of 2 end after 2003.")
    cases["pots"]["identity"]["years"] = [1990, 2012]
    assert T.time_sentence(cases, NAMES).endswith("2 of 2 end after 2003.")

    evidence = pd.DataFrame({"value": ["1", "0", ""], "n_supports": [1, 0, 0], "n_contradicts": [1, 0, 0],
                             "n_context": [0, 2, 1], "n_unit": [2, 0, 1], "n_wider": [0, 1, 0], "n_other": [0, 1, 0],
                             "supporting_lines": ["002 l. 177", "", ""]})
    text = T.referent_sentence(evidence)
    assert text.startswith("The 2 coded values (codes, CE components, quadrants) carry 4 quotes: 1 support their value, "
                           "1 contradict it and 2 give context; 2 are about the case's unit, 1 about the industry")
    assert "1 of the 2 values have a supporting quote; 1 have a contrary quote" in text

    ce = pd.DataFrame({"case_id": ["brick"], "n_known": [8], "index_min": [8.0], "index_max": [8.0], "derived": ["Medium"]})
    assert T.ce_sentence(ce, NAMES).endswith("the components fix the degree for Brickmaking.")
    assert "Brickmaking 8 of 8 (index 8–8)" in T.ce_sentence(ce, NAMES)
    ce = ce.assign(n_known=1, index_min=0.5, index_max=11.0, derived=[None])
    assert T.ce_sentence(ce, NAMES).endswith("so every CE code is holistic.")

    assert T.exclusions_sentence(BASE_EXCL) == ("2 selected cases miss a code that at least one model needs, in 2 "
                                                "spec × outcome combinations:")
    assert T.exclusions_sentence(BASE_EXCL.assign(entered=True, missing="")) == (
        "No selected case misses a code the models need.")


def test_history_sentence_counts_the_logs():
    log, review = pd.DataFrame({"case_id": ["a"] * 7}), pd.DataFrame({"case_id": ["a"] * 3})
    rules = [{"decision": {"status": "restored"}}, {"decision": {"status": "kept"}}]
    assert T.history_sentence(log, review, rules, ["B", "A"]) == (
        "2 coders (A and B) coded every case independently; their 7 disagreements were reconciled, a later review "
        "changed 3 values, and 2 protocol rules changed after coding began (1 restored, 1 kept as a logged "
        "deviation): all are logged below.")
    assert T.history_sentence(log, review.iloc[:1], [], ["A"]).endswith(
        "changed 1 value, and no protocol rule changed after coding began: all are logged below.")
