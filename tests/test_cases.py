"""Cases beyond the book (data/cases): schema, verbatim evidence, double coding, the with/without sample."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from gvc_clusters import cases as C
from gvc_clusters.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "cases"
CASE_IDS = ["brickmaking_mexico", "jalisco_mezcal", "leon_tanning", "michoacan_ceramics"]


@pytest.fixture(scope="module")
def final():
    return C.read_cases(CASES)


@pytest.fixture(scope="module")
def coder_a():
    return C.read_cases(CASES / "coding" / "coder_a")


@pytest.fixture(scope="module")
def coder_b():
    return C.read_cases(CASES / "coding" / "coder_b")


@pytest.fixture(scope="module")
def stored_lines(tmp_path_factory):
    """The cited seed lines as stored in the repository, written back as sparse seed files."""
    return C.lines_directory(C.read_seed_lines(CASES / "seed_lines.csv"), tmp_path_factory.mktemp("seeds"))


def test_every_case_file_is_valid(final, coder_a):
    assert sorted(final) == CASE_IDS
    assert sorted(coder_a) == CASE_IDS
    for doc in final.values():
        assert set(doc["codes"]) == set(C.VARIABLES)
        assert doc["identity"]["country"] == "Mexico"


def test_every_quote_is_verbatim_at_its_cited_lines(stored_lines):
    """Runs in a fresh clone: quotes against the stored seed lines (cases, both coders, protocol anchors)."""
    docs = C.all_evidence_documents(ROOT)
    n_quotes = sum(1 for d in docs for _ in C.evidence_items(d))
    assert n_quotes >= 60
    problems = [p for d in docs for p in C.check_quotes(d, stored_lines)]
    assert problems == []


def test_stored_lines_are_complete_and_equal_the_seeds():
    stored = C.read_seed_lines(CASES / "seed_lines.csv")
    assert set(zip(stored["seed"], stored["line"])) == C.cited_lines(C.all_evidence_documents(ROOT)), (
        "data/cases/seed_lines.csv is stale: run `python -m gvc_clusters.cases`")
    seeds = C.find_seeds_dir(ROOT)
    if seeds is None:  # a fresh clone without the seeds: the stored lines are all there is
        return
    for seed, group in stored.groupby("seed"):
        lines = (seeds / seed).read_text(encoding="utf-8").split("\n")
        for row in group.itertuples(index=False):
            assert lines[row.line - 1] == row.text, (seed, row.line)


def test_a_quote_that_drifts_or_is_invented_is_caught(stored_lines, final):
    doc = yaml.safe_load((CASES / "leon_tanning.yaml").read_text(encoding="utf-8"))
    item = doc["codes"]["upg_process"]["evidence"][0]
    assert C.check_quotes(doc, stored_lines) == []
    item["lines"] = [item["lines"][0] + 2, item["lines"][1] + 2]  # right quote, wrong lines
    (moved,) = C.check_quotes(doc, stored_lines, "leon_tanning.yaml")
    assert "quote not found verbatim" in str(moved) and "upg_process" in str(moved)
    item["lines"] = [199, 199]
    item["quote"] = item["quote"].replace("some workshops", "most workshops")  # an invented word
    assert len(C.check_quotes(doc, stored_lines)) == 1
    item["quote"] = "construction of sedimentation\n   tanks in some workshops"  # whitespace only: fine
    assert C.check_quotes(doc, stored_lines) == []


def test_schema_rejects_bad_values_and_names_the_place(tmp_path):
    doc = yaml.safe_load((CASES / "brickmaking_mexico.yaml").read_text(encoding="utf-8"))
    doc["codes"]["gov_market"]["value"] = 4
    doc["codes"]["ce_degree"]["value"] = "medium"
    del doc["codes"]["upg_product"]
    path = tmp_path / "brickmaking_mexico.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as err:
        C.read_case(path)
    text = str(err.value)
    assert "3 problem(s)" in text
    assert "codes/gov_market/value" in text and "codes/ce_degree/value" in text and "'upg_product'" in text
    renamed = tmp_path / "other_name.yaml"
    doc = yaml.safe_load((CASES / "brickmaking_mexico.yaml").read_text(encoding="utf-8"))
    renamed.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="case_id differs from the file name"):
        C.read_case(renamed)


def test_relations_are_explicit_and_nothing_is_counted_twice(final):
    key = pd.read_csv(ROOT / "data/raw/clusters/cluster_key.csv")
    book = set(key["cluster_id"])
    assert C.check_relations(final, book) == []
    (rel,) = final["leon_tanning"]["relations"]
    assert (rel["book_cluster"], rel["relation"]) == ("leon_shoes", "supplies")
    bad = {"leon_shoes": final["leon_tanning"]}
    assert "counted twice" in str(C.check_relations(bad, book)[0])


def test_missing_codes_are_missing_with_a_reason(final):
    mezcal = final["jalisco_mezcal"]["codes"]
    assert mezcal["ce_degree"]["value"] is not None
    assert all(mezcal[v]["value"] is None for v in C.VARIABLES if v != "ce_degree")
    for doc in final.values():
        for code in doc["codes"].values():
            assert code["note"].strip()
            if code["value"] is not None:
                assert code["evidence"], "a coded value needs evidence"


def test_final_codes_follow_agreement_and_the_reconciliation_log(final, coder_a, coder_b):
    log = C.read_reconciliation(CASES / "reconciliation_log.csv")
    assert C.check_reconciliation(final, coder_a, coder_b, log) == []
    assert len(log) == len(C.disagreements(coder_a, coder_b))


def test_reconciliation_check_catches_an_unlogged_change(final, coder_a, coder_b):
    log = C.read_reconciliation(CASES / "reconciliation_log.csv")
    changed = {k: yaml.safe_load(yaml.safe_dump(v)) for k, v in final.items()}
    agreed = next((c, v) for c in CASE_IDS for v in C.VARIABLES
                  if not ((log["case_id"] == c) & (log["variable"] == v)).any()
                  and final[c]["codes"][v]["value"] is not None)
    case_id, variable = agreed
    old = changed[case_id]["codes"][variable]["value"]
    changed[case_id]["codes"][variable]["value"] = "High" if variable == "ce_degree" and old != "High" else (
        3 if old != 3 else 2)
    (problem,) = C.check_reconciliation(changed, coder_a, coder_b, log)
    assert "differs from the agreed coding" in str(problem) and variable in str(problem)


def test_agreement_on_known_codings():
    """Alpha from the krippendorff package on a hand-checked example, and its undefined cases."""
    def coding(values):
        return {f"c{i}": {"codes": {v: {"value": val.get(v)} for v in C.VARIABLES}} for i, val in enumerate(values)}

    a = coding([{"ce_degree": "Low", "upg_product": 0}, {"ce_degree": "High", "upg_product": 1},
                {"ce_degree": "Medium", "upg_product": 2}, {"ce_degree": "Low"}])
    b = coding([{"ce_degree": "Low", "upg_product": 0}, {"ce_degree": "High", "upg_product": 1},
                {"ce_degree": "Medium", "upg_product": 1}, {"ce_degree": "Low", "upg_product": 1}])
    table = C.agreement(a, b).set_index("variable")
    assert table.loc["ce_degree", "alpha"] == pytest.approx(1.0)
    assert table.loc["ce_degree", "n_coded_by_both"] == 4
    # product: pairs (0,0), (1,1), (2,1); case 4 coded by B only -> not pairable
    assert table.loc["upg_product", "n_coded_by_both"] == 3
    assert table.loc["upg_product", "n_agree_incl_missing"] == 2
    assert table.loc["upg_product", "percent_agree_incl_missing"] == pytest.approx(50.0)
    # By hand (Krippendorff 2011, ordinal metric): values 0,0,1,1,2,1 -> n0=2, n1=3, n2=1, n=6;
    # delta2(1,2) = (n1 + n2 - (n1 + n2)/2)^2 = 4, delta2(0,1) = 6.25, delta2(0,2) = 20.25;
    # Do = (o12 + o21) * 4 / 6 = 4/3; De = 2 (6 * 6.25 + 3 * 4 + 2 * 20.25) / 30 = 6; alpha = 1 - (4/3)/6
    assert table.loc["upg_product", "alpha"] == pytest.approx(1 - (4 / 3) / 6, abs=1e-12)
    assert pd.isna(table.loc["gov_market", "alpha"])
    assert table.loc["gov_market", "alpha_note"] == "fewer than two cases coded by both"


def test_cases_enter_the_sample_only_when_selected(final):
    book = pd.read_parquet(ROOT / "data/processed/clusters/model_dataset.parquet") if (
        ROOT / "data/processed/clusters/model_dataset.parquet").exists() else None
    if book is None:
        pytest.skip("processed model dataset not built")
    same = C.with_cases(book, final, [])
    assert same is book
    both = C.with_cases(book, final, ["brickmaking_mexico", "jalisco_mezcal"])
    assert len(both) == len(book) + 2
    assert list(both.dtypes.astype(str)) == list(book.dtypes.astype(str))
    row = both.set_index("cluster_id").loc["brickmaking_mexico"]
    assert (row["ce_degree"], row["market_chain_0to3"], row["process_upgrading_0to3"]) == ("Low", 1, 1.0)
    assert not both.set_index("cluster_id").loc["jalisco_mezcal", "has_upgrading_data"]
    with pytest.raises(InputError, match="no file in data/cases"):
        C.with_cases(book, final, ["atlantis_pottery"])
