"""Panel specs on a user's table (issue 16): entity keys of several columns, weights, more than two
absorbed effects and several estimators per spec; known coefficients recovered from simulated
data and equal to a dummy-variable (weighted) least-squares fit done in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import coefficients

from gvc_clusters.config_defaults import spec_with_defaults
from gvc_clusters.errors import ModelError
from gvc_clusters.models.specs import run_panel_spec
from gvc_clusters.preflight import check_user_tables

BETA = {"tariff": -0.6, "log_gdp": 0.9}


def simulated_flows(seed: int = 11) -> pd.DataFrame:
    """Exporter x product x year, unbalanced, with exporter, product, year and exporter-product
    effects; ``weight`` is a positive weight unrelated to the error."""
    rng = np.random.default_rng(seed)
    rows = [(e, p, t) for e in range(12) for p in range(15) for t in range(2000, 2008)]
    frame = pd.DataFrame(rows, columns=["country", "product", "year"])
    frame = frame.sample(frac=0.85, random_state=seed).sort_values(["country", "product", "year"])
    frame["country"] = "c" + frame["country"].astype(str)        # text keys, as in real tables
    frame["product"] = frame["product"].map(lambda p: f"{840000 + p:06d}")
    n = len(frame)
    ex = frame["country"].map(dict(zip(sorted(frame["country"].unique()), rng.normal(size=12))))
    pr = frame["product"].map(dict(zip(sorted(frame["product"].unique()), rng.normal(size=15))))
    yr = frame["year"].map(dict(zip(range(2000, 2008), rng.normal(size=8))))
    pair = (frame["country"] + frame["product"]).map(
        dict(zip(sorted((frame["country"] + frame["product"]).unique()), rng.normal(scale=0.5, size=12 * 15))))
    frame["tariff"] = rng.normal(size=n) + 0.5 * ex
    frame["log_gdp"] = rng.normal(size=n) + 0.3 * yr
    frame["weight"] = rng.uniform(0.5, 3.0, size=n)
    frame["log_value"] = (BETA["tariff"] * frame.tariff + BETA["log_gdp"] * frame.log_gdp + ex + pr + yr + pair
                          + rng.normal(scale=0.3, size=n))
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def flows_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("panel") / "flows.csv"
    simulated_flows().to_csv(path, index=False)
    return path


def _dummy_fit(frame: pd.DataFrame, effects: list[str], weights: str | None = None):
    """Least squares with one dummy per level of every effect (the textbook estimator)."""
    dummies = [pd.get_dummies(frame[c].astype(str), prefix=c, drop_first=True, dtype=float) for c in effects]
    X = sm.add_constant(pd.concat([frame[list(BETA)], *dummies], axis=1))
    model = sm.WLS(frame["log_value"], X, weights=frame[weights]) if weights else sm.OLS(frame["log_value"], X)
    return model.fit()


def test_country_x_product_entity_with_year_effects_equals_a_dummy_fit(flows_csv):
    spec = {"table": str(flows_csv), "entity": ["country", "product"], "time": "year", "outcome": "log_value",
            "regressors": list(BETA), "entity_effects": True, "time_effects": True, "se_type": "cluster_entity"}
    (fit,) = run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    data = simulated_flows()
    data["pair"] = data["country"] + "|" + data["product"]
    dummy = _dummy_fit(data, ["pair", "year"])
    coefs = coefficients(fit)
    for term, value in BETA.items():
        assert coefs[term] == pytest.approx(dummy.params[term], abs=1e-8)
        assert coefs[term] == pytest.approx(value, abs=0.05)
    assert fit.extra["n_entities"] == 180 and fit.extra["entity"] == "country*product"
    assert fit.se_type == "clustered by country*product (180 clusters)"


def test_weights_and_three_absorbed_effects_equal_a_weighted_dummy_fit(flows_csv):
    spec = {"table": str(flows_csv), "entity": ["country", "product"], "time": "year", "outcome": "log_value",
            "regressors": list(BETA), "absorb": ["country", "product", "year"], "weights": "weight",
            "se_type": "robust"}
    (fit,) = run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    data = simulated_flows()
    dummy = _dummy_fit(data, ["country", "product", "year"], weights="weight")
    coefs = coefficients(fit)
    for term in BETA:
        assert coefs[term] == pytest.approx(dummy.params[term], abs=1e-7)
    assert fit.extra["absorbed"] == {"country": 12, "product": 15, "year": 8}
    assert fit.fixed_effects["country"] and fit.fixed_effects["year"]
    # robust SEs: the same HC1-type sandwich as the dummy fit (n / (n - K) counting every dummy)
    se = fit.estimates[fit.estimates.role == "coef"].set_index("term")["std_error"]
    hc1 = dummy.get_robustcov_results("HC1").bse
    names = list(dummy.params.index)
    for term in BETA:
        assert se[term] == pytest.approx(hc1[names.index(term)], rel=1e-6)


def test_weighted_within_fit_equals_weighted_dummy_fit(flows_csv):
    spec = {"table": str(flows_csv), "entity": ["country", "product"], "time": "year", "outcome": "log_value",
            "regressors": list(BETA), "entity_effects": True, "weights": "weight", "se_type": "unadjusted"}
    (fit,) = run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    data = simulated_flows()
    data["pair"] = data["country"] + "|" + data["product"]
    dummy = _dummy_fit(data, ["pair"], weights="weight")
    for term in BETA:
        assert coefficients(fit)[term] == pytest.approx(dummy.params[term], abs=1e-8)
    assert "weighted least squares, weights weight" in fit.notes


def test_several_estimators_in_one_spec(flows_csv):
    spec = {"table": str(flows_csv), "entity": ["country", "product"], "time": "year", "outcome": "log_value",
            "regressors": list(BETA), "estimator": ["panel_ols", "random_effects", "pooled_ols"],
            "entity_effects": True, "se_type": "robust"}
    fits = run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    assert [f.model_id for f in fits] == ["flows__panel_ols", "flows__random_effects", "flows__pooled_ols"]
    assert [f.kind for f in fits] == ["panel_ols", "random_effects", "pooled_ols"]
    fe, _re, pooled = (coefficients(f)["tariff"] for f in fits)
    assert fe == pytest.approx(BETA["tariff"], abs=0.05)
    assert pooled != pytest.approx(fe, abs=0.01)    # tariff correlates with the exporter effect


def test_bad_weights_and_misspelt_keys(flows_csv, tmp_path):
    data = simulated_flows()
    data.loc[5, "weight"] = -1.0
    path = tmp_path / "bad.csv"
    data.to_csv(path, index=False)
    spec = {"table": str(path), "entity": ["country", "product"], "time": "year", "outcome": "log_value",
            "regressors": list(BETA), "weights": "weight", "se_type": "robust"}
    with pytest.raises(ModelError, match="weights column 'weight' must be positive; 1 row"):
        run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    config = {"panel": {"specs": {"flows": {**spec, "table": str(flows_csv), "entity": ["country", "prodcut"],
                                            "absorb": ["yaer"], "weights": "wieght"}}}}
    errors = check_user_tables(config)
    named = {(e.column, str(e).split("column named by ")[1].split(" ")[0]) for e in errors}
    assert named == {("prodcut", "panel.specs.flows.entity"), ("yaer", "panel.specs.flows.absorb"),
                     ("wieght", "panel.specs.flows.weights")}
    assert all("flows.csv" in str(e) for e in errors)


@pytest.mark.parametrize("se_type", ["unadjusted", "robust", "cluster_entity"])
@pytest.mark.parametrize("weights", [None, "weight"])
def test_fast_engine_absorbs_three_effects_as_absorbingls_and_the_dummy_fit(se_type, weights):
    from gvc_clusters.models.panel.fit import fit_panel

    data = simulated_flows()
    common = {"entity": ["country", "product"], "time": "year", "outcome": "log_value", "regressors": list(BETA),
              "absorb": ["country", "product", "year"], "weights": weights, "se_type": se_type, "model_id": "flows"}
    slow = fit_panel(data, engine="linearmodels", **common)
    fast = fit_panel(data, engine="fast", **common)
    assert fast.extra["engine"] == "fast" and slow.extra["engine"] == "linearmodels AbsorbingLS"
    a = slow.estimates.set_index("term")
    b = fast.estimates.set_index("term")
    np.testing.assert_allclose(b["estimate"], a["estimate"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(b["std_error"], a["std_error"], rtol=1e-6)
    assert fast.r2 == pytest.approx(slow.r2, abs=1e-9)
    assert fast.extra["df_resid"] == slow.extra["df_resid"] == len(data) - 3 - (12 + 15 + 8 - 2 - 1)
    dummy = _dummy_fit(data, ["country", "product", "year"], weights=weights)
    for term in BETA:
        assert b.loc[term, "estimate"] == pytest.approx(dummy.params[term], abs=1e-8)
    if se_type == "unadjusted":   # the dummy fit's own SEs: same residual df
        names = list(dummy.params.index)
        for term in BETA:
            assert b.loc[term, "std_error"] == pytest.approx(dummy.bse.iloc[names.index(term)], rel=1e-8)


def test_panel_formula_with_a_categorical_interaction_equals_the_dummy_fit(flows_csv):
    """log_value ~ tariff + log_gdp + tariff:C(region): the tariff slope differs by region; the
    formula's columns are the dummies' products against the reference region (north)."""
    data = simulated_flows()
    data["region"] = np.where(data["country"].isin(["c0", "c1", "c2", "c3"]), "north", "south")
    data.loc[data["country"].isin(["c4", "c5", "c6"]), "region"] = "east"
    path = flows_csv.parent / "flows_region.csv"
    data.to_csv(path, index=False)
    spec = {"table": str(path), "entity": ["country", "product"], "time": "year",
            "formula": "log_value ~ tariff + log_gdp + tariff:C(region)", "reference": {"region": "north"},
            "entity_effects": True, "time_effects": True, "se_type": "cluster_entity",
            "labels": {"tariff:region[south]": "Tariff x south"}}
    (fit,) = run_panel_spec("flows", spec_with_defaults("panel", spec), {}, user_table=spec["table"])
    coefs = coefficients(fit)
    assert list(coefs.index) == ["const", "tariff", "log_gdp", "tariff:region[east]", "tariff:region[south]"]
    data["pair"] = data["country"] + "|" + data["product"]
    extra = pd.DataFrame({"tariff:region[east]": data.tariff * (data.region == "east"),
                          "tariff:region[south]": data.tariff * (data.region == "south")})
    dummies = [pd.get_dummies(data[c].astype(str), prefix=c, drop_first=True, dtype=float) for c in ("pair", "year")]
    X = sm.add_constant(pd.concat([data[list(BETA)], extra, *dummies], axis=1))
    dummy = sm.OLS(data["log_value"], X).fit()
    for term in ["tariff", "log_gdp", "tariff:region[east]", "tariff:region[south]"]:
        assert coefs[term] == pytest.approx(dummy.params[term], abs=1e-8)
    assert coefs["tariff"] == pytest.approx(BETA["tariff"], abs=0.06)          # no true difference by region
    assert abs(coefs["tariff:region[south]"]) < 0.1
    assert fit.extra["formula"].startswith("log_value ~") and "term_labels" not in fit.extra
    errors = check_user_tables({"panel": {"specs": {"flows": {**spec, "formula": "log_value ~ tarif + C(regoin)"}}}})
    assert {e.column for e in errors} == {"tarif", "regoin"}
    assert all("panel.specs.flows.formula" in str(e) for e in errors)


def test_the_table_is_read_from_the_declared_input_not_the_configs_path(flows_csv, tmp_path):
    """The rule declares the table as its input ``user``; the package reads that path (and names the
    sample by it), never the config's ``table`` again."""
    spec = spec_with_defaults("panel", {"table": str(tmp_path / "not_here.csv"), "entity": ["country", "product"],
                                        "time": "year", "outcome": "log_value", "regressors": list(BETA),
                                        "entity_effects": True, "se_type": "robust"})
    (fit,) = run_panel_spec("flows", spec, {}, user_table=flows_csv)
    assert fit.sample == str(flows_csv) and fit.n_obs == len(simulated_flows())
    assert coefficients(fit)["tariff"] == pytest.approx(BETA["tariff"], abs=0.05)
    with pytest.raises(ValueError, match=r"panel spec 'flows' reads a user table: pass its path \(the rule's input "
                                         r"`user`\) as user_table"):
        run_panel_spec("flows", spec, {})
