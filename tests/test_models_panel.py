"""Panel models: linearmodels' published example, every SE option, simulated truths, Hausman, the
fast engine against linearmodels, the book's panels and the errors a user can hit."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ensure_built
from linearmodels.datasets import wage_panel
from linearmodels.panel import PanelOLS, PooledOLS, RandomEffects
from scipy import stats

from gvc_clusters.errors import ModelError
from gvc_clusters.models import book_panels as pdm
from gvc_clusters.models.book_panels import fit_upgrading_governance
from gvc_clusters.models.options import PanelSEType, choices
from gvc_clusters.models.panel import fast_fe
from gvc_clusters.models.panel.fe_vs_re import hausman
from gvc_clusters.models.panel.fit import fit_panel
from gvc_clusters.results import ModelResult, estimate_rows

ROOT = Path(__file__).resolve().parents[1]
PROCESSED = ROOT / "data" / "processed"
WAGE_X = ["expersq", "union", "married"]
LM_OPTIONS = {"unadjusted": {}, "robust": {"cov_type": "robust"},
              "cluster_entity": {"cov_type": "clustered", "cluster_entity": True},
              "cluster_time": {"cov_type": "clustered", "cluster_time": True},
              "cluster_twoway": {"cov_type": "clustered", "cluster_entity": True, "cluster_time": True},
              "driscoll_kraay": {"cov_type": "kernel", "kernel": "bartlett"}}


@pytest.fixture(scope="module")
def wages() -> pd.DataFrame:
    return wage_panel.load()


def _wage_fit(wages, se_type, engine="linearmodels", **kw):
    return fit_panel(wages, entity="nr", time="year", outcome="lwage", regressors=WAGE_X,
                     entity_effects=True, time_effects=True, se_type=se_type, model_id="wage",
                     engine=engine, min_clusters=2, **kw)


def _est(result: ModelResult) -> pd.DataFrame:
    return result.estimates.set_index("term")


def _linearmodels_wage(wages, se_type):
    data = wages.set_index(["nr", "year"])
    x = data[WAGE_X].assign(const=1.0)[["const", *WAGE_X]]
    return PanelOLS(data["lwage"], x, entity_effects=True, time_effects=True).fit(**LM_OPTIONS[se_type])


# ---------------------------------------------------------------------------- published example

def test_wage_panel_matches_linearmodels_documentation(wages):
    """linearmodels' panel examples (PanelOLS, entity + time effects, lwage on expersq, union,
    married) print union 0.0800 and married 0.0467; coefficients do not depend on the SE type."""
    result = _wage_fit(wages, "cluster_entity")
    est = _est(result)
    assert round(est.loc["union", "estimate"], 4) == 0.0800
    assert round(est.loc["married", "estimate"], 4) == 0.0467
    assert round(est.loc["expersq", "estimate"], 4) == -0.0052
    assert result.n_obs == 4360 and result.n_clusters == 545
    assert result.se_type == "clustered by nr (545 clusters)"
    assert result.fixed_effects == {"Entity": True, "Time": True}
    assert result.statistic_name == "t" and result.kind == "panel_ols"
    lm = _linearmodels_wage(wages, "cluster_entity")
    assert np.allclose(est.loc[lm.params.index, "std_error"], lm.std_errors, rtol=1e-12)
    assert result.r2 == pytest.approx(lm.rsquared, rel=1e-12)
    assert result.r2_within == pytest.approx(lm.rsquared_within, rel=1e-12)
    assert result.loglik == pytest.approx(lm.loglik, rel=1e-12)
    # overall R2 including the fixed effects (fixest's R2): 1 - SSR/TSS of the full model
    resid = lm.resids.to_numpy()                       # net of the effects and the slopes
    y = wages.set_index(["nr", "year"]).sort_index()["lwage"].to_numpy()
    assert result.extra["r2_inclusive"] == pytest.approx(1 - resid @ resid / ((y - y.mean()) @ (y - y.mean())),
                                                         rel=1e-10)


@pytest.mark.parametrize("se_type", choices(PanelSEType))
def test_each_se_option_gives_the_linearmodels_value(wages, se_type):
    result = _wage_fit(wages, se_type)
    lm = _linearmodels_wage(wages, se_type)
    est = _est(result).loc[lm.params.index]
    assert np.allclose(est["estimate"], lm.params, rtol=1e-12, atol=0)
    assert np.allclose(est["std_error"], lm.std_errors, rtol=1e-10, equal_nan=True)
    assert np.allclose(est["p_value"], lm.pvalues, rtol=1e-8, equal_nan=True)
    assert result.extra["se_option"] == se_type


def test_random_effects_and_pooled_match_linearmodels(wages):
    data = wages.set_index(["nr", "year"])
    cols = ["educ", "black", "exper", "expersq", "married", "union"]
    x = data[cols].assign(const=1.0)[["const", *cols]]
    for estimator, model in (("random_effects", RandomEffects), ("pooled_ols", PooledOLS)):
        lm = model(data["lwage"], x).fit(cov_type="clustered", cluster_entity=True)
        ours = fit_panel(wages, entity="nr", time="year", outcome="lwage", regressors=cols, estimator=estimator,
                         se_type="cluster_entity", model_id=estimator)
        est = _est(ours).loc[lm.params.index]
        assert np.allclose(est["estimate"], lm.params, rtol=1e-12)
        assert np.allclose(est["std_error"], lm.std_errors, rtol=1e-10)
        assert ours.r2 == pytest.approx(lm.rsquared, rel=1e-12)


# ---------------------------------------------------------------------------- simulated truths

def _simulated(seed=7, entities=400, periods=6, correlated=True, drop=0.0, time_shocks=True):
    """y = 0.5 x1 - 0.3 x2 + a_i + g_t + e; x1 correlated with a_i if ``correlated``, x2 with g_t."""
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(entities), periods)
    t = np.tile(np.arange(2001, 2001 + periods), entities)
    alpha = rng.normal(size=entities)
    gamma = rng.normal(size=periods) if time_shocks else np.zeros(periods)
    x1 = rng.normal(size=e.size) + (alpha[e] if correlated else 0.0)
    x2 = rng.normal(size=e.size) + gamma[t - 2001]
    y = 0.5 * x1 - 0.3 * x2 + alpha[e] + gamma[t - 2001] + rng.normal(scale=0.5, size=e.size)
    frame = pd.DataFrame({"firm": e, "year": t, "y": y, "x1": x1, "x2": x2})
    if drop:
        frame = frame.loc[rng.random(len(frame)) >= drop]
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_two_way_within_recovers_known_coefficients():
    frame = _simulated()
    result = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"],
                       entity_effects=True, time_effects=True, se_type="cluster_entity", model_id="sim")
    est = _est(result)
    for term, truth in (("x1", 0.5), ("x2", -0.3)):
        assert abs(est.loc[term, "estimate"] - truth) < 3 * est.loc[term, "std_error"]
        assert est.loc[term, "std_error"] < 0.02
    pooled = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"],
                       estimator="pooled_ols", model_id="sim_pooled")
    assert _est(pooled).loc["x1", "estimate"] > 0.8  # the omitted effect biases pooled OLS upwards


def test_hausman_small_when_random_effects_consistent_large_when_not():
    def tests(correlated):
        frame = _simulated(seed=11, correlated=correlated, time_shocks=False)
        common = {"entity": "firm", "time": "year", "outcome": "y", "regressors": ["x1", "x2"]}
        fe = fit_panel(frame, entity_effects=True, model_id="fe", **common)
        re = fit_panel(frame, estimator="random_effects", model_id="re", **common)
        return hausman(fe, re), hausman(fe, re, sigma="re")

    (ok, ok_re), (bad, bad_re) = tests(False), tests(True)
    assert ok["terms"] == ["x1", "x2"] and ok["df"] == 2 and ok["method"] == "inverse"
    assert ok["p_value"] > 0.5 and ok["statistic"] < 1 and ok_re["p_value"] > 0.5
    assert bad_re["statistic"] > 500 and bad_re["p_value"] < 1e-100 and bad_re["positive_definite"]
    # each fit's own variance: RE's error variance absorbs the bias, the difference is not positive
    # definite and the textbook statistic is negative - reported, not hidden
    assert bad["method"] == "pinv" and bad["statistic"] < 0 and bad["p_value"] == 1.0 and "negative" in bad["note"]


def _fake(model_id, coefs, cov):
    rows = [{"role": "coef", "term": t, "estimate": b, "std_error": float(np.sqrt(abs(cov[i][i])))}
            for i, (t, b) in enumerate(coefs.items())]
    return ModelResult(model_id=model_id, kind="panel_ols", outcome="y", estimates=estimate_rows(rows), n_obs=10,
                       se_type="unadjusted", converged=True, extra={"cov": {"terms": list(coefs), "matrix": cov}})


def test_hausman_non_positive_definite_difference_uses_pinv():
    fe = _fake("fe", {"a": 1.0, "b": 2.0}, [[0.02, 0.0], [0.0, 0.01]])
    re = _fake("re", {"const": 0.3, "a": 0.9, "b": 2.0}, [[1, 0, 0], [0, 0.01, 0.0], [0, 0.0, 0.02]])
    out = hausman(fe, re)
    assert out["method"] == "pinv" and not out["positive_definite"] and out["min_eigenvalue"] < 0
    assert out["df"] == 2 and "not positive definite" in out["note"]
    pd_case = hausman(fe, _fake("re2", {"a": 0.9, "b": 2.0}, [[0.01, 0.0], [0.0, 0.005]]))
    assert pd_case["method"] == "inverse" and pd_case["statistic"] == pytest.approx(0.1 ** 2 / 0.01)
    with pytest.raises(ModelError, match="not estimated by both"):
        hausman(fe, re, terms=["a", "zzz"])


# ---------------------------------------------------------------------------- fast engine

@pytest.mark.parametrize("drop", [0.0, 0.25])
@pytest.mark.parametrize("se_type", ["unadjusted", "robust", "cluster_entity", "cluster_time", "cluster_twoway"])
def test_fast_engine_equals_linearmodels(drop, se_type):
    frame = _simulated(seed=3, entities=300, periods=12, drop=drop)
    common = {"entity": "firm", "time": "year", "outcome": "y", "regressors": ["x1", "x2"], "entity_effects": True,
              "time_effects": True, "se_type": se_type, "model_id": "fast", "min_clusters": 2}
    lm = fit_panel(frame, engine="linearmodels", **common)
    fast = fit_panel(frame, engine="fast", **common)
    a, b = _est(lm), _est(fast).loc[_est(lm).index]
    assert np.abs(a["estimate"] - b["estimate"]).max() < 1e-8
    assert np.nanmax(np.abs(a["std_error"] - b["std_error"])) < 1e-8
    assert fast.extra["engine"] == "fast" and lm.extra["engine"] == "linearmodels"
    assert fast.extra["fast"]["demeaning"] == ("balanced" if drop == 0 else "exact")
    for field in ("r2", "r2_within", "loglik"):
        assert getattr(fast, field) == pytest.approx(getattr(lm, field), rel=1e-9)
    assert fast.n_obs == lm.n_obs and fast.extra["df_resid"] == lm.extra["df_resid"]


@pytest.mark.parametrize("effects", [(True, False), (False, True)])
def test_fast_engine_one_way_effects_and_nested_clusters(effects):
    frame = _simulated(seed=5, entities=200, periods=5, drop=0.1)
    common = {"entity": "firm", "time": "year", "outcome": "y", "regressors": ["x1", "x2"], "entity_effects": effects[0],
              "time_effects": effects[1], "se_type": "cluster_entity", "model_id": "oneway"}
    lm, fast = fit_panel(frame, engine="linearmodels", **common), fit_panel(frame, engine="fast", **common)
    assert np.allclose(_est(fast)["std_error"], _est(lm)["std_error"], rtol=1e-10)


def test_alternating_projections_converge_to_the_exact_projection():
    frame = _simulated(seed=9, entities=150, periods=7, drop=0.3)
    ent, _n_ent = fast_fe.group_codes(frame["firm"])
    tim, _n_time = fast_fe.group_codes(frame["year"])
    args = (frame["y"].to_numpy(), [frame["x1"].to_numpy(), frame["x2"].to_numpy()], ["x1", "x2"], ent, tim)
    exact = fast_fe.fit_within(*args, method="auto")
    iterated = fast_fe.fit_within(*args, method="iterate")
    assert exact.method == "exact" and iterated.method == "iterate" and iterated.converged
    assert iterated.iterations > 1
    assert np.abs(exact.params - iterated.params).max() < 1e-10
    assert np.abs(exact.std_errors - iterated.std_errors).max() < 1e-10


def test_sorted_balanced_panel_uses_the_reshape_sweep():
    frame = _simulated(seed=2, entities=50, periods=4).sort_values(["firm", "year"]).reset_index(drop=True)
    common = {"entity": "firm", "time": "year", "outcome": "y", "regressors": ["x1", "x2"], "entity_effects": True,
              "time_effects": True, "se_type": "cluster_entity", "model_id": "sorted"}
    fast, lm = fit_panel(frame, engine="fast", **common), fit_panel(frame, **common)
    assert fast.extra["fast"]["demeaning"] == "balanced_sorted"
    assert np.abs(_est(fast)["estimate"] - _est(lm)["estimate"]).max() < 1e-10


def test_fast_engine_refuses_what_it_does_not_cover(wages):
    with pytest.raises(ModelError, match="fast engine covers"):
        _wage_fit(wages, "driscoll_kraay", engine="fast")
    auto = _wage_fit(wages, "driscoll_kraay", engine="auto")
    assert auto.extra["engine"] == "linearmodels"


# ---------------------------------------------------------------------------- the book's panels

def _processed(name):
    path = PROCESSED / name
    if not path.exists():
        ensure_built()
    return pd.read_parquet(path)


def test_upgrading_panel_counts_and_interaction_model():
    dataset = _processed("clusters/model_dataset.parquet")
    with_data = dataset[dataset["has_upgrading_data"]]
    scores = with_data[["product_upgrading_0to3", "process_upgrading_0to3", "functional_upgrading_0to3"]]
    expected_rows = int(scores.notna().to_numpy().sum())
    governed = with_data["quasi_hierarchy_chain_0to3"].notna()
    expected_fe_rows = int(scores[governed].notna().to_numpy().sum())

    build = pdm.upgrading_panel(dataset, chains=("quasi_hierarchy",), threshold=0)   # any chain
    assert len(build.frame) == expected_rows <= 3 * len(with_data)
    assert build.counts["clusters"] == len(with_data)
    assert build.counts["clusters_excluded_no_upgrading_data"] == int((~dataset["has_upgrading_data"]).sum())
    assert set(build.frame["type_code"]) == {1, 2, 3} and build.time_labels == {1: "product", 2: "process",
                                                                                3: "functional"}
    qh = build.frame["quasi_hierarchy_present"]
    assert ((build.frame["quasi_hierarchy_x_product"] == qh * (build.frame["upgrading_type"] == "product"))
            | qh.isna()).all()

    models = fit_upgrading_governance(build)
    fe, re = models["fe"], models["re"]
    assert fe.n_obs == re.n_obs == expected_fe_rows
    assert fe.n_clusters == int(governed.sum()) and fe.se_type.startswith("clustered by cluster_id")
    assert fe.n_excluded == expected_rows - expected_fe_rows
    est = _est(fe)
    for term in ("quasi_hierarchy_x_product", "quasi_hierarchy_x_process"):
        assert np.isfinite(est.loc[term, "estimate"]) and est.loc[term, "std_error"] > 0
    assert {"ce_low", "ce_high", "sector_complex_products", "type_product"} <= set(_est(re).index)
    test = fe.extra["hausman"]
    assert test["terms"] == ["quasi_hierarchy_x_product", "quasi_hierarchy_x_process"]
    # the interactions' cluster means are quasi_hierarchy_present / 3 (the one cluster with two rows
    # has no chain): collinear with a regressor of the RE model, so the test has nothing to test
    frame = build.frame.dropna(subset=build.regressors["re"] + [build.outcome])
    means = frame.groupby(build.entity)[test["terms"]].transform("mean")
    np.testing.assert_allclose(means.to_numpy(), np.tile(frame[["quasi_hierarchy_present"]].to_numpy() / 3, 2),
                               atol=1e-15)
    assert test["informative"] is False and test["p_value"] is None and test["df"] == 0
    printed = [n for n in fe.notes if "Hausman" in n or "Mundlak" in n]
    assert len(printed) == 1 and "not informative" in printed[0]
    assert fe.extra["small_sample_correction"].startswith("G/(G-1) (N-1)/(N-K) on CR0, t(33)")


def test_upgrading_panel_options():
    dataset = _processed("clusters/model_dataset.parquet")
    build = pdm.upgrading_panel(dataset, include_intersectoral=True, chains=("quasi_hierarchy", "market"),
                                threshold=1)
    assert build.time_labels[4] == "intersectoral"
    assert "market_x_intersectoral" in build.regressors["fe"] and len(build.regressors["fe"]) == 6
    code = dataset.set_index("cluster_id")["quasi_hierarchy_chain_0to3"].astype("Float64")
    present = build.frame.groupby("cluster_id")["quasi_hierarchy_present"].first()
    assert ((present == (code.loc[present.index] > 1).astype(float)) | present.isna()).all()
    with pytest.raises(ModelError, match="base upgrading type"):
        pdm.upgrading_panel(dataset, chains=("quasi_hierarchy",), threshold=1, base_type="marketing")


def test_trade_panels_counts():
    table = _processed("trade/export_performance.parquet")
    both = (table["market_share_1990_pct"] > 0) & (table["market_share_2000_pct"] > 0)
    change = pdm.trade_share_change(table)
    assert len(change.frame) == int(both.sum())
    assert change.counts["pairs_missing_share"] == int(table[["market_share_1990_pct", "market_share_2000_pct"]]
                                                       .isna().any(axis=1).sum())
    levels = pdm.trade_share_panel(table)
    shares = table[["market_share_1990_pct", "market_share_2000_pct"]].to_numpy()
    assert len(levels.frame) == int((shares > 0).sum())
    from gvc_clusters.models.book_panels import fit_trade_share_change

    result = fit_trade_share_change(change)
    assert result.n_obs == int(both.sum()) and "dlog_unit_value" in set(result.estimates["term"])
    assert any("first differences" in note for note in result.notes)


def test_us_imports_panel():
    table = _processed("furniture/us_furniture_imports.parquet")
    origins = table[table["row_type"].astype(str) == "country"]
    build = pdm.us_imports_panel(table)
    assert len(build.frame) == len(origins) == 2 * origins["country"].nunique()
    from gvc_clusters.models.book_panels import fit_us_furniture_imports

    result = fit_us_furniture_imports(build)
    assert result.n_obs == len(origins) and result.n_clusters == origins["country"].nunique()
    assert result.extra["log_growth_by_origin"]["China"] > 3


def test_descriptive_panels_say_so_from_their_registry_entry():
    """The caveat of a descriptive built-in panel is its registry entry's: the fits carry its note, and
    the report's table (found by that note) prints its table note with the fit's own N and parameters."""
    from gvc_clusters.models.book_panels import (
        BUILTIN_PANELS,
        descriptive_panel,
        fit_trade_share_change,
        fit_us_furniture_imports,
    )
    from gvc_clusters.output.exhibits import spec_exhibits
    from gvc_clusters.output.report import panel_table

    assert [n for n, e in BUILTIN_PANELS.items() if e.descriptive] == ["trade_share_change", "us_imports"]
    imports = fit_us_furniture_imports(pdm.us_imports_panel(_processed("furniture/us_furniture_imports.parquet")),
                                       model_id="mine")
    change = fit_trade_share_change(pdm.trade_share_change(_processed("trade/export_performance.parquet")))
    assert BUILTIN_PANELS["us_imports"].descriptive.note in imports.notes
    assert descriptive_panel([imports]) is BUILTIN_PANELS["us_imports"]
    assert descriptive_panel([change]) is BUILTIN_PANELS["trade_share_change"]
    (exhibit,) = spec_exhibits("panel", "mine", {"panel": "us_imports"})
    assert exhibit.caption == "Panel models: Mine (descriptive)"   # vocabulary: spec names capitalised
    table = panel_table([imports], "aer")
    assert "Descriptive: N = 20 with 12 parameters on a top-10 sample selected on the outcome." in table.notes
    assert (imports.n_obs, imports.extra["df_model"]) == (20, 12)   # 10 origins x 2 years; 2 + 9 + 1 parameters
    assert ("Descriptive association, not a causal effect: share and unit value come from the same trade flows, "
            "so part of the relation is mechanical.") in panel_table([change], "aer").notes
    plain = fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1"], model_id="p")
    assert descriptive_panel([plain]) is None
    assert not any(n.startswith("Descriptive") for n in panel_table([plain], "aer").notes)
    assert spec_exhibits("panel", "p", {"table": "p.csv"})[0].caption == "Panel models: P"


# ---------------------------------------------------------------------------- errors

def _small():
    return _simulated(seed=1, entities=40, periods=4)


def test_missing_regressor_is_named():
    with pytest.raises(ModelError, match=r"spec_a: column\(s\) \['x9'\] not in the data"):
        fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1", "x9"], model_id="spec_a")


@pytest.mark.parametrize("engine", ["linearmodels", "fast"])
def test_absorbed_regressor_is_named(engine):
    frame = _small()
    frame["size"] = frame["firm"] % 3  # time-invariant: the entity effects absorb it
    with pytest.raises(ModelError, match=r"spec_b: .*(absorb).*size"):
        fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "size"],
                  entity_effects=True, model_id="spec_b", engine=engine)


def test_collinear_regressors_are_named():
    frame = _small()
    frame["x3"] = 2 * frame["x1"] - frame["x2"]
    with pytest.raises(ModelError, match=r"spec_c: regressors are collinear.*x3"):
        fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2", "x3"],
                  estimator="pooled_ols", model_id="spec_c")


def test_too_few_clusters():
    with pytest.raises(ModelError, match=r"spec_d: cluster_time needs at least 10 clusters, year has 4"):
        fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1"], se_type="cluster_time",
                  model_id="spec_d")


def test_duplicate_keys():
    frame = _small()
    frame = pd.concat([frame, frame.iloc[[0]]])
    with pytest.raises(ModelError, match=r"spec_e: 2 rows share an entity-time key"):
        fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1"], model_id="spec_e")


def test_bad_options_and_driscoll_kraay_bandwidth():
    with pytest.raises(ModelError, match="unknown se_type"):
        fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1"], se_type="hc3", model_id="f")
    with pytest.raises(ModelError, match="fixed effects need estimator='panel_ols'"):
        fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1"], estimator="random_effects",
                  entity_effects=True, model_id="f")
    with pytest.raises(ModelError, match="bandwidth"):
        fit_panel(_small(), entity="firm", time="year", outcome="y", regressors=["x1"], se_type="driscoll_kraay",
                  bandwidth=10, model_id="f")


def test_text_time_is_coded_and_missing_rows_counted():
    frame = _small()
    frame["period"] = frame["year"].map(lambda y: f"p{y}")
    frame.loc[frame.index[:3], "x1"] = np.nan
    result = fit_panel(frame, entity="firm", time="period", outcome="y", regressors=["x1", "x2"],
                       entity_effects=True, time_effects=True, model_id="labels")
    assert result.extra["time_labels"] == {1: "p2001", 2: "p2002", 3: "p2003", 4: "p2004"}
    assert result.n_excluded == 3 and result.n_obs == len(frame) - 3
    assert result.summary()["n_excluded"] == 3  # JSON-ready


def test_auto_engine_switches_to_fast_from_the_row_threshold(monkeypatch):
    from gvc_clusters.models.panel import fit as panel

    frame = _simulated(seed=4, entities=60, periods=5)
    common = {"entity": "firm", "time": "year", "outcome": "y", "regressors": ["x1"], "entity_effects": True,
              "time_effects": True, "se_type": "cluster_entity", "model_id": "auto"}
    assert fit_panel(frame, **common).extra["engine"] == "linearmodels"
    monkeypatch.setattr(panel, "FAST_MIN_ROWS", 100)
    assert fit_panel(frame, **common).extra["engine"] == "fast"
    assert fit_panel(frame, **{**common, "se_type": "driscoll_kraay"}).extra["engine"] == "linearmodels"


# ---------------------------------------------------------------------------- small-sample conventions

def _within_panel(seed=3, n_ent=30, n_time=4):
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(n_ent), n_time)
    tim = np.tile(np.arange(1, n_time + 1), n_ent)
    x1, x2 = rng.normal(size=ent.size), rng.normal(size=ent.size)
    y = 0.5 * x1 - 0.3 * x2 + rng.normal(size=n_ent)[ent] + 0.2 * tim + rng.normal(size=ent.size) * (1 + np.abs(x1))
    return pd.DataFrame({"e": ent, "t": tim, "y": y, "x1": x1, "x2": x2})


@pytest.mark.parametrize("convention", ["nested_not_counted", "absorbed_counted"])
def test_cluster_conventions_equal_their_formula(convention):
    """Two-way within transformation (balanced panel), OLS, CR0 by entity, then the convention's
    factor G/(G-1) (N-1)/(N-K[-A]) and t(G-1), all written here."""
    data = _within_panel()
    res = fit_panel(data, entity="e", time="t", outcome="y", regressors=["x1", "x2"], entity_effects=True,
                    time_effects=True, se_type="cluster_entity", model_id="c", cluster_convention=convention)

    def demean(v):
        s = pd.Series(v)
        return (s - s.groupby(data["e"]).transform("mean") - s.groupby(data["t"]).transform("mean") + s.mean()).to_numpy()

    X = np.column_stack([demean(data[c]) for c in ("x1", "x2")])
    yd = demean(data["y"])
    b = np.linalg.solve(X.T @ X, X.T @ yd)
    u = yd - X @ b
    scores = pd.DataFrame(X * u[:, None]).groupby(data["e"].to_numpy()).sum().to_numpy()
    bread = np.linalg.inv(X.T @ X)
    crv0 = bread @ scores.T @ scores @ bread
    n, g, n_time = len(data), 30, 4
    k = 3 + (n_time - 1) + (g - 1 if convention == "absorbed_counted" else 0)   # x1, x2, const; time dummies
    se = np.sqrt(np.diag(crv0) * g / (g - 1) * (n - 1) / (n - k))
    est = res.estimates.set_index("term")
    np.testing.assert_allclose(est.loc[["x1", "x2"], "estimate"], b, rtol=1e-8)
    np.testing.assert_allclose(est.loc[["x1", "x2"], "std_error"], se, rtol=1e-8)
    t = b / se
    np.testing.assert_allclose(est.loc[["x1", "x2"], "p_value"], 2 * stats.t.sf(np.abs(t), g - 1), rtol=1e-8)
    assert res.extra["df_inference"] == g - 1


def test_mundlak_test_equals_its_regression_and_detects_correlated_effects():
    from gvc_clusters.models.panel.fe_vs_re import mundlak_test

    data = _within_panel(seed=9)
    rng = np.random.default_rng(1)
    alpha = rng.normal(size=30)
    data["x1"] = data["x1"] + 2 * alpha[data["e"]]                       # effects correlated with x1
    data["y"] = 0.5 * data["x1"] + 3 * alpha[data["e"]] + rng.normal(size=len(data))
    out = mundlak_test(data, entity="e", outcome="y", regressors=["x1", "x2"], terms=["x1", "x2"])
    X = np.column_stack([np.ones(len(data)), data[["x1", "x2"]], data.groupby("e")[["x1", "x2"]].transform("mean")])
    beta = np.linalg.lstsq(X, data["y"].to_numpy(), rcond=None)[0]
    u = data["y"].to_numpy() - X @ beta
    scores = pd.DataFrame(X * u[:, None]).groupby(data["e"].to_numpy()).sum().to_numpy()
    bread = np.linalg.inv(X.T @ X)
    n, k, g = len(data), 5, 30
    cov = bread @ scores.T @ scores @ bread * g / (g - 1) * (n - 1) / (n - k)
    wald = beta[3:] @ np.linalg.solve(cov[3:, 3:], beta[3:])
    assert out["informative"] and out["statistic"] == pytest.approx(wald, rel=1e-10)
    assert out["p_value"] == pytest.approx(stats.f.sf(wald / 2, 2, g - 1), rel=1e-10) and out["p_value"] < 0.01


def test_every_cluster_convention_is_kept_with_the_fit():
    """extra["cluster_conventions"]: one CR0 matrix, each convention's factor; the spec's own convention
    equals the reported SEs, linearmodels' own equals an unadjusted-convention refit."""
    build = pdm.upgrading_panel(_processed("clusters/model_dataset.parquet"), chains=("quasi_hierarchy",), threshold=1)
    fits = {c: fit_upgrading_governance(build, cluster_convention=c)["fe"]
            for c in ("nested_not_counted", "linearmodels", "absorbed_counted")}
    for convention, fit in fits.items():
        coef = fit.estimates[fit.estimates["role"] == "coef"].set_index("term")["std_error"]
        for term, se in coef.items():
            assert fit.extra["cluster_conventions"][convention][term] == pytest.approx(se, rel=1e-9)
    ses = fits["nested_not_counted"].extra["cluster_conventions"]
    assert ses["nested_not_counted"]["quasi_hierarchy_x_product"] == pytest.approx(0.3147, abs=1e-4)
