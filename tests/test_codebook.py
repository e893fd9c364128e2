"""The codebook and the Frictionless Data Package descriptor of data/processed (issue 15 §3)."""

import json
import shutil

import pytest
from conftest import ROOT, ensure_built
from frictionless import validate

from gvc_clusters.data.schemas import all_schemas
from gvc_clusters.data.schemas.vocabulary import (
    COLUMNS,
    MISSING,
    NEVER_MISSING,
    TABLE_COLUMNS,
    TABLES,
    annotated_schemas,
)
from gvc_clusters.layout import FAMILY_TABLES
from gvc_clusters.output.codebook import codebook, datapackage, html_fragment, latex_fragment, markdown, write_codebook

FAMILIES = list(FAMILY_TABLES)


def test_every_column_of_every_schema_has_a_description_unit_and_meaning_of_missing():
    schemas = annotated_schemas()
    assert set(schemas) == set(all_schemas()) == set(TABLES)
    for table, schema in schemas.items():
        assert schema.description
        for name, column in schema.columns.items():
            assert column.description, (table, name)
            assert column.metadata["unit"], (table, name)
            missing = column.metadata["missing"]
            assert missing is not None, f"{table}.{name} is nullable but the vocabulary has no MISSING entry"
            assert (missing == NEVER_MISSING) == (not column.nullable), (table, name)


def test_the_vocabulary_has_no_stale_entries():
    used = {(t, c) for t, s in all_schemas().items() for c in s.columns}
    assert set(COLUMNS) == {c for _, c in used}
    assert set(TABLE_COLUMNS) <= used
    assert {t for t, _ in MISSING} <= set(TABLES)


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """A copy of the real processed CSVs (built if missing)."""
    ensure_built()
    target = tmp_path_factory.mktemp("processed")
    for family in FAMILIES:
        shutil.copytree(ROOT / "data/processed" / family, target / family,
                        ignore=shutil.ignore_patterns("*.parquet"))
    return target


def test_codebook_entries_state_types_units_ranges_and_missing(processed):
    tables = {t["name"]: t for t in codebook(annotated_schemas(), FAMILIES, processed)}
    assert len(tables) == sum(len(v) for v in FAMILY_TABLES.values()) == 23
    upgrading = {c["name"]: c for c in tables["upgrading"]["columns"]}
    assert tables["upgrading"]["rows"] == 140 and tables["upgrading"]["key"] == ["cluster_id", "upgrading_type"]
    assert upgrading["score_0to3"] == {
        "name": "score_0to3", "type": "number", "field_type": "number", "unit": "score 0-3",
        "allowed": "one of 0, 0.5, 1, 1.5, 2, 2.5, 3",
        "constraints": {"enum": [0, 0.5, 1, 1.5, 2, 2.5, 3]},
        "missing": "the cell is printed empty for the cluster in Tables 10-4 to 10-6",
        "description": "Upgrading score as printed: 0 to 3 in half steps."}
    share = {c["name"]: c for c in tables["us_furniture_imports"]["columns"]}["share_pct"]
    assert (share["unit"], share["allowed"], share["constraints"]) == (
        "percent", "0 to 100", {"minimum": 0, "maximum": 100, "required": True})
    salmon = {c["name"]: c for c in tables["salmon_production"]["columns"]}
    assert salmon["exports_usd_million_fob"]["unit"] == "US$ million, FOB"
    assert tables["salmon_production"]["rules"] == [
        "Tenth Region production <= Chile's production (the region is part of Chile)"]
    dairy = {c["name"]: c for c in tables["dairy_milk"]["columns"]}
    assert dairy["exports_usd_million"]["missing"] == "2001 is printed n.a."


def test_renderings_hold_every_table_and_escape_their_markup(processed):
    tables = codebook(annotated_schemas(), FAMILIES, processed)
    md, page, tex = markdown(tables), html_fragment(tables), latex_fragment(tables)
    for t in tables:
        assert f"## `{t['csv']}`" in md
        assert f'id="codebook-{t["name"]}"' in page
        assert r"\texttt{" + t["csv"].replace("_", r"\_\allowbreak{}") + "}" in tex
    assert page.count("<table") == page.count("</table>") == len(tables)
    assert "<html" not in page and "<head" not in page  # a fragment the report includes
    assert "score_0to3" not in tex and r"score\_\allowbreak{}0to3" in tex  # every underscore escaped
    assert r"$\leq$" in tex  # the chapter 9 sign conditions (≤) in LaTeX


def test_datapackage_is_valid_and_catches_a_bad_cell(processed, tmp_path):
    write_codebook(families=FAMILIES, csv=sorted(str(p) for p in processed.rglob("*.csv")), version="0.1.0",
                   datapackage_out=str(processed / "datapackage.json"), markdown_out=str(tmp_path / "c.md"),
                   html_out=str(tmp_path / "c.html"), tex_out=str(tmp_path / "c.tex"))
    descriptor = processed / "datapackage.json"
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    assert len(package["resources"]) == 23 and package["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["path"] for r in package["resources"]} == {
        f"{f}/{t}.csv" for f, names in FAMILY_TABLES.items() for t in names}
    # a score of 4 breaks the enum; the changed bytes break the recorded hash
    table = processed / "clusters/upgrading.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[2] = "4"
    table.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    broken = validate(str(descriptor))
    assert not broken.valid
    problems = {error[2] for error in broken.flatten(["rowNumber", "fieldName", "type"])}
    assert {"constraint-error", "hash-count"} & problems, problems
    assert "constraint-error" in problems


def test_the_built_descriptor_is_valid_where_the_build_wrote_it():
    ensure_built()
    descriptor = ROOT / "data/processed/datapackage.json"
    assert descriptor.is_file(), "a build from before the rule codebook: run snakemake again"
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_datapackage_bytes_are_stable(processed):
    tables = codebook(annotated_schemas(), FAMILIES, processed)
    first = json.dumps(datapackage(tables, processed, "0.1.0"), indent=2)
    again = json.dumps(datapackage(codebook(annotated_schemas(), FAMILIES, processed), processed, "0.1.0"), indent=2)
    assert first == again
