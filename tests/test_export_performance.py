"""Chapter 9 export performance: Table 9-1 (text and printed rules), Kaplinsky-Readman, the chapter's verdicts,
equations (9.1)/(9.2). Real rows come from Tables 9-2/9-4 as built from data/raw; seed line numbers cite the
chapter text (001_af830052e76503cb.txt)."""

import numpy as np
import pandas as pd
import pytest
from conftest import RAW

from gvc_clusters.analysis import export_performance as ep
from gvc_clusters.data.families import build_family

# ---------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trade():
    return build_family("trade", RAW).tables


@pytest.fixture(scope="module")
def perf(trade):
    return trade["export_performance"]


@pytest.fixture(scope="module")
def classified(perf):
    return ep.classify_all(perf)


@pytest.fixture(scope="module")
def outcomes(classified):
    """(variant, table, product, country) -> (outcome, upgrading_condition)."""
    return {(r.rule_variant, r.source_table, r.product_code, r.country): (r.outcome, r.upgrading_condition)
            for r in classified.itertuples(index=False)}


@pytest.fixture(scope="module")
def comparison(classified, trade):
    return ep.compare_with_verdicts(classified, trade["chapter9_verdicts"])


def frame(rows):
    """A tiny export-performance frame: rows of (country, dX cagr, share 1990, share 2000, dV, dQw cagr)."""
    records = [{"source_table": "9-9", "product_code": "a", "product": "test product", "country": c,
                "export_earnings_cagr_pct": x, "market_share_1990_pct": m0, "market_share_2000_pct": m1,
                "unit_value_change_pct": v, "world_demand_cagr_pct": q} for c, x, m0, m1, v, q in rows]
    return pd.DataFrame(records)


TEXT_RULES = ep._condition_sets(ep.upgrading_conditions("text"))
PRINTED_RULES = ep._condition_sets(ep.upgrading_conditions("printed"))

# ---------------------------------------------------------------------------------------------------
# Sign of zero, missing values
# ---------------------------------------------------------------------------------------------------


def test_sign_of_zero_is_zero_and_missing_stays_missing():
    s = ep.sign(pd.Series([3.5, 0.0, -0.01, np.nan]))
    assert s.dtype == "Int8"
    assert s.iloc[:3].tolist() == [1, 0, -1]
    assert pd.isna(s.iloc[3])


def test_zero_export_growth_is_not_positive_performance():
    # Table 9-1 needs ΔX > 0: a printed 0% is not positive, under either rule.
    for rules in (TEXT_RULES, PRINTED_RULES):
        assert ep.amighini_outcome(0, 1, 1, 1, rules) == (ep.AMBIGUOUS, None)
        assert ep.amighini_outcome(0, 1, -1, 1, rules) == (ep.SHIFT_TO_HIGHER_QUALITY, None)


def test_zero_share_change_is_nondecreasing_and_also_at_most_zero():
    # ΔM = 0 with ΔQw > 0 meets condition 1 under both readings: ≥0 (text) and ≤0 (printed).
    assert ep.amighini_outcome(1, 1, 0, 1, TEXT_RULES) == (ep.PRODUCT_UPGRADING, "1")
    assert ep.amighini_outcome(1, 1, 0, 1, PRINTED_RULES) == (ep.PRODUCT_UPGRADING, "1")
    # ΔM = 0 does not meet condition 2 (ΔM > 0): without world demand growth, no upgrading.
    assert ep.amighini_outcome(1, 0, 0, 1, TEXT_RULES) == (ep.AMBIGUOUS, None)
    assert ep.kaplinsky_readman_outcome(0, 1) == ep.KR_UPGRADING  # nondecreasing share (line 2871)


def test_zero_unit_value_change_is_not_an_increase():
    assert ep.amighini_outcome(1, 1, 1, 0, TEXT_RULES) == (ep.DOWNGRADING_IMMISERIZING, None)
    assert ep.amighini_outcome(1, 1, -1, 0, TEXT_RULES) == (ep.WITHDRAWAL, None)
    assert ep.kaplinsky_readman_outcome(1, 0) == ep.KR_IMMISERIZING
    assert ep.kaplinsky_readman_outcome(-1, 0) == ep.KR_COLLAPSE


def test_zero_world_demand_meets_either_way_but_not_expanding():
    # "><0" (row 2) is "regardless of the evolution of world demand" (line 2863); row 1 needs ΔQw > 0.
    assert ep.amighini_outcome(1, 0, 1, 1, TEXT_RULES) == (ep.PRODUCT_UPGRADING, "2")
    assert ep.amighini_outcome(1, 0, -1, 1, PRINTED_RULES) == (ep.SHIFT_TO_HIGHER_QUALITY, None)


def test_printed_zero_share_is_a_share_not_a_gap(perf):
    # Malaysia printed "0" in 1990 (kitchen, bedroom): ΔM = +22.23 points, classifiable.
    out = ep.classify_amighini(perf).set_index(ep.KEYS)
    row = out.loc[("9-4", "b", "Malaysia")]
    assert row["delta_M_pp"] == pytest.approx(22.23)
    assert row["sign_dM"] == 1 and row["outcome"] == ep.PRODUCT_UPGRADING


def test_real_zero_export_growth_italy(perf):
    # Italy, office and bedroom furniture: export earnings 0% (Table 9-4) -> sign 0 -> no upgrading even under the
    # printed rule, whose condition 1 would otherwise hold (ΔQw > 0, ΔM < 0, ΔV > 0).
    out = ep.classify_amighini(perf, "printed").set_index(ep.KEYS)
    for code in ("a", "c"):
        row = out.loc[("9-4", code, "Italy")]
        assert row["sign_dX"] == 0
        assert row["outcome"] == ep.SHIFT_TO_HIGHER_QUALITY


def test_missing_share_never_zero_and_classified_only_where_dm_does_not_matter():
    tiny = frame([("A", 5, np.nan, 10, 5, 5), ("B", 5, 10, np.nan, -5, 5), ("C", 5, 10, 10, 5, 5)])
    text, printed = ep.classify_amighini(tiny), ep.classify_amighini(tiny, "printed")
    for out in (text, printed, ep.classify_kaplinsky_readman(tiny)):
        by = out.set_index("country")
        # falling value: withdrawal or downgrading by ΔM, not upgrading either way
        assert by.loc["B", "outcome"] == ep.NOT_UPGRADING_UNDETERMINED
        assert pd.isna(by.loc["A", "sign_dM"]) and pd.isna(by.loc["A", "delta_M_pp"])
        assert by.loc["C", "sign_dM"] == 0  # equal printed shares are a zero change
    # A (ΔX, ΔQw, ΔV > 0): the printed rule upgrades whatever ΔM; the text rule and K-R need ΔM >= 0
    assert printed.set_index("country").loc["A", "outcome"] == ep.PRODUCT_UPGRADING
    assert text.set_index("country").loc["A", "outcome"] == ep.NOT_CLASSIFIABLE


NA_ROWS = {("9-2", "a", "Ireland"), ("9-2", "a", "Norway"), ("9-2", "a", "United Kingdom"),
           ("9-2", "a", "United States"), ("9-2", "b", "United States"), ("9-2", "c", "Norway"),
           ("9-2", "d", "France"), ("9-2", "d", "Norway"), ("9-2", "d", "United Kingdom"),
           ("9-4", "a", "China"), ("9-4", "b", "China"), ("9-4", "c", "China")}
# The seven n.a. 1990 shares with a falling unit value or no growth in export earnings: not upgrading
# whatever the sign of ΔM under both Amighini rules; only the sub-class depends on it.
NOT_UPGRADING_ANY_DM = {("9-2", "a", "Norway"), ("9-2", "a", "United Kingdom"), ("9-2", "a", "United States"),
                        ("9-2", "b", "United States"), ("9-2", "d", "France"), ("9-2", "d", "Norway"),
                        ("9-2", "d", "United Kingdom")}
# Kaplinsky-Readman: ΔV > 0 makes a nondecreasing share upgrading, so two of the seven depend on ΔM there.
KR_DEPENDS = {("9-2", "b", "United States"), ("9-2", "d", "France")}


def test_rows_with_printed_na_share_are_decided_where_the_sign_of_dm_does_not_matter(perf, classified):
    na = perf[perf["market_share_1990_pct"].isna() | perf["market_share_2000_pct"].isna()]
    assert set(zip(na["source_table"], na["product_code"], na["country"])) == NA_ROWS
    expected_undetermined = {"text": NOT_UPGRADING_ANY_DM, "printed": NOT_UPGRADING_ANY_DM,
                             "kaplinsky_readman": NOT_UPGRADING_ANY_DM - KR_DEPENDS}
    for variant, rows in classified.groupby("rule_variant"):
        keys = lambda frame: set(zip(frame["source_table"], frame["product_code"], frame["country"]))
        unclassified = rows[rows["outcome"] == ep.NOT_CLASSIFIABLE]
        undetermined = rows[rows["outcome"] == ep.NOT_UPGRADING_UNDETERMINED]
        assert keys(undetermined) == expected_undetermined[variant], variant
        expected = NA_ROWS - expected_undetermined[variant] - (PRINTED_DECIDES_NA if variant == "printed" else set())
        assert keys(unclassified) == expected, variant
        assert unclassified["upgrading_condition"].isna().all(), variant
        assert undetermined["upgrading_condition"].isna().all(), variant
        assert unclassified["decided_by"].str.contains("depends on it").all(), variant
        assert undetermined["decided_by"].str.contains("not upgrading; the sub-class is undetermined").all(), variant


def test_norway_fresh_salmon_is_not_upgrading_whatever_its_missing_share():
    """Table 9-2(a), Norway: 1990 share n.a., unit value falling. ΔM < 0 gives withdrawal, ΔM >= 0
    downgrading: not upgrading in every case, the sub-class undetermined."""
    row = frame([("Norway", 5, np.nan, 30.0, -10, 4)])
    for rule in ("text", "printed"):
        got = ep.classify_amighini(row, rule).iloc[0]
        assert got["outcome"] == ep.NOT_UPGRADING_UNDETERMINED and pd.isna(got["upgrading_condition"])
        assert got["decided_by"] == (
            "dM unknown (share n.a.): every sign of dM gives an outcome other than upgrading, so the row is not "
            "upgrading; the sub-class is undetermined (dM < 0: withdrawal; dM = 0: downgrading_immiserizing_growth; "
            "dM > 0: downgrading_immiserizing_growth)")
        assert ep.possible_outcomes(got["decided_by"]) == (ep.WITHDRAWAL, ep.DOWNGRADING_IMMISERIZING)
    # the same row with a rising unit value: upgrading if the share did not fall, so undecided
    assert ep.classify_amighini(frame([("Norway", 5, np.nan, 30.0, 10, 4)])).iloc[0]["outcome"] == ep.NOT_CLASSIFIABLE


@pytest.mark.parametrize("signs,expected", [
    # any missing input, any rule: decided where every sign it could have gives one answer
    ((pd.NA, 1, 1, 1), ep.NOT_CLASSIFIABLE),            # ΔX > 0 upgrades, ΔX <= 0 does not
    ((1, pd.NA, 1, 1), ep.PRODUCT_UPGRADING),           # condition 2 holds whatever world demand did
    ((-1, pd.NA, 1, -1), ep.DOWNGRADING_IMMISERIZING),  # no condition can hold; ΔM and ΔV name it
    ((-1, 1, pd.NA, pd.NA), ep.NOT_UPGRADING_UNDETERMINED),   # ΔX < 0: never upgrading; two signs open
    ((1, 1, 1, pd.NA), ep.NOT_CLASSIFIABLE),            # ΔV decides upgrading
    ((pd.NA, pd.NA, pd.NA, pd.NA), ep.NOT_CLASSIFIABLE),
])
def test_any_missing_sign_of_any_rule_is_decided_over_every_sign_it_could_have(signs, expected):
    outcome, _, why = ep.amighini_decision(*signs, TEXT_RULES)
    assert outcome == expected
    if expected == ep.NOT_UPGRADING_UNDETERMINED:
        assert why.startswith("dM and dV unknown (share n.a.): every sign of dM and dV gives an outcome other")
        assert "dM < 0, dV < 0: withdrawal" in why and "dM < 0, dV > 0: shift_to_higher_quality_segments" in why


@pytest.mark.parametrize("sm,sv,expected", [
    (pd.NA, -1, ep.NOT_UPGRADING_UNDETERMINED),    # collapse or immiserizing growth
    (pd.NA, 0, ep.NOT_UPGRADING_UNDETERMINED),
    (pd.NA, 1, ep.NOT_CLASSIFIABLE),               # shift or upgrading
    (-1, pd.NA, ep.NOT_UPGRADING_UNDETERMINED),    # collapse or shift
    (1, pd.NA, ep.NOT_CLASSIFIABLE),               # immiserizing growth or upgrading
])
def test_kaplinsky_readman_missing_signs(sm, sv, expected):
    assert ep.kaplinsky_readman_decision(sm, sv)[0] == expected


@pytest.mark.parametrize("verdict,status", [
    ("not_clear_upgrading", "agree"), ("upgrading", "disagree"),
    ("withdrawing", "not_comparable"),          # withdrawal or downgrading: the sub-class is open
    ("downgrading", "not_comparable"),
    ("strong_competitiveness", "disagree"),
])
def test_undetermined_sub_class_is_judged_on_what_it_decides(verdict, status):
    alternatives = (ep.WITHDRAWAL, ep.DOWNGRADING_IMMISERIZING)
    got, reason = ep.judge(ep.VERDICT_MAP[verdict], ep.NOT_UPGRADING_UNDETERMINED, "text", "(+,-,?,-)", alternatives)
    assert got == status, reason
    # a named sub-class that no alternative gives is contradicted whatever the missing sign
    other = ep.judge(ep.VERDICT_MAP["shift_to_higher_quality_segments"], ep.NOT_UPGRADING_UNDETERMINED, "text", "",
                     alternatives)
    assert other[0] == "disagree" and "every possible sub-class" in other[1]


# ΔX, ΔQw, ΔV > 0 with a share printed n.a.: the printed rule's conditions 1 (ΔM <= 0) and 2 (ΔM > 0)
# together cover every ΔM, so the outcome does not depend on the missing share.
PRINTED_DECIDES_NA = {("9-2", "a", "Ireland"), ("9-2", "c", "Norway"), ("9-4", "a", "China"),
                      ("9-4", "b", "China"), ("9-4", "c", "China")}


# ---------------------------------------------------------------------------------------------------
# Every branch on hand-made signs and frames
# ---------------------------------------------------------------------------------------------------

# (sX, sQw, sM, sV) -> (text outcome, text condition, printed outcome, printed condition)
BRANCHES = {
    (1, 1, 1, 1): (ep.PRODUCT_UPGRADING, "1+2", ep.PRODUCT_UPGRADING, "2"),
    (1, -1, 1, 1): (ep.PRODUCT_UPGRADING, "2", ep.PRODUCT_UPGRADING, "2"),      # declining market, rising share
    (1, 1, -1, 1): (ep.SHIFT_TO_HIGHER_QUALITY, None, ep.PRODUCT_UPGRADING, "1"),  # the rules' one difference
    (1, -1, -1, 1): (ep.SHIFT_TO_HIGHER_QUALITY, None, ep.SHIFT_TO_HIGHER_QUALITY, None),
    (-1, 1, -1, 1): (ep.SHIFT_TO_HIGHER_QUALITY, None, ep.SHIFT_TO_HIGHER_QUALITY, None),
    (-1, 1, 1, 1): (ep.AMBIGUOUS, None, ep.AMBIGUOUS, None),                    # footnote 8 residual
    (1, 1, 1, -1): (ep.DOWNGRADING_IMMISERIZING, None, ep.DOWNGRADING_IMMISERIZING, None),
    (-1, -1, 1, -1): (ep.DOWNGRADING_IMMISERIZING, None, ep.DOWNGRADING_IMMISERIZING, None),
    (1, 1, -1, -1): (ep.WITHDRAWAL, None, ep.WITHDRAWAL, None),
    (-1, -1, -1, -1): (ep.WITHDRAWAL, None, ep.WITHDRAWAL, None),
}


@pytest.mark.parametrize("signs,expected", BRANCHES.items(), ids=str)
def test_amighini_branches(signs, expected):
    assert ep.amighini_outcome(*signs, TEXT_RULES) == expected[:2]
    assert ep.amighini_outcome(*signs, PRINTED_RULES) == expected[2:]


def test_amighini_a_missing_sign_that_decides_upgrading_is_not_classifiable():
    for i in (0, 2, 3):          # ΔX, ΔM, ΔV: upgrading at +, something else below
        signs = [1, 1, 1, 1]
        signs[i] = pd.NA
        assert ep.amighini_outcome(*signs, TEXT_RULES) == (ep.NOT_CLASSIFIABLE, None)
    # ΔQw: a rising share with a rising unit value upgrades whatever world demand did (condition 2)
    assert ep.amighini_outcome(1, pd.NA, 1, 1, TEXT_RULES) == (ep.PRODUCT_UPGRADING,
                                                               "2 (dQw < 0) or 2 (dQw = 0) or 1+2 (dQw > 0)")


@pytest.mark.parametrize("sm,sv,expected", [
    (1, 1, ep.KR_UPGRADING), (0, 1, ep.KR_UPGRADING), (-1, -1, ep.KR_COLLAPSE), (1, -1, ep.KR_IMMISERIZING),
    (0, -1, ep.KR_IMMISERIZING), (-1, 1, ep.KR_SHIFT),
    (pd.NA, 1, ep.NOT_CLASSIFIABLE), (1, pd.NA, ep.NOT_CLASSIFIABLE)])
def test_kaplinsky_readman_branches(sm, sv, expected):   # the outcome of known signs; missing: not classifiable
    assert ep.kaplinsky_readman_outcome(sm, sv) == expected


def test_classify_frames_columns_sorting_and_variant():
    # Deliberately unsorted input; one row per Amighini branch family.
    tiny = frame([("Zeta", 5, 1.0, 2.0, 10, 3),     # upgrading 1+2 (text)
                  ("Alpha", 5, 2.0, 1.0, 10, 3),    # shift (text) / upgrading 1 (printed)
                  ("Mid", 5, 1.0, 2.0, -10, 3),     # downgrading / immiserizing
                  ("Beta", -5, 2.0, 1.0, -10, -3)])  # withdrawal
    text = ep.classify_amighini(tiny)
    printed = ep.classify_amighini(tiny, market_share_rule="printed")
    kr = ep.classify_kaplinsky_readman(tiny)
    assert text["country"].tolist() == ["Alpha", "Beta", "Mid", "Zeta"]
    assert list(text.columns) == [*ep.KEYS, "product", "delta_M_pp", *ep.SIGN_COLUMNS, "rule_variant",
                                  "upgrading_condition", "outcome", "decided_by"]
    assert list(kr.columns) == list(text.columns)
    assert set(text["rule_variant"]) == {"text"} and set(printed["rule_variant"]) == {"printed"}
    assert set(kr["rule_variant"]) == {"kaplinsky_readman"}
    assert text["outcome"].tolist() == [ep.SHIFT_TO_HIGHER_QUALITY, ep.WITHDRAWAL, ep.DOWNGRADING_IMMISERIZING,
                                        ep.PRODUCT_UPGRADING]
    assert text["upgrading_condition"].tolist() == [None, None, None, "1+2"]
    assert printed["outcome"].tolist() == [ep.PRODUCT_UPGRADING, ep.WITHDRAWAL, ep.DOWNGRADING_IMMISERIZING,
                                           ep.PRODUCT_UPGRADING]
    assert printed["upgrading_condition"].tolist() == ["1", None, None, "2"]
    assert kr["outcome"].tolist() == [ep.KR_SHIFT, ep.KR_COLLAPSE, ep.KR_IMMISERIZING, ep.KR_UPGRADING]
    assert kr["upgrading_condition"].isna().all()


def test_bad_rule_and_missing_columns_are_errors():
    with pytest.raises(ValueError, match="market_share_rule"):
        ep.classify_amighini(frame([("A", 1, 1, 2, 1, 1)]), market_share_rule="table")
    with pytest.raises(ValueError, match="lacks columns"):
        ep.classify_kaplinsky_readman(frame([("A", 1, 1, 2, 1, 1)]).drop(columns="unit_value_change_pct"))
    bad = ep.PRINTED_TABLE_9_1.assign(market_share_sign=["=0", ">0"])
    with pytest.raises(ValueError, match="not understood"):
        ep.classify_amighini(frame([("A", 1, 1, 2, 1, 1)]), conditions=bad)


# ---------------------------------------------------------------------------------------------------
# Table 9-1: printed copy and the two rules
# ---------------------------------------------------------------------------------------------------


def test_builtin_table_9_1_is_the_printed_table(trade):
    pd.testing.assert_frame_equal(ep.PRINTED_TABLE_9_1, trade["product_upgrading_conditions"], check_dtype=False)
    from_print = ep.classify_amighini(trade["export_performance"], "printed", trade["product_upgrading_conditions"])
    pd.testing.assert_frame_equal(from_print, ep.classify_amighini(trade["export_performance"], "printed"))


def test_rules_differ_only_in_row_1_market_share():
    text, printed = ep.upgrading_conditions("text"), ep.upgrading_conditions("printed")
    assert printed.loc[0, "market_share_sign"] == "≤0"   # line 2856
    assert text.loc[0, "market_share_sign"] == "≥0"      # "nondecreasing", lines 2863, 2877
    assert (text.drop(columns="market_share_sign") == printed.drop(columns="market_share_sign")).all().all()
    assert text.loc[1].tolist() == printed.loc[1].tolist()


# ΔX > 0, ΔQw > 0, ΔM < 0, ΔV > 0: upgrading under the printed ΔM ≤ 0, not under the text's ΔM ≥ 0.
OUTCOME_DIFFERS = {("9-2", "a", "Canada"), ("9-2", "a", "Chile"), ("9-2", "c", "Chile"), ("9-4", "a", "Germany"),
                   ("9-4", "b", "Denmark"), ("9-4", "b", "Germany"), ("9-4", "b", "Italy"), ("9-4", "c", "Denmark"),
                   ("9-4", "c", "Mexico")}
# ΔX > 0, ΔQw > 0, ΔM > 0, ΔV > 0: upgrading under both; the text rule's condition 1 also holds.
CONDITION_DIFFERS = {("9-2", "b", "Chile"), ("9-2", "c", "Germany"), ("9-2", "d", "Chile"), ("9-2", "d", "Poland"),
                     ("9-4", "b", "Malaysia"), ("9-4", "c", "Malaysia")}


def test_printed_rule_differs_from_text_rule_exactly_where_dm_sign_matters(perf):
    text = ep.classify_amighini(perf, "text").set_index(ep.KEYS)
    printed = ep.classify_amighini(perf, "printed").set_index(ep.KEYS)
    outcome_diff = set(text.index[text["outcome"] != printed["outcome"]])
    assert outcome_diff == OUTCOME_DIFFERS | PRINTED_DECIDES_NA
    assert (text.loc[list(PRINTED_DECIDES_NA), "outcome"] == ep.NOT_CLASSIFIABLE).all()
    assert (text.loc[list(OUTCOME_DIFFERS), "outcome"] == ep.SHIFT_TO_HIGHER_QUALITY).all()
    assert (printed.loc[list(OUTCOME_DIFFERS), "upgrading_condition"] == "1").all()
    both_up = text["outcome"].eq(ep.PRODUCT_UPGRADING) & printed["outcome"].eq(ep.PRODUCT_UPGRADING)
    cond_diff = set(text.index[both_up & (text["upgrading_condition"] != printed["upgrading_condition"])])
    assert cond_diff == CONDITION_DIFFERS
    assert (text.loc[list(CONDITION_DIFFERS), "upgrading_condition"] == "1+2").all()
    assert (printed.loc[list(CONDITION_DIFFERS), "upgrading_condition"] == "2").all()
    # The signs that decide it, checked on the printed numbers themselves.
    s = text.loc[list(OUTCOME_DIFFERS)]
    assert (s["sign_dX"] == 1).all() and (s["sign_dQw"] == 1).all() and (s["sign_dM"] == -1).all()
    assert (s["sign_dV"] == 1).all()


# ---------------------------------------------------------------------------------------------------
# Real rows whose classification the chapter states
# ---------------------------------------------------------------------------------------------------


def test_chile_frozen_pacific_salmon_upgrading(outcomes):
    # "Chile is the only country in the world that experiences a clear upgrading" (2935): 20.79 -> 38.44 %,
    # unit value +17.48 %, export earnings +18.4 % a year, world demand +11 % a year.
    assert outcomes[("text", "9-2", "b", "Chile")] == (ep.PRODUCT_UPGRADING, "1+2")
    assert outcomes[("printed", "9-2", "b", "Chile")] == (ep.PRODUCT_UPGRADING, "2")
    assert outcomes[("kaplinsky_readman", "9-2", "b", "Chile")] == (ep.KR_UPGRADING, None)


def test_chile_fresh_salmon_is_not_upgrading_under_the_text_rule(outcomes):
    # The chapter says "withdrawing from the market of fresh salmon" (2943) but also prints a +22.57 % unit value
    # (share 19.79 -> 2.44 %). The signs give the text's shift to higher quality (3106), not withdrawal: a documented
    # exception (see TEXT_EXCEPTIONS). Under the printed ΔM ≤ 0 it would even be product upgrading (condition 1).
    assert outcomes[("text", "9-2", "a", "Chile")] == (ep.SHIFT_TO_HIGHER_QUALITY, None)
    assert outcomes[("printed", "9-2", "a", "Chile")] == (ep.PRODUCT_UPGRADING, "1")
    assert outcomes[("kaplinsky_readman", "9-2", "a", "Chile")] == (ep.KR_SHIFT, None)


@pytest.mark.parametrize("key,expected", [
    (("9-2", "d", "Chile"), ep.PRODUCT_UPGRADING),              # "on an upgrading path" (2941)
    (("9-2", "d", "Poland"), ep.PRODUCT_UPGRADING),             # rising share and unit value (2941)
    (("9-2", "a", "Sweden"), ep.DOWNGRADING_IMMISERIZING),      # "downgrading path" (2943)
    (("9-2", "a", "Germany"), ep.DOWNGRADING_IMMISERIZING),     # "downgrading path" (2943)
    (("9-2", "b", "Russian Federation"), ep.DOWNGRADING_IMMISERIZING),  # "capturing lower margins" (2935)
    (("9-2", "b", "Canada"), ep.WITHDRAWAL),                    # 65.26 -> 3.76 %, falling unit value (2935)
    (("9-2", "c", "Denmark"), ep.WITHDRAWAL),                   # "withdrawal from international markets" (2937)
    (("9-2", "d", "Denmark"), ep.WITHDRAWAL),                   # "falling competitiveness" (2939)
    (("9-4", "a", "Mexico"), ep.DOWNGRADING_IMMISERIZING),      # "downgrading in office furniture" (3066)
    (("9-4", "b", "Mexico"), ep.WITHDRAWAL),                    # "progressively withdrawing" (3066)
    (("9-4", "a", "Thailand"), ep.DOWNGRADING_IMMISERIZING),    # "risk of immiserizing growth" (3104)
    (("9-4", "b", "Thailand"), ep.DOWNGRADING_IMMISERIZING),
    (("9-4", "c", "Thailand"), ep.DOWNGRADING_IMMISERIZING),
    (("9-4", "b", "Malaysia"), ep.PRODUCT_UPGRADING),           # "strong competitiveness" (3104)
    (("9-4", "c", "Malaysia"), ep.PRODUCT_UPGRADING),
    (("9-4", "a", "Malaysia"), ep.DOWNGRADING_IMMISERIZING),    # "(except office furniture)" (3104)
    (("9-4", "a", "Italy"), ep.SHIFT_TO_HIGHER_QUALITY),        # "shifting to higher-quality segments" (3106)
    (("9-4", "c", "Germany"), ep.SHIFT_TO_HIGHER_QUALITY),
    (("9-4", "a", "Denmark"), ep.WITHDRAWAL),                   # "with the exception only of office furniture
                                                                #  from Denmark" (3106): share and value both fall
    (("9-2", "a", "Norway"), ep.NOT_UPGRADING_UNDETERMINED),    # 1990 share n.a., falling unit value
    (("9-4", "a", "China"), ep.NOT_CLASSIFIABLE),               # 1990 share n.a.
])
def test_text_rule_on_rows_the_chapter_discusses(outcomes, key, expected):
    assert outcomes[("text", *key)][0] == expected


def test_mexico_only_downgrading_case_in_furniture(outcomes):
    # "Mexico has experienced downgrading in office furniture" (3066); kitchen: falling share and unit value.
    assert outcomes[("kaplinsky_readman", "9-4", "a", "Mexico")][0] == ep.KR_IMMISERIZING
    assert outcomes[("kaplinsky_readman", "9-4", "b", "Mexico")][0] == ep.KR_COLLAPSE


# ---------------------------------------------------------------------------------------------------
# Agreement with the chapter's verdicts
# ---------------------------------------------------------------------------------------------------

NOT_COMPARABLE = {
    ("9-2", "a", "Norway", "downgrading_path"):
        "1990 share n.a.: the rise the chapter asserts (2943) is not in the table",
    ("9-2", "a", "United Kingdom", "downgrading_path"): "1990 share n.a., as for Norway",
    ("9-2", "c", "Norway", "leading_exporter_increasing_unit_value"): "a share level, not a direction or outcome",
    ("9-4", "a", "China", "possible_shift_to_higher_quality"): "1990 share n.a.; the chapter reads unit values only",
    ("9-4", "b", "China", "possible_shift_to_higher_quality"): "1990 share n.a.",
    ("9-4", "c", "China", "possible_shift_to_higher_quality"): "1990 share n.a.",
}
# Disagreements of the default (text) rule, each with its reason. Kaplinsky-Readman has the same three.
TEXT_EXCEPTIONS = {
    ("9-2", "a", "Chile", "withdrawing_from_market"):
        "the chapter calls Chile 'withdrawing' (2943) though it prints a rising unit value (+22.57 %) and says so in"
        " the same paragraph; the identical sign pattern (+,+,-,+) is 'shifting to higher-quality segments' for"
        " Germany/Italy/Denmark furniture (3106). No sign rule can give both; the verdict rests on the size of the"
        " share fall (19.79 -> 2.44 %), which the method does not use",
    ("9-2", "c", "Chile", "upgrading"):
        "the summary sentence 'upgrading in frozen and smoked salmon' (2943) includes frozen Atlantic salmon, which the"
        " chapter itself calls 'less rosy ... slightly decreasing market share' (2937; 22.51 -> 14.03 %). Under the"
        " text rule a falling share is not upgrading; only the printed ΔM ≤ 0 makes it upgrading",
    ("9-4", "c", "Mexico", "withdrawing"):
        "'withdrawing ... with falling shares and falling export unit values' (3066) covers bedroom furniture, but"
        " Table 9-4 prints its unit value change as +3.31 % (share 0.97 -> 0.68 %): the signs are (+,+,-,+)",
}
PRINTED_EXCEPTIONS = {
    ("9-2", "a", "Chile", "withdrawing_from_market"): "as for the text rule, and condition 1 now calls it upgrading",
    ("9-4", "c", "Mexico", "withdrawing"): "as for the text rule, and condition 1 now calls it upgrading",
    ("9-2", "a", "Canada", "similar_trend_decreasing_market_share_increasing_unit_value"):
        "falling share, rising unit value in an expanding market: printed condition 1 (ΔM ≤ 0) calls it upgrading",
    ("9-2", "c", "Chile", "increasing_unit_value_slightly_decreasing_market_share"):
        "the 'less rosy' description (2937) is upgrading under printed condition 1",
    **{(t, c, country, "shift_to_higher_quality_segments"):
       "the chapter's shift to higher-quality segments on lower shares (3106) is upgrading under printed condition 1"
       " wherever export earnings grew (Italy office and bedroom, 0 %, and Germany bedroom, -2 %, stay a shift)"
       for t, c, country in [("9-4", "a", "Germany"), ("9-4", "b", "Denmark"), ("9-4", "b", "Germany"),
                             ("9-4", "b", "Italy"), ("9-4", "c", "Denmark")]},
}
PRINTED_EXCEPTIONS.update({
    ("9-2", "a", "Chile", "decreasing_market_share_increasing_unit_value"):
        "falling share, rising unit value, growing earnings and demand: printed condition 1 calls it upgrading",
    **{("9-4", c, "China", "possible_shift_to_higher_quality"):
       "1990 share n.a., but under the printed rule every sign of ΔM gives product upgrading (ΔX, ΔQw, ΔV > 0), "
       "not the shift the chapter reads" for c in "abc"},
})
EXCEPTIONS = {"text": TEXT_EXCEPTIONS, "printed": PRINTED_EXCEPTIONS, "kaplinsky_readman": TEXT_EXCEPTIONS}
# Not comparable per variant: the printed rule decides China (ΔM-independent), the text rule also the
# "not upgrading" statements on the United States (b) and France (d) (shift or footnote 8's residual
# whatever ΔM), Kaplinsky-Readman none of them (ΔM splits upgrading from a shift).
NOT_COMPARABLE_BY_VARIANT = {
    "text": set(NOT_COMPARABLE),
    "printed": {k for k in NOT_COMPARABLE if k[2] != "China"},
    "kaplinsky_readman": set(NOT_COMPARABLE) | {("9-2", "b", "United States", "not_clear_upgrading"),
                                                ("9-2", "d", "France", "not_increasing_share_and_unit_value")},
}
AMBIGUOUS = {("9-2", "d", "United Kingdom", "ambiguous_falling_competitiveness_or_not_judged"),
             ("9-2", "d", "Norway", "ambiguous_falling_competitiveness_or_not_judged"),
             ("9-4", "a", "Denmark", "ambiguous_exception_withdrawal_or_not_judged"),
             ("9-4", "a", "Malaysia", "ambiguous_exception_not_upgrading_or_not_judged")}


def test_agreement_counts_per_variant(comparison):
    _, summary = comparison
    assert summary.to_dict("records") == [
        {"rule_variant": "text", "agree": 44, "disagree": 3, "not_comparable": 6, "ambiguous": 4, "total": 57},
        {"rule_variant": "printed", "agree": 37, "disagree": 13, "not_comparable": 3, "ambiguous": 4, "total": 57},
        {"rule_variant": "kaplinsky_readman", "agree": 42, "disagree": 3, "not_comparable": 8, "ambiguous": 4,
         "total": 57},
    ]


@pytest.mark.parametrize("variant", ["text", "printed", "kaplinsky_readman"])
def test_each_disagreement_is_a_documented_exception(comparison, variant):
    detail, _ = comparison
    rows = detail[detail["rule_variant"] == variant]
    key = ["source_table", "product_code", "country", "verdict"]
    disagree = set(map(tuple, rows.loc[rows["status"] == "disagree", key].to_numpy()))
    assert disagree == set(EXCEPTIONS[variant])
    not_comparable = set(map(tuple, rows.loc[rows["status"] == "not_comparable", key].to_numpy()))
    assert not_comparable == NOT_COMPARABLE_BY_VARIANT[variant]
    ambiguous = rows[rows["status"] == "ambiguous"]
    assert set(map(tuple, ambiguous[key].to_numpy())) == AMBIGUOUS
    assert ambiguous["reason"].str.contains("readings: implies .* \\| not judged").all()   # both readings


def test_group_statements_cover_every_named_member(trade):
    """A statement about a group is a verdict on each member it names (issue 11): Denmark 'as in all
    the other segments' (2937), 'the only country ... clear upgrading' (2935), 'the only two countries'
    (2941), 'upgrading in frozen and smoked salmon' (2943)."""
    v = trade["chapter9_verdicts"]
    keys = set(zip(v["source_table"], v["product_code"], v["country"], v["verdict"]))
    assert {("9-2", c, "Chile", "upgrading") for c in "bcd"} <= keys
    assert {("9-2", "b", x, "not_clear_upgrading")
            for x in ["Russian Federation", "United States", "Canada", "Japan", "Denmark"]} <= keys
    assert {("9-2", "d", x, "not_increasing_share_and_unit_value")
            for x in ["Germany", "Netherlands", "Denmark", "United Kingdom", "Norway", "France"]} <= keys
    assert ("9-2", "d", "Denmark", "decreasing_market_share_and_unit_value") in keys


def test_na_share_classified_when_the_decision_does_not_depend_on_it():
    """China office furniture: 1990 share n.a., ΔX, ΔQw, ΔV > 0. Under the printed rule (ΔM ≤ 0 in
    condition 1, > 0 in condition 2) every ΔM gives product upgrading; under the text rule a falling
    share would be a shift, so the row stays not classifiable, with the alternatives named."""
    china = frame([("China", 19, np.nan, 47.22, 116.84, 16)])
    printed = ep.classify_amighini(china, market_share_rule="printed").iloc[0]
    assert printed["outcome"] == ep.PRODUCT_UPGRADING
    assert printed["upgrading_condition"] == "1 (dM < 0) or 1 (dM = 0) or 2 (dM > 0)"
    assert printed["decided_by"].startswith("dM unknown (share n.a.) but every sign of dM gives product_upgrading")
    text = ep.classify_amighini(china).iloc[0]
    assert text["outcome"] == ep.NOT_CLASSIFIABLE
    assert "dM < 0: shift_to_higher_quality_segments" in text["decided_by"]
    assert ep.possible_outcomes(text["decided_by"]) == (ep.SHIFT_TO_HIGHER_QUALITY, ep.PRODUCT_UPGRADING)
    known = ep.classify_amighini(frame([("A", 5, 1.0, 2.0, 10, 3)])).iloc[0]
    assert known["decided_by"].startswith("Table 9-1 condition")


def test_chile_frozen_atlantic_verdicts_conflict(comparison):
    # Two verdicts for one row: each Amighini rule agrees with exactly one of them.
    detail, _ = comparison
    rows = detail[(detail["country"] == "Chile") & (detail["product_code"] == "c")]
    status = {(r.verdict, r.rule_variant): r.status for r in rows.itertuples()}
    assert status[("upgrading", "text")] == "disagree"
    assert status[("upgrading", "printed")] == "agree"
    assert status[("increasing_unit_value_slightly_decreasing_market_share", "text")] == "agree"
    assert status[("increasing_unit_value_slightly_decreasing_market_share", "printed")] == "disagree"


def test_every_verdict_label_is_mapped(trade):
    labels = set(trade["chapter9_verdicts"]["verdict"])
    assert labels <= set(ep.VERDICT_MAP)
    for meaning in ep.VERDICT_MAP.values():
        assert meaning.implied in {*ep.COMPARISON_CLASSES, ep.NOT_UPGRADING, None}
        assert meaning.basis in {ep.NAMED, ep.SIGNS, ep.NOT_EXPRESSIBLE, ep.AMBIGUOUS_ATTRIBUTION}
        assert (meaning.implied is None) == (meaning.basis in (ep.NOT_EXPRESSIBLE, ep.AMBIGUOUS_ATTRIBUTION))
        assert bool(meaning.readings) == (meaning.basis == ep.AMBIGUOUS_ATTRIBUTION)
    for outcome in [*ep.AMIGHINI_OUTCOMES, *ep.KR_OUTCOMES]:
        assert ep.OUTCOME_CLASS[outcome] in {*ep.COMPARISON_CLASSES, None}


def test_compare_on_tiny_frames_covers_each_status():
    tiny = frame([("A", 5, 1.0, 2.0, 10, 3), ("B", 5, np.nan, 2.0, 10, 3), ("C", -5, 1.0, 2.0, 10, 3)])
    verdicts = pd.DataFrame({"source_table": "9-9", "product_code": "a", "product": "test product",
                             "country": ["A", "A", "B", "C", "D", "A"],
                             "verdict": ["upgrading", "withdrawing", "upgrading", "upgrading", "upgrading",
                                         "leading_exporter_increasing_unit_value"],
                             "seed_line": [1, 2, 3, 4, 5, 6], "quote": ""})
    detail, summary = ep.compare_with_verdicts(ep.classify_amighini(tiny), verdicts)
    status = dict(zip(zip(detail["country"], detail["verdict"]), detail["status"]))
    assert status == {("A", "upgrading"): "agree", ("A", "withdrawing"): "disagree",
                      ("B", "upgrading"): "not_comparable",   # share missing
                      ("C", "upgrading"): "not_comparable",   # footnote 8 residual: ambiguous
                      ("D", "upgrading"): "not_comparable",   # no such printed row
                      ("A", "leading_exporter_increasing_unit_value"): "not_comparable"}
    assert list(detail.columns) == ep.DETAIL_COLUMNS
    assert summary.to_dict("records") == [
        {"rule_variant": "text", "agree": 1, "disagree": 1, "not_comparable": 4, "ambiguous": 0, "total": 6}]
    assert "footnote 8" in detail.set_index(["country", "verdict"]).loc[("C", "upgrading"), "reason"]


def test_unknown_verdict_label_is_an_error():
    tiny = frame([("A", 5, 1.0, 2.0, 10, 3)])
    verdicts = pd.DataFrame({"source_table": ["9-9"], "product_code": ["a"], "product": ["p"], "country": ["A"],
                             "verdict": ["flourishing"], "seed_line": [1], "quote": [""]})
    with pytest.raises(ValueError, match="flourishing"):
        ep.compare_with_verdicts(ep.classify_amighini(tiny), verdicts)
    twice = pd.concat([ep.classify_amighini(tiny)] * 2)
    with pytest.raises(ValueError, match="more than one row"):
        ep.compare_with_verdicts(twice, verdicts.assign(verdict="upgrading"))


def test_detail_is_sorted_and_deterministic(comparison, classified, trade):
    detail, _ = comparison
    keys = detail[["source_table", "product_code", "country"]].apply(tuple, axis=1).tolist()
    assert keys == sorted(keys)
    again, _ = ep.compare_with_verdicts(classified.sample(frac=1, random_state=1), trade["chapter9_verdicts"])
    pd.testing.assert_frame_equal(detail, again)


# ---------------------------------------------------------------------------------------------------
# Equations (9.1)/(9.2)
# ---------------------------------------------------------------------------------------------------


def test_decomposition_levels_never_computable_and_status_per_component(perf):
    d = ep.decomposition(perf)
    assert len(d) == 7 * len(perf)
    assert (d["level_status"] == "not_computable").all()
    status = d.groupby("component")["status"].agg(lambda s: sorted(set(s))).to_dict()
    assert status == {"delta_X": ["derived"], "volume_effect": ["not_computable", "sign_only"],
                      "unit_value_effect": ["sign_only"], "world_demand_effect": ["derived", "not_computable"],
                      "market_share_effect": ["derived", "not_computable"],
                      "interaction_effect": ["derived", "not_computable"]}
    assert d.loc[d["status"] != "derived", "value"].isna().all()
    na = d[d["status"] == "not_computable"]
    assert set(zip(na["source_table"], na["product_code"], na["country"])) == NA_ROWS


def test_decomposition_chile_pacific_salmon_numbers(perf):
    d = ep.decomposition(perf).set_index([*ep.KEYS, "equation", "component"])
    chile = d.loc[("9-2", "b", "Chile", "9.2")]
    g_w = 1.11 ** 10 - 1                     # world demand CAGR 11 % over 1990-2000
    delta_q = 38.44 * (1 + g_w) - 20.79      # ΔQ / Qw_t in share points
    assert chile.loc["world_demand_effect", "value"] == pytest.approx(20.79 * g_w)
    assert chile.loc["market_share_effect", "value"] == pytest.approx(38.44 - 20.79)
    assert chile.loc["interaction_effect", "value"] == pytest.approx((38.44 - 20.79) * g_w)
    assert chile.loc["world_demand_effect", "share_of_delta_Q"] == pytest.approx(20.79 * g_w / delta_q)
    assert chile.loc["world_demand_effect", "share_of_delta_Q"] == pytest.approx(0.4328, abs=1e-4)
    assert chile["share_of_delta_Q"].sum() == pytest.approx(1.0)
    assert d.loc[("9-2", "b", "Chile", "9.1", "delta_X"), "value"] == pytest.approx(1.184 ** 10 - 1)
    assert d.loc[("9-2", "b", "Chile", "9.1", "unit_value_effect"), "sign"] == 1


def test_decomposition_shares_sum_to_one_and_zero_base_share(perf):
    d = ep.decomposition(perf)
    derived = d[(d["equation"] == "9.2") & (d["status"] == "derived")]
    sums = derived.groupby(ep.KEYS)["share_of_delta_Q"].sum()
    assert np.allclose(sums, 1.0)
    malaysia = d[(d["country"] == "Malaysia") & (d["product_code"] == "b")].set_index("component")
    # M_1990 = 0: the world demand term M_t ΔQw is exactly zero (sign 0), not missing.
    assert malaysia.loc["world_demand_effect", "sign"] == 0
    assert malaysia.loc["world_demand_effect", "value"] == 0


def test_decomposition_tiny_zero_volume_change():
    # Share halves while world volume doubles: ΔQ = 0 -> terms derived, shares of ΔQ undefined.
    tiny = frame([("A", 0, 10.0, 5.0, 10, (2 ** 0.1 - 1) * 100)])
    d = ep.decomposition(tiny).set_index("component")
    assert d.loc["volume_effect", "sign"] == 0
    assert d.loc["world_demand_effect", "value"] == pytest.approx(10.0)
    assert d.loc["market_share_effect", "value"] == pytest.approx(-5.0)
    assert d.loc[["world_demand_effect", "market_share_effect", "interaction_effect"], "share_of_delta_Q"].isna().all()


def test_printed_figures_do_not_close_the_identity(perf):
    # Mexico, kitchen furniture: earnings x26.9 over the decade, share x0.40, world x2.84 -> own unit value would have
    # to rise x23.7 while the printed relative unit value fell 29.8 %. The decomposition therefore leaves ΔV sign_only.
    chk = ep.identity_check(perf).set_index(ep.KEYS)
    mexico = chk.loc[("9-4", "b", "Mexico")]
    assert mexico["implied_unit_value_factor"] == pytest.approx(23.706, abs=1e-3)
    assert mexico["printed_unit_value_factor"] == pytest.approx(0.702)
    implied = chk["implied_unit_value_factor"].dropna()
    assert implied.min() < 0.02 and implied.max() > 190
    assert pd.isna(chk.loc[("9-4", "b", "Malaysia"), "market_share_factor"])  # from a zero share
