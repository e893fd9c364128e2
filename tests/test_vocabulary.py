"""The one vocabulary (gvc_clusters.vocabulary) and everything that spells its words agree: the pandera
schemas, the config schema, the case-coding schema, the printed headings of the raw tables and the labels."""

import json

import pytest
import yaml
from conftest import ROOT

from gvc_clusters import vocabulary as v
from gvc_clusters.data.schemas import all_schemas

SCHEMAS = all_schemas()


def allowed(table: str, column: str) -> list:
    """The values a pandera column accepts (its one ``isin`` check)."""
    checks = [c for c in SCHEMAS[table].columns[column].checks if c.name == "isin"]
    assert len(checks) == 1, f"{table}.{column} has {len(checks)} isin checks"
    return list(checks[0].statistics["allowed_values"])


@pytest.mark.parametrize(("table", "column", "words"), [
    ("upgrading", "upgrading_type", list(v.UPGRADING_TYPES)),
    ("governance", "chain_type", list(v.CHAIN_TYPES)),
    ("clusters", "sector_group", list(v.SECTOR_GROUPS)),
    ("clusters", "ce_degree", list(v.CE_DEGREES)),
    ("model_dataset", "sector_group", list(v.SECTOR_GROUPS)),
    ("sector_ce_index", "sector_group", list(v.SECTOR_GROUPS)),
    ("case_list", "sector_group", list(v.SECTOR_GROUPS)),
    ("upgrading", "source_table", ["10-4", "10-5", "10-6"]),
    ("printed_aggregates", "column", [*v.UPGRADING_TYPES, "sum"]),
    ("export_performance", "source_table", ["9-2", "9-4"]),
    ("chapter9_verdicts", "source_table", ["9-2", "9-4"]),
])
def test_pandera_enums_are_the_vocabulary(table, column, words):
    assert allowed(table, column) == words


def test_trade_products_are_the_vocabulary():
    products = sorted(name for names in v.TRADE_PRODUCTS.values() for name in names.values())
    assert len(products) == 7
    assert allowed("export_performance", "product") == products
    assert allowed("chapter9_verdicts", "product") == products


def test_model_dataset_has_one_column_per_upgrading_and_chain_type():
    columns = list(SCHEMAS["model_dataset"].columns)
    assert [c for c in columns if c.endswith("_upgrading_0to3")] == [f"{u}_upgrading_0to3" for u in v.UPGRADING_TYPES]
    assert [c for c in columns if c.endswith("_chain_0to3")] == [f"{c}_chain_0to3" for c in v.CHAIN_TYPES]


def enums(node) -> list[list]:
    """Every ``enum`` list of a JSON schema, depth first."""
    if isinstance(node, dict):
        return ([node["enum"]] if "enum" in node else []) + [e for value in node.values() for e in enums(value)]
    if isinstance(node, list):
        return [e for value in node for e in enums(value)]
    return []


def test_config_schema_enums_are_the_vocabulary():
    from gvc_clusters.layout import MODEL_REGRESSORS

    found = enums(yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text()))
    assert list(v.UPGRADING_TYPES) in found          # the outcomes of an ordinal spec
    assert list(v.CHAIN_TYPES) in found              # the chains of the upgrading panel
    assert MODEL_REGRESSORS in found                 # the regressors of an ordinal spec


def test_case_schema_enums_are_the_vocabulary():
    schema = json.loads((ROOT / "src/gvc_clusters/data/schemas/case.schema.json").read_text())
    found = enums(schema)
    assert list(v.SECTOR_GROUPS) in found
    assert [*v.CE_DEGREES, None] in found
    assert schema["properties"]["codes"]["required"][1:] == [*(f"gov_{c}" for c in v.CHAIN_TYPES),
                                                         *(f"upg_{u}" for u in v.UPGRADING_TYPES)]


@pytest.mark.parametrize(("path", "headings"), [
    ("clusters/table_10_2.csv", list(v.PRINTED_CHAIN_TYPES)),
    ("clusters/table_10_4.csv", list(v.PRINTED_UPGRADING_TYPES)),
    ("clusters/table_10_5.csv", list(v.PRINTED_UPGRADING_TYPES)),
    ("clusters/table_10_6.csv", list(v.PRINTED_UPGRADING_TYPES)),
])
def test_printed_headings_are_the_raw_tables_columns(path, headings):
    header = (ROOT / "data/raw" / path).read_text(encoding="utf-8").splitlines()[0]
    for heading in headings:
        assert heading in header, f"{path}: no column {heading!r}"


def test_printed_sector_rows_of_table_10_1():
    import csv

    with open(ROOT / "data/raw/clusters/table_10_1.csv", encoding="utf-8") as handle:
        printed = [row["Sector"] for row in csv.DictReader(handle)]
    assert printed == list(v.PRINTED_SECTOR_GROUPS)
    assert set(v.PRINTED_SECTOR_GROUPS.values()) == set(v.SECTOR_GROUPS)


def test_every_word_has_a_label():
    vocab = v.Vocabulary()
    assert [vocab.category("sector_group", g) for g in v.SECTOR_GROUPS] == [
        "Traditional manufacturing", "Natural-resource-based", "Complex products", "Specialized suppliers"]
    assert [vocab.outcome(u) for u in v.UPGRADING_TYPES] == [
        "Product upgrading", "Process upgrading", "Functional upgrading", "Intersectoral upgrading"]
    for chain in v.CHAIN_TYPES:
        for scope in ("global", "domestic", "any"):
            vocab.variable(f"{chain}_{scope}")
    assert vocab.unlabelled == set()
    assert v.CE_LEVELS == {"Low": 1, "Medium": 2, "High": 3}
    assert v.UPGRADING_TABLE_SECTORS == {"10-4": "traditional_manufacturing", "10-5": "natural_resource_based",
                                         "10-6": "complex_products"}


def test_the_vocabulary_stays_light():
    """The workflow imports it while it builds the DAG: no pandas, no pandera."""
    import subprocess
    import sys

    code = ("import sys, gvc_clusters.vocabulary, gvc_clusters.layout; "
            "print(sorted(m for m in ('pandas', 'pandera', 'numpy') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                         env={"PYTHONPATH": str(ROOT / "src")})
    assert run.stdout.strip() == "[]"
