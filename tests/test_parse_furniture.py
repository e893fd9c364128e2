"""Furniture family (Tables 5-1, 5-2, 5-3, 5-5, 5-6): printed numbers, decisions, checksums, bad input."""


import pandas as pd
import pytest
from conftest import RAW, corrupt

from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError

E1992, E2001 = "1992 Exports to the U.S. (US$ millions)", "2001 Exports to the U.S. (US$ millions)"
CHANGE = "1992-2001 change in exports (US$ millions)"


@pytest.fixture(scope="module")
def furniture():
    return build_family("furniture", RAW)


def test_us_imports_long_by_year_with_decided_thousands(furniture):
    imports = furniture.tables["us_furniture_imports"].set_index(["country", "year"])
    assert len(imports) == 26
    china_2001 = imports.loc[("China", 2001)]
    assert china_2001["exports_usd_million"] == 1898  # printed '1.898' (glyph decision)
    assert china_2001["share_pct"] == 29.9
    assert china_2001["us_import_rank"] == 1  # from the label '1 China'
    assert imports.loc[("China", 1992), "us_import_rank"] == 8  # printed 1992 ranking
    assert imports.loc[("China", 1992), "exports_usd_million"] == 69
    assert imports.loc[("Taiwan", 1992), "share_pct"] == 31.7
    assert imports.loc[("Total", 2001), "exports_usd_million"] == 6355
    assert imports.loc[("Subtotal", 1992), "exports_usd_million"] == 1480  # contradiction kept


def test_us_imports_row_types_and_missing_ranks(furniture):
    imports = furniture.tables["us_furniture_imports"]
    assert imports.groupby("row_type", observed=True).size().to_dict() == {
        "country": 20, "subtotal": 2, "others": 2, "total": 2}
    aggregates = imports[imports["row_type"] != "country"]
    assert aggregates["us_import_rank"].isna().all()  # printed '_' / empty -> missing
    countries = imports[imports["row_type"] == "country"]
    assert not countries["country"].str.match(r"^\d").any()
    assert sorted(countries.loc[countries["year"] == 2001, "us_import_rank"]) == list(range(1, 11))


def test_mexico_exports_na_before_1994(furniture):
    exports = furniture.tables["mexico_furniture_exports"].set_index("year")
    assert exports.at[2001, "total_exports_usd_million"] == 397.97
    assert exports.at[1994, "maquiladora_exports_usd_million"] == 145.23
    assert exports.loc[[1991, 1992, 1993], "maquiladora_exports_usd_million"].isna().all()
    assert exports.loc[[1991, 1992, 1993], "non_maquiladora_exports_usd_million"].isna().all()
    assert exports.loc[1994:, "maquiladora_exports_usd_million"].notna().all()


def test_puebla_exports(furniture):
    puebla = furniture.tables["puebla_furniture_exports"].set_index("year")
    assert list(puebla.index) == list(range(1994, 2000))
    assert puebla.at[1999, "rustic_exports_usd_million"] == 147.4
    assert puebla.at[1996, "wooden_exports_usd_million"] == 102.2


def test_employment_dates_parsed(furniture):
    emp = furniture.tables["puebla_furniture_employment"]
    assert emp["year"].tolist() == list(range(1996, 2003))
    assert pd.isna(emp.loc[0, "month"])  # printed '1996' without a month
    assert emp["month"].iloc[1:].tolist() == [11, 11, 11, 11, 11, 8]
    assert emp.set_index("year").at[2001, "employees_count"] == 3309
    assert emp.set_index("year").at[1998, "employees_count"] == 5281


def test_balance_sheet(furniture):
    bs = furniture.tables["segusino_balance_sheet"].set_index("year")
    assert list(bs.index) == [1995, 1996, 1997, 1998, 2000]  # no 1999 row printed
    assert pd.isna(bs.at[1995, "exports_usd_million"])  # printed '_'
    assert bs.at[1998, "equity_usd_million"] == 9.77
    assert bs.at[2000, "total_liabilities_usd_million"] == 11.38


def test_checksum_counts_per_table(furniture):
    counts = furniture.checks.groupby(["table", "status"]).size().to_dict()
    assert counts == {("5-1", "match"): 32, ("5-3", "match"): 57, ("5-3", "mismatch"): 4,
                      ("5-5", "match"): 6, ("5-6", "match"): 18, ("5-6", "mismatch"): 1}


def test_the_four_failing_5_3_checks_are_the_subtotal_contradictions(furniture):
    checks = furniture.checks
    bad = checks[(checks["table"] == "5-3") & (checks["status"] == "mismatch")]
    cells = {(r.check, r.row, r.column, r.printed, round(r.recomputed, 6)) for r in bad.itertuples()}
    assert cells == {
        ("row_formula#3", 11, CHANGE, 4111.0, 4034.0),  # 5,514 - 1,480
        ("column_sum#5", 11, E1992, 1480.0, 1403.0),  # the ten listed 1992 values
        ("column_sum#6", 11, "1992 % share", 82.0, 77.7),
        ("column_sum#7", 13, CHANGE, 4550.0, 4627.0),  # 4,111 + 516
    }


def test_the_5_6_leverage_failure(furniture):
    checks = furniture.checks
    bad = checks[(checks["table"] == "5-6") & (checks["status"] == "mismatch")]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert (row["row"], row["column"], row["printed"]) == (4, "Leverage (liabilities/equity)", 0.73)
    assert row["recomputed"] == pytest.approx(7.16 / 9.77)


def test_bad_export_cell_is_located(raw_copy):
    raw = corrupt(raw_copy, "furniture/table_5_3.csv", 3, E2001, "45a")
    with pytest.raises(InputError) as err:
        build_family("furniture", raw)
    message = str(err.value)
    assert "furniture/table_5_3.csv" in message and "row 3" in message
    assert f"column {E2001!r}" in message and "'45a'" in message


def test_country_label_without_rank_is_located(raw_copy):
    raw = corrupt(raw_copy, "furniture/table_5_3.csv", 3, "Country", "Italy")
    # row 3 carries no decision, so the changed label reaches the parser
    with pytest.raises(InputError, match=r"table_5_3\.csv, row 3, column 'Country': .*rank prefix.*'Italy'"):
        build_family("furniture", raw)


def test_bad_date_label_is_located(raw_copy):
    raw = corrupt(raw_copy, "furniture/table_5_5.csv", 2, "Date", "Nov. 1997")
    with pytest.raises(InputError, match=r"table_5_5\.csv, row 2, column 'Date'.*'Nov\. 1997'"):
        build_family("furniture", raw)
