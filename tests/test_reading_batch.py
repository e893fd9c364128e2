"""Estimates over every reading: the fast ordered-model Newton reproduces the main fit, the plan
enumerates or samples the product of the solution sets, and the summary counts what it says."""

import numpy as np
import pandas as pd
import pytest
from conftest import RAW

from gvc_clusters.data.families import build_family
from gvc_clusters.models.ordinal.effects import build_design
from gvc_clusters.models.reading_batch import (
    ESTIMATE_COLUMNS,
    fit_readings,
    reading_plan,
    summarize_readings,
    top_category_effects,
)


@pytest.fixture(scope="module")
def clusters():
    return build_family("clusters", RAW).tables


def test_batched_fit_reproduces_the_main_ordered_probit(clusters):
    from gvc_clusters.analysis.coding import estimation_sample, model_variables
    from gvc_clusters.models.ordinal.fit import fit_ordered

    regressors = ["ce_level", "quasi_hierarchy_global", "sector_natural_resource", "sector_complex_products"]
    interactions = [["ce_level", "sector_complex_products"]]
    sample, _ = estimation_sample(model_variables(clusters["model_dataset"]), "product", regressors)
    levels = np.unique(sample["product"])
    codes = np.searchsorted(levels, sample["product"])
    frame, design = build_design(sample[regressors], interactions)
    X = frame.to_numpy(float)
    terms = list(frame.columns)
    for cov_type, se_type in (("HC0", "hc0"), ("nonrobust", "model_based"), ("HC1", "hc1")):
        main = fit_ordered(sample["product"], sample[regressors], distr="probit", model_id="m", outcome="product",
                           cov_type=cov_type, interactions=interactions)
        est = main.estimates
        coefs = est[est["role"] == "coef"].set_index("term")
        params, cov, converged = fit_readings(codes, X, len(levels), se_type=se_type)
        assert converged.all() and params.shape == (1, len(terms) + len(levels) - 1)
        np.testing.assert_allclose(params[0, :5], coefs.loc[terms, "estimate"], rtol=1e-6)
        np.testing.assert_allclose(np.sqrt(np.diag(cov[0]))[:5], coefs.loc[terms, "std_error"], rtol=1e-4)
        # effects on the top category: the main fit's AME rows, estimates and delta-method SEs
        top = est[(est["role"] == "ame") & (est["category"] == est[est["role"] == "ame"]["category"].iloc[-1])]
        top = top.set_index("term")
        effects = top_category_effects("probit", design, sample[regressors].to_numpy(float), params[0], cov[0])
        assert [t for t, *_ in effects] == list(top.index)
        assert "ce_level | sector_complex_products=1" in top.index
        np.testing.assert_allclose([e for _, e, _ in effects], top["estimate"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose([s for *_, s in effects], top["std_error"], rtol=1e-4)
    assert params[0, 0] == pytest.approx(coefs.loc["ce_level", "estimate"])
    # a warm-started batch of two designs lands on the same optimum for each
    again, _, ok = fit_readings(codes, np.stack([X, X]), len(levels), start=params[0] + 0.05)
    assert ok.all()
    np.testing.assert_allclose(again, np.repeat(params, 2, axis=0), atol=1e-7)


def _readings(table, n, rows):
    recs = []
    for k in range(1, n + 1):
        for row in rows:
            recs.append([f"{table}.B.{k:05d}", table, row, "", "Product upgrading", "_", float(k), "B", k == 1])
    return pd.DataFrame(recs, columns=["reading_id", "table", "row", "row_label", "column", "printed_text", "value",
                                       "assumption", "is_default"])


def test_reading_plan_is_the_product_or_a_seeded_sample():
    readings = pd.concat([_readings("10-4", 2, [2]), _readings("10-5", 3, [1])], ignore_index=True)
    upgrading = pd.DataFrame({"source_table": ["10-4", "10-5"], "source_row": [2, 1], "cluster_id": ["a", "b"]})
    alternatives = pd.DataFrame({"reading": ["10-2.A"], "cluster_id": ["a"], "variable": ["market_chain_0to3"],
                                 "default_value": [0.0], "reading_value": [2.0]})
    total, plan = reading_plan(readings, upgrading, alternatives, "B", cap=100, seed=1)
    assert total == 2 * 3 * 2 and len(plan) == 12
    assert plan[0][0] == "10-4.B.00001|10-5.B.00001|default"
    assert plan[0][3] == {("a", "product_upgrading_0to3"): 1.0, ("b", "product_upgrading_0to3"): 1.0}
    assert len({p[0] for p in plan}) == 12
    total, sample = reading_plan(readings, upgrading, alternatives, "B", cap=5, seed=1)
    _, again = reading_plan(readings, upgrading, alternatives, "B", cap=5, seed=1)
    assert total == 12 and len(sample) == 5 and [p[0] for p in sample] == [p[0] for p in again]
    assert sample[0][0] == plan[0][0] and len({p[0] for p in sample}) == 5


def test_summary_counts_signs_and_significance():
    est = pd.DataFrame([["B", f"r{i}", "m", "coef", "x", e, 0.1, p, 30, True]
                        for i, (e, p) in enumerate([(0.5, 0.01), (0.2, 0.07), (-0.1, 0.5), (0.4, 0.04)])],
                       columns=ESTIMATE_COLUMNS)
    row = summarize_readings(est).iloc[0]
    assert (row["n_readings"], row["default_estimate"], row["estimate_min"], row["estimate_max"]) == (4, 0.5, -0.1, 0.5)
    assert row["estimate_median"] == pytest.approx(0.3)
    assert (row["sign_share"], row["share_p05"], row["share_p10"]) == (0.75, 0.5, 0.75)
