"""The claims registry (data/claims/claims.yaml): every quote verbatim at its seed line, the stored seed
lines equal to the seed, the JSON schema, and Table 10-3 claimed cell by cell.

The quotes are checked twice: by the module's own check (``check_quotes`` over the stored lines) and
independently here, reading the seed text (or, in a checkout without the seeds, the stored CSV with the
csv module) and searching each quote in its line. A mutated quote, a wrong line or a cell claimed twice
must stop the registry with an error naming the file and the claim.
"""

from __future__ import annotations

import copy
import csv
import re

import pytest
import yaml
from claims_fixtures import ROOT

from gvc_clusters.analysis.cases import find_seeds_dir
from gvc_clusters.claims import registry as R
from gvc_clusters.data.families import build_family
from gvc_clusters.errors import InputError, InputErrors

REGISTRY = ROOT / "data/claims/claims.yaml"
SEED_LINES = ROOT / "data/claims/seed_lines.csv"
SEEDS = find_seeds_dir(ROOT)
# Table 10-3's columns, in the order the seed prints them (tab-separated, line 3425)
SEED_COLUMNS = ["Traditional manufacturing", "Natural- resource- based", "Complex products", "Specialized services"]
CELL_WORD = re.compile(r"(?:Positive|Neutral/ ?negative|Neutral|Often negative|None)(?: \^[a-z])?(?: \([^)]*\))?")


@pytest.fixture(scope="module")
def doc() -> dict:
    return R.read_registry(REGISTRY)


@pytest.fixture(scope="module")
def raw_doc() -> dict:
    """The YAML as written, without the module's reading (for the independent checks)."""
    return yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_text(raw_doc) -> dict[int, str]:
    """line number -> text of the registry's seed: the seed file itself where the seeds are present (the
    project's machines, CI), else the stored lines read with the csv module (a fresh clone)."""
    if SEEDS is not None:
        lines = (SEEDS / raw_doc["seed"]).read_text(encoding="utf-8").splitlines()
        return {n: text for n, text in enumerate(lines, start=1)}
    with open(SEED_LINES, encoding="utf-8", newline="") as fh:
        return {int(r["line"]): r["text"] for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def patterns():
    return build_family("clusters").tables["sector_patterns"]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _all_quotes(raw_doc: dict):
    for claim in raw_doc["claims"]:
        yield claim["id"], claim["quote"]
        for item in claim.get("also_stated", []):
            yield claim["id"], item


def test_the_registry_is_the_books_claims(doc):
    """46 claims, Table 10-3's 32 cells among them, 81 quoted passages over 23 seed lines."""
    assert doc["seed"] == "001_af830052e76503cb.txt"
    assert len(doc["claims"]) == 46
    assert sum("cell" in c for c in doc["claims"]) == 32
    assert len(list(R.quotes(doc))) == 81
    assert len(R.cited_lines(doc)) == 23
    assert {c["group"] for c in doc["claims"]} == set(R.GROUPS)


def test_every_quote_is_verbatim_at_its_line_by_the_modules_check(doc):
    assert R.check_quotes(doc, R.read_seed_lines(SEED_LINES), REGISTRY) == []


def test_every_quote_is_verbatim_at_its_line_read_from_the_seed_itself(raw_doc, seed_text):
    """Independent of the module: each quote (up to whitespace) is a substring of its line of the seed."""
    missing = [(claim_id, q["line"], q["text"][:60]) for claim_id, q in _all_quotes(raw_doc)
               if _squash(q["text"]) not in _squash(seed_text.get(q["line"], ""))]
    assert missing == []


def test_every_cell_quote_is_in_its_own_column_of_the_printed_table(raw_doc, seed_text):
    """A cell's word is "Positive" at line 3428 whichever column it is in: this holds it to its column
    (the tab-separated field) and, on the line that prints three rows merged, to its position there."""
    order = {"product": 0, "process": 1, "functional": 2}
    for claim in raw_doc["claims"]:
        cell = claim.get("cell")
        if cell is None:
            continue
        fields = seed_text[claim["quote"]["line"]].split("\t")
        field = fields[1 + SEED_COLUMNS.index(cell["column"])].strip()
        if claim["quote"]["line"] == 3428:        # product, process and functional rows merged by the OCR
            words = CELL_WORD.findall(field)
            assert len(words) == 3, field
            field = words[order[cell["upgrading_type"]]]
        assert _squash(field) == _squash(claim["quote"]["text"]), claim["id"]


def test_the_stored_seed_lines_equal_the_seed(doc):
    stored = R.read_seed_lines(SEED_LINES)
    assert sorted(stored) == R.cited_lines(doc), (
        "data/claims/seed_lines.csv is stale: run `python -m gvc_clusters.claims.registry`")
    if SEEDS is None:  # a fresh clone without the seeds: the stored lines are all there is
        return
    lines = (SEEDS / doc["seed"]).read_text(encoding="utf-8").split("\n")
    assert {n: lines[n - 1] for n in stored} == stored
    extracted = R.extract_seed_lines(doc, SEEDS)
    assert dict(zip(extracted["line"], extracted["text"])) == stored


def test_the_registry_validates_against_its_json_schema(raw_doc):
    import jsonschema

    schema = R._schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(raw_doc)


def _write(tmp_path, doc) -> str:
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, where", [
    (lambda c: c.pop("predicted"), "'predicted' is a required property"),
    (lambda c: c.update(predicted="upwards"), "claims/0/predicted"),
    (lambda c: c.update(testable=False), "claims/0"),                 # untestable needs a reason, no estimand
    (lambda c: c["quote"].update(line=0), "claims/0/quote/line"),
])
def test_a_claim_the_schema_refuses_is_located(tmp_path, raw_doc, mutate, where):
    doc = copy.deepcopy(raw_doc)
    mutate(doc["claims"][0])
    with pytest.raises(InputErrors) as err:
        R.read_registry(_write(tmp_path, doc))
    assert "claims.yaml" in str(err.value) and where in str(err.value)


def test_an_id_used_twice_is_refused(tmp_path, raw_doc):
    doc = copy.deepcopy(raw_doc)
    doc["claims"][1]["id"] = doc["claims"][0]["id"]
    with pytest.raises(InputErrors, match="claim id used twice") as err:
        R.read_registry(_write(tmp_path, doc))
    assert "claims.yaml" in str(err.value) and "claims/1/id" in str(err.value)


def _claim(doc, claim_id):
    return next(c for c in doc["claims"] if c["id"] == claim_id)


def test_a_quote_with_one_word_changed_stops_the_registry_naming_file_and_claim(doc, patterns):
    mutated = copy.deepcopy(doc)
    quote = _claim(mutated, "t10_3.ce.trad.product")["also_stated"][2]
    assert "positive" in quote["text"]
    quote["text"] = quote["text"].replace("positive", "negative")
    with pytest.raises(InputErrors) as err:
        R.check_registry(mutated, R.read_seed_lines(SEED_LINES), patterns, REGISTRY)
    assert len(err.value.errors) == 1
    text = str(err.value)
    assert "data/claims/claims.yaml" in text and "t10_3.ce.trad.product" in text
    assert "quote not verbatim at seed line 3419" in text and "also_stated/2" in text


def test_a_quote_at_a_wrong_line_stops_the_registry(doc):
    mutated = copy.deepcopy(doc)
    claim = next(c for c in mutated["claims"] if c["group"] == "chapter_10_text")
    claim["quote"]["line"] += 1
    problems = R.check_quotes(mutated, R.read_seed_lines(SEED_LINES), REGISTRY)
    assert len(problems) == 1 and isinstance(problems[0], InputError)
    assert claim["id"] in str(problems[0]) and "claims.yaml" in str(problems[0])
    assert "not available" in str(problems[0])   # the stored lines are only the cited ones
    # against the whole seed the line exists, and the quote is not on it
    if SEEDS is not None:
        lines = dict(enumerate((SEEDS / doc["seed"]).read_text(encoding="utf-8").split("\n"), start=1))
        (problem,) = R.check_quotes(mutated, lines, REGISTRY)
        assert f"quote not verbatim at seed line {claim['quote']['line']}" in str(problem)


def test_the_quote_check_is_whitespace_insensitive_and_nothing_else():
    assert R.normalize("  Positive \t ^c\n(but  passive) ") == "Positive ^c (but passive)"
    assert R.normalize("natural-resourcebased") != R.normalize("natural-resource-based")


def test_every_table_10_3_cell_has_exactly_one_claim(doc, patterns):
    assert len(patterns) == 32
    assert R.check_cells(doc, patterns, REGISTRY) == []
    claimed = sorted((c["cell"]["relation"], c["cell"]["sector_group"], c["cell"]["upgrading_type"])
                     for c in doc["claims"] if "cell" in c)
    assert claimed == sorted(zip(patterns["relation"], patterns["sector_group"], patterns["upgrading_type"]))


def test_a_cell_claimed_twice_or_not_at_all_is_named(doc, patterns):
    mutated = copy.deepcopy(doc)
    _claim(mutated, "t10_3.ce.trad.process")["cell"] = dict(_claim(mutated, "t10_3.ce.trad.product")["cell"])
    problems = [str(p) for p in R.check_cells(mutated, patterns, REGISTRY)]
    assert any("t10_3.ce.trad.process: Table 10-3 cell already claimed by t10_3.ce.trad.product" in p
               for p in problems)
    assert any("a Table 10-3 cell has no claim" in p and "'process'" in p for p in problems)


def test_a_cell_claim_predicting_other_than_its_word_is_named(doc, patterns):
    mutated = copy.deepcopy(doc)
    _claim(mutated, "t10_3.buyers.trad.functional")["predicted"] = "none"   # "Often negative"
    (problem,) = R.check_cells(mutated, patterns, REGISTRY)
    assert "t10_3.buyers.trad.functional: the prediction is not what the printed word says" in str(problem)
    assert "expected negative" in str(problem)


def test_the_predictions_are_the_printed_words(doc):
    predicted = {c["id"]: c["predicted"] for c in doc["claims"]}
    assert predicted["t10_3.ce.trad.product"] == "positive"
    assert predicted["t10_3.ce.trad.process"] == "none"                  # Neutral ^a
    assert predicted["t10_3.buyers.trad.functional"] == "negative"       # Often negative
    assert predicted["t10_3.buyers.nr.functional"] == "nonpositive"      # Neutral/negative
    assert predicted["t10_3.buyers.software.product"] == "none"          # None ^c


def test_specialized_services_cells_are_marked_not_testable(doc, patterns):
    software = [c for c in doc["claims"] if (c.get("cell") or {}).get("sector_group") == "specialized_suppliers"]
    upgrading = [c for c in software if c["cell"]["upgrading_type"]]
    assert len(software) == 8 and len(upgrading) == 6
    for claim in software:
        assert claim.get("testable") is False and "estimand" not in claim, claim["id"]
    for claim in upgrading:
        assert "no upgrading scores" in claim["reason"], claim["id"]
    # every testable cell names an effect in a spec with the sector groups
    for claim in doc["claims"]:
        if "cell" in claim and claim.get("testable", True):
            assert claim["estimand"]["kind"] == "effect"
            assert claim["estimand"]["spec"] in ("ce_by_sector", "buyers_by_sector"), claim["id"]
            assert " | sector=" in claim["estimand"]["term"], claim["id"]


def test_a_specialized_services_cell_made_testable_without_an_estimand_is_refused(tmp_path, raw_doc):
    doc = copy.deepcopy(raw_doc)
    claim = _claim(doc, "t10_3.ce.software.product")
    del claim["testable"]
    with pytest.raises(InputErrors) as err:
        R.read_registry(_write(tmp_path, doc))
    assert "claims.yaml" in str(err.value)
