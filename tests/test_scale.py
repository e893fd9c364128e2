"""Simulated data at user scale (gvc_clusters.analysis.scale): known coefficients come back through the
pipeline's own model functions, both trade-cleaning engines agree, output is seeded and
byte-stable, and bad rows are located. Small sizes only; timings live in workflow/benchmarks/scale.py."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gvc_clusters.analysis import scale
from gvc_clusters.config_defaults import spec_with_defaults, with_defaults
from gvc_clusters.errors import InputError
from gvc_clusters.models.panel.fit import fit_panel
from gvc_clusters.models.specs import run_ordinal_spec

ROOT = Path(__file__).resolve().parents[1]
BOOK_DATASET = ROOT / "data" / "processed" / "clusters" / "model_dataset.parquet"
MAX_Z = 4.0   # a known parameter must lie within 4 standard errors of its estimate


@pytest.fixture(scope="module")
def cross_section() -> pd.DataFrame:
    return scale.simulate_cluster_cross_section(20_000, seed=11)


@pytest.fixture(scope="module")
def trade(tmp_path_factory) -> dict:
    """A 2,000-entity x 10-year panel (two row groups), cleaned by both engines."""
    root = tmp_path_factory.mktemp("trade")
    raw = root / "raw.parquet"
    scale.write_trade_panel(raw, 2_000, 10, seed=7, n_countries=50, chunk_entities=1_000)
    out = {"raw": raw}
    for engine in scale.ENGINES:
        out[engine] = root / f"clean_{engine}.parquet"
        out[f"{engine}_stats"] = scale.clean_trade_table(raw, out[engine], engine, batch_rows=6_000)
    return out


# ----------------------------------------------------------------------------------------------
# Cross-section for the ordered probits
# ----------------------------------------------------------------------------------------------

def test_cross_section_has_the_model_datasets_columns(cross_section):
    assert cross_section["cluster_id"].is_unique and cross_section["has_upgrading_data"].all()
    if BOOK_DATASET.exists():
        book = pd.read_parquet(BOOK_DATASET)
        assert list(cross_section.columns) == list(book.columns)
        assert cross_section.dtypes.astype(str).to_dict() == book.dtypes.astype(str).to_dict()
        assert list(cross_section["ce_degree"].cat.categories) == list(book["ce_degree"].cat.categories)
    for kind in ("product", "process", "functional", "intersectoral"):
        scores = cross_section[f"{kind}_upgrading_0to3"]
        assert set(scores.unique()) == {0.0, 1.0, 2.0, 3.0}
        assert scores.value_counts(normalize=True).min() > 0.02      # every category populated


def test_known_ordinal_coefficients_recovered_through_the_spec(cross_section):
    spec = spec_with_defaults("ordinal", {"outcomes": list(scale.TRUE_ORDINAL), "regressors": list(scale.ORDINAL_REGRESSORS),
                                          "links": ["probit"], "se_type": "robust"})
    fits = run_ordinal_spec("ce_governance", spec, cross_section, halves="keep", n_permutations=0, seed=1)
    assert [f.n_obs for f in fits] == [20_000] * 4 and all(f.converged for f in fits)
    rec = scale.recovery(fits)
    assert len(rec) == 4 * (5 + 3)                                # every coefficient and cutpoint matched
    worst = rec.loc[rec["z_error"].abs().idxmax()]
    assert abs(worst["z_error"]) < MAX_Z, worst.to_dict()


def test_the_configs_ordinal_specs_run_unchanged_on_simulated_data():
    """Every ordinal spec of config/config.yaml (links, permutations) runs as the rule runs it."""
    import yaml

    config = with_defaults(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()))   # as the rule gets it
    data = scale.simulate_cluster_cross_section(3_000, seed=2)
    for name, spec in config["ordinal"]["specs"].items():
        fits = run_ordinal_spec(name, spec, data, halves="keep", n_permutations=5, seed=1)
        assert len(fits) == len(spec["outcomes"]) * len(spec["links"])
        assert all(f.converged and f.n_obs == 3_000 for f in fits)


def test_cross_section_is_seeded(tmp_path):
    paths = [tmp_path / f"{name}.parquet" for name in ("a", "b", "c")]
    scale.write_cluster_cross_section(paths[0], 2_000, seed=3, readings_path=tmp_path / "readings.parquet")
    scale.write_cluster_cross_section(paths[1], 2_000, seed=3)
    scale.write_cluster_cross_section(paths[2], 2_000, seed=4)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    readings = pd.read_parquet(tmp_path / "readings.parquet")
    assert readings.empty and list(readings.columns) == ["reading", "cluster_id", "variable", "default_value",
                                                         "reading_value"]


# ----------------------------------------------------------------------------------------------
# Trade panel: two-way FE recovery, cleaning engines, determinism
# ----------------------------------------------------------------------------------------------

def test_known_panel_coefficients_recovered_with_two_way_effects(trade):
    frame = pd.read_parquet(trade["arrow"], columns=["entity", "year", "log_unit_value", *scale.PANEL_REGRESSORS])
    assert len(frame) == 20_000 and frame["entity"].nunique() == 2_000
    fit = fit_panel(frame, entity="entity", time="year", outcome="log_unit_value",
                    regressors=list(scale.PANEL_REGRESSORS), entity_effects=True, time_effects=True,
                    se_type="cluster_entity", model_id="scale_panel", engine="fast")
    est = fit.estimates.set_index("term")
    for term, truth in scale.TRUE_PANEL.items():
        assert abs(est.loc[term, "estimate"] - truth) < MAX_Z * est.loc[term, "std_error"], (term, est.loc[term])
    rec = scale.recovery([fit])
    assert sorted(rec["term"]) == sorted(scale.TRUE_PANEL)
    # The effects matter: without them x1 (correlated with the entity effect) is far off.
    pooled = fit_panel(frame, entity="entity", time="year", outcome="log_unit_value",
                       regressors=list(scale.PANEL_REGRESSORS), se_type="cluster_entity", model_id="pooled",
                       engine="linearmodels").estimates.set_index("term")
    assert abs(pooled.loc["x1", "estimate"] - scale.TRUE_PANEL["x1"]) > 10 * pooled.loc["x1", "std_error"]


def test_cleaning_engines_agree_and_compute_the_definitions(trade):
    arrow, pandas_ = pd.read_parquet(trade["arrow"]), pd.read_parquet(trade["pandas"])
    pd.testing.assert_frame_equal(arrow, pandas_, check_exact=False, rtol=1e-12, atol=0)
    assert pq.read_schema(trade["arrow"]) == pq.read_schema(trade["pandas"])
    a_stats, p_stats = dict(trade["arrow_stats"]), dict(trade["pandas_stats"])
    assert a_stats.pop("engine") == "arrow" and p_stats.pop("engine") == "pandas"
    assert a_stats.pop("total_value_usd") == pytest.approx(p_stats.pop("total_value_usd"), rel=1e-12)
    assert a_stats == p_stats == {"rows": 20_000, "countries": 50, "products": 40, "years": 10,
                                  "product_years": 400, "zero_value_rows": 0, "input_row_groups": 2}
    np.testing.assert_allclose(arrow["unit_value"], arrow["value_usd"] / arrow["quantity"], rtol=1e-15)
    np.testing.assert_allclose(arrow["log_unit_value"], np.log(arrow["unit_value"]), rtol=1e-15)
    shares = arrow.groupby(["product", "year"], observed=True)["market_share_pct"].sum()
    np.testing.assert_allclose(shares, 100.0, rtol=1e-12)
    # entity: one id per (country, product), product-major, so the file is sorted by entity, year
    assert arrow.groupby("entity")[["country", "product"]].nunique().eq(1).all().all()
    assert arrow.groupby(["country", "product"], observed=True)["entity"].nunique().eq(1).all()
    assert arrow["entity"].is_monotonic_increasing


def test_cleaning_engines_agree_on_shuffled_plain_string_input(tmp_path, trade):
    """No dictionary encoding, rows in random order, a zero value: both engines still agree."""
    frame = pd.read_parquet(trade["raw"]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame["country"], frame["product"] = frame["country"].astype(str), frame["product"].astype(str)
    frame.loc[5, "value_usd"] = 0.0
    raw = tmp_path / "shuffled.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), raw, row_group_size=7_000)
    for engine in scale.ENGINES:
        stats = scale.clean_trade_table(raw, tmp_path / f"{engine}.parquet", engine, batch_rows=4_000)
        assert stats["zero_value_rows"] == 1
    arrow, pandas_ = (pd.read_parquet(tmp_path / f"{e}.parquet") for e in scale.ENGINES)
    pd.testing.assert_frame_equal(arrow, pandas_, check_exact=False, rtol=1e-12, atol=0)
    assert np.isnan(arrow.loc[5, "log_unit_value"]) and arrow.loc[5, "market_share_pct"] == 0.0
    # the entity ids do not depend on the file's row order
    ordered = pd.read_parquet(trade["arrow"])[["country", "product", "entity"]].drop_duplicates()
    merged = arrow[["country", "product", "entity"]].drop_duplicates().astype({"country": str, "product": str})
    merged = merged.merge(ordered.astype({"country": str, "product": str}), on=["country", "product"])
    assert (merged["entity_x"] == merged["entity_y"]).all() and len(merged) == 2_000


def test_trade_panel_is_seeded_and_independent_of_chunk_size(tmp_path, trade):
    again = tmp_path / "again.parquet"
    scale.write_trade_panel(again, 2_000, 10, seed=7, n_countries=50, chunk_entities=1_000)
    assert again.read_bytes() == trade["raw"].read_bytes()
    one_chunk = scale.simulate_trade_panel(2_000, 10, seed=7, n_countries=50, chunk_entities=2_000)
    assert one_chunk.to_pandas().equals(pd.read_parquet(trade["raw"]))
    other = scale.simulate_trade_panel(2_000, 10, seed=8, n_countries=50)
    assert not np.allclose(other.column("value_usd").to_numpy(), one_chunk.column("value_usd").to_numpy())
    cleaned_again = tmp_path / "clean_again.parquet"
    scale.clean_trade_table(trade["raw"], cleaned_again, "arrow", batch_rows=6_000)
    assert cleaned_again.read_bytes() == trade["arrow"].read_bytes()


# ----------------------------------------------------------------------------------------------
# Bad rows
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value, expected", [
    ("quantity", 0.0, "a quantity > 0"),
    ("quantity", -3.0, "a quantity > 0"),
    ("value_usd", -1.5, "a value >= 0 (US dollars)"),
    ("value_usd", float("nan"), "a number"),
    ("country", None, "a country label"),
])
@pytest.mark.parametrize("engine", scale.ENGINES)
def test_bad_row_raises_input_error_with_its_location(tmp_path, trade, engine, column, value, expected):
    table = pq.read_table(trade["raw"])
    row = 13_457                                   # in the second row group and the third batch
    values = table.column(column).to_pylist()
    values[row] = value
    values[row + 100] = value                      # a later bad row: the first one is reported
    table = table.set_column(table.schema.get_field_index(column), column,
                             pa.array(values, table.schema.field(column).type))
    bad = tmp_path / "bad.parquet"
    pq.write_table(table, bad, row_group_size=10_000)
    with pytest.raises(InputError) as info:
        scale.clean_trade_table(bad, tmp_path / "out.parquet", engine, batch_rows=6_000)
    err = info.value
    assert (err.file, err.row, err.column, err.expected) == (str(bad), row, column, expected)
    assert (err.value is None) if value is None else (err.value == value or np.isnan(err.value))
    assert f"row {row}" in str(err) and repr(column) in str(err)


def test_missing_column_is_named(tmp_path, trade):
    table = pq.read_table(trade["raw"]).drop_columns(["quantity"])
    bad = tmp_path / "no_quantity.parquet"
    pq.write_table(table, bad)
    with pytest.raises(InputError, match="quantity"):
        scale.clean_trade_table(bad, tmp_path / "out.parquet")
