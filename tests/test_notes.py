"""Notes that say what was done: each R² by its definition, the clustered-SE convention by the
package it reproduces, weights and the estimator actually used, effect notes in labels.

The within R² is checked against Stata's definition computed here (xtreg, fe with i.time: OLS of
the entity-demeaned outcome on the entity-demeaned slopes and time dummies, 1 - SSR/TSS); the
cluster factors against the formula; the printed words against the numbers they come from.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ensure_built

from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.models.book_panels import builtin_panel
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.panel.covariance import cluster_correction_text
from gvc_clusters.models.panel.fit import fit_panel
from gvc_clusters.models.specs import run_panel_spec
from gvc_clusters.output.render.tables import estimation_notes, estimator_label, r2_definitions, regression_table
from gvc_clusters.output.report import effect_notes, ordinal_coefficient_table, ordinal_effects_table, panel_table
from gvc_clusters.vocabulary import DEFAULT

PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"


def processed(name):
    if not (PROCESSED / name).exists():
        ensure_built()
    return pd.read_parquet(PROCESSED / name)


def simulated_panel(seed=3, n_entities=40, n_periods=5):
    """An unbalanced panel with entity and time effects that explain most of y."""
    rng = np.random.default_rng(seed)
    rows = [(i, t) for i in range(n_entities) for t in range(n_periods) if rng.random() > 0.15]
    frame = pd.DataFrame(rows, columns=["firm", "year"])
    alpha, gamma = rng.normal(scale=2, size=n_entities), rng.normal(scale=3, size=n_periods)
    frame["x1"], frame["x2"] = rng.normal(size=len(frame)), rng.normal(size=len(frame))
    frame["y"] = (0.5 * frame["x1"] - 0.2 * frame["x2"] + alpha[frame["firm"]] + gamma[frame["year"]]
                  + rng.normal(size=len(frame)))
    frame["w"] = rng.uniform(0.5, 2.0, size=len(frame))
    return frame


def stata_within_r2(frame, regressors, time_dummies: bool) -> float:
    """xtreg, fe's within R²: OLS of the entity-demeaned y on the entity-demeaned regressors (and
    time dummies, one dropped), no constant (the demeaned constant is zero): 1 - SSR/TSS."""
    X = frame[regressors].astype(float)
    if time_dummies:
        X = pd.concat([X, pd.get_dummies(frame["year"], prefix="t", drop_first=True).astype(float)], axis=1)
    demean = lambda v: v - v.groupby(frame["firm"]).transform("mean")
    y, Xd = demean(frame["y"]), X.apply(demean)
    beta, *_ = np.linalg.lstsq(Xd.to_numpy(), y.to_numpy(), rcond=None)
    resid = y.to_numpy() - Xd.to_numpy() @ beta
    return 1 - resid @ resid / (y.to_numpy() @ y.to_numpy())


@pytest.mark.parametrize("engine", ["linearmodels", "fast"])
def test_within_r2_is_statas_with_the_time_effects_counted(engine):
    frame = simulated_panel()
    fit = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"], entity_effects=True,
                    time_effects=True, model_id="m", engine=engine)
    expected = stata_within_r2(frame, ["x1", "x2"], time_dummies=True)
    assert fit.extra["r2_within_stata"] == pytest.approx(expected, rel=1e-9)
    assert expected > 0.5 and fit.r2_within < 0.3       # linearmodels' own leaves the time effects out
    one_way = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"],
                        entity_effects=True, model_id="m", engine=engine)
    assert one_way.extra["r2_within_stata"] == pytest.approx(stata_within_r2(frame, ["x1", "x2"], False), rel=1e-9)
    assert one_way.extra["r2_within_stata"] == pytest.approx(one_way.r2_within, rel=1e-9)


def test_random_effects_within_r2_is_the_squared_correlation_of_the_demeaned_data():
    frame = simulated_panel()
    fit = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"],
                    estimator="random_effects", model_id="m")
    b = fit.estimates.set_index("term")["estimate"]
    demean = lambda v: v - v.groupby(frame["firm"]).transform("mean")
    prediction = demean(b["x1"] * frame["x1"] + b["x2"] * frame["x2"])
    assert fit.extra["r2_within_stata"] == pytest.approx(np.corrcoef(demean(frame["y"]), prediction)[0, 1] ** 2,
                                                         rel=1e-9)
    weighted = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"],
                         entity_effects=True, model_id="m", weights="w")
    assert weighted.extra["r2_within_stata"] is None


@pytest.fixture(scope="module")
def book_panels():
    """The built-in panel specs of config/config.yaml on the processed data."""
    config = with_defaults(yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8")))
    fits = {}
    for name in ("upgrading_governance", "us_furniture_imports"):
        spec = config["panel"]["specs"][name]
        tables = {key: processed(path) for key, path in builtin_panel(spec).tables.items()}
        fits[name] = run_panel_spec(name, spec, tables)
    fe, re_ = fits["upgrading_governance"]
    return fe, re_, fits["us_furniture_imports"][0]


def test_book_within_r2_row_is_comparable_across_fe_and_re(book_panels):
    """The issue's numbers: FE 0.740 as Stata computes it (linearmodels' 0.017 leaves the type
    effects out), RE 0.740 counting its type dummies, US imports 0.687 (not -0.013)."""
    fe, re_, imports = book_panels
    assert round(fe.extra["r2_within_stata"], 3) == 0.740 and round(fe.r2_within, 3) == 0.017
    assert round(re_.extra["r2_within_stata"], 3) == 0.740
    assert round(imports.extra["r2_within_stata"], 3) == 0.687 and round(imports.r2_within, 3) == -0.013
    table = regression_table([fe, re_], preset="aer")
    stats = table.cells.query("line == 'stat'").set_index(["term", "column"])["text"]
    assert stats[("extra.r2_within_stata", "(1)")] == stats[("extra.r2_within_stata", "(2)")] == "0.740"
    assert stats[("r2_net_of_effects", "(1)")] == "0.001" and stats[("r2_net_of_effects", "(2)")] == ""
    assert stats[("r2_quasi_demeaned", "(2)")] == "0.675" and stats[("r2_quasi_demeaned", "(1)")] == ""
    assert "r2_within" not in set(table.cells["term"])          # linearmodels' slopes-only within R²
    note = " ".join(table.notes)
    assert "Within R² as Stata's xtreg reports it" in note and "xtreg, fe with i.time" in note
    assert "RandomEffects' rsquared" in note and "as Stata's within R² but" not in note


def test_r2_definitions_follow_the_rows_printed():
    frame = simulated_panel()
    fit = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1"], entity_effects=True,
                    model_id="m", weights="w")
    text = " ".join(r2_definitions([fit], ["(1)"], {"extra.r2_within_stata", "r2_net_of_effects"}))
    assert "empty in (1) (weighted: xtreg takes only weights constant within an entity)" in text
    assert "random effects" not in text          # no RE column: its definition is not printed
    assert r2_definitions([fit], ["(1)"], set()) == []


def test_cluster_convention_notes_say_which_package_each_matches(book_panels):
    fe, re_, _ = book_panels
    assert fe.extra["small_sample_correction"].startswith(
        "G/(G-1) (N-1)/(N-K) on CR0, t(33); K = 5: 3 coefficients incl. the constant + 2 time dummies; the 33 "
        "entity effects, nested in the clusters, not counted: Stata's xtreg, fe vce(cluster). R plm's "
        "vcovHC(type = \"sss\", cluster = \"group\") has K = 2, the slopes only")
    assert "absorbed" not in re_.extra["small_sample_correction"]
    assert "entity effects" not in re_.extra["small_sample_correction"]
    assert re_.extra["small_sample_correction"].startswith("G/(G-1) (N-1)/(N-K) on CR0, t(33); K = 10: 10 coeff")
    # plm's K = 2 in the same formula: SEs sqrt((N - 5)/(N - 2)) times Stata's, 0.3099 against 0.3147
    se = fe.estimates.set_index("term").loc["quasi_hierarchy_x_product", "std_error"]
    assert (round(se, 4), round(se * np.sqrt((fe.n_obs - 5) / (fe.n_obs - 2)), 4)) == (0.3147, 0.3099)
    areg = cluster_correction_text("absorbed_counted", df=33, factor=1.5, n_coef=3, n_time_dummies=2, n_absorbed=33,
                                   n_slopes=2)
    assert "K = 38" in areg and "Stata's areg" in areg and "plm" not in areg


def test_a_weighted_absorbing_panel_says_so_and_names_its_estimator():
    frame = simulated_panel()
    frame["region"] = frame["firm"] % 4
    fit = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1", "x2"], entity_effects=True,
                    time_effects=True, absorb=["region"], weights="w", model_id="user", se_type="robust")
    assert fit.extra["estimator"] == "AbsorbingLS"
    assert estimator_label(fit, "Fixed effects (PanelOLS)") == "Fixed effects (AbsorbingLS), weighted"
    assert estimation_notes([fit], ["(1)"]) == [
        ("Estimation: (1) AbsorbingLS with absorbed effects firm (40 levels), year (5 levels), region (4 levels); "
         "weighted least squares, weights w.")]
    table = panel_table([fit], "aer")
    assert table.header_rows[-1][1] == "Fixed effects (AbsorbingLS), weighted"
    assert any(n.startswith("Estimation: (1) AbsorbingLS") for n in table.notes)
    plain = fit_panel(frame, entity="firm", time="year", outcome="y", regressors=["x1"], entity_effects=True,
                      model_id="plain")
    assert estimator_label(plain, "Fixed effects (PanelOLS)") == "Fixed effects (PanelOLS)"
    assert estimation_notes([plain], ["(1)"]) == []


def test_effect_notes_use_labels_and_brackets_are_explained_only_where_printed():
    rng = np.random.default_rng(2)
    n = 150
    X = pd.DataFrame({"ce_level": rng.integers(1, 4, n).astype(float),
                      "sector_natural_resource": np.zeros(n), "sector_complex_products": np.zeros(n)})
    sector = rng.integers(0, 3, n)
    X.loc[sector == 1, "sector_natural_resource"] = 1.0
    X.loc[sector == 2, "sector_complex_products"] = 1.0
    y = pd.Series(np.digitize(0.6 * X["ce_level"] + 0.5 * X["sector_complex_products"] + rng.normal(size=n),
                              [1.0, 2.0]), name="product")
    res = fit_ordered(y, X, model_id="s__product__probit", outcome="product",
                      interactions=[["ce_level", "sector_complex_products"]],
                      categoricals={"sector": {"levels": ["sector_natural_resource", "sector_complex_products"],
                                               "reference": "traditional manufacturing"}},
                      permutation_terms=["ce_level"], n_permutations=19, seed=1)
    terms = DEFAULT.term_labels(res.estimates["term"])
    note = effect_notes([res], terms)[0]
    assert "[" not in note and "'" not in note
    assert ("Complex-products sector: contrast between levels of Sector group: P(y = c) with Complex-products "
            "sector on minus P(y = c) at the reference level (traditional manufacturing), the other levels "
            "(Natural-resource sector) off in both, with CE × complex products moving with it") in note
    coef, ame = ordinal_coefficient_table([res], "aer"), ordinal_effects_table([res], "aer")
    coef_notes, ame_notes = " ".join(coef.notes), " ".join(ame.notes)
    assert "in brackets" in coef_notes and (coef.cells["line"] == "permutation").any()
    assert "bracket" not in ame_notes and not (ame.cells["line"] == "permutation").any()
