"""Effects that mean what their labels say, and the small-sample inference beside them.

Every expected number is computed here, independently of the code under test: effects as finite
differences (or discrete changes) of predicted probabilities from statsmodels' stock OrderedModel,
with the interaction column rebuilt by hand; the sandwich, HC1 and profile likelihood from their
formulas. Simulated data have known parameters; the book's spec runs on the processed chapter 10 data.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.config_defaults import spec_with_defaults
from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError, ModelError
from gvc_clusters.models.ordinal import batch
from gvc_clusters.models.ordinal.effects import build_design
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.ordinal.likelihood import LINKS
from gvc_clusters.models.ordinal.randomization import permutation_indices, permutation_pvalues
from gvc_clusters.models.specs import check_permutation_budget, run_ordinal_spec

TRUE = {"x": 0.6, "d": 0.5, "x:d": -0.7}
CUTS = [-0.3, 0.6, 1.4]


def simulate(n=4000, seed=11):
    """y* = 0.6 x + 0.5 d - 0.7 x d + u, u ~ N(0, 1); x continuous, d a 0/1 moderator."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = (rng.random(n) < 0.4).astype(float)
    y = np.digitize(TRUE["x"] * x + TRUE["d"] * d + TRUE["x:d"] * x * d + rng.normal(size=n), CUTS)
    return pd.Series(y, name="y"), pd.DataFrame({"x": x, "d": d})


def probabilities(params, exog, n_cat=4):
    """P(y = c | x) written out: Phi(a_c - x'b) - Phi(a_{c-1} - x'b), with statsmodels' cutpoint
    parameters a_0 = t_0, a_m = a_{m-1} + exp(t_m)."""
    p = exog.shape[1]
    t = np.asarray(params[p:])
    cuts = np.cumsum(np.concatenate((t[:1], np.exp(t[1:]))))
    eta = exog @ np.asarray(params[:p])
    cdf = stats.norm.cdf(np.concatenate(([-np.inf], cuts, [np.inf]))[None, :] - eta[:, None])
    return np.diff(cdf, axis=1)


def predicted(params, x, d):
    """Predicted probabilities with the product column built here (N x K)."""
    return probabilities(params, np.column_stack((x, d, x * d)))


def expected_effects(params, X, h=1e-6):
    """The effects of x (derivative moving x*d) overall and by d, and of d (discrete change moving x*d)."""
    x, d = X["x"].to_numpy(), X["d"].to_numpy()
    dx = (predicted(params, x + h, d) - predicted(params, x - h, d)) / (2 * h)
    dd = predicted(params, x, np.ones_like(d)) - predicted(params, x, np.zeros_like(d))
    return {"x": dx.mean(axis=0), "x | d=0": dx[d == 0].mean(axis=0), "x | d=1": dx[d == 1].mean(axis=0),
            "d": dd.mean(axis=0)}


def effect_rows(res):
    ame = res.estimates[res.estimates["role"] == "ame"]
    return {t: g["estimate"].to_numpy() for t, g in ame.groupby("term", sort=False)}, ame


@pytest.fixture(scope="module")
def simulated_fit():
    y, X = simulate()
    return y, X, fit_ordered(y, X, model_id="sim", interactions=[["x", "d"]])


def test_design_builds_products_from_components():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "m": [0.0, 1.0, 1.0]})
    frame, design = build_design(X, [["a", "m"]])
    assert list(frame.columns) == ["a", "m", "a:m"] and frame["a:m"].tolist() == [0.0, 2.0, 3.0]
    assert design.derived("a") == ["a", "a:m"] and design.moderators("a") == ["m"]
    assert design.binary == {"a": False, "m": True}
    with pytest.raises(ModelError, match="not regressors"):
        build_design(X, [["a", "z"]], "spec")


def test_interaction_effects_equal_finite_differences_of_predicted_probabilities(simulated_fit):
    _, X, res = simulated_fit
    got, ame = effect_rows(res)
    params = np.array(list(res.extra["params_statsmodels"].values()))
    expected = expected_effects(params, X)
    assert set(got) == set(expected)                     # and no row for the product term "x:d"
    for term, values in expected.items():
        np.testing.assert_allclose(got[term], values, rtol=1e-6, atol=1e-9)
    assert ame["estimate"].between(-1, 1).all()
    np.testing.assert_allclose(ame.groupby("term")["estimate"].sum(), 0.0, atol=1e-12)
    # the conditional effects differ in sign as the true parameters say (0.6 vs 0.6 - 0.7)
    top = {t: v[-1] for t, v in got.items()}
    assert top["x | d=0"] > 0.05 and top["x | d=1"] < 0


def test_effects_recover_the_truth_on_simulated_data(simulated_fit):
    """At the true parameters the effects are known; the estimates lie within 4 SEs of them."""
    _, X, res = simulated_fit
    truth = np.array([TRUE["x"], TRUE["d"], TRUE["x:d"], CUTS[0], np.log(CUTS[1] - CUTS[0]),
                      np.log(CUTS[2] - CUTS[1])])
    true_effects = expected_effects(truth, X)
    _, ame = effect_rows(res)
    for term, values in true_effects.items():
        rows = ame[ame["term"] == term]
        assert (np.abs(rows["estimate"].to_numpy() - values) < 4 * rows["std_error"].to_numpy()).all(), term


def test_effect_ses_are_the_delta_method_with_a_numerical_jacobian(simulated_fit):
    from statsmodels.tools.numdiff import approx_fprime

    y, X, res = simulated_fit
    params = np.array(list(res.extra["params_statsmodels"].values()))
    stacked = lambda v: np.concatenate(list(expected_effects(v, X, h=1e-4).values()))
    jac = approx_fprime(params, stacked, centered=True, epsilon=1e-6)
    exog = np.column_stack((X["x"], X["d"], X["x"] * X["d"]))
    cov = OrderedModel(y, exog, distr="probit").fit(method="bfgs", disp=0, gtol=1e-10).cov_params()
    se = np.sqrt(np.diag(jac @ np.asarray(cov) @ jac.T))
    _, ame = effect_rows(res)
    order = ["x", "x | d=0", "x | d=1", "d"]
    got = np.concatenate([ame[ame["term"] == t]["std_error"].to_numpy() for t in order])
    np.testing.assert_allclose(got, se, rtol=1e-3)


# ----------------------------------------------------------------------------------------------
# The book's spec
# ----------------------------------------------------------------------------------------------

BOOK_SPEC = spec_with_defaults("ordinal", {
    "outcomes": ["product"], "regressors": ["ce_level", "quasi_hierarchy_global", "sector_natural_resource",
                                            "sector_complex_products"],
    "interactions": [["ce_level", "sector_complex_products"]], "links": ["probit"], "permutation_terms": ["ce_level"]})


@pytest.fixture(scope="module")
def book():
    dataset = build_family("clusters", "data/raw").tables["model_dataset"]
    fit = run_ordinal_spec("ce_governance", BOOK_SPEC, dataset, halves="keep", n_permutations=199, seed=3)[0]
    return dataset, fit


def test_book_spec_effects_equal_finite_differences(book):
    dataset, res = book
    sample, _ = estimation_sample(model_variables(dataset), "product", BOOK_SPEC["regressors"])
    base = sample[BOOK_SPEC["regressors"]].to_numpy(dtype=float)
    params = np.array(list(res.extra["params_statsmodels"].values()))

    def probs(b):
        return probabilities(params, np.column_stack((b, b[:, 0] * b[:, 3])))

    got, ame = effect_rows(res)
    h = 1e-6
    up, down = base.copy(), base.copy()
    up[:, 0] += h
    down[:, 0] -= h
    dce = (probs(up) - probs(down)) / (2 * h)
    complex_ = base[:, 3] == 1
    np.testing.assert_allclose(got["ce_level"], dce.mean(axis=0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got["ce_level | sector_complex_products=1"], dce[complex_].mean(axis=0), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(got["ce_level | sector_complex_products=0"], dce[~complex_].mean(axis=0), rtol=1e-6,
                               atol=1e-9)
    for j, term in ((1, "quasi_hierarchy_global"), (2, "sector_natural_resource"), (3, "sector_complex_products")):
        one, zero = base.copy(), base.copy()
        one[:, j], zero[:, j] = 1.0, 0.0
        np.testing.assert_allclose(got[term], (probs(one) - probs(zero)).mean(axis=0), rtol=1e-9, atol=1e-12)
    assert "ce_level:sector_complex_products" not in got
    assert ame["estimate"].between(-1, 1).all()
    np.testing.assert_allclose(ame.groupby("term")["estimate"].sum(), 0.0, atol=1e-12)
    assert abs(got["sector_complex_products"][-1]) < 1     # was 1.19 as a derivative


def test_book_permutation_rebuilds_the_interaction_and_reports_mc_se(book):
    _, res = book
    perm = res.extra["permutation"]
    assert perm["columns"]["ce_level"] == ["ce_level", "ce_level:sector_complex_products"]
    p = res.estimates.set_index(["role", "term"]).loc[("coef", "ce_level"), "p_value_permutation"]
    assert p * 200 == pytest.approx(round(p * 200))
    assert perm["mc_se"]["ce_level"] == pytest.approx(np.sqrt(p * (1 - p) / 199))


# ----------------------------------------------------------------------------------------------
# Batched fits, permutations, budget
# ----------------------------------------------------------------------------------------------

def test_batch_newton_reaches_the_statsmodels_maximum():
    y, X = simulate(n=300, seed=4)
    exog = np.column_stack((X["x"], X["d"], X["x"] * X["d"]))
    stock = OrderedModel(y, exog, distr="logit").fit(method="bfgs", disp=0, gtol=1e-10)
    start = np.zeros((3, 6))
    start[:, 3:] = [[-1.0, 0.0, 1.0], [0.0, 0.5, 2.0], [-2.0, -1.0, 0.5]]     # three different starts
    params, llf, conv = batch.batch_newton(LINKS["logit"], y.to_numpy(), 4, exog, start)
    assert conv.all()
    np.testing.assert_allclose(llf, stock.llf, rtol=1e-10)
    np.testing.assert_allclose(params[:, :3], np.tile(stock.params[:3], (3, 1)), atol=1e-6)


def test_stratified_permutations_stay_within_strata():
    strata = np.array([0, 1, 0, 1, 2, 2, 0])
    idx = permutation_indices(np.random.default_rng(1), 200, strata, 7)
    assert (strata[idx] == strata[None, :]).all()
    assert all(sorted(row) == list(range(7)) for row in idx)
    assert len({tuple(r) for r in idx}) > 20                   # really shuffled


def test_permuting_a_variable_with_an_interaction_tests_both_columns():
    """A variable whose effect runs only through the interaction: permuting it (and its product)
    finds the effect; the statistic is the LR of both columns, computed here from two stock fits."""
    rng = np.random.default_rng(8)
    n = 60
    x, d = rng.normal(size=n), (np.arange(n) % 2).astype(float)
    y = pd.Series(np.digitize(1.5 * x * d + rng.normal(size=n), [-0.5, 0.5]))
    X = pd.DataFrame({"x": x, "d": d})
    out = permutation_pvalues(y, X, ["x"], n_permutations=199, seed=2, interactions=[["x", "d"]])["x"]
    full = OrderedModel(y, np.column_stack((x, d, x * d)), distr="probit").fit(method="bfgs", disp=0, gtol=1e-10)
    null = OrderedModel(y, d[:, None], distr="probit").fit(method="bfgs", disp=0, gtol=1e-10)
    assert out["lr_statistic"] == pytest.approx(2 * (full.llf - null.llf), rel=1e-7)
    assert out["columns"] == ["x", "x:d"] and out["p_value"] == pytest.approx(1 / 200)
    strat = permutation_pvalues(y, X, ["x"], n_permutations=99, seed=2, interactions=[["x", "d"]], strata=d)["x"]
    assert strat["n_draws"] == 99 and strat["p_value"] == pytest.approx(1 / 100)


def test_a_config_that_would_run_for_hours_is_refused_with_the_estimate():
    variables = pd.DataFrame({"has_upgrading_data": np.ones(1_000_000, dtype=bool)})
    with pytest.raises(InputError, match=r"would take about [0-9.]+ hours"):
        check_permutation_budget("big", BOOK_SPEC, variables, 4999)
    assert check_permutation_budget("book", BOOK_SPEC, variables.iloc[:34], 4999) < 10


# ----------------------------------------------------------------------------------------------
# Small-sample SEs and profile likelihood
# ----------------------------------------------------------------------------------------------

def test_hc1_is_hc0_times_n_over_n_minus_k():
    y, X = simulate(n=80, seed=5)
    hc0 = fit_ordered(y, X, model_id="a", cov_type="HC0")
    hc1 = fit_ordered(y, X, model_id="a", cov_type="HC1")
    n, k = 80, 2 + 3
    ratio = hc1.estimates["std_error"].to_numpy() / hc0.estimates["std_error"].to_numpy()
    np.testing.assert_allclose(ratio, np.sqrt(n / (n - k)), rtol=1e-10)
    assert hc1.extra["small_sample_correction"].startswith("n/(n-K)")


def test_profile_likelihood_interval_is_where_the_deviance_reaches_the_chi2_quantile():
    y, X = simulate(n=50, seed=6)
    res = fit_ordered(y, X, model_id="p", profile=True)
    crit = stats.chi2.ppf(0.95, 1)
    full = OrderedModel(y, X, distr="probit").fit(method="bfgs", disp=0, gtol=1e-10).llf
    for j, term in enumerate(["x", "d"]):
        lo, hi = res.extra["profile_ci"][term]
        other = X.drop(columns=term)
        for bound in (lo, hi):
            restricted = OrderedModel(y, other, offset=bound * X[term].to_numpy(), distr="probit").fit(
                method="bfgs", disp=0, gtol=1e-10).llf
            assert 2 * (full - restricted) == pytest.approx(crit, abs=1e-5)
        est = res.estimates.set_index(["role", "term"]).loc[("coef", term), "estimate"]
        assert lo < est < hi
