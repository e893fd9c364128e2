"""Trade family (Tables 9-1, 9-2, 9-4 and the chapter 9 verdicts): values, n.a., products, bad input."""


import pandas as pd
import pytest
from conftest import RAW, corrupt

from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError

SHARE_2000 = "Competitiveness: market share 2000"


@pytest.fixture(scope="module")
def trade():
    return build_family("trade", RAW)


@pytest.fixture(scope="module")
def perf(trade):
    return trade.tables["export_performance"].set_index(["source_table", "product_code", "country"])


def test_export_performance_printed_numbers(perf):
    chile_fresh = perf.loc[("9-2", "a", "Chile")]
    assert chile_fresh["market_share_2000_pct"] == 2.44
    assert chile_fresh["market_share_1990_pct"] == 19.79
    assert chile_fresh["export_earnings_cagr_pct"] == 0.96
    assert chile_fresh["unit_value_change_pct"] == 22.57
    assert chile_fresh["world_demand_cagr_pct"] == 24  # from the product header row
    assert perf.loc[("9-2", "b", "Russian Federation"), "market_share_1990_pct"] == 6.71
    assert perf.loc[("9-2", "d", "Poland"), "unit_value_change_pct"] == 151.01
    assert perf.loc[("9-4", "c", "Mexico"), "unit_value_change_pct"] == 3.31
    assert perf.loc[("9-4", "b", "Thailand"), "market_share_2000_pct"] == 57.88


def test_shape_and_world_demand_per_product(trade):
    perf = trade.tables["export_performance"]
    assert perf.groupby("source_table").size().to_dict() == {"9-2": 30, "9-4": 21}
    demand = perf.groupby(["source_table", "product_code"])["world_demand_cagr_pct"].unique()
    assert {k: list(v) for k, v in demand.items()} == {
        ("9-2", "a"): [24], ("9-2", "b"): [11], ("9-2", "c"): [26], ("9-2", "d"): [12],
        ("9-4", "a"): [16], ("9-4", "b"): [11], ("9-4", "c"): [15]}


def test_product_names_cleaned_of_ocr_fragments(trade):
    names = trade.tables["export_performance"].drop_duplicates(["source_table", "product_code"])["product"]
    assert names.tolist() == ["Salmon, fresh or chilled, whole", "Salmon, Pacific, frozen, whole",
                              "Salmon, Atlantic or Danube, frozen, whole", "Salmon, smoked, including fillets",
                              "Office furniture", "Kitchen furniture", "Bedroom furniture"]


def test_na_shares_are_missing_but_printed_zero_is_zero(perf):
    assert pd.isna(perf.loc[("9-2", "a", "Norway"), "market_share_1990_pct"])
    assert pd.isna(perf.loc[("9-4", "a", "China"), "market_share_1990_pct"])
    assert perf["market_share_1990_pct"].isna().sum() == 12
    assert perf.loc[("9-4", "b", "Malaysia"), "market_share_1990_pct"] == 0.0  # printed '0'
    assert perf.drop(columns="market_share_1990_pct").notna().all().all()


def test_upgrading_conditions_kept_as_text(trade):
    cond = trade.tables["product_upgrading_conditions"].set_index("condition_id")
    assert list(cond.index) == [1, 2]
    assert cond.at[1, "market_share_sign"] == "≤0"  # contradiction with the prose logged, printed kept
    assert cond.at[2, "world_demand_sign"] == "><0"
    assert (cond[["export_value_sign", "unit_value_sign"]] == ">0").all().all()


def test_verdicts_link_to_printed_pairs(trade, perf):
    verdicts = trade.tables["chapter9_verdicts"]
    assert len(verdicts) == 57
    chile_c = verdicts[(verdicts["source_table"] == "9-2") & (verdicts["product_code"] == "c")
                       & (verdicts["country"] == "Chile")]
    assert sorted(chile_c["seed_line"]) == [2937, 2943]
    keys = set(zip(verdicts["source_table"], verdicts["product_code"], verdicts["country"]))
    assert keys <= set(perf.index)


def test_trade_declares_no_checksums(trade):
    assert trade.checks.empty


def test_bad_share_cell_is_located(raw_copy):
    raw = corrupt(raw_copy, "trade/table_9_2.csv", 2, SHARE_2000, "2.4A%")
    with pytest.raises(InputError) as err:
        build_family("trade", raw)
    message = str(err.value)
    assert "trade/table_9_2.csv" in message and "row 2" in message
    assert f"column {SHARE_2000!r}" in message and "'2.4A%'" in message


def test_world_demand_on_a_country_row_is_refused(raw_copy):
    raw = corrupt(raw_copy, "trade/table_9_4.csv", 2, "External market conditions ^a", "16%")
    with pytest.raises(InputError, match=r"table_9_4\.csv, row 2, column 'External market conditions \^a'.*'16%'"):
        build_family("trade", raw)


def test_verdict_on_an_unprinted_country_is_located(raw_copy):
    raw = corrupt(raw_copy, "trade/chapter9_verdicts.csv", 1, "country", "Chili")
    with pytest.raises(InputError, match=r"chapter9_verdicts\.csv, row 2, column 'country'.*'Chili'"):
        build_family("trade", raw)
