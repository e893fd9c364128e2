"""What the report reads of the one readings output: per-assumption ranges and shares, the figure's
rows, and a claim's sentence, which changes when the numbers behind it change."""

import pandas as pd
import pytest

from gvc_clusters.models.reading_batch import SUMMARY_COLUMNS
from gvc_clusters.models.reading_views import (
    claim_ranges,
    distribution_frame,
    percent,
    read_summary,
    reading_numbers,
    reading_sets,
    weighted_quantile,
)
from gvc_clusters.output.render import document as doc
from gvc_clusters.results import ModelResult, estimate_rows


def _summary(share_b=0.81, low_b=-1.536):
    base = {"spec": "s", "outcome": "product", "model_id": "s__product__probit", "role": "coef",
            "term": "quasi_hierarchy_global", "default_estimate": -0.71, "default_std_error": 0.5,
            "default_p_value": 0.158, "share_same_sign_p05": 0.1, "share_same_sign_p05_mc_se": 0.02,
            "n_not_converged": 0}
    a = {**base, "assumption": "A", "assumption_label": "glyph-consistent", "method": "enumerated", "set_size": 6912,
         "n_readings": 6912, "n_fitted": 288, "estimate_min": -1.16, "estimate_median": -0.69, "estimate_max": -0.349,
         "share_same_sign": 1.0, "share_same_sign_mc_se": 0.0, "share_p05": 0.111, "share_p05_mc_se": 0.0}
    b = {**base, "assumption": "B", "assumption_label": "checksums only", "method": "sampled",
         "set_size": 22629472588800, "n_readings": 200, "n_fitted": 201, "estimate_min": low_b, "estimate_median": -0.35,
         "estimate_max": 0.745, "share_same_sign": share_b, "share_same_sign_mc_se": (share_b * (1 - share_b) / 200) ** 0.5,
         "share_p05": 0.11, "share_p05_mc_se": 0.0221}
    frame = pd.DataFrame([a, b])[SUMMARY_COLUMNS]
    ame = frame.assign(role="ame")   # effects rows are not a coefficient's range
    return pd.concat([frame, ame], ignore_index=True)


def _fit():
    rows = [{"role": "coef", "term": "quasi_hierarchy_global", "estimate": -0.71, "std_error": 0.5, "p_value": 0.158,
             "ci_low": -1.7, "ci_high": 0.28, "p_value_permutation": 0.196}]
    return ModelResult(model_id="s__product__probit", kind="ordered_probit", outcome="product",
                       estimates=estimate_rows(rows), n_obs=34, se_type="model-based", converged=True)


def test_summary_counts_round_trip_as_exact_integers(tmp_path):
    from gvc_clusters.io import write_csv

    write_csv(_summary(), tmp_path / "s.csv")
    back = read_summary(tmp_path / "s.csv")
    assert back.loc[1, "set_size"] == 22629472588800 and isinstance(back.loc[1, "set_size"], int)
    assert reading_sets(back) == [
        {"name": "A", "label": "glyph-consistent", "enumerated": True, "set_size": 6912, "n_readings": 6912},
        {"name": "B", "label": "checksums only", "enumerated": False, "set_size": 22629472588800, "n_readings": 200}]


def test_ranges_per_assumption():
    ranges = claim_ranges(_summary())
    assert list(ranges["assumption"]) == ["A", "B"] and len(ranges) == 2
    assert (percent(1.0), percent(0.81), percent(0.004), percent(0.0)) == ("100", "81", "0.4", "0")


def _estimates():
    """Per-reading estimates of the summary's model: A enumerated (three fitted readings standing for
    1, 1 and 2 readings), B sampled (four draws, weight 1); its default (weight 0, not in the sample)."""
    rows = []
    for role in ("coef", "ame"):
        for reading, weight, value in (("A.1", 1, 0.10), ("A.2", 1, 0.20), ("A.3", 2, 0.40)):
            rows.append(["A", reading, weight, True, reading == "A.1", role, value])
        for reading, value in (("B.1", -0.1), ("B.2", 0.1), ("B.3", 0.3), ("B.4", 0.5)):
            rows.append(["B", reading, 1, True, False, role, value])
        rows.append(["B", "B.default", 0, False, True, role, 0.10])
    frame = pd.DataFrame(rows, columns=["assumption", "reading", "weight", "in_sample", "is_default", "role",
                                        "estimate"])
    return frame.assign(model_id="s__product__probit", term="quasi_hierarchy_global")


def test_weighted_quantiles_follow_the_summarys_median():
    from gvc_clusters.models.reading_batch import weighted_median

    values, weights = [0.1, 0.2, 0.4], [1, 1, 2]
    assert weighted_quantile(values, weights, 0.5) == weighted_median(values, weights) == 0.2
    assert weighted_quantile(values, weights, 0.25) == 0.1 and weighted_quantile(values, weights, 0.75) == 0.4
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], [1] * 4, 0.25) == 1.75   # equal weights: numpy's quantile


def test_figure_rows_are_the_effects_where_the_summary_has_them_with_their_quartiles():
    """An ordered model's rows are its effects on the top category (role ame), never its latent-scale
    coefficients; a model with coefficients only (the panel) keeps them; the constant never."""
    panel = _summary().iloc[:2].assign(model_id="p_fe", spec="p", outcome="score", role="coef")
    constant = panel.assign(term="const")
    rows = distribution_frame(pd.concat([_summary(), panel, constant], ignore_index=True), _estimates())
    assert list(zip(rows["model_id"], rows["role"])) == [("s__product__probit", "ame")] * 2 + [("p_fe", "coef")] * 2
    a, b = rows.iloc[0], rows.iloc[1]
    assert (a["estimate_q25"], a["estimate_q75"]) == (0.1, 0.4)          # weighted: A.3 counts twice
    assert b["estimate_q25"] == pytest.approx(0.05) and b["estimate_q75"] == pytest.approx(0.35)
    assert (a["estimate_min"], a["estimate_max"]) == (-1.16, -0.349)   # the summary's, as the text quotes
    assert rows.iloc[2:]["estimate_q25"].isna().all()                  # no per-reading rows for the panel here


def test_a_claims_reading_numbers_follow_the_summary():
    fmt = "{:.3f}".format
    b = claim_ranges(_summary()).iloc[1]
    assert reading_numbers(b, fmt) == {"set": "22,629,472,588,800", "readings": "200", "fitted": "201",
                                       "range low": "-1.536", "range high": "0.745", "same sign": "81",
                                       "significant": "11", "same sign se": "2.8", "significant se": "2.2"}
    a = reading_numbers(claim_ranges(_summary()).iloc[0], fmt)
    assert "same sign se" not in a and a["set"] == "6,912" and a["fitted"] == "288"   # enumerated: exact


@pytest.mark.parametrize("mutation", [{"share_b": 0.54}, {"low_b": -2.0}])
def test_the_sentence_changes_when_a_number_behind_it_changes(mutation):
    """The claim's facts and numbers (document.claim_facts / claim_numbers) read the ranges; a
    mutated share or bound changes what the sentence quotes."""
    fmt = "{:.3f}".format
    facts = doc.claim_facts([_fit()], claim_ranges(_summary()))
    assert facts[0]["has_range"] and [r["name"] for r in facts[0]["readings"]] == ["A", "B"]
    assert [r["enumerated"] for r in facts[0]["readings"]] == [True, False]
    before = doc.claim_numbers([_fit()], claim_ranges(_summary()), fmt)
    after = doc.claim_numbers([_fit()], claim_ranges(_summary(**mutation)), fmt)
    changed = {k for k in before if before[k] != after[k]}
    assert changed and all(k.startswith("s__product__probit quasi_hierarchy_global B ") for k in changed)
    assert before["s__product__probit quasi_hierarchy_global B same sign"] == "81"
