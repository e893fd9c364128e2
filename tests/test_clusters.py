"""The 40-cluster dataset: published numbers, the cluster key, and bad codes caught before models."""

import pytest
from conftest import RAW, edit_cell, refresh

from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError


@pytest.fixture(scope="module")
def clusters():
    return build_family("clusters", RAW)


def test_forty_clusters_thirty_five_with_upgrading_data(clusters):
    data = clusters.tables["model_dataset"]
    assert len(data) == 40
    assert data["has_upgrading_data"].sum() == 35  # the 5 software clusters have governance codes only
    assert data.groupby("sector_group", observed=True).size().to_dict() == {
        "traditional_manufacturing": 15, "natural_resource_based": 11, "complex_products": 9,
        "specialized_suppliers": 5}


def test_decoded_ratings_reproduce_the_printed_totals(clusters):
    data = clusters.tables["model_dataset"].set_index("cluster_id")
    by_sector = data.groupby("sector_group", observed=True)[
        ["product_upgrading_0to3", "process_upgrading_0to3", "functional_upgrading_0to3",
         "intersectoral_upgrading_0to3"]].sum()
    # Total rows of Tables 10-4, 10-5 (functional total printed '9' upside down = 6) and 10-6.
    assert by_sector.loc["traditional_manufacturing"].tolist() == [28, 31.5, 10.5, 1]
    assert by_sector.loc["natural_resource_based"].tolist() == [29, 28, 6, 4]
    assert by_sector.loc["complex_products"].tolist() == [22, 24, 8.5, 0]


def test_individual_clusters_as_printed(clusters):
    data = clusters.tables["model_dataset"].set_index("cluster_id")
    sinos = data.loc["sinos_valley_shoes"]
    assert (sinos["ce_degree"], sinos["product_upgrading_0to3"], sinos["functional_upgrading_0to3"]) == ("High", 3, 1.5)
    salmon = data.loc["region_austral_salmon"]
    assert [salmon[f"{u}_upgrading_0to3"] for u in ("product", "process", "functional", "intersectoral")] == [3, 3, 2, 2]
    assert [salmon[f"{c}_chain_0to3"] for c in ("market", "network", "quasi_hierarchy", "hierarchy")] == [0, 2, 2, 0]
    dairy = data.loc["boaco_chontales_dairy"]
    assert [dairy[f"{c}_chain_0to3"] for c in ("market", "network", "quasi_hierarchy", "hierarchy")] == [1, 1, 2, 2]


def test_not_available_stays_missing_never_zero(clusters):
    data = clusters.tables["model_dataset"].set_index("cluster_id")
    assert data["functional_upgrading_0to3"].isna().sum() == 6  # Bucaramanga (N/A) + the 5 software clusters
    assert data.loc["bucaramanga_apparel", "functional_upgrading_0to3"] != data.loc["bucaramanga_apparel", "functional_upgrading_0to3"]
    assert data.loc["campina_grande_shoes", ["market_chain_0to3", "hierarchy_chain_0to3"]].isna().all()


def test_book_contradictions_are_kept_as_printed(clusters):
    data = clusters.tables["model_dataset"].set_index("cluster_id")
    assert data.loc["monterrey_software", "quasi_hierarchy_chain_0to3"] == 3  # footnote 4 says no software QH
    ce = clusters.tables["sector_ce_index"].set_index(["sector_group", "component"])["average_points"]
    assert ce["traditional_manufacturing", "collective_efficiency"] == 6.31  # not 0.5*7.60 + 0.5*5.23


def test_alternative_readings_are_listed(clusters):
    readings = clusters.tables["model_dataset_readings"].dropna(subset=["cluster_id"])
    assert readings[["reading", "cluster_id", "variable", "default_value", "reading_value"]].values.tolist() == [
        ["10-2.A", "san_jose_ict", "network_chain_0to3", 0.0, 2.0],
        ["10-2.B", "espirito_santo_metalworking", "quasi_hierarchy_chain_0to3", 1.0, 2.0],
        ["10-2.C", "campinas_high_tech", "market_chain_0to3", 2.0, 0.0],
        ["10-2.D", "monterrey_software", "quasi_hierarchy_chain_0to3", 3.0, 0.0],
        # from the chapter 10 prose sweep (seed lines 3401-3405)
        ["10-2.E", "rio_pardo_tobacco", "hierarchy_chain_0to3", 0.0, 2.0],
        # Boaco: only the network change the text supports (seed 535); quasi-hierarchy 2 -> 0 is contested
        ["10-2.F", "boaco_chontales_dairy", "network_chain_0to3", 1.0, 3.0],
        ["10-2.G", "petrolina_juazeiro_fruit", "hierarchy_chain_0to3", 0.0, 2.0],
        ["10-2.G", "rio_grande_do_norte_melons", "hierarchy_chain_0to3", 0.0, 2.0],
        ["10-2.G", "santa_catarina_apples", "hierarchy_chain_0to3", 0.0, 2.0],
        # Rio Pardo shifted (0, 0, 0, 2), Segusino/Chipilo and Espirito Santo 3, Monterrey 2 (issue 23)
        ["10-2.H", "rio_pardo_tobacco", "quasi_hierarchy_chain_0to3", 2.0, 0.0],
        ["10-2.H", "rio_pardo_tobacco", "hierarchy_chain_0to3", 0.0, 2.0],
        ["10-2.I", "chipilo_furniture", "quasi_hierarchy_chain_0to3", 1.0, 3.0],
        ["10-2.J", "espirito_santo_metalworking", "quasi_hierarchy_chain_0to3", 1.0, 3.0],
        ["10-2.K", "monterrey_software", "quasi_hierarchy_chain_0to3", 3.0, 2.0]]


def test_case_list_has_39_of_the_40_clusters(clusters):
    listed = set(clusters.tables["case_list"]["cluster_id"])
    assert len(listed) == 39
    assert set(clusters.tables["clusters"]["cluster_id"]) - listed == {"sao_bento_do_sul_furniture"}


def test_field_studies_numbers(clusters):
    fs = clusters.tables["field_studies"].set_index("field_study_row")
    assert fs.loc[1, "production_2002_usd_million"] == 1005.0
    assert fs.loc[6, "indirect_jobs_count"] == 6800.0  # '008′9' printed upside down
    assert fs.loc[9, "production_1995_usd_million"] != fs.loc[9, "production_1995_usd_million"]  # n.a.


def test_a_count_printed_as_a_sum_keeps_its_parts(clusters):
    fs = clusters.tables["field_studies"].set_index("field_study_row")
    assert fs.loc[1, "firms_count"] == 215.0                      # the decision log's default: the sum
    assert fs.loc[1, "firms_count_printed_parts"] == "65 + 150"   # the printed summands survive
    assert fs["firms_count_printed_parts"].notna().sum() == 1     # no other cell is printed as a sum
    from gvc_clusters.data.parse.clusters import printed_parts

    assert printed_parts("1,200 + 35") == "1200 + 35"
    assert printed_parts("65") is None and printed_parts("9/") is None and printed_parts(None) is None


@pytest.mark.parametrize(
    "table, row, column, text, message",
    [
        ("table_10_4.csv", 14, "Product upgrading", "4", r"upgrading.*score_0to3.*got 4"),
        ("table_10_4.csv", 14, "Product upgrading", "2.7", r"score_0to3.*got 2.7"),
        ("table_10_2.csv", 3, "Market", "5", r"code_0to3.*got 5"),
        ("table_10_4.csv", 6, "Degree of collective efficiency", "Very high",
         r"table_10_4.csv, row 6, column 'Degree of collective efficiency': unknown degree.*got 'Very high'"),
    ],
)
def test_out_of_range_codes_are_caught(raw_copy, table, row, column, text, message):
    edit_cell(raw_copy / "clusters" / table, row, column, text)
    refresh(raw_copy)
    with pytest.raises(InputError, match=message):
        build_family("clusters", raw_copy)


def test_unknown_sector_group_and_duplicate_cluster(raw_copy):
    key = raw_copy / "clusters/cluster_key.csv"
    text = key.read_text(encoding="utf-8")
    key.write_text(text.replace("medellin_textile,traditional_manufacturing", "medellin_textile,handicrafts", 1)
                   .replace("itaji_textile,", "medellin_textile,", 1), encoding="utf-8")
    refresh(raw_copy)
    with pytest.raises(InputError) as err:
        build_family("clusters", raw_copy)
    message = str(err.value)
    assert "cluster_key.csv, row 2, column 'sector_group': unknown sector group (got 'handicrafts'" in message
    assert "column 'cluster_id': duplicate cluster key (got 'medellin_textile'" in message


def test_shifted_row_in_the_key_is_caught(raw_copy):
    key = raw_copy / "clusters/cluster_key.csv"
    text = key.read_text(encoding="utf-8")
    key.write_text(text.replace("Torreon,Mexico,8,", "Torreon,Mexico,9,", 1), encoding="utf-8")
    refresh(raw_copy)
    with pytest.raises(InputError, match="governance row does not carry this cluster's printed label in Table 10-2"):
        build_family("clusters", raw_copy)
