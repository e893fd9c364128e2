"""Effects of a declared categorical: contrasts between levels with the other levels off.

Every expected number is computed here from predicted probabilities written out in the test
(statsmodels' cutpoint parameterisation, the product column rebuilt by hand): the contrast of a
level is P(y = c | that level, the other levels 0) - P(y = c | every level 0), averaged over the
sample, as Stata's ``margins`` with factor notation and marginaleffects' ``comparisons`` compute
it. Simulated data have known parameters; the book's spec is the built-in one of config/config.yaml.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.data.families import build_family
from gvc_clusters.errors import ModelError
from gvc_clusters.models.ordinal.effects import build_design, effect_definitions, effect_text
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.ordinal.randomization import permutation_pvalues
from gvc_clusters.models.specs import run_ordinal_spec
from gvc_clusters.preflight import check_categoricals

TRUE = {"x": 0.5, "a": 0.8, "b": -0.6, "x:b": 0.7}
CUTS = [-0.4, 0.5, 1.3]
CATEGORICAL = {"g": {"levels": ["a", "b"], "reference": "r"}}


def simulate(n=5000, seed=21):
    """y* = 0.5 x + 0.8 a - 0.6 b + 0.7 x b + u: g in {r, a, b} (each row in one level), x continuous."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    a, b = (g == 1).astype(float), (g == 2).astype(float)
    latent = TRUE["x"] * x + TRUE["a"] * a + TRUE["b"] * b + TRUE["x:b"] * x * b + rng.normal(size=n)
    return pd.Series(np.digitize(latent, CUTS), name="y"), pd.DataFrame({"x": x, "a": a, "b": b})


def probabilities(params, exog):
    """P(y = c | x) = Phi(a_c - x'b) - Phi(a_{c-1} - x'b), cutpoints a_0 = t_0, a_m = a_{m-1} + exp(t_m)."""
    p = exog.shape[1]
    t = np.asarray(params[p:])
    cuts = np.cumsum(np.concatenate((t[:1], np.exp(t[1:]))))
    eta = exog @ np.asarray(params[:p])
    return np.diff(stats.norm.cdf(np.concatenate(([-np.inf], cuts, [np.inf]))[None, :] - eta[:, None]), axis=1)


def at_level(params, X, a, b):
    """Mean predicted probabilities with every row put at a = ``a``, b = ``b`` (x as observed)."""
    x = X["x"].to_numpy()
    a_col, b_col = np.full_like(x, a), np.full_like(x, b)
    return probabilities(params, np.column_stack((x, a_col, b_col, x * b_col))).mean(axis=0)


def expected_contrasts(params, X):
    reference = at_level(params, X, 0, 0)
    return {"a": at_level(params, X, 1, 0) - reference, "b": at_level(params, X, 0, 1) - reference}


def ame(res):
    rows = res.estimates[res.estimates["role"] == "ame"]
    return {t: g for t, g in rows.groupby("term", sort=False)}


@pytest.fixture(scope="module")
def simulated():
    y, X = simulate()
    res = fit_ordered(y, X, model_id="sim", interactions=[["x", "b"]], categoricals=CATEGORICAL)
    return y, X, res


def test_level_effects_are_contrasts_with_the_other_levels_off(simulated):
    _, X, res = simulated
    params = np.array(list(res.extra["params_statsmodels"].values()))
    got = ame(res)
    for level, values in expected_contrasts(params, X).items():
        np.testing.assert_allclose(got[level]["estimate"].to_numpy(), values, rtol=1e-9, atol=1e-12)
    # not the plain discrete change, which leaves the other level on where it is on
    x = X["x"].to_numpy()
    one = probabilities(params, np.column_stack((x, X["a"], np.ones_like(x), x))).mean(axis=0)
    zero = probabilities(params, np.column_stack((x, X["a"], np.zeros_like(x), 0 * x))).mean(axis=0)
    assert np.abs(got["b"]["estimate"].to_numpy() - (one - zero)).max() > 0.01


def test_contrasts_recover_the_truth_on_simulated_data(simulated):
    _, X, res = simulated
    truth = np.array([TRUE["x"], TRUE["a"], TRUE["b"], TRUE["x:b"], CUTS[0], np.log(CUTS[1] - CUTS[0]),
                      np.log(CUTS[2] - CUTS[1])])
    got = ame(res)
    for level, values in expected_contrasts(truth, X).items():
        rows = got[level]
        assert (np.abs(rows["estimate"].to_numpy() - values) < 4 * rows["std_error"].to_numpy()).all(), level


def test_contrast_ses_are_the_delta_method_with_a_numerical_jacobian(simulated):
    from statsmodels.tools.numdiff import approx_fprime

    y, X, res = simulated
    params = np.array(list(res.extra["params_statsmodels"].values()))
    stacked = lambda v: np.concatenate(list(expected_contrasts(v, X).values()))
    jac = approx_fprime(params, stacked, centered=True, epsilon=1e-6)
    exog = np.column_stack((X["x"], X["a"], X["b"], X["x"] * X["b"]))
    cov = OrderedModel(y, exog, distr="probit").fit(method="bfgs", disp=0, gtol=1e-8, maxiter=1000).cov_params()
    se = np.sqrt(np.diag(jac @ np.asarray(cov) @ jac.T))
    got = ame(res)
    np.testing.assert_allclose(np.concatenate([got[t]["std_error"].to_numpy() for t in ("a", "b")]), se, rtol=1e-3)


def test_the_interaction_follows_its_level_and_conditional_effects_split_by_it(simulated):
    _, _, res = simulated
    definitions = res.extra["ame"]
    assert definitions["b"]["kind"] == "contrast" and definitions["b"]["moves"] == ["x:b"]
    assert definitions["a"]["others_off"] == ["b"] and definitions["a"]["moves"] == []
    # x interacts with level b only: its effect is reported where b = 1 and where b = 0
    assert {"x | b=0", "x | b=1"} <= set(ame(res))
    assert not any(t.startswith("x | g=") for t in ame(res))


def test_effect_text_uses_labels_not_python_reprs(simulated):
    _, _, res = simulated
    labels = {"b": "Level B", "a": "Level A", "g": "Group", "x": "Export share", "x:b": "Export share × B"}
    text = effect_text(res.extra["ame"]["b"], lambda n: labels.get(n, n))
    assert text == ("contrast between levels of Group: P(y = c) with Level B on minus P(y = c) at the reference "
                    "level (r), the other levels (Level A) off in both, with Export share × B moving with it, "
                    "averaged over the sample")
    assert "[" not in effect_text(res.extra["ame"]["x | b=1"], lambda n: labels.get(n, n))


def test_permuting_a_level_permutes_the_categorical():
    """Permuting one level's dummy alone would put rows in two levels: a level names the whole
    categorical, so the test is the same as permuting the categorical by its name."""
    y, X = simulate(n=200, seed=5)
    _, design = build_design(X, [["x", "b"]], categoricals=CATEGORICAL)
    by_level = permutation_pvalues(y, X, ["b"], n_permutations=99, seed=4, interactions=[["x", "b"]],
                                   design_override=design)
    by_name = permutation_pvalues(y, X, ["g"], n_permutations=99, seed=4, interactions=[["x", "b"]],
                                  design_override=design)
    assert list(by_level) == ["g"] and by_level == by_name
    assert by_level["g"]["columns"] == ["a", "b", "x:b"]
    res = fit_ordered(y, X, model_id="sim", interactions=[["x", "b"]], categoricals=CATEGORICAL,
                      permutation_terms=["a"], n_permutations=99, seed=4)
    coef = res.estimates[res.estimates["role"] == "coef"].set_index("term")["p_value_permutation"]
    assert coef["a"] == coef["b"] == by_name["g"]["p_value"] and np.isnan(coef["x"])


def test_a_declared_categorical_is_checked():
    X = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "a": [1.0, 0.0, 0.0, 1.0], "b": [0.0, 1.0, 0.0, 1.0]})
    with pytest.raises(ModelError, match=r"1 observation\(s\) have two or more of \['a', 'b'\] at 1"):
        build_design(X, categoricals=CATEGORICAL)
    with pytest.raises(ModelError, match="not regressors"):
        build_design(X[["x", "a"]], categoricals=CATEGORICAL)
    with pytest.raises(ModelError, match="not 0/1"):
        build_design(X.iloc[:3], categoricals={"g": {"levels": ["x", "a"], "reference": "r"}})
    with pytest.raises(ModelError, match="reference"):
        build_design(X.iloc[:3], categoricals={"g": {"levels": ["a", "b"], "reference": "a"}})
    config = {"ordinal": {"specs": {"s": {"regressors": ["x", "a"], "categoricals": {
        "x": {"levels": ["a", "b"], "reference": "r"}}}}}}
    problems = {(e.column, str(e.value)) for e in check_categoricals(config)}
    assert problems == {("ordinal.specs.s.categoricals.x", "x"), ("ordinal.specs.s.categoricals.x.levels", "b")}


# ----------------------------------------------------------------------------------------------
# The book's spec, as config/config.yaml declares it
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book():
    config = with_defaults(yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8")))
    spec = config["ordinal"]["specs"]["ce_governance"]
    dataset = build_family("clusters", "data/raw").tables["model_dataset"]
    fits = run_ordinal_spec("ce_governance", {**spec, "outcomes": ["product", "process"], "links": ["probit"]},
                            dataset, halves="keep", n_permutations=0, seed=1)
    return spec, dataset, {f.outcome: f for f in fits}


def test_the_built_in_spec_declares_the_sector_group(book):
    spec, _, _ = book
    assert spec["categoricals"] == {"sector": {"levels": ["sector_natural_resource", "sector_complex_products"],
                                               "reference": "traditional manufacturing"}}


def test_book_sector_contrasts_equal_finite_differences_of_predicted_probabilities(book):
    spec, dataset, fits = book
    res = fits["product"]
    sample, _ = estimation_sample(model_variables(dataset), "product", spec["regressors"])
    base = sample[spec["regressors"]].to_numpy(dtype=float)     # ce, qh, natural resource, complex
    params = np.array(list(res.extra["params_statsmodels"].values()))

    def mean_probabilities(natural, complex_):
        b = base.copy()
        b[:, 2], b[:, 3] = natural, complex_
        return probabilities(params, np.column_stack((b, b[:, 0] * b[:, 3]))).mean(axis=0)

    reference = mean_probabilities(0, 0)
    got = ame(res)
    np.testing.assert_allclose(got["sector_complex_products"]["estimate"], mean_probabilities(0, 1) - reference,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["sector_natural_resource"]["estimate"], mean_probabilities(1, 0) - reference,
                               rtol=1e-9, atol=1e-12)


def test_book_sector_contrasts_on_the_top_category(book):
    """Product upgrading, P(y = 3): complex products vs traditional 0.258 (SE 0.168, p = 0.125), not
    the published discrete change 0.297 (p = 0.047) that keeps natural-resource clusters in their
    level; natural resource 0.438 (not 0.469). Process: 0.362 (p = 0.078)."""
    _, _, fits = book
    top = {o: f.estimates[(f.estimates["role"] == "ame") & (f.estimates["category"] == "3")].set_index("term")
           for o, f in fits.items()}
    complex_ = top["product"].loc["sector_complex_products"]
    assert (round(complex_["estimate"], 3), round(complex_["std_error"], 3), round(complex_["p_value"], 3)) == (
        0.258, 0.168, 0.125)
    assert round(top["product"].loc["sector_natural_resource", "estimate"], 3) == 0.438
    process = top["process"].loc["sector_complex_products"]
    assert (round(process["estimate"], 3), round(process["p_value"], 3)) == (0.362, 0.078)


def test_book_effect_definitions_name_the_reference(book):
    _, _, fits = book
    definitions = effect_definitions_of(fits["product"])
    assert definitions["sector_complex_products"]["reference"] == "traditional manufacturing"
    assert definitions["sector_complex_products"]["moves"] == ["ce_level:sector_complex_products"]
    assert definitions["sector_natural_resource"]["moves"] == []
    assert definitions["quasi_hierarchy_global"]["kind"] == "discrete change"
    assert {"ce_level | sector_complex_products=0", "ce_level | sector_complex_products=1"} <= set(definitions)


def effect_definitions_of(res):
    return res.extra["ame"]


def test_effect_definitions_without_a_categorical_keep_the_discrete_change():
    X = pd.DataFrame({"x": [0.1, 0.5, 0.3], "d": [1.0, 0.0, 1.0]})
    _, design = build_design(X, [["x", "d"]])
    definitions = effect_definitions(design)
    assert definitions["d"]["kind"] == "discrete change" and definitions["d"]["moves"] == ["x:d"]
    assert definitions["d"]["text"].startswith("discrete change P(y = c | d = 1) − P(y = c | d = 0)")
