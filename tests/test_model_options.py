"""The estimators' option names (models/options.py) against the config schema's enums, the one
check that rejects an unknown choice, and the shared inference helpers (models/inference.py)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gvc_clusters.errors import ModelError
from gvc_clusters.models import options
from gvc_clusters.models.inference import FEW_CLUSTERS, confidence_interval, critical_value, few_clusters
from gvc_clusters.models.ordinal.fit import fit_ordered
from gvc_clusters.models.panel.fit import fit_panel

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


def _spec_properties(schema: dict, section: str) -> dict:
    return schema["properties"][section]["properties"]["specs"]["additionalProperties"]["properties"]


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text())


def test_option_literals_equal_the_config_schema_enums(schema):
    ordinal, panel = _spec_properties(schema, "ordinal"), _spec_properties(schema, "panel")
    assert list(options.choices(options.LinkName)) == ordinal["links"]["items"]["enum"] == ["probit", "logit"]
    assert list(options.choices(options.OrdinalSEType)) == ordinal["se_type"]["enum"]
    assert list(options.choices(options.PanelSEType)) == panel["se_type"]["enum"]
    assert list(options.choices(options.ClusterConvention)) == panel["cluster_convention"]["enum"]
    single, several = panel["estimator"]["oneOf"]
    assert list(options.choices(options.PanelEstimator)) == single["enum"] == several["items"]["enum"]


def test_fast_engine_and_batch_options_are_subsets_of_the_configurable_ones():
    assert set(options.choices(options.FastCovType)) == set(options.choices(options.PanelSEType)) - {"driscoll_kraay"}
    assert set(options.choices(options.BatchSEType)) < set(options.choices(options.OrdinalSEType))


def test_the_spec_se_names_map_onto_the_estimators_names_once():
    """A spec's ordinal se_type -> fit_ordered's cov_type (one map), and the readings' batch fits take
    the spec's name where the batch has it, else HC0 (robust is HC0; cluster falls back to it)."""
    from gvc_clusters.models.reading_batch import _cov_type

    assert list(options.ORDINAL_COV_TYPES) == list(options.choices(options.OrdinalSEType))
    assert set(options.ORDINAL_COV_TYPES.values()) == set(options.choices(options.OrdinalCovType))
    assert options.ORDINAL_COV_TYPES["robust"] == options.ORDINAL_COV_TYPES["hc0"] == "HC0"
    assert {s: _cov_type(s) for s in options.choices(options.OrdinalSEType)} == {
        "model_based": "model_based", "nonrobust": "nonrobust", "robust": "hc0", "hc0": "hc0", "hc1": "hc1",
        "cluster": "hc0"}


def test_hausman_rejects_an_unknown_sigma_with_the_shared_message():
    from gvc_clusters.models.panel.fe_vs_re import hausman

    with pytest.raises(ModelError, match=r"^hausman: unknown sigma 'both'; expected one of separate, re$"):
        hausman(None, None, sigma="both")


def test_check_choice_names_the_model_the_option_and_the_choices():
    options.check_choice("m1", "distr", "logit", options.LinkName)   # a known choice passes
    with pytest.raises(ModelError) as err:
        options.check_choice("m1", "distr", "cloglog", options.LinkName)
    assert str(err.value) == "m1: unknown distr 'cloglog'; expected one of probit, logit"


def test_the_estimators_reject_unknown_choices_with_the_same_message():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40)})
    y = pd.Series(rng.integers(0, 3, 40).astype(float))
    with pytest.raises(ModelError, match=r"^o1: unknown cov_type 'HC3'; expected one of nonrobust, HC0, HC1, cluster$"):
        fit_ordered(y, X, model_id="o1", cov_type="HC3")
    with pytest.raises(ModelError, match=r"^o1: unknown method 'nm'; expected one of newton, bfgs$"):
        fit_ordered(y, X, model_id="o1", method="nm")
    frame = pd.DataFrame({"e": np.repeat(np.arange(8), 5), "t": np.tile(np.arange(5), 8),
                          "y": rng.normal(size=40), "x": rng.normal(size=40)})
    with pytest.raises(ModelError, match=r"^p1: unknown cluster_convention 'stata'; expected one of "
                                         r"nested_not_counted, absorbed_counted, linearmodels$"):
        fit_panel(frame, entity="e", time="t", outcome="y", regressors=["x"], model_id="p1",
                  cluster_convention="stata")
    with pytest.raises(ModelError, match=r"^p1: unknown estimator 'between'; expected one of "
                                         r"panel_ols, random_effects, pooled_ols$"):
        fit_panel(frame, entity="e", time="t", outcome="y", regressors=["x"], model_id="p1", estimator="between")


def test_confidence_interval_normal_and_t_critical_values():
    # the printed tables: z_0.975 = 1.959964, t_0.975(10) = 2.228139, t_0.975(3) = 3.182446
    assert critical_value() == pytest.approx(1.959964, abs=1e-6)
    assert critical_value(df=10) == pytest.approx(2.228139, abs=1e-6)
    assert critical_value(0.10) == pytest.approx(1.644854, abs=1e-6)
    low, high = confidence_interval(1.0, 0.5)
    assert (low, high) == (1.0 - critical_value() * 0.5, 1.0 + critical_value() * 0.5)
    assert low == pytest.approx(0.020018, abs=1e-6) and high == pytest.approx(1.979982, abs=1e-6)
    low, high = confidence_interval(np.array([2.0, -1.0]), np.array([1.0, 0.1]), df=3)
    np.testing.assert_allclose(low, [2.0 - 3.182446, -1.0 - 0.3182446], atol=1e-6)
    np.testing.assert_allclose(high, [2.0 + 3.182446, -1.0 + 0.3182446], atol=1e-6)


def test_ci_of_a_fit_is_the_shared_helper_to_the_last_bit():
    """The ordered model's rows use the normal interval, byte for byte."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=60)})
    y = pd.Series((X["a"] + rng.logistic(size=60) > 0).astype(float) + (rng.random(60) < 0.3))
    est = fit_ordered(y, X, model_id="o", alpha=0.1).estimates
    low, high = confidence_interval(est["estimate"].to_numpy(), est["std_error"].to_numpy(), 0.1)
    np.testing.assert_array_equal(est["ci_low"].to_numpy(), low)
    np.testing.assert_array_equal(est["ci_high"].to_numpy(), high)


def test_few_clusters_threshold():
    assert FEW_CLUSTERS == 30
    assert few_clusters(29) and not few_clusters(30)


def test_two_sided_p_values_of_z_and_t_statistics():
    from gvc_clusters.models.inference import two_sided_p_value

    assert two_sided_p_value(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert two_sided_p_value(-2.228139, df=10) == pytest.approx(0.05, abs=1e-6)
    np.testing.assert_allclose(two_sided_p_value(np.array([0.0, 3.182446]), df=3), [1.0, 0.05], atol=1e-6)
