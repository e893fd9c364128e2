"""Licence and citation metadata of the replication package (issue 15).

CITATION.cff is validated against the Citation File Format 1.2.0 JSON schema
(tests/data/citation-file-format-1.2.0.schema.json, the schema `cffconvert` 2.0.0 ships and uses
for `cffconvert --validate`; cffconvert itself pins jsonschema 3, which the lock cannot hold).
"""

import json
import tomllib

import jsonschema
import pytest
import yaml
from conftest import ROOT

CFF_SCHEMA = json.loads((ROOT / "tests/data/citation-file-format-1.2.0.schema.json").read_text(encoding="utf-8"))


def cff_errors(data: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(CFF_SCHEMA, format_checker=jsonschema.FormatChecker())
    return sorted(f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(data))


def test_citation_cff_is_valid_and_matches_the_project():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff_errors(cff) == []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["version"] == project["version"]
    assert str(cff["date-released"]) >= "2026-01-01"  # a data editor asks when this version was released
    assert cff["repository-code"].startswith("https://")
    assert cff["license"] == "MIT"
    book = cff["references"][0]
    assert book["year"] == 2006 and book["publisher"]["name"] == "Inter-American Development Bank"
    assert [a["family-names"] for a in book["authors"]] == ["Pietrobelli", "Rabellotti"]


@pytest.mark.parametrize("broken, message", [
    ({"authors": []}, "authors"),                     # at least one author
    ({"cff-version": "1.1.0"}, "cff-version"),        # this schema is 1.2.0
    ({"license": "MIT-or-whatever"}, "license"),      # an SPDX identifier
])
def test_the_schema_check_rejects_a_broken_citation(broken, message):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    errors = cff_errors({**cff, **broken})
    assert errors and any(e.startswith(message) for e in errors), errors


def test_code_and_data_licences_are_stated():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c)" in licence
    data = (ROOT / "LICENSE-DATA.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in data and "creativecommons.org/licenses/by/4.0" in data
    assert "Inter-American Development Bank" in data and "no written permission" in data
