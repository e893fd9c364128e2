"""Dairy family (Tables 2-1, 2-2): printed numbers, ranges, n.a., and located errors on bad input."""


import pandas as pd
import pytest
from conftest import RAW, corrupt

from gvc_clusters.data.families import build_family
from gvc_clusters.data.rawtable import parse_range
from gvc_clusters.errors import InputError


@pytest.fixture(scope="module")
def dairy():
    return build_family("dairy", RAW)


def test_milk_table_has_the_printed_numbers(dairy):
    milk = dairy.tables["dairy_milk"].set_index("year")
    assert list(milk.index) == list(range(1995, 2002))
    assert milk.index.dtype == "int64"
    assert milk.at[2001, "production_million_gallons"] == 63.2
    assert milk.at[1995, "production_million_gallons"] == 48.0
    assert milk.at[2001, "collection_million_gallons"] == 14.2
    assert milk.at[1998, "pasteurization_million_gallons"] == 8.8
    assert milk.at[2000, "exports_usd_million"] == 22.7


def test_printed_na_is_missing_not_zero(dairy):
    milk = dairy.tables["dairy_milk"].set_index("year")
    assert pd.isna(milk.at[2001, "exports_usd_million"])
    assert milk["exports_usd_million"].isna().sum() == 1


def test_chain_ranges_split_into_low_and_high(dairy):
    chain = dairy.tables["dairy_chain_2000"].set_index(["territory", "firm_group"])
    nic, sme, large = ("Nicaragua", "all"), ("Boaco-Chontales", "smes"), ("Boaco-Chontales", "large_companies")
    assert chain.loc[nic, ["production_million_gallons_low", "production_million_gallons_high"]].tolist() == [60, 90]
    # printed with an en dash: "10–15"
    production = ["production_million_gallons_low", "production_million_gallons_high"]
    enterprises = ["industrial_enterprises_count_low", "industrial_enterprises_count_high"]
    assert chain.loc[large, production].tolist() == [10, 15]
    assert chain.loc[sme, enterprises].tolist() == [70, 100]
    assert chain.loc[sme, ["processing_million_gallons_low", "processing_million_gallons_high"]].tolist() == [20, 30]
    # a single printed number gives low == high
    assert chain.loc[nic, enterprises].tolist() == [1200, 1200]
    assert chain.loc[nic, "livestock_companies_count"] == 100_000
    assert chain.loc[large, "livestock_companies_count"] == 540
    # contradiction with Table 2-2 (22.7) is logged; the printed 24 is kept
    assert chain.loc[nic, "exports_usd_million"] == 24.0
    assert chain.loc[large, "exports_usd_million"] == 0.0
    assert chain.loc[large, "processing_million_gallons_high"] == 0.0


def test_dairy_declares_no_checksums(dairy):
    assert dairy.checks.empty


def test_parse_range():
    assert parse_range("60-90") == (60.0, 90.0)
    assert parse_range("10–15") == (10.0, 15.0)
    assert parse_range("1,200") == (1200.0, 1200.0)
    with pytest.raises(InputError, match=r"f\.csv, row 3, column 'c'.*'90-60'"):
        parse_range("90-60", file="f.csv", row=3, column="c")
    with pytest.raises(InputError, match="'n.a.'"):
        parse_range("n.a.", file="f.csv", row=3, column="c")


def test_bad_range_cell_is_located(raw_copy):
    raw = corrupt(raw_copy, "dairy/table_2_1.csv", 2, "SMEs in Boaco-Chontales", "20-2S")
    with pytest.raises(InputError) as err:
        build_family("dairy", raw)
    message = str(err.value)
    assert "dairy/table_2_1.csv" in message
    assert "row 2" in message and "column 'SMEs in Boaco-Chontales'" in message and "'20-2S'" in message


def test_range_where_a_single_number_is_printed(raw_copy):
    raw = corrupt(raw_copy, "dairy/table_2_1.csv", 1, "Large companies in Boaco-Chontales", "500-600")
    with pytest.raises(InputError, match=r"table_2_1\.csv, row 1, column 'Large companies in Boaco-Chontales'.*"
                                         r"single number.*'500-600'"):
        build_family("dairy", raw)


def test_bad_number_cell_is_located(raw_copy):
    raw = corrupt(raw_copy, "dairy/table_2_2.csv", 1, "2001", "63.2m")
    with pytest.raises(InputError) as err:
        build_family("dairy", raw)
    message = str(err.value)
    assert "dairy/table_2_2.csv" in message and "row 1" in message and "column '2001'" in message
    assert "'63.2m'" in message
