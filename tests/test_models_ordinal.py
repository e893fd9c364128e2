"""Ordered probit / logit: R MASS::polr's published UCLA results, stock statsmodels, analytic
derivatives against numerical ones, AMEs and their delta-method SEs, robust/cluster SEs,
simulated truths, separation, randomization inference and the errors a user can hit.

Speed is measured in workflow/benchmarks/ordinal_scale.py, never here."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime, approx_hess

from gvc_clusters.errors import ModelError
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.ordinal.likelihood import AnalyticOrderedModel, cutpoints_and_jacobian
from gvc_clusters.models.ordinal.randomization import permutation_pvalues
from gvc_clusters.models.ordinal.separation import detect_separation
from gvc_clusters.results import ESTIMATE_COLUMNS

UCLA_CSV = Path(statsmodels.__file__).parent / "miscmodels" / "tests" / "results" / "ologit_ucla.csv"
UCLA_LEVELS = ["unlikely", "somewhat likely", "very likely"]
UCLA_X = ["pared", "public", "gpa"]

# R 3.4.4, MASS::polr(apply ~ pared + public + gpa, Hess = TRUE), as printed (statsmodels' test results)
R_POLR = {
    "probit": {"coef": [0.59811, 0.01016, 0.35815], "se": [0.1579, 0.1728, 0.1568], "cut": [1.2968, 2.5028]},
    "logit": {"coef": [1.04769011, -0.05878572, 0.61594057], "se": [0.2658, 0.2979, 0.2606],
              "cut": [2.203915, 4.299363]},
}


@pytest.fixture(scope="module")
def ucla():
    df = pd.read_csv(UCLA_CSV)
    y = pd.Series(pd.Categorical(df["apply"], categories=UCLA_LEVELS, ordered=True), name="apply")
    return y, df[UCLA_X]


@pytest.fixture(scope="module")
def ucla_fits(ucla):
    y, X = ucla
    return {d: fit_ordered(y, X, model_id=f"ucla_{d}", distr=d) for d in ("probit", "logit")}


def simulate(n, beta, cuts, *, distr="probit", seed=0, dummy=False):
    """y* = X b + u with known b and cutpoints; the last regressor is a dummy if asked."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(beta)))
    if dummy:
        X[:, -1] = (rng.random(n) < 0.4).astype(float)
    u = rng.normal(size=n) if distr == "probit" else rng.logistic(size=n)
    y = np.digitize(X @ np.asarray(beta) + u, cuts)
    return pd.Series(y, name="y"), pd.DataFrame(X, columns=[f"x{j}" for j in range(len(beta))])


def rows(result, role):
    return result.estimates[result.estimates["role"] == role].reset_index(drop=True)


def params_of(result):
    return np.array(list(result.extra["params_statsmodels"].values()))


# ----------------------------------------------------------------------------------------------
# Published reference results
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("distr", ["probit", "logit"])
def test_ucla_matches_r_polr(ucla, ucla_fits, distr):
    """Standard errors agree with polr to every printed digit. polr's point estimates come from
    optim() stopped at reltol 1e-8, which leaves them short of the maximum (our log-likelihood is
    higher at our estimates than at R's, checked below): the probit ones agree to one unit in the
    last printed digit, the logit ones to 2e-4 (coefficients; statsmodels' own test of these numbers
    uses atol 2e-4) and 6e-4 (cutpoints), the flat direction in which R stopped."""
    res, ref = ucla_fits[distr], R_POLR[distr]
    coef, cut = rows(res, "coef"), rows(res, "cutpoint")
    assert list(coef["term"]) == UCLA_X
    assert list(cut["term"]) == ["unlikely/somewhat likely", "somewhat likely/very likely"]
    np.testing.assert_array_equal(np.round(coef["std_error"].to_numpy(), 4), ref["se"])
    tol_coef, tol_cut = (1e-5, 1e-4) if distr == "probit" else (2.5e-4, 1e-3)
    np.testing.assert_allclose(coef["estimate"], ref["coef"], rtol=0, atol=tol_coef)
    np.testing.assert_allclose(cut["estimate"], ref["cut"], rtol=0, atol=tol_cut)
    y, X = ucla
    model = AnalyticOrderedModel(y, X, distr=distr)
    r_params = np.r_[ref["coef"], ref["cut"][0], np.log(ref["cut"][1] - ref["cut"][0])]
    assert res.loglik >= model.loglike(r_params)
    assert res.converged and res.n_obs == 400 and res.kind == f"ordered_{distr}"


@pytest.mark.parametrize("distr", ["probit", "logit"])
def test_ucla_matches_stock_statsmodels(ucla, ucla_fits, distr):
    y, X = ucla
    stock = OrderedModel(y, X, distr=distr).fit(method="bfgs", disp=0, gtol=1e-9)
    res = ucla_fits[distr]
    np.testing.assert_allclose(params_of(res), stock.params.to_numpy(), rtol=0, atol=1e-6)
    # stock SEs invert a finite-difference Hessian (approx_hess): good to ~1e-5 relative
    np.testing.assert_allclose(rows(res, "coef")["std_error"], stock.bse.to_numpy()[:3], rtol=5e-5)
    assert res.loglik == pytest.approx(stock.llf, abs=1e-9)
    assert res.loglik_null == pytest.approx(stock.llnull, abs=1e-9)
    assert res.pseudo_r2 == pytest.approx(stock.prsquared, rel=1e-7)
    assert res.lr_test["statistic"] == pytest.approx(stock.llr, rel=1e-6)
    assert res.lr_test["df"] == 3
    assert res.lr_test["p_value"] == pytest.approx(stock.llr_pvalue, rel=1e-5)


def test_null_loglik_is_the_thresholds_only_maximum(ucla_fits):
    """The LR test's null: cutpoints alone reproduce the sample shares, ll0 = sum n_c log(n_c / N)."""
    counts = np.array(list(ucla_fits["probit"].extra["category_counts"].values()), dtype=float)
    expected = float((counts * np.log(counts / counts.sum())).sum())
    for res in ucla_fits.values():
        assert res.loglik_null == pytest.approx(expected, abs=1e-9)


# ----------------------------------------------------------------------------------------------
# Analytic derivatives
# ----------------------------------------------------------------------------------------------

def _derivative_cases(ucla):
    y, X = ucla
    ys, Xs = simulate(3000, [0.6, -0.4, 0.9], [-1.0, 0.2, 1.5], dummy=True, seed=11)
    cases = []
    for distr in ("probit", "logit"):
        for yy, XX in ((y, X), (ys, Xs)):
            model = AnalyticOrderedModel(yy, XX, distr=distr)
            mle = model.fit().params.to_numpy()
            cases.append((model, mle + np.linspace(-0.15, 0.2, mle.size)))   # off the optimum: score != 0
    return cases


def test_score_hessian_and_score_obs_equal_numerical_derivatives(ucla):
    for model, at in _derivative_cases(ucla):
        stock = OrderedModel(model.endog, model.exog, distr=model.link.name)
        assert model.loglike(at) == pytest.approx(stock.loglike(at), rel=1e-12)
        num_score = approx_fprime(at, stock.loglike, centered=True)
        np.testing.assert_allclose(model.score(at), num_score, rtol=1e-5, atol=1e-5 * np.abs(num_score).max())
        num_hess = approx_hess(at, stock.loglike)
        np.testing.assert_allclose(model.hessian(at), num_hess, rtol=1e-5, atol=1e-5 * np.abs(num_hess).max())
        num_obs = approx_fprime(at, stock.loglikeobs, centered=True)
        np.testing.assert_allclose(model.score_obs(at), num_obs, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.score_obs(at).sum(axis=0), model.score(at), rtol=1e-10, atol=1e-9)


def test_cutpoint_jacobian():
    t = np.array([-0.7, 0.3, -1.2])
    cuts, jac = cutpoints_and_jacobian(t)
    np.testing.assert_allclose(cuts, [-0.7, -0.7 + np.exp(0.3), -0.7 + np.exp(0.3) + np.exp(-1.2)])
    np.testing.assert_allclose(jac, approx_fprime(t, lambda v: cutpoints_and_jacobian(v)[0], centered=True),
                               rtol=1e-8)


def test_analytic_fit_equals_stock_bfgs_on_simulated_data():
    """Same model, same parameterisation: coefficients within 1e-6 of stock OrderedModel."""
    y, X = simulate(4000, [0.5, -0.3, 0.8], [-0.8, 0.1, 1.0], seed=5)
    for distr in ("probit", "logit"):
        ours = fit_ordered(y, X, model_id="sim", distr=distr)
        stock = OrderedModel(y, X, distr=distr).fit(method="bfgs", disp=0, gtol=1e-8)
        np.testing.assert_allclose(params_of(ours), stock.params.to_numpy(), rtol=0, atol=1e-6)
        bfgs = fit_ordered(y, X, model_id="sim", distr=distr, method="bfgs")
        np.testing.assert_allclose(params_of(bfgs), params_of(ours), rtol=0, atol=1e-6)


@pytest.mark.parametrize("distr", ["probit", "logit"])
def test_recovers_known_coefficients(distr):
    beta, cuts = [0.5, -0.8, 0.3], [-1.0, 0.0, 0.8]
    y, X = simulate(20000, beta, cuts, distr=distr, seed=2024, dummy=True)
    res = fit_ordered(y, X, model_id="truth", distr=distr)
    coef, cut = rows(res, "coef"), rows(res, "cutpoint")
    assert (np.abs(coef["estimate"] - beta) < 4 * coef["std_error"]).all()
    assert (np.abs(cut["estimate"] - cuts) < 4 * cut["std_error"]).all()
    assert list(cut["term"]) == ["0/1", "1/2", "2/3"]


# ----------------------------------------------------------------------------------------------
# Average marginal effects
# ----------------------------------------------------------------------------------------------

UCLA_BINARY = {"pared": True, "public": True, "gpa": False}


def _ucla_effects(stock, X, params, h=1e-6):
    """Effects written here, independently of the code: for a 0/1 regressor the discrete change of
    the predicted probabilities between x = 1 and x = 0 for everyone, else a central difference."""
    out = {}
    for j, term in enumerate(UCLA_X):
        up, down = X.to_numpy(dtype=float).copy(), X.to_numpy(dtype=float).copy()
        if UCLA_BINARY[term]:
            up[:, j], down[:, j], width = 1.0, 0.0, 1.0
        else:
            up[:, j] += h
            down[:, j] -= h
            width = 2 * h
        out[term] = ((stock.predict(params, exog=up) - stock.predict(params, exog=down)) / width).mean(axis=0)
    return out


def test_ames_discrete_for_dummies_derivative_otherwise_and_sum_to_zero(ucla, ucla_fits):
    y, X = ucla
    for distr, res in ucla_fits.items():
        ame = rows(res, "ame")
        assert list(ame["category"].unique()) == UCLA_LEVELS
        sums = ame.groupby("term", sort=False)["estimate"].sum()
        np.testing.assert_allclose(sums.to_numpy(), 0.0, atol=1e-12)
        assert ame["estimate"].between(-1, 1).all()
        expected = _ucla_effects(OrderedModel(y, X, distr=distr), X, params_of(res))
        for term in UCLA_X:
            np.testing.assert_allclose(ame[ame["term"] == term]["estimate"], expected[term], rtol=1e-6, atol=1e-9)
        assert res.extra["ame"]["pared"]["kind"] == "discrete change" and res.extra["ame"]["gpa"]["kind"] == "derivative"
        assert res.extra["ame"]["pared"]["text"].startswith("discrete change P(y = c | pared = 1)")


def test_ame_delta_method_ses_equal_finite_difference_jacobian(ucla, ucla_fits):
    """Delta-method SEs against a central-difference Jacobian of the test's own effect function."""
    y, X = ucla
    for distr, res in ucla_fits.items():
        stock = OrderedModel(y, X, distr=distr)
        params = params_of(res)
        numeric = approx_fprime(params, lambda v, m=stock: np.concatenate(list(_ucla_effects(m, X, v, h=1e-4).values())),
                                centered=True, epsilon=1e-6)
        cov = AnalyticOrderedModel(y, X, distr=distr).fit().cov_params().to_numpy()
        se_numeric = np.sqrt(np.diag(numeric @ cov @ numeric.T))
        np.testing.assert_allclose(rows(res, "ame")["std_error"], se_numeric, rtol=2e-4)


# ----------------------------------------------------------------------------------------------
# Robust and clustered standard errors
# ----------------------------------------------------------------------------------------------

def test_hc0_and_cluster_ses_equal_stock_statsmodels(ucla):
    y, X = ucla
    groups = pd.Series(np.arange(len(y)) % 40, name="school")
    hc0 = fit_ordered(y, X, model_id="u", cov_type="HC0")
    clu = fit_ordered(y, X, model_id="u", cov_type="cluster", groups=groups)
    for res, kw in ((hc0, {"cov_type": "HC0"}),
                    (clu, {"cov_type": "cluster", "cov_kwds": {"groups": groups.to_numpy()}})):
        stock = OrderedModel(y, X, distr="probit").fit(method="bfgs", disp=0, gtol=1e-9, **kw)
        np.testing.assert_allclose(rows(res, "coef")["std_error"], stock.bse.to_numpy()[:3], rtol=1e-4)
        np.testing.assert_allclose(params_of(res), stock.params.to_numpy(), atol=1e-6)
    assert hc0.se_type == "robust (HC0)"
    assert clu.se_type == "clustered by school, 40 clusters" and clu.n_clusters == 40
    # the sandwich by hand from the analytic pieces: H^-1 (sum_g s_g s_g') H^-1 x CRV1 factor
    model = AnalyticOrderedModel(y, X)
    params = params_of(clu)
    bread = np.linalg.inv(-model.hessian(params))
    scores = pd.DataFrame(model.score_obs(params)).groupby(groups.to_numpy()).sum().to_numpy()
    n, k, g = len(y), params.size, 40
    cov = bread @ scores.T @ scores @ bread * g / (g - 1) * (n - 1) / (n - k)
    np.testing.assert_allclose(rows(clu, "coef")["std_error"], np.sqrt(np.diag(cov))[:3], rtol=1e-10)


def test_cluster_needs_groups(ucla):
    y, X = ucla
    with pytest.raises(ModelError, match="u_clu.*groups"):
        fit_ordered(y, X, model_id="u_clu", cov_type="cluster")


# ----------------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------------

def test_record_layout_and_half_point_categories():
    """Outcome values 0, 0.5, 1, 1.5 are four ordered categories with their own labels."""
    y, X = simulate(300, [0.7, -0.5], [-0.6, 0.2, 0.9], seed=3)
    res = fit_ordered(y / 2, X, model_id="halves", outcome="upgrading")
    assert list(res.estimates.columns) == ESTIMATE_COLUMNS
    assert list(res.estimates["role"].unique()) == ["coef", "cutpoint", "ame"]
    assert list(rows(res, "cutpoint")["term"]) == ["0/0.5", "0.5/1", "1/1.5"]
    assert list(rows(res, "ame")["category"].unique()) == ["0", "0.5", "1", "1.5"]
    assert res.outcome == "upgrading" and res.statistic_name == "z"
    assert res.se_type == "model-based (inverse observed information)"
    assert rows(res, "coef")["p_value_permutation"].isna().all()
    summary = json.loads(json.dumps(res.summary()))
    assert summary["extra"]["separation"] == [] and summary["converged"] is True
    again = fit_ordered(y / 2, X, model_id="halves", outcome="upgrading")
    pd.testing.assert_frame_equal(res.estimates, again.estimates)


# ----------------------------------------------------------------------------------------------
# Separation
# ----------------------------------------------------------------------------------------------

def _small_sample(seed=1, n=35):
    rng = np.random.default_rng(seed)
    x, d = rng.normal(size=n), (rng.random(n) < 0.3).astype(float)
    y = np.digitize(0.8 * x + rng.normal(size=n), [-0.5, 0.5]).astype(float)
    return y, x, d


def test_no_separation_in_an_ordinary_sample():
    y, x, d = _small_sample()
    X = pd.DataFrame({"x": x, "d": d})
    assert detect_separation(y, X) == []
    res = fit_ordered(pd.Series(y), X, model_id="ok")
    assert res.converged and res.extra["separation"] == [] and res.notes == []


def test_quasi_complete_separation_by_a_dummy_is_detected_and_reported():
    y, x, d = _small_sample()
    y[d == 1] = 2.0                                   # every d = 1 cluster is in the top category
    X = pd.DataFrame({"x": x, "d": d})
    findings = detect_separation(y, X)
    model = [f for f in findings if f["scope"] == "model"]
    assert model == [{"scope": "model", "type": "quasi-complete", "terms": ["d"], "direction": {"d": 1.0}}]
    assert {(f["term"], f["split"], f["type"]) for f in findings if f["scope"] == "split"} == {
        ("d", "0/1", "quasi-complete"), ("d", "1/2", "quasi-complete")}
    res = fit_ordered(pd.Series(y), X, model_id="sep")
    assert not res.converged
    assert any("quasi-complete separation" in n and "'d'" in n for n in res.notes)
    assert any(f["scope"] == "estimate" and f["term"] == "d" for f in res.extra["separation"])
    coef = rows(res, "coef").set_index("term")
    assert np.isnan(coef.loc["d", "std_error"]) and np.isfinite(coef.loc["x", "std_error"])
    json.dumps(res.summary())
    with pytest.raises(ModelError, match="sep.*quasi-complete separation.*'d'"):
        fit_ordered(pd.Series(y), X, model_id="sep", on_separation="raise")


def test_complete_separation_is_detected():
    y, x, _ = _small_sample()
    y = np.digitize(x, [-0.5, 0.5]).astype(float)     # x predicts every category exactly
    X = pd.DataFrame({"x": x, "z": np.random.default_rng(9).normal(size=x.size)})
    model = [f for f in detect_separation(y, X) if f["scope"] == "model"]
    assert model[0]["type"] == "complete" and "x" in model[0]["terms"]
    res = fit_ordered(pd.Series(y), X, model_id="csep")
    assert not res.converged and res.estimates["std_error"].isna().all()


def test_a_split_separated_only_in_the_middle_does_not_break_the_ordered_mle():
    """d = 1 only in the two lower categories separates the split 1/2 but not the ordered model."""
    y, x, d = _small_sample(seed=4, n=60)
    y[(d == 1) & (y == 2)] = 1.0
    X = pd.DataFrame({"x": x, "d": d})
    findings = detect_separation(y, X)
    assert not [f for f in findings if f["scope"] == "model"]
    assert ("d", "1/2") in {(f["term"], f["split"]) for f in findings if f["scope"] == "split"}
    res = fit_ordered(pd.Series(y), X, model_id="split")
    assert res.converged and any("binary splits" in n for n in res.notes)


# ----------------------------------------------------------------------------------------------
# Randomization inference
# ----------------------------------------------------------------------------------------------

def test_permutation_pvalues_are_deterministic_and_sensible():
    y, x, d = _small_sample(seed=7, n=40)
    X = pd.DataFrame({"x": x, "d": d})
    kw = {"model_id": "ri", "permutation_terms": ["x"], "n_permutations": 49}
    first = fit_ordered(pd.Series(y), X, seed=123, **kw)
    second = fit_ordered(pd.Series(y), X, seed=123, **kw)
    coef1, coef2 = rows(first, "coef").set_index("term"), rows(second, "coef").set_index("term")
    assert coef1.loc["x", "p_value_permutation"] == coef2.loc["x", "p_value_permutation"]
    assert np.isnan(coef1.loc["d", "p_value_permutation"])
    assert coef1.loc["x", "p_value_permutation"] == pytest.approx(1 / 50)   # strong effect: never beaten
    assert first.extra["permutation"]["n_failed"] == {"x": 0}
    p_d = permutation_pvalues(pd.Series(y), X, ["d"], n_permutations=49, seed=5)["d"]["p_value"]
    assert p_d == permutation_pvalues(pd.Series(y), X, ["d"], n_permutations=49, seed=5)["d"]["p_value"]
    assert p_d > 0.2 and (p_d * 50) == pytest.approx(round(p_d * 50))
    with pytest.raises(ModelError, match="not regressors"):
        permutation_pvalues(pd.Series(y), X, ["w"], n_permutations=9, seed=1)


# ----------------------------------------------------------------------------------------------
# Errors a user can hit
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case, message", [
    ("one_category", "spec1: the outcome has 1 category"),
    ("constant", r"spec1: constant regressor\(s\) \['c'\]"),
    ("collinear", r"spec1: rank-deficient design: \['c'\], each a linear combination"),
    ("dummy_trap", r"spec1: rank-deficient design: \['b'\], each a linear combination"),
    ("missing_x", r"spec1: missing values in regressors \['a'\]"),
    ("missing_y", "spec1: the outcome has 1 missing values"),
    ("unordered", "spec1: the outcome is an unordered categorical"),
    ("bad_distr", "spec1: unknown distr 'cloglog'; expected one of probit, logit"),
])
def test_errors_name_the_model_and_the_problem(case, message):
    rng = np.random.default_rng(0)
    n = 50
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = pd.Series(rng.integers(0, 3, n).astype(float))
    kw = {}
    if case == "one_category":
        y[:] = 1.0
    elif case == "constant":
        X["c"] = 2.0
    elif case == "collinear":
        X["c"] = X["a"] - 2 * X["b"]
    elif case == "dummy_trap":
        X["a"] = (rng.random(n) < 0.5).astype(float)
        X["b"] = 1.0 - X["a"]
    elif case == "missing_x":
        X.loc[3, "a"] = np.nan
    elif case == "missing_y":
        y[4] = np.nan
    elif case == "unordered":
        y = pd.Series(pd.Categorical(["lo", "hi"] * (n // 2)))
    elif case == "bad_distr":
        kw["distr"] = "cloglog"
    with pytest.raises(ModelError, match=message):
        fit_ordered(y, X, model_id="spec1", **kw)


def test_non_convergence_raises(ucla):
    y, X = ucla
    with pytest.raises(ModelError, match="ucla_short: ordered probit did not converge: newton did not converge in 2"):
        fit_ordered(y, X, model_id="ucla_short", maxiter=2)


def test_every_se_convention_is_kept_and_equals_its_own_fit(ucla):
    """extra["se_conventions"]: the coefficients' SEs under model-based, HC0 and HC1 covariances, each
    equal to what fit_ordered reports when asked for that covariance (the robustness section reads them)."""
    y, X = ucla
    fits = {kind: fit_ordered(y, X, model_id="u", cov_type=cov) for kind, cov in
            (("model_based", "nonrobust"), ("hc0", "HC0"), ("hc1", "HC1"))}
    conventions = fits["model_based"].extra["se_conventions"]
    for kind, fit in fits.items():
        coef = fit.estimates[fit.estimates["role"] == "coef"].set_index("term")["std_error"]
        for term, se in coef.items():
            assert conventions[kind][term] == pytest.approx(se, rel=1e-8)
