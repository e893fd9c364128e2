"""The words about the book's claims (gvc_clusters.output.claims_text), held to the numbers they state.

Predicates on real numbers first; then mutation tests: the verdicts file is made by claim_verdicts
from hand-made result files (tests/claims_fixtures.py: Table 10-3's first cell as the build estimates
it), written and read back as the report reads it, and rendered (paragraphs, the verdict table's
cells, the summary and the rule). One number at a time is changed in the result files (or in the
verdicts file) and the words must change, saying the new number. A sentence that survives a change
in the number it describes is a bug.
"""

from __future__ import annotations

import math
import re

import pytest
from claims_fixtures import effect_claim, make_results, registry, untestable_claim, verdicts

from gvc_clusters.claims.verdicts import VerdictRule
from gvc_clusters.output import claims_text as ct

MINUS = "\u2212"
# a hyphen-minus used as a sign: before a digit and not inside a word or a number ("Table 10-3" is fine)
HYPHEN_SIGN = re.compile(r"(?<![\w.])-(?=\d)")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


# ---- predicates --------------------------------------------------------------------------------

def test_signed_and_number_print_true_minus_signs_and_no_negative_zero():
    assert ct.signed(0.288670802353) == "+0.289"
    assert ct.signed(-0.138033299679) == f"{MINUS}0.138"
    assert ct.signed(-0.0004) == "0.000" and ct.signed(0.0) == "0.000"
    assert ct.signed(-0.288670802353, 2) == f"{MINUS}0.29"
    assert ct.number(-0.221898872174) == f"{MINUS}0.222" and ct.number(0.00129484347195) == "0.001"
    assert ct.number(-0.00129484347195, 2) == "0.00"


def test_p_words():
    assert ct.p_words(0.056) == "p = 0.056"
    assert ct.p_words(0.0833338520489) == "p = 0.083"
    assert ct.p_words(0.0004) == "p < 0.001" and ct.p_words(0.001) == "p = 0.001"


@pytest.mark.parametrize("share, text", [
    (0.5, "50"), (0.25, "25"), (0.025, "2.5"), (1.0, "100"), (0.0, "0"), (0.045, "4.5"), (0.99, "99"),
    (0.999, "99.9"), (0.9996, "99.9"), (0.0004, "0.1"),     # not all / not none: never "100" / "0"
])
def test_percent_never_says_all_or_none_when_it_is_not(share, text):
    assert ct.percent(share) == text


def test_holds_cell():
    assert [ct.holds_cell(v) for v in (True, "True", 1.0, False, "False", 0.0)] == ["yes"] * 3 + ["no"] * 3
    assert ct.holds_cell(math.nan) == ct.holds_cell(None) == ct.holds_cell("") == "–"


def test_estimate_cell_of_each_kind():
    row = {"verdict": "fragile", "kind": "effect", "estimate": 0.288670802353, "std_error": 0.146623081418,
           "ci_low": 0.00129484347195, "ci_high": 0.576046761234}
    assert ct.estimate_cell(row) == "+0.289\u00a0[0.001,\u00a00.576]"   # excludes zero, and reads so; one line
    assert ct.estimate_cell({**row, "std_error": math.nan}) == "not identified"
    assert ct.estimate_cell({**row, "verdict": "not testable", "kind": "none"}) == "–"
    assert ct.estimate_cell({"verdict": "supported", "kind": "classification", "estimate": 1.0}) == "as claimed"
    assert ct.estimate_cell({"verdict": "contradicted", "kind": "classification", "estimate": 0.0}) == "not as claimed"
    series = {"verdict": "supported", "kind": "series", "estimate": -12.34, "unit": "per cent a year"}
    assert ct.estimate_cell(series) == f"{MINUS}12.3% a year"
    assert ct.estimate_cell({**series, "kind": "group_gap", "estimate": 1.89, "unit": "index points"}) == "+1.9 points"


def test_summary_sentence_counts_the_verdicts_with_their_grammar(tmp_path):
    frame = verdicts(tmp_path)
    assert ct.summary_sentence(frame) == "Of the 2 claims, 1 is fragile and 1 is not testable."
    frame.loc[1, "verdict"] = "fragile"
    assert ct.summary_sentence(frame) == "Of the 2 claims, 2 are fragile."
    assert ct.verdict_counts(frame) == {"supported": 0, "fragile": 2, "not supported": 0, "inconclusive": 0,
                                        "contradicted": 0, "not testable": 0}


def test_readings_header_is_common_or_empty(tmp_path):
    frame = verdicts(tmp_path, doc=registry(*[_claim(i) for i in ("a.one", "a.two")]))
    assert ct.assumptions(frame) == ["A", "B"]
    assert (ct.readings_header(frame, "A"), ct.readings_header(frame, "B")) == ("all 6,912", "200 drawn")
    frame.loc[1, "readings_B_n"] = 201
    assert ct.readings_header(frame, "B") == ""        # the claims differ: every cell says its own


def _claim(claim_id):
    from claims_fixtures import effect_claim

    return effect_claim(claim_id=claim_id)


# ---- the paragraph, as built -------------------------------------------------------------------

def test_the_paragraph_of_the_builds_first_cell(tmp_path):
    frame = verdicts(tmp_path)
    (paragraph, untestable) = ct.claim_paragraphs(frame)
    assert paragraph == (
        "Table 10-3 (seed line 3428) prints Positive for the relation between collective efficiency and product "
        "upgrading in traditional manufacturing clusters; the text says so at lines 3415, 3606 and 3419. Estimated "
        "(change in the probability of the top product-upgrading score per step of CE; N = 34): +0.289, 95% CI "
        "0.001 to 0.576; permutation p = 0.056 (Monte Carlo SE 0.003, 4,999 draws, permuting it within the group's "
        "14 clusters). The latent-scale coefficient behind it has the profile-likelihood 95% interval 0.31 to 2.64. "
        "It holds in 50 per cent of all 6,912 glyph-consistent readings (A) and 25 per cent of 200 sampled "
        "checksums only readings (B; Monte Carlo SE 3.1 points). Under the ordered logit the effect is +0.265 "
        "(p = 0.083). Verdict: fragile: it holds by default (predicted sign, 95% interval excludes zero, "
        "permutation p 0.056 < 0.10) but not over the readings under (A), the readings under (B) and the ordered "
        "logit.")
    assert untestable == ("Not testable (1 claim: Specialized services, product: Positive): the book gives no "
                          "upgrading scores for the specialized-services (software) clusters.")


def test_a_fragile_verdict_names_a_check_that_could_not_be_made(tmp_path):
    """One link only: the other link is not fitted, so the claim cannot be shown to hold there."""
    frame = verdicts(tmp_path, make_results(links=("probit",), readings={"holding_a": 4, "holding_b": 200}))
    row = frame.iloc[0]
    assert row["verdict"] == "fragile"
    words = ct.verdict_words(row, ct.assumptions(frame))
    assert words == ("Verdict: fragile: it holds by default (predicted sign, 95% interval excludes zero, permutation "
                     "p 0.056 < 0.10) but not checked over the other link (not fitted).")
    frame = verdicts(tmp_path, make_results(links=("probit",), readings={"holding_a": 2, "holding_b": 200}))
    assert ct.verdict_words(frame.iloc[0], ct.assumptions(frame)).endswith(
        "but not over the readings under (A), and not checked over the other link (not fitted).")


def test_a_supported_verdict_lists_where_else_it_holds(tmp_path):
    frame = verdicts(tmp_path, make_results(readings={"holding_a": 4, "holding_b": 190}, alt=(0.265, 0.10, 0.008),
                                            cases=(0.31, 0.14, 0.03)))
    row = frame.iloc[0]
    assert ct.verdict_words(row, ct.assumptions(frame)) == (
        "Verdict: supported (predicted sign, 95% interval excludes zero, permutation p 0.056 < 0.10); it also holds "
        "over the readings under (A), the readings under (B), the added cases and the ordered logit.")
    assert "with the added cases (gdl_footwear) it is +0.310 (p = 0.030)" in ct.claim_paragraph(row, ["A", "B"])
    assert "It holds in 100 per cent of all 6,912 glyph-consistent readings (A) and 95 per cent" in \
        ct.claim_paragraph(row, ["A", "B"])


# ---- mutation tests ----------------------------------------------------------------------------

def rendered(frame) -> dict[str, str]:
    """Every word the report prints from the verdicts: paragraphs, table cells, headers, summary, rule."""
    names = ct.assumptions(frame)
    out = {"summary": ct.summary_sentence(frame), "rule": ct.rule_sentence(frame)}
    for k, text in enumerate(ct.claim_paragraphs(frame)):
        out[f"paragraph {k}"] = text
    for a in names:
        out[f"header {a}"] = ct.readings_header(frame, a)
    for k, row in frame.iterrows():
        out.update({f"{k} estimate": ct.estimate_cell(row), f"{k} permutation": ct.permutation_cell(row),
                    f"{k} cases": ct.cases_cell(row), f"{k} alternative": ct.alternative_cell(row),
                    f"{k} verdict": row["verdict"],
                    **{f"{k} readings {a}": ct.readings_cell(row, a) for a in names},
                    **{f"{k} readings {a} short": ct.readings_cell(row, a, with_n=False) for a in names}})
    return out


def changed(before: dict, after: dict) -> dict[str, str]:
    return {k: after.get(k, "") for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


@pytest.fixture
def base(tmp_path):
    return rendered(verdicts(tmp_path))


RESULT_MUTATIONS = {
    # name: (the change to the result files, words that must now be printed: {rendered key: text in it})
    "estimate's sign flipped": ({"estimate": -0.288670802353},
                                {"0 estimate": f"{MINUS}0.289\u00a0[{MINUS}0.576,\u00a0{MINUS}0.001]",
                                 "paragraph 0": f"{MINUS}0.289, 95% CI {MINUS}0.576 to {MINUS}0.001",
                                 "0 verdict": "contradicted", "summary": "1 is contradicted"}),
    "permutation p across 0.10": ({"p_permutation": 0.126},
                                  {"0 permutation": "0.126", "paragraph 0": "permutation p = 0.126",
                                   "0 verdict": "not supported"}),
    "permutation p across 0.10 the other way": ({"p_permutation": 0.099},
                                                {"paragraph 0": "permutation p 0.099 < 0.10"}),
    "a readings share": ({"readings": {"holding_b": 60}},
                         {"0 readings B": "0.30 (0.03), n = 200", "paragraph 0": "30 per cent of 200 sampled"}),
    "one reading's p across 0.05": ({"readings": {"holding_a": 3}},
                                    {"0 readings A": "0.75, n = 6,912", "paragraph 0": "75 per cent of all 6,912"}),
    "the readings drawn": ({"readings": {"n_b": 201}},
                           {"0 readings B": "n = 201", "header B": "201 drawn", "paragraph 0": "of 201 sampled"}),
    "the enumerated set's size": ({"readings": {"set_size_a": 6900}},
                                  {"header A": "all 6,900", "paragraph 0": "of all 6,900 glyph-consistent"}),
    "the other link's sign": ({"alt": (-0.265091682433, 0.153085164052, 0.0833338520489)},
                              {"paragraph 0": f"the effect is {MINUS}0.265 (p = 0.083)"}),
    "the other link significant": ({"alt": (0.265091682433, 0.10, 0.008), "readings": {"holding_a": 4,
                                                                                        "holding_b": 190}},
                                   {"0 alternative": "yes", "0 verdict": "supported", "summary": "1 is supported"}),
    "the SE missing": ({"std_error": math.nan},
                       {"0 estimate": "not identified", "0 verdict": "not testable",
                        "paragraph 0": "Verdict: not testable: the effect has no standard error."}),
    "a case added": ({"cases": (0.12, 0.15, 0.42)},
                     {"0 cases": "no", "paragraph 0": "with the added cases (gdl_footwear) it is +0.120 (p = 0.420)"}),
}


@pytest.mark.parametrize("name", list(RESULT_MUTATIONS))
def test_a_change_in_the_results_changes_the_words(tmp_path, base, name):
    change, expected = RESULT_MUTATIONS[name]
    after = rendered(verdicts(tmp_path, make_results(**change)))
    diff = changed(base, after)
    assert diff, f"{name}: no word changed"
    for key, text in expected.items():
        assert text in after[key], (name, key, after[key])
        assert key in diff, (name, key)


def test_dropping_the_case_changes_the_words_back(tmp_path):
    with_case = rendered(verdicts(tmp_path, make_results(cases=(0.31, 0.14, 0.03))))
    without = rendered(verdicts(tmp_path, make_results()))
    assert with_case["0 cases"] == "yes" and without["0 cases"] == "–"
    assert "added cases" in with_case["paragraph 0"] and "added cases" not in without["paragraph 0"]


FRAME_MUTATIONS = {
    # name: (column, new value, rendered key, text that must now be in it)
    "the verdict": ("verdict", "supported", "paragraph 0", "Verdict: supported"),
    "the verdict, counted": ("verdict", "inconclusive", "summary", "1 is inconclusive"),
    "the SE": ("std_error", math.nan, "0 estimate", "not identified"),
    "n readings": ("readings_A_n", 6913, "0 readings A", "n = 6,913"),
    "the readings share": ("readings_B_share", 0.75, "0 readings B", "0.75 (0.03)"),
    "its Monte Carlo SE": ("readings_B_mc_se", 0.0412, "0 readings B", "0.25 (0.04)"),
    "N": ("n_obs", 33, "paragraph 0", "N = 33"),
    "the draws": ("permutation_draws", 9999, "paragraph 0", "9,999 draws"),
    "the group's clusters": ("permutation_group_n", 13, "paragraph 0", "the group's 13 clusters"),
    "the profile interval": ("profile_ci_low", -0.0512, "paragraph 0", f"interval {MINUS}0.05 to 2.64"),
    "the interval": ("ci_low", -0.0123, "paragraph 0", f"95% CI {MINUS}0.012 to 0.576"),
    "the quote's line": ("quote_line", 3429, "paragraph 0", "(seed line 3429)"),
    "the other link's holds": ("alternative_holds", True, "0 alternative", "yes"),
}


@pytest.mark.parametrize("name", list(FRAME_MUTATIONS))
def test_a_change_in_the_verdicts_file_changes_the_words(tmp_path, base, name):
    column, value, key, text = FRAME_MUTATIONS[name]
    frame = verdicts(tmp_path)
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = value
    after = rendered(frame)
    assert text in after[key], (name, after[key])
    assert key in changed(base, after), name


@pytest.mark.parametrize("field, value, before, after", [
    ("alpha", 0.10, "its 95% interval excludes zero", "its 90% interval excludes zero"),
    ("alpha", 0.10, "the 90% interval lies within", "the 80% interval lies within"),
    ("permutation_p", 0.20, "p-value is below 0.10", "p-value is below 0.20"),
    ("readings_share", 0.80, "at least 90 per cent", "at least 80 per cent"),
    ("smallest_effect", 0.05, "within ±0.1 of", "within ±0.05 of"),
])
def test_the_rule_sentence_states_the_declared_rule(tmp_path, field, value, before, after):
    default = ct.rule_sentence(verdicts(tmp_path))
    other = ct.rule_sentence(verdicts(tmp_path, rule=VerdictRule(**{field: value})))
    assert before in default and before not in other and after in other


def test_the_confidence_level_follows_the_rule(tmp_path):
    frame = verdicts(tmp_path, rule=VerdictRule(alpha=0.10))
    paragraph = ct.claim_paragraphs(frame)[0]
    assert "90% CI" in paragraph and "profile-likelihood 90% interval" in paragraph and "95%" not in paragraph


# ---- signs and literals ------------------------------------------------------------------------

def _all_words(tmp_path) -> list[str]:
    out = []
    for change in [{}, *(c for c, _ in RESULT_MUTATIONS.values())]:
        out += list(rendered(verdicts(tmp_path, make_results(**change))).values())
    return out


def test_no_hyphen_minus_before_a_number_anywhere(tmp_path):
    words = _all_words(tmp_path)
    assert any(MINUS in w for w in words)
    assert [w for w in words if HYPHEN_SIGN.search(w)] == []


def _numbers_of(value) -> set[str]:
    """Every way the text functions may print a value of the verdicts file."""
    if isinstance(value, str):
        return set(NUMBER.findall(value))
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
        return set()
    v = float(value)
    forms = {f"{abs(v):.{d}f}" for d in range(4)} | {f"{abs(v):,.0f}", f"{abs(v):g}", ct.percent(abs(v)),
                                                     f"{100 * abs(v):.1f}", f"{100 * (1 - v):g}",
                                                     f"{100 * (1 - 2 * v):g}"}
    return forms


def test_every_number_in_the_words_comes_from_the_verdicts_file(tmp_path):
    """No template literal numbers: each number a paragraph, a cell or the rule prints is one of the
    row's values (or a number inside one of its text cells, e.g. decided_by), in some format."""
    for change in [{}, *(c for c, _ in RESULT_MUTATIONS.values())]:
        frame = verdicts(tmp_path, make_results(**change))
        for (_, row), paragraph in zip(frame.iterrows(), ct.claim_paragraphs(frame)):
            allowed = set().union(*(_numbers_of(v) for v in row.to_dict().values()))
            cells = [ct.estimate_cell(row), ct.permutation_cell(row), ct.readings_cell(row, "A"),
                     ct.readings_cell(row, "B"), ct.rule_sentence(frame)]
            stray = [n for text in [paragraph, *cells] for n in NUMBER.findall(text) if n not in allowed]
            assert stray == [], (change, stray)


def test_an_untestable_claim_prints_no_numbers_but_the_count(tmp_path):
    frame = verdicts(tmp_path, doc=registry(untestable_claim(), {**untestable_claim(), "id": "t10_3.ce.software.x"}))
    (paragraph,) = ct.claim_paragraphs(frame)
    assert paragraph.startswith("Not testable (2 claims: Specialized services, product: Positive; Specialized")
    assert NUMBER.findall(paragraph) == ["2"]
    row = frame.iloc[0]
    assert [ct.estimate_cell(row), ct.permutation_cell(row), ct.readings_cell(row, "A"), ct.cases_cell(row),
            ct.alternative_cell(row)] == ["–"] * 5


def test_conclusion_counts_follow_the_verdicts(tmp_path):
    """The conclusion's counts and lists come from the verdicts: a claim that turns from fragile to
    contradicted (the estimate's sign flipped) moves from one sentence to another, and the untestable
    claim is counted with its reason."""
    doc = registry(effect_claim(), untestable_claim())
    before = ct.conclusion_paragraphs(verdicts(tmp_path, doc=doc))
    assert before[0].startswith("Of the 1 relation the book states") and "1 holds by default but not over" in before[0]
    assert before[-1].startswith("1 of the book's claims cannot be tested with its data at all")
    after = ct.conclusion_paragraphs(verdicts(tmp_path, results=make_results(estimate=-0.288670802353), doc=doc))
    assert "1 is contradicted (Traditional manufacturing, product: Positive)" in after[0]
    assert "holds by default" not in after[0]
