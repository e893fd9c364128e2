"""Model variables from the cluster dataset: codes and samples (the readings: tests/test_reading_space.py)."""

import numpy as np
import pandas as pd
import pytest

from gvc_clusters import layout
from gvc_clusters.analysis.coding import (
    VARIABLE_DOCS,
    estimation_sample,
    model_variables,
    upgrading_outcome,
)
from gvc_clusters.errors import InputError


def _dataset():
    return pd.DataFrame({
        "cluster_id": ["b", "a", "c"],
        "sector_group": pd.Categorical(["complex_products", "traditional_manufacturing", "specialized_suppliers"]),
        "ce_degree": pd.Categorical(["High", "Low", None], categories=["Low", "Medium", "High"]),
        "has_upgrading_data": [True, True, False],
        "product_upgrading_0to3": [2.5, 1.0, np.nan],
        "process_upgrading_0to3": [3.0, 1.5, np.nan],
        "functional_upgrading_0to3": [0.0, np.nan, np.nan],
        "intersectoral_upgrading_0to3": [0.0, 1.0, np.nan],
        "market_chain_0to3": pd.array([3, 0, 1], dtype="Int64"),
        "network_chain_0to3": pd.array([0, 1, 0], dtype="Int64"),
        "quasi_hierarchy_chain_0to3": pd.array([2, 1, pd.NA], dtype="Int64"),
        "hierarchy_chain_0to3": pd.array([0, 0, 3], dtype="Int64"),
    })


def test_governance_codes_follow_the_note_to_table_10_2():
    v = model_variables(_dataset()).set_index("cluster_id")
    # 0 absent, 1 domestic, 2 global, 3 domestic and global
    assert v.loc["b", "market_global"] == 1 and v.loc["b", "market_domestic"] == 1
    assert v.loc["a", "quasi_hierarchy_global"] == 0 and v.loc["a", "quasi_hierarchy_domestic"] == 1
    assert v.loc["b", "quasi_hierarchy_global"] == 1 and v.loc["b", "quasi_hierarchy_domestic"] == 0
    assert np.isnan(v.loc["c", "quasi_hierarchy_global"])  # missing code stays missing
    assert v.loc["c", "any_global_chain"] == 1  # hierarchy 3 is global
    assert v.loc["a", "any_global_chain"] == 0


def test_ce_and_sector_codes_and_interaction():
    v = model_variables(_dataset()).set_index("cluster_id")
    assert v.loc["b", "ce_level"] == 3 and v.loc["a", "ce_level"] == 1
    assert v.loc["b", "ce_high"] == 1 and v.loc["a", "ce_low"] == 1
    assert v.loc["b", "sector_complex_products"] == 1 and v.loc["b", "ce_x_complex"] == 3
    assert v.loc["a", "ce_x_complex"] == 0
    assert list(v.index) == ["a", "b", "c"]  # stable order by cluster id


@pytest.mark.parametrize("rule,expected", [("keep", [2.5, 1.0]), ("floor", [2.0, 1.0]), ("ceil", [3.0, 1.0])])
def test_half_steps(rule, expected):
    assert upgrading_outcome(pd.Series([2.5, 1.0]), rule).tolist() == expected


def test_unknown_half_rule_is_a_located_error():
    with pytest.raises(InputError, match="halves.*'round'"):
        upgrading_outcome(pd.Series([1.0]), "round")


def test_sample_excludes_and_counts():
    v = model_variables(_dataset())
    sample, excluded = estimation_sample(v, "functional", ["ce_level"])
    assert list(sample["cluster_id"]) == ["b"]
    assert excluded == {"no_upgrading_data": ["c"], "missing_values": ["a"]}


def test_unknown_regressor_is_named():
    with pytest.raises(InputError, match="ce_levle"):
        estimation_sample(model_variables(_dataset()), "product", ["ce_levle"])


def test_layout_vocabulary_equals_the_built_variables():
    v = model_variables(_dataset())
    assert set(layout.MODEL_REGRESSORS) == set(VARIABLE_DOCS)
    assert set(layout.MODEL_REGRESSORS) <= set(v.columns)
    assert set(layout.MODEL_OUTCOMES) <= set(v.columns)
