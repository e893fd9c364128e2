"""Effects within each sector group: the within-group randomization test and what separation leaves identified.

The within-group permutation p-value is checked against an exact enumeration of every permutation
of the group's values, computed here from stock statsmodels fits; the identification rule against
the book's separated spec (the natural-resource clusters outside quasi-hierarchical global chains
all score 3 in product upgrading).
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.data.families import build_family
from gvc_clusters.models.ordinal.effects import build_design, effect_columns
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.ordinal.randomization import group_strata, permutation_indices

SECTOR = {"sector": {"levels": ["b", "c"], "reference": "a"}}


def three_groups(n_per=(5, 40, 40), seed=3):
    """Three groups (a reference, b, c), x in every group, an effect of x in group b only."""
    rng = np.random.default_rng(seed)
    g = np.repeat([0, 1, 2], n_per)
    x = rng.normal(size=g.size)
    b, c = (g == 1).astype(float), (g == 2).astype(float)
    y = np.digitize(2.0 * x * b + 0.3 * c + rng.normal(size=g.size), [-0.4, 0.6])
    return pd.Series(y, name="y"), pd.DataFrame({"x": x, "b": b, "c": c})


def test_group_strata_keep_every_row_outside_the_group_in_place():
    mask = np.array([False, True, False, True, True, False])
    idx = permutation_indices(np.random.default_rng(1), 200, group_strata(mask), mask.size)
    assert (idx[:, ~mask] == np.flatnonzero(~mask)).all()
    assert set(map(tuple, idx[:, mask])) > {(1, 3, 4)}           # the group's rows do move
    assert {frozenset(r) for r in idx[:, mask]} == {frozenset({1, 3, 4})}


def test_the_within_group_p_value_is_the_exact_permutation_p_value_within_monte_carlo_error():
    """Group a has 5 observations: 120 permutations, enumerated here with stock fits. The test's
    p-value is the share of them whose maximum log-likelihood reaches the observed one."""
    y, X = three_groups()
    res = fit_ordered(y, X, model_id="g", interactions=[["x", "b"], ["x", "c"]], categoricals=SECTOR,
                      permutation_terms=["x"], n_permutations=1999, seed=5, permutation_groups=True)
    within = res.extra["permutation_groups"]
    assert set(within) == {"x | sector=a", "x | sector=b", "x | sector=c"}
    rows = np.flatnonzero(X["b"].eq(0) & X["c"].eq(0))

    def llf(x):
        exog = np.column_stack((x, X["b"], X["c"], x * X["b"], x * X["c"]))
        return OrderedModel(y, exog, distr="probit").fit(method="bfgs", disp=0, gtol=1e-6, maxiter=2000).llf

    observed = llf(X["x"].to_numpy())
    hits = 0
    for order in itertools.permutations(rows):
        x = X["x"].to_numpy().copy()
        x[rows] = X["x"].to_numpy()[list(order)]
        hits += llf(x) >= observed - 1e-7 * abs(observed)
    exact = hits / 120
    got = within["x | sector=a"]
    assert got["n_group"] == 5 and got["n_draws"] == 1999
    assert abs(got["p_value"] - exact) < 4 * np.sqrt(exact * (1 - exact) / 1999) + 1 / 2000
    # x moves y only in group b: found there, not in c
    assert within["x | sector=b"]["p_value"] == pytest.approx(1 / 2000)
    assert within["x | sector=c"]["p_value"] > 0.05
    ame = res.estimates[res.estimates["role"] == "ame"].set_index(["term", "category"])["p_value_permutation"]
    assert ame[("x | sector=b", "2")] == within["x | sector=b"]["p_value"]
    assert np.isnan(ame[("x", "2")])   # the overall effect keeps the joint test on its coefficient row only


@pytest.fixture(scope="module")
def book_sample():
    tables = build_family("clusters").tables
    variables = model_variables(tables["model_dataset"], halves="keep")
    regressors = ["quasi_hierarchy_global", "ce_level", "sector_natural_resource", "sector_complex_products"]
    sample, _ = estimation_sample(variables, "product", regressors)
    return sample, regressors


def test_separation_leaves_the_effects_of_the_other_groups_identified(book_sample):
    """Product upgrading: the 2 natural-resource clusters outside quasi-hierarchical global chains
    both score 3, so the natural-resource dummy and its interaction diverge; the effects within
    traditional manufacturing and complex products do not involve them and keep their inference."""
    sample, regressors = book_sample
    interactions = [["quasi_hierarchy_global", "sector_natural_resource"],
                    ["quasi_hierarchy_global", "sector_complex_products"]]
    categoricals = {"sector": {"levels": ["sector_natural_resource", "sector_complex_products"],
                               "reference": "traditional manufacturing"}}
    nr = sample[(sample["sector_natural_resource"] == 1) & (sample["quasi_hierarchy_global"] == 0)]
    assert len(nr) == 2 and set(nr["product"]) == {3.0}
    _, design = build_design(sample[regressors], interactions, categoricals=categoricals)
    base = sample[regressors].to_numpy(float)
    assert "sector_natural_resource" in effect_columns(design, base,
                                                       "quasi_hierarchy_global | sector=sector_natural_resource")
    trad = effect_columns(design, base, "quasi_hierarchy_global | sector=traditional manufacturing")
    assert trad == {"quasi_hierarchy_global", "ce_level"}
    res = fit_ordered(sample["product"], sample[regressors], model_id="s", interactions=interactions,
                      categoricals=categoricals)
    assert not res.converged
    assert "quasi_hierarchy_global | sector=sector_natural_resource" in res.extra["effects_not_identified"]
    assert "quasi_hierarchy_global | sector=traditional manufacturing" not in res.extra["effects_not_identified"]
    top = res.estimates[(res.estimates["role"] == "ame") & (res.estimates["category"] == "3")].set_index("term")
    assert np.isnan(top.at["quasi_hierarchy_global | sector=sector_natural_resource", "std_error"])
    assert top.at["quasi_hierarchy_global | sector=traditional manufacturing", "estimate"] == pytest.approx(-0.138, abs=5e-4)
    assert top.at["quasi_hierarchy_global | sector=traditional manufacturing", "std_error"] == pytest.approx(0.1165,
                                                                                                           abs=5e-4)
    # the same numbers where the optimiser is allowed ten times the steps: the estimate has converged
    longer = fit_ordered(sample["product"], sample[regressors], model_id="s", interactions=interactions,
                         categoricals=categoricals, maxiter=1000)
    again = longer.estimates[(longer.estimates["role"] == "ame") & (longer.estimates["category"] == "3")]
    term = "quasi_hierarchy_global | sector=traditional manufacturing"
    assert again.set_index("term").at[term, "estimate"] == pytest.approx(top.at[term, "estimate"], abs=1e-8)
