"""Salmon family (Tables 4-1, 4-3): printed numbers, fill-down, empty cells, checksums, bad input."""


import pandas as pd
import pytest
from conftest import RAW, corrupt

from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError

JOBS = "Jobs (estimated, December 2001)"


@pytest.fixture(scope="module")
def salmon():
    return build_family("salmon", RAW)


def test_production_table_has_the_printed_numbers(salmon):
    prod = salmon.tables["salmon_production"].set_index("year")
    assert list(prod.index) == [1987, 1990, 1993, 1996, 1999, 2001]
    assert prod.at[2001, "chile_production_thousand_tons"] == 405
    assert prod.at[2001, "chile_world_share_pct"] == 32.4
    assert prod.at[1987, "chile_world_share_pct"] == 1.5
    assert prod.at[2001, "tenth_region_production_thousand_tons"] == 350
    assert prod.at[2001, "exports_usd_million_fob"] == 964.3
    assert prod.at[1996, "exports_usd_million_fob"] == 525.0


def test_firms_jobs_subsystem_filled_down_and_subtotals_flagged(salmon):
    firms = salmon.tables["salmon_firms_jobs"]
    core, supply = "Core of production chain", "Direct supply industries (estimate)"
    assert firms["subsystem"].tolist() == [core] * 5 + [supply] * 7
    assert firms["is_subtotal"].sum() == 2
    sub = firms[firms["is_subtotal"]].set_index("subsystem")
    assert sub.at[core, "independent_firms_count"] == 30
    assert sub.at[core, "integrated_firms_count"] == 36  # printed '36ª' (glyph decision)
    assert sub.at[core, "total_firms_count"] == 66
    assert sub.at[core, "jobs_count"] == 28_500
    assert sub.at[supply, "total_firms_count"] == 147
    assert sub.at[supply, "jobs_count"] == 12_500
    feed = firms.set_index("industry").loc["Feed suppliers"]
    assert (feed["integrated_firms_count"], feed["jobs_count"]) == (2, 800)


def test_empty_integrated_cells_are_missing_not_zero(salmon):
    firms = salmon.tables["salmon_firms_jobs"].set_index("industry")
    assert pd.isna(firms.at["Equipment, farming materials", "integrated_firms_count"])
    assert firms["integrated_firms_count"].isna().sum() == 5
    assert (firms["integrated_firms_count"].dropna() > 0).all()


def test_table_4_3_checksums_all_match(salmon):
    checks = salmon.checks
    assert set(checks["table"]) == {"4-3"}
    assert checks["status"].value_counts().to_dict() == {"match": 18}
    jobs = checks[(checks["row"] == 5) & (checks["column"] == JOBS)].iloc[0]
    assert (jobs["printed"], jobs["recomputed"]) == (28_500, 28_500)


def test_bad_production_cell_is_located(raw_copy):
    column = "Production of farmed salmon and trout in Chile (thousands of tons)"
    raw = corrupt(raw_copy, "salmon/table_4_1.csv", 6, column, "4O5")
    with pytest.raises(InputError) as err:
        build_family("salmon", raw)
    message = str(err.value)
    assert "salmon/table_4_1.csv" in message and "row 6" in message
    assert f"column {column!r}" in message and "'4O5'" in message


def test_bad_year_is_located(raw_copy):
    raw = corrupt(raw_copy, "salmon/table_4_1.csv", 2, "Year", "199O")
    with pytest.raises(InputError, match=r"table_4_1\.csv, row 2, column 'Year': not a printed year.*'199O'"):
        build_family("salmon", raw)


def test_bad_jobs_cell_is_located(raw_copy):
    raw = corrupt(raw_copy, "salmon/table_4_3.csv", 10, JOBS, "1.000,0")
    with pytest.raises(InputError) as err:
        build_family("salmon", raw)
    message = str(err.value)
    assert "salmon/table_4_3.csv" in message and "row 10" in message
    assert f"column {JOBS!r}" in message and "'1.000,0'" in message
