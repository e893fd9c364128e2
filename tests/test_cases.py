"""Cases beyond the book (data/cases): schema, verbatim evidence, double coding, the with/without sample."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from gvc_clusters.analysis import case_ce, case_evidence, case_protocol
from gvc_clusters.analysis import cases as C
from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.errors import InputError
from gvc_clusters.models.case_fits import compare_samples

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


def test_final_codes_follow_agreement_reconciliation_and_review(final, coder_a, coder_b):
    log = C.read_reconciliation(CASES / "reconciliation_log.csv")
    review = case_protocol.read_review(CASES / "review_log.csv")
    assert C.check_reconciliation(final, coder_a, coder_b, log, review=review) == []
    assert len(log) == len(C.disagreements(coder_a, coder_b))
    # without the review log the three reviewed values are flagged as departures from the reconciliation
    unreviewed = C.check_reconciliation(final, coder_a, coder_b, log)
    assert sorted((p.column, p.value) for p in unreviewed) == [("upg_process", "0"), ("upg_process", "1"),
                                                               ("upg_product", "0")]
    moved = review.copy()
    moved.loc[0, "reconciled"] = "2"  # a review row must start from the reconciled value
    assert any("does not start from the reconciled value" in str(p)
               for p in C.check_reconciliation(final, coder_a, coder_b, log, review=moved))


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
    (problem,) = C.check_reconciliation(changed, coder_a, coder_b, log,
                                        review=case_protocol.read_review(CASES / "review_log.csv"))
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
    return compare_samples(book_dataset, final, CASE_IDS, specs, halves="keep", seed=config["seed"])


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
    assert (row["ce_degree"], row["market_chain_0to3"], row["process_upgrading_0to3"]) == ("Low", 1, 1.0)
    assert not both.set_index("cluster_id").loc["jalisco_mezcal", "has_upgrading_data"]
    with pytest.raises(InputError, match="no file in data/cases"):
        C.with_cases(book_dataset, final, ["atlantis_pottery"])
    twin = {**final, "leon_shoes": final["leon_tanning"]}
    with pytest.raises(InputError, match="counted twice"):
        C.with_cases(book_dataset, twin, ["leon_shoes"])


def test_main_product_model_with_and_without_the_cases(comparison):
    """The book's product-upgrading probit (N 34) against the same model with the cases (N 36):
    brickmaking and Michoacán ceramics enter; León tanning and mezcal miss product upgrading and the
    quasi-hierarchy code and are counted as excluded. Both entering cases add product upgrading 0,
    a category the book's sample does not have."""
    estimates, samples, exclusions = comparison
    main = samples.set_index("model_id").loc["ce_governance__product__probit"]
    assert (main["n_book"], main["n_with"], main["n_added"]) == (34, 36, 2)
    assert main["cases_entered"] == "brickmaking_mexico, michoacan_ceramics"
    assert main["cases_excluded"] == "jalisco_mezcal, leon_tanning"
    assert (main["categories_book"], main["categories_with"]) == ("1, 1.5, 2, 2.5, 3", "0, 1, 1.5, 2, 2.5, 3")
    assert main["se_type"].startswith("model-based") and main["statistic"] == "z"
    coef = estimates[(estimates["model_id"] == "ce_governance__product__probit") & (estimates["role"] == "coef")]
    ce = coef.set_index("term").loc["ce_level"]
    assert ce["estimate_book"] == pytest.approx(1.455454, abs=1e-5)
    assert ce["estimate_with"] == pytest.approx(1.634897, abs=1e-5)
    assert not ce["sign_changes"] and not ce["significance_changes"]
    inter = coef.set_index("term").loc["ce_level:sector_complex_products"]
    assert (inter["p_value_book"], inter["p_value_with"]) == (pytest.approx(0.059858, abs=1e-5),
                                                             pytest.approx(0.027010, abs=1e-5))
    assert inter["significance_changes"]
    qh = coef.set_index("term").loc["quasi_hierarchy_global"]
    assert qh["estimate_book"] == pytest.approx(-0.709715, abs=1e-5)
    assert qh["estimate_with"] == pytest.approx(-0.484607, abs=1e-5)
    leon = exclusions[(exclusions["outcome"] == "product") & (exclusions["case_id"] == "leon_tanning")].iloc[0]
    assert (bool(leon["entered"]), leon["missing"]) == (False, "product, quasi_hierarchy_global")
    process = samples.set_index("model_id").loc["ce_governance__process__probit"]
    assert process["n_with"] - process["n_book"] == 2
    # a category only one sample has (the cases add product = 0) flags nothing
    new = estimates[estimates["estimate_book"].isna() & estimates["estimate_with"].notna()]
    assert len(new) > 0 and not new["sign_changes"].any() and not new["significance_changes"].any()


# ----------------------------------------------------------------------------------------------
# Quote roles and the supporting-quote rule
# ----------------------------------------------------------------------------------------------

def test_every_final_quote_has_a_role_and_a_referent(tmp_path, final):
    for doc in final.values():
        for _, item in C.evidence_items(doc):
            assert item["role"] in case_evidence.ROLES and item["about"] in case_evidence.REFERENTS
    doc = yaml.safe_load((CASES / "leon_tanning.yaml").read_text(encoding="utf-8"))
    del doc["codes"]["upg_process"]["evidence"][0]["role"]
    doc["ce_components"]["ee_information"]["evidence"][0]["about"] = "elsewhere"
    path = tmp_path / "leon_tanning.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as err:
        C.read_case(path)
    assert "'role' is a required property" in str(err.value) and "'elsewhere' is not one of" in str(err.value)
    # a coder's file (no identity) records the coding as made: no roles required
    assert C.read_case(CASES / "coding" / "coder_b" / "leon_tanning.yaml")["coder"] == "B"


def test_every_coded_value_has_a_supporting_quote(final):
    assert [p for c, d in final.items() for p in case_evidence.check_support(d, c)] == []
    table = case_evidence.evidence_table(final)
    coded = table[table["value"] != ""]
    assert (coded["supporting_lines"] != "").all()
    doc = yaml.safe_load(yaml.safe_dump(final["michoacan_ceramics"]))
    code = doc["codes"]["upg_functional"]
    for item in code["evidence"]:
        if item["role"] == "supports":
            item["role"] = "context"
    (problem,) = case_evidence.check_support(doc, "michoacan_ceramics.yaml")
    assert "without a supporting quote" in str(problem) and "codes/upg_functional" in str(problem)
    code["value"] = None  # missing needs no support
    assert case_evidence.check_support(doc) == []
    doc["codes"]["gov_network"]["evidence"][1]["role"] = "supports"  # the lobbying quote: another referent
    (problem,) = case_evidence.check_support(doc)
    assert "another referent cannot support" in str(problem)
    doc["codes"]["gov_network"]["evidence"][1]["role"] = "context"
    doc["codes"]["gov_hierarchy"]["confidence"] = "medium"  # both its quotes are about ceramics in general
    (problem,) = case_evidence.check_support(doc)
    assert "only by quotes about the wider industry is low confidence" in str(problem)


def test_michoacan_upgrading_rests_on_michoacan_evidence(final):
    """No quote shows lead-free glaze in use in Michoacán: product and process are 0, carried by
    quotes about the unit, with the national programme's field tests shown as contrary evidence."""
    codes = final["michoacan_ceramics"]["codes"]
    for variable in ("upg_product", "upg_process"):
        code = codes[variable]
        assert (code["value"], code["coder"], code["confidence"]) == (0, "reviewed", "low")
        assert {e["about"] for e in case_evidence.supporting(code)} >= {"unit"}
        contrary = [e["quote"] for e in code["evidence"] if e["role"] == "contradicts"]
        assert any("field-testing of the new technology in existing workshops" in q for q in contrary)
        # the coders' "potential" and export-condition quotes are context, not support
        assert all("potential" not in e["quote"] for e in case_evidence.supporting(code))
    assert codes["gov_market"]["value"] == 1  # domestic: the exported lead-free ware is not the unit's


def test_units_and_time_frames_are_stated(final):
    years = {c: tuple(d["identity"]["years"]) for c, d in final.items()}
    assert years == {"brickmaking_mexico": (1988, 2016), "jalisco_mezcal": (1990, 1999),
                     "leon_tanning": (1985, 2006), "michoacan_ceramics": (1990, 2012)}
    assert final["brickmaking_mexico"]["identity"]["location"] == "Ciudad Juárez, Chihuahua"
    table = case_evidence.evidence_table(final).groupby("case_id")[["n_unit", "n_wider", "n_other"]].sum()
    assert table.loc["michoacan_ceramics"].tolist() == [11, 29, 1]  # mostly evidence about ceramics in general
    assert table.loc["brickmaking_mexico", "n_other"] == 5        # Torreón, relations between clusters, ...


# ----------------------------------------------------------------------------------------------
# CE components and the degree they fix
# ----------------------------------------------------------------------------------------------

def test_ce_degree_from_the_books_components():
    every = dict.fromkeys(case_ce.COMPONENTS, 2.0)
    assert case_ce.derive_degree(every) == {"n_known": 8, "index_min": 8.0, "index_max": 8.0, "degree_min": "Medium",
                                            "degree_max": "Medium", "derived": "Medium"}
    assert case_ce.derive_degree(dict.fromkeys(case_ce.COMPONENTS, 3.0))["derived"] == "High"
    # one open component: index 10.5 to 12, still High; a second open: 9 to 12 spans two bands
    open_one = {**dict.fromkeys(case_ce.COMPONENTS, 3.0), "ee_labour": None}
    assert case_ce.index_interval(open_one) == (10.5, 12.0)
    assert case_ce.derive_degree(open_one)["derived"] == "High"
    assert case_ce.derive_degree({**open_one, "ja_forward": None})["derived"] is None
    assert [case_ce.degree_of_index(x) for x in (0, 5.99, 6, 9.99, 10, 12)] == ["Low", "Low", "Medium", "Medium",
                                                                                "High", "High"]
    with pytest.raises(ValueError):
        case_ce.degree_of_index(12.5)


def test_ce_codes_are_holistic_where_the_components_do_not_fix_them(final):
    table = case_ce.ce_table(final).set_index("case_id")
    assert table["n_known"].to_dict() == {"brickmaking_mexico": 1, "jalisco_mezcal": 0, "leon_tanning": 2,
                                          "michoacan_ceramics": 4}
    assert (table.loc["michoacan_ceramics", "index_min"], table.loc["michoacan_ceramics", "index_max"]) == (1.5, 7.5)
    assert table["derived"].isna().all() and (table["basis"] == "holistic").all()
    assert [p for c, d in final.items() for p in case_ce.check_ce_basis(d, c)] == []
    doc = yaml.safe_load(yaml.safe_dump(final["leon_tanning"]))
    doc["codes"]["ce_degree"]["basis"] = "derived"
    assert "do not fix the degree" in str(case_ce.check_ce_basis(doc)[0])
    for name in case_ce.COMPONENTS:  # every component rated 3: the components fix High
        doc["ce_components"][name]["value"] = 3
    assert "(derived)" in str(case_ce.check_ce_basis(doc)[0]) and "High" in str(case_ce.check_ce_basis(doc)[0])


def test_degree_bands_match_table_10_1():
    """Each sector's mean index (Table 10-1) falls in the band of the sector's most common degree."""
    from gvc_clusters.data.families import build_family

    tables = build_family("clusters", ROOT / "data" / "raw").tables
    bands = case_ce.bands_against_table_10_1(tables["sector_ce_index"], tables["clusters"]).set_index("sector_group")
    assert bands["mean_index"].to_dict() == {"complex_products": 6.19, "natural_resource_based": 8.2,
                                             "traditional_manufacturing": 6.31}
    assert bands["band"].eq("Medium").all() and bands["agrees"].all()
    assert bands.loc["natural_resource_based", "n_clusters"] == 11


# ----------------------------------------------------------------------------------------------
# Protocol deviations, provenance
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deviations():
    return case_protocol.read_deviations(CASES / "protocol" / "deviations.yaml")


def test_deviations_log_is_present_and_followed(final, deviations):
    assert {d["id"]: d["decision"]["status"] for d in deviations} == {"lasting_level": "restored",
                                                                     "export_own_output": "kept"}
    for d in deviations:  # dated from git: the first version before coder B's import, the revision after
        assert d["original"]["date"] < "2026-11-29T19:00:48" < d["revised"]["date"]
    assert case_protocol.check_deviations(final, deviations) == []
    other = case_protocol.apply_versions(final, deviations, {"lasting_level": "revised", "export_own_output": "original"})
    assert other["brickmaking_mexico"]["codes"]["upg_process"]["value"] == 0
    assert other["michoacan_ceramics"]["codes"]["gov_market"]["value"] == 3
    assert final["brickmaking_mexico"]["codes"]["upg_process"]["value"] == 1  # the input is not changed
    problems = case_protocol.check_deviations(other, deviations)
    assert len(problems) == 2 and all("does not follow" in str(p) for p in problems)


def test_deviations_schema_names_the_place(tmp_path):
    doc = yaml.safe_load((CASES / "protocol" / "deviations.yaml").read_text(encoding="utf-8"))
    doc["deviations"][0]["decision"]["status"] = "clarified"
    path = tmp_path / "deviations.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="deviations/0/decision/status"):
        case_protocol.read_deviations(path)


def test_provenance_names_a_role_and_date_for_every_step():
    prov = case_protocol.read_provenance(CASES / "protocol" / "provenance.yaml")
    steps = case_protocol.timeline(prov)
    assert steps["role"].tolist() == ["coder a", "protocol author", "coder b", "reconciler", "reconciler",
                                      "protocol author", "reviewer"]
    assert steps["commit"].iloc[0] == "d080d757" and steps["date"].is_monotonic_increasing
    briefs = " ".join((CASES / "coding" / "BRIEFS.md").read_text(encoding="utf-8").split())
    assert "Brief: not in the repository; it cannot be recovered from it." in briefs  # coder B
    notes = " ".join((CASES / "coding" / "coder_b" / "PROTOCOL_NOTES.md").read_text(encoding="utf-8").split())
    assert "as the brief requires, I used integers" in briefs and "as the brief requires, I used integers" in notes


# ----------------------------------------------------------------------------------------------
# Both versions of each changed rule, each case alone and each left out
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sensitivity(book_dataset, final, deviations):
    from gvc_clusters.models.case_fits import scenario_fits

    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    specs = {"ce_governance": config["ordinal"]["specs"]["ce_governance"]}
    return scenario_fits(book_dataset, final, CASE_IDS, deviations, specs, halves="keep", seed=config["seed"])


def test_leave_one_case_out_moves_the_ce_complex_verdict(sensitivity):
    from gvc_clusters.analysis.case_sensitivity import verdicts

    table = verdicts(sensitivity, "ce_governance__product__probit").set_index("scenario")
    p = table["p_value"]
    assert p["book"] == pytest.approx(0.059858, abs=1e-5) and not table.loc["book", "significant_5"]
    assert p["all cases"] == pytest.approx(0.027010, abs=1e-5)
    # brickmaking and ceramics have the same product-model codes (Low, QH 0, product 0): either alone
    assert p["only brickmaking_mexico"] == pytest.approx(0.038025, abs=1e-5) == p["only michoacan_ceramics"]
    assert p["only leon_tanning"] == p["book"] == p["only jalisco_mezcal"]       # they enter no fit
    assert p["without brickmaking_mexico"] == p["only michoacan_ceramics"]
    assert table["verdict_changes"].sum() == 9  # all, 2 alone, 4 left out, 2 rule versions
    assert table.loc["only leon_tanning", "cases_entered"] == ""


def test_both_versions_of_each_changed_rule_are_fitted(sensitivity):
    kinds = sensitivity.drop_duplicates("scenario").set_index("scenario")["rule"]
    assert kinds["lasting_level: revised rule"] == "lasting_level"
    assert kinds["export_own_output: original rule"] == "export_own_output"
    process = sensitivity[(sensitivity["model_id"] == "ce_governance__process__probit")
                          & (sensitivity["term"] == "ce_level:sector_complex_products")].set_index("scenario")
    # brickmaking process 1 (restored rule) against 0 (revised): different fits
    assert process.loc["all cases", "p_value"] == pytest.approx(0.355472, abs=1e-5)
    assert process.loc["lasting_level: revised rule", "p_value"] == pytest.approx(0.329733, abs=1e-5)
    assert process.loc["all cases", "categories"] != process.loc["lasting_level: revised rule", "categories"] or \
        process.loc["all cases", "p_value"] != process.loc["lasting_level: revised rule", "p_value"]


def test_section_shows_codes_agreement_and_both_samples(tmp_path, section):
    html, tex = section
    assert "<h2>Cases beyond the book</h2>" in html and r"\section{Cases beyond the book}" in tex
    assert '<th scope="row">ce_governance__product__probit</th><td>34</td><td>36</td>' in html
    assert "construction of sedimentation tanks in some workshops" in html
    assert "p-values are asymptotic" in html and "p-values are asymptotic" in tex
    assert "model-based (inverse observed information) in ce_governance" in html
    assert "robust standard errors" not in html
    assert "Tanning, León enters none of the 6 with-cases fits" in " ".join(html.split())  # ce_governance only
    assert "(2 units)" in html and "Uninformative" in html and "nominal α = 0.72" in html
    assert "Every case code entering ce_governance__product__probit is low confidence" in html
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%")).replace(r"\_", "")
    assert "_" not in body  # every underscore escaped (comments aside)
    assert "α" not in tex and "†" not in tex  # spelled for LaTeX


@pytest.fixture(scope="module")
def section(tmp_path_factory, final, coder_a, coder_b, comparison, sensitivity, deviations):
    from gvc_clusters.analysis.case_agreement import informativeness, pooled_alpha
    from gvc_clusters.data.families import build_family
    from gvc_clusters.output.cases_report import section_context, write_section

    estimates, samples, exclusions = comparison
    tables = build_family("clusters", ROOT / "data" / "raw").tables
    agreement = C.agreement(coder_a, coder_b)
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    context = section_context(
        cases=final, selected=CASE_IDS, agreement=agreement.merge(informativeness(agreement, coder_a, coder_b)),
        reconciliation=C.read_reconciliation(CASES / "reconciliation_log.csv"), comparison=estimates,
        samples=samples, exclusions=exclusions, pooled=pooled_alpha(coder_a, coder_b),
        review=case_protocol.read_review(CASES / "review_log.csv"), deviations=deviations,
        provenance=case_protocol.read_provenance(CASES / "protocol" / "provenance.yaml"), sensitivity=sensitivity,
        bands=case_ce.bands_against_table_10_1(tables["sector_ce_index"], tables["clusters"]),
        specs={"ce_governance": config["ordinal"]["specs"]["ce_governance"]})
    out = tmp_path_factory.mktemp("section")
    write_section(context, html_template=TEMPLATES / "cases_section.html.j2",
                  tex_template=TEMPLATES / "cases_section.tex.j2", out_html=out / "s.html",
                  out_tex=out / "cases_section.tex")
    return (out / "s.html").read_text(encoding="utf-8"), (out / "cases_section.tex").read_text(encoding="utf-8")


def test_section_latex_compiles(tmp_path, section):
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed (CI installs TeX)")
    (tmp_path / "cases_section.tex").write_text(section[1], encoding="utf-8")
    preamble = (r"\documentclass[11pt]{article}\usepackage[utf8]{inputenc}\usepackage[T1]{fontenc}"
                r"\usepackage{graphicx}\usepackage{booktabs}\usepackage{array}\usepackage{xltabular}")
    (tmp_path / "doc.tex").write_text(preamble + "\n" + r"\begin{document}\input{cases_section.tex}\end{document}" + "\n")
    for _ in range(2):  # xltabular settles its column widths on the second run
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                             capture_output=True, timeout=120, check=False)  # TeX logs 8-bit bytes
        assert run.returncode == 0, run.stdout[-2000:].decode("latin-1")
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000


def test_report_numbers_the_cases_section_before_the_appendix():
    from types import SimpleNamespace

    from gvc_clusters.output.report import cases_section_number, numbered_cases_section

    plan = [SimpleNamespace(number=n) for n in ("1", "2", "3", "4", "5", "6", "A")]
    assert cases_section_number(plan) == "7"
    assert numbered_cases_section("<section><h2>Cases beyond the book</h2><h2>x</h2>", plan) == \
        "<section><h2>7. Cases beyond the book</h2><h2>x</h2>"
    template = (ROOT / "workflow/templates/paper.tex.j2").read_text(encoding="utf-8")
    assert template.index(r"\input{<< cases_rel >>}") < template.index(r"\appendix")
