"""Cases beyond the book (data/cases): schema, verbatim evidence, double coding, the with/without sample."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from gvc_clusters.analysis import cases as C
from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "cases"
TEMPLATES = ROOT / "workflow" / "templates" / "cases"
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
        "data/cases/seed_lines.csv is stale: run `python -m gvc_clusters.analysis.cases`")
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


@pytest.fixture(scope="module")
def book_dataset():
    """The book's model dataset, built from data/raw (a fresh clone has no processed data)."""
    from gvc_clusters.data.families import build_family

    return build_family("clusters", ROOT / "data" / "raw").tables["model_dataset"]


@pytest.fixture(scope="module")
def comparison(book_dataset, final):
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))  # as validated
    specs = {"ce_governance": config["ordinal"]["specs"]["ce_governance"]}
    return C.compare_samples(book_dataset, final, CASE_IDS, specs, halves="keep", seed=config["seed"])


def test_shipped_config_adds_no_case():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    assert config["cases"] == []


def test_cases_enter_the_sample_only_when_selected(book_dataset, final):
    same = C.with_cases(book_dataset, final, [])
    assert same is book_dataset
    both = C.with_cases(book_dataset, final, ["brickmaking_mexico", "jalisco_mezcal"])
    assert len(both) == len(book_dataset) + 2
    assert list(both.dtypes.astype(str)) == list(book_dataset.dtypes.astype(str))
    row = both.set_index("cluster_id").loc["brickmaking_mexico"]
    assert (row["ce_degree"], row["market_chain_0to3"], row["process_upgrading_0to3"]) == ("Low", 1, 0.0)
    assert not both.set_index("cluster_id").loc["jalisco_mezcal", "has_upgrading_data"]
    with pytest.raises(InputError, match="no file in data/cases"):
        C.with_cases(book_dataset, final, ["atlantis_pottery"])
    twin = {**final, "leon_shoes": final["leon_tanning"]}
    with pytest.raises(InputError, match="counted twice"):
        C.with_cases(book_dataset, twin, ["leon_shoes"])


def test_main_product_model_with_and_without_the_cases(comparison):
    """The book's product-upgrading probit (N 34) against the same model with the cases (N 36):
    brickmaking and Michoacán ceramics enter; León tanning and mezcal miss product upgrading and the
    quasi-hierarchy code and are counted as excluded."""
    estimates, samples, exclusions = comparison
    main = samples.set_index("model_id").loc["ce_governance__product__probit"]
    assert (main["n_book"], main["n_with"], main["n_added"]) == (34, 36, 2)
    assert main["cases_entered"] == "brickmaking_mexico, michoacan_ceramics"
    assert main["cases_excluded"] == "jalisco_mezcal, leon_tanning"
    coef = estimates[(estimates["model_id"] == "ce_governance__product__probit") & (estimates["role"] == "coef")]
    ce = coef.set_index("term").loc["ce_level"]
    assert ce["estimate_book"] == pytest.approx(1.455454, abs=1e-5)
    assert ce["estimate_with"] == pytest.approx(1.616247, abs=1e-5)
    assert not ce["sign_changes"] and not ce["significance_changes"]
    qh = coef.set_index("term").loc["quasi_hierarchy_global"]
    assert qh["estimate_book"] == pytest.approx(-0.709715, abs=1e-5)
    assert qh["estimate_with"] == pytest.approx(-0.553436, abs=1e-5)
    leon = exclusions[(exclusions["outcome"] == "product") & (exclusions["case_id"] == "leon_tanning")].iloc[0]
    assert (bool(leon["entered"]), leon["missing"]) == (False, "product, quasi_hierarchy_global")
    process = samples.set_index("model_id").loc["ce_governance__process__probit"]
    assert process["n_with"] - process["n_book"] == 2
    # a category only one sample has (brickmaking adds product = 0) flags nothing
    new = estimates[estimates["estimate_book"].isna() & estimates["estimate_with"].notna()]
    assert len(new) > 0 and not new["sign_changes"].any() and not new["significance_changes"].any()


def test_section_shows_codes_agreement_and_both_samples(tmp_path, final, coder_a, coder_b, comparison):
    from gvc_clusters.output.cases_report import exclusion_counts, section_context, write_section

    estimates, samples, exclusions = comparison
    counts = exclusion_counts(exclusions).set_index(["outcome", "code"])
    assert counts.loc[("product", "gov_quasi_hierarchy"), "n_cases_missing"] == 2
    assert counts.loc[("functional", "upg_functional"), "cases"] == "brickmaking_mexico, jalisco_mezcal, leon_tanning"
    context = section_context(cases=final, selected=CASE_IDS, agreement=C.agreement(coder_a, coder_b),
                              reconciliation=C.read_reconciliation(CASES / "reconciliation_log.csv"),
                              comparison=estimates, samples=samples, exclusions=exclusions)
    write_section(context, html_template=TEMPLATES / "cases_section.html.j2",
                  tex_template=TEMPLATES / "cases_section.tex.j2", out_html=tmp_path / "s.html",
                  out_tex=tmp_path / "s.tex")
    html, tex = (tmp_path / "s.html").read_text(encoding="utf-8"), (tmp_path / "s.tex").read_text(encoding="utf-8")
    assert "<h2>Cases beyond the book</h2>" in html and r"\section{Cases beyond the book}" in tex
    assert "<td>ce_governance__product__probit</td><td>34</td><td>36</td>" in html
    assert "<td>Process</td><td>ordinal</td><td>3</td><td>1/4</td><td>25</td><td>-0.25</td>" in html
    assert "supplies leon_shoes" in html and r"supplies leon\_shoes" in tex
    assert "construction of sedimentation tanks in some workshops" in html
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%")).replace(r"\_", "")
    assert "_" not in body  # every underscore escaped (comments aside)


def test_section_latex_compiles(tmp_path, final, coder_a, coder_b, comparison):
    import shutil
    import subprocess

    from gvc_clusters.output.cases_report import section_context, write_section

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed (CI installs TeX)")
    estimates, samples, exclusions = comparison
    context = section_context(cases=final, selected=CASE_IDS, agreement=C.agreement(coder_a, coder_b),
                              reconciliation=C.read_reconciliation(CASES / "reconciliation_log.csv"),
                              comparison=estimates, samples=samples, exclusions=exclusions)
    write_section(context, html_template=TEMPLATES / "cases_section.html.j2",
                  tex_template=TEMPLATES / "cases_section.tex.j2", out_html=tmp_path / "s.html",
                  out_tex=tmp_path / "cases_section.tex")
    preamble = r"\documentclass[11pt]{article}\usepackage[utf8]{inputenc}\usepackage[T1]{fontenc}\usepackage{graphicx}"
    (tmp_path / "doc.tex").write_text(preamble + "\n" + r"\begin{document}\input{cases_section.tex}\end{document}" + "\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000
