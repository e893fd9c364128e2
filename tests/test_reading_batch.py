"""Estimates over the readings: the fast ordered-model Newton reproduces the main fit, the design
enumerates a small set (exact weights) or samples a large one (reproducible, balanced), and the
summary's shares and Monte Carlo errors count what they say."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import RAW

from gvc_clusters.data.families import build_family
from gvc_clusters.data.readings_solver import Assumption
from gvc_clusters.models.ordinal.effects import build_design
from gvc_clusters.models.reading_batch import (
    ESTIMATE_COLUMNS,
    fit_readings,
    share,
    summarize_readings,
    top_category_effects,
)
from gvc_clusters.models.reading_design import ENUMERATED, SAMPLED, DesignFactor, reading_design


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


def _factor(name, kind, n, *, distinct=None, size=None, pool=None):
    """A toy factor of ``n`` options; option i changes one cell to ``distinct(i)``."""
    distinct = distinct or (lambda i: i)
    changes = [{} if i == 0 else {("c", f"{name}_var"): float(distinct(i))} for i in range(n)]
    return DesignFactor(name, kind, [f"{name}.{i}" for i in range(n)], changes,
                        list(range(n)) if pool is None else pool, size or n, size is None)


def test_small_sets_are_enumerated_with_exact_weights():
    # two alternatives factors (2 and 3 options, two of the three alike for the models), one that
    # moves nothing (Table 1-2's kind), inside a set of 2 * 3 * 2 * 5 readings (5: factors the models
    # never see, like Table 5-3's one reading times others)
    factors = [_factor("x", "alternatives", 2), _factor("y", "alternatives", 3, distinct=lambda i: min(i, 1)),
               _factor("z", "alternatives", 2, distinct=lambda i: 0)]
    factors[2].changes = [{}, {}]
    design = reading_design(Assumption("A", "glyph_consistent"), factors, 2 * 3 * 2 * 5, size=50, seed=1,
                            stratify="factors", enumerate_up_to=10)
    assert design.method == ENUMERATED and design.folded == {"z": 2}
    assert len(design.readings) == 2 * 2                         # distinct for the models
    assert sum(r.weight for r in design.readings) == 60 == design.set_size
    assert sorted(r.weight for r in design.readings) == [10, 10, 20, 20]   # y's two alike options weigh 2
    assert [r.is_default for r in design.readings].count(True) == 1
    # one more factor and the set is too large to enumerate: a sample
    sampled = reading_design(Assumption("A", "glyph_consistent"), factors, 60, size=50, seed=1,
                             stratify="factors", enumerate_up_to=3)
    assert sampled.method == SAMPLED and sampled.n_in_sample == 50
    assert sampled.readings[0].is_default and not sampled.readings[0].in_sample


def test_the_sample_is_reproducible_from_its_seed_and_balanced():
    factors = [_factor("x", "alternatives", 2), _factor("y", "alternatives", 3),
               _factor("t", "checks", 1000, size=10 ** 6, pool=list(range(1, 1000)))]
    rule = Assumption("B", "checksums_only")

    def draw(seed, stratify="factors"):
        d = reading_design(rule, factors, 6 * 10 ** 6, size=100, seed=seed, stratify=stratify, enumerate_up_to=1000)
        return [tuple(r.choices.values()) for r in d.readings if r.in_sample]

    first = draw(7)
    assert first == draw(7) and first != draw(8)
    # balanced: each option of x 50 times, of y 33 or 34 times; the table's solutions drawn without
    # replacement from its listed uniform sample (never its default, added only as a reference)
    x = [c[0] for c in first]
    y = [c[1] for c in first]
    assert {x.count(o) for o in set(x)} == {50}
    assert sorted(y.count(o) for o in set(y)) == [33, 33, 34]
    assert len({c[2] for c in first}) == 100 and "t.0" not in {c[2] for c in first}
    independent = draw(7, "none")
    assert independent != first and len(independent) == 100
    with pytest.raises(ValueError, match="max_solutions"):
        reading_design(rule, factors, 6 * 10 ** 6, size=1000, seed=1, stratify="factors", enumerate_up_to=10)


def _toy_estimates(design, values):
    rows = []
    for r, (est, p) in zip(design.readings, values):
        rows.append(["T", r.reading, r.weight, r.in_sample, r.is_default, "s", "product", "m", "coef", "x", est, 0.1, p,
                     30, True])
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def test_shares_and_monte_carlo_errors_on_a_toy_reading_set():
    factors = [_factor("x", "alternatives", 5)]
    sampled = reading_design(Assumption("T", "checksums_only"), factors, 5, size=4, seed=1, stratify="none",
                             enumerate_up_to=1)
    # default 0.5 (p 0.01), then four draws: signs + + - +, p < 0.05 in two
    values = [(0.5, 0.01), (0.5, 0.01), (0.2, 0.07), (-0.1, 0.5), (0.4, 0.04)]
    row = summarize_readings(_toy_estimates(sampled, values), [sampled]).iloc[0]
    assert (row["method"], row["set_size"], row["n_readings"], row["n_fitted"]) == (SAMPLED, 5, 4, 5)
    assert (row["default_estimate"], row["estimate_min"], row["estimate_max"]) == (0.5, -0.1, 0.5)
    assert row["estimate_median"] == pytest.approx(0.3)
    assert row["share_same_sign"] == 0.75 and row["share_same_sign_mc_se"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert row["share_p05"] == 0.5 and row["share_p05_mc_se"] == pytest.approx(0.25)
    assert row["share_same_sign_p05"] == 0.5
    # enumerated: the shares are weighted and exact (no Monte Carlo error)
    enumerated = reading_design(Assumption("T", "checksums_only"), [_factor("x", "alternatives", 3,
                                                                          distinct=lambda i: min(i, 1))],
                                30, size=4, seed=1, stratify="none", enumerate_up_to=10)
    assert [r.weight for r in enumerated.readings] == [10, 20]
    row = summarize_readings(_toy_estimates(enumerated, [(0.5, 0.01), (-0.2, 0.2)]), [enumerated]).iloc[0]
    assert row["share_same_sign"] == pytest.approx(1 / 3) and row["share_same_sign_mc_se"] == 0
    assert row["share_p05"] == pytest.approx(1 / 3) and row["n_readings"] == 30 and row["method"] == ENUMERATED
    assert share(np.array([True, False]), np.array([1, 3]), exact=True) == (0.25, 0.0)


def test_reading_analysis_on_the_book(clusters, tmp_path):
    """The one readings output on the book's data, small: (A) enumerated, (B) a sample of 12 drawn
    from the solver's listing; the default reading reproduces the main fit's CE coefficient."""
    import yaml

    from gvc_clusters.config_defaults import with_defaults
    from gvc_clusters.data.readings import write_readings
    from gvc_clusters.models.reading_batch import write_reading_analysis

    config = with_defaults(yaml.safe_load((RAW.parents[1] / "config/config.yaml").read_text(encoding="utf-8")))
    manifest = yaml.safe_load((RAW / "sources.yaml").read_text(encoding="utf-8"))
    solver = {k: tmp_path / f"{k}.csv" for k in ("readings", "counts", "cells", "checks", "evidence")}
    write_readings({e["file"]: RAW / e["file"] for e in manifest if e.get("checks")}, RAW / "sources.yaml",
                   RAW / "decision_log.csv", solver, max_solutions=20, seed=1)
    clusters["model_dataset"].to_parquet(tmp_path / "dataset.parquet")
    clusters["upgrading"].to_parquet(tmp_path / "upgrading.parquet")
    clusters["model_dataset_readings"].to_parquet(tmp_path / "alternatives.parquet")
    inputs = {"dataset": tmp_path / "dataset.parquet", "upgrading": tmp_path / "upgrading.parquet",
              "alternatives": tmp_path / "alternatives.parquet", "readings": solver["readings"],
              "counts": solver["counts"], "manifest": RAW / "sources.yaml", "decisions": RAW / "decision_log.csv"}
    out = {k: tmp_path / f"r_{k}.csv" for k in ("estimates", "summary", "counts", "factors", "draws")}
    out["figure"] = tmp_path / "r.svg"
    readings = {**config["readings"], "sample": {"size": 12, "stratify": "factors"}}
    specs = {"ce_governance": config["ordinal"]["specs"]["ce_governance"]}
    write_reading_analysis(inputs, out, ordinal_specs=specs, panel_specs={}, halves="keep", readings_config=readings,
                           seed=1)
    summary = pd.read_csv(out["summary"], dtype={"set_size": str, "n_readings": str})
    ce = summary[(summary["model_id"] == "ce_governance__product__probit") & (summary["role"] == "coef")
                 & (summary["term"] == "ce_level")].set_index("assumption")
    assert ce.at["A", "method"] == ENUMERATED and ce.at["A", "set_size"] == "6912" and ce.at["A", "n_readings"] == "6912"
    assert ce.at["A", "share_same_sign_mc_se"] == 0
    assert ce.at["B", "method"] == SAMPLED and ce.at["B", "set_size"] == "22629472588800"
    assert ce.at["B", "n_readings"] == "12"
    assert ce.at["A", "default_estimate"] == pytest.approx(1.4554534, abs=1e-6)
    draws = pd.read_csv(out["draws"])
    assert draws[draws["assumption"] == "A"]["weight"].sum() == 6912
    assert (draws[(draws["assumption"] == "B") & draws["in_sample"]]["weight"] == 1).all()
    counts = pd.read_csv(out["counts"], dtype={"readings": str})
    assert counts[(counts["table"] == "all") & (counts["assumption"] == "B")]["readings"].iloc[0] == "22629472588800"
