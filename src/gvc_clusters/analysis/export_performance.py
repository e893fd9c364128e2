"""Chapter 9 (Amighini): classify export performance in Tables 9-2/9-4 and compare with the chapter.

Line numbers cite the seed text ``001_af830052e76503cb.txt``.

Inputs are the processed tables of the trade family:
``export_performance`` (one row per source_table x product_code x country) and ``chapter9_verdicts``.

Public API (pure functions, pandas in, pandas out; output sorted by source_table, product_code, country)

- ``classify_amighini(perf, market_share_rule="text"|"printed")``: Table 9-1 / the chapter's method.
- ``classify_kaplinsky_readman(perf)``: the four-way classification the chapter attributes to
  Kaplinsky and Readman (2000) (line 2871).
- ``classify_all(perf)``: the three variants stacked (text rule, printed rule, Kaplinsky-Readman).
- ``compare_with_verdicts(classified, verdicts)``: each chapter verdict against each rule variant.
- ``decomposition(perf)``: which terms of equations (9.1)/(9.2) (lines 2840, 2846) the printed
  figures allow to evaluate, and their values where they do.
- ``identity_check(perf)``: whether the printed growth rates close the identity X = V * M * Qw.

The measured quantities (one sign each, -1/0/+1; missing stays missing):

- ΔX   export earnings: sign of the printed compound annual growth rate 1990-2000;
- ΔQw  external market conditions (world demand): sign of the printed CAGR in the product header;
- ΔM   market share change 1990 -> 2000 in percentage points. A share printed "n.a." makes ΔM
       unknown, never a zero change: the row is classified over every sign ΔM could have
       (``decide_over_unknown_signs``, as for any missing sign): one outcome for all, or
       ``not_upgrading_subclass_undetermined`` where every sign gives a non-upgrading outcome but
       not the same one, or ``not_classifiable`` where the sign decides upgrading;
- ΔV   unit value change 1990-2000 relative to competitors, as printed (the chapter reads its tables
       with this relative measure: lines 2935, 2943, 3066).

Sign of zero. A change printed as zero (e.g. Italy's 0% export earnings growth in office and bedroom
furniture, Table 9-4) has sign 0. It is *not* positive, so it never meets a ">0" condition; it meets
"≤0" and "≥0" (nondecreasing). A printed share of 0 (Malaysia 1990, kitchen and bedroom furniture)
is a zero share, not a missing one. Values are taken as printed: no tolerance band is applied,
because the chapter gives none and any band would be an invented threshold.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
import pandas as pd

KEYS = ["source_table", "product_code", "country"]
PERF_COLUMNS = [*KEYS, "product", "export_earnings_cagr_pct", "market_share_1990_pct", "market_share_2000_pct",
                "unit_value_change_pct", "world_demand_cagr_pct"]
SIGN_COLUMNS = ["sign_dX", "sign_dQw", "sign_dM", "sign_dV"]
# Tables 9-2/9-4 cover 1990-2000: a CAGR compounds over ten years.
DECADE_YEARS = 10

TEXT_RULE, PRINTED_RULE, KR_VARIANT = "text", "printed", "kaplinsky_readman"
VARIANTS = [TEXT_RULE, PRINTED_RULE, KR_VARIANT]

# ---------------------------------------------------------------------------------------------------
# Outcome vocabulary
# ---------------------------------------------------------------------------------------------------
NOT_CLASSIFIABLE = "not_classifiable"
# A row with a missing sign that is not upgrading whatever the sign, but whose sub-class depends on it
# (e.g. Norway, fresh salmon: 1990 share n.a., falling unit value: withdrawal if its share fell,
# downgrading otherwise). Its upgrading / not-upgrading decision is made; its sub-class is not.
NOT_UPGRADING_UNDETERMINED = "not_upgrading_subclass_undetermined"
SUBCLASS_UNDETERMINED = "the sub-class is undetermined"

# Amighini (Table 9-1 plus the chapter's reading of the non-upgrading cases).
PRODUCT_UPGRADING = "product_upgrading"                              # Table 9-1; lines 2856-2857, 2863, 2877
WITHDRAWAL = "withdrawal"                                            # lines 2867, 2871, 2937, 3066
DOWNGRADING_IMMISERIZING = "downgrading_immiserizing_growth"         # lines 2824, 2867, 2943, 3066, 3104
SHIFT_TO_HIGHER_QUALITY = "shift_to_higher_quality_segments"         # lines 2871, 3106
AMBIGUOUS = "ambiguous_downgrading_or_withdrawal"                    # footnote 8, line 2867
AMIGHINI_OUTCOMES = [PRODUCT_UPGRADING, DOWNGRADING_IMMISERIZING, WITHDRAWAL, SHIFT_TO_HIGHER_QUALITY, AMBIGUOUS,
                     NOT_UPGRADING_UNDETERMINED, NOT_CLASSIFIABLE]

# Kaplinsky-Readman as described at line 2871.
KR_UPGRADING = "upgrading"
KR_COLLAPSE = "collapse_and_withdrawal"
KR_IMMISERIZING = "immiserizing_growth"
KR_SHIFT = "shift_to_higher_quality_niches"
KR_OUTCOMES = [KR_UPGRADING, KR_COLLAPSE, KR_IMMISERIZING, KR_SHIFT, NOT_UPGRADING_UNDETERMINED, NOT_CLASSIFIABLE]

# The common classes in which classifier outcomes and chapter verdicts are compared.
UPGRADING_CLASS = "upgrading"
COMPARISON_CLASSES = [UPGRADING_CLASS, WITHDRAWAL, DOWNGRADING_IMMISERIZING, SHIFT_TO_HIGHER_QUALITY]
OUTCOME_CLASS: dict[str, str | None] = {
    PRODUCT_UPGRADING: UPGRADING_CLASS, KR_UPGRADING: UPGRADING_CLASS,
    WITHDRAWAL: WITHDRAWAL, KR_COLLAPSE: WITHDRAWAL,
    DOWNGRADING_IMMISERIZING: DOWNGRADING_IMMISERIZING, KR_IMMISERIZING: DOWNGRADING_IMMISERIZING,
    SHIFT_TO_HIGHER_QUALITY: SHIFT_TO_HIGHER_QUALITY, KR_SHIFT: SHIFT_TO_HIGHER_QUALITY,
    # Footnote 8 leaves these open ("either downgrading or withdrawal"): nothing to compare against.
    AMBIGUOUS: None,
    NOT_CLASSIFIABLE: None,
    # not upgrading, sub-class open: compared through its possible sub-classes (``judge``)
    NOT_UPGRADING_UNDETERMINED: None,
}

# ---------------------------------------------------------------------------------------------------
# Table 9-1
# ---------------------------------------------------------------------------------------------------
# Which signs (-1, 0, +1) each printed condition admits. "><0" is the table's "either way", i.e.
# "regardless of the evolution of world demand" (line 2863), so it also admits an unchanged demand.
SIGN_SETS = {">0": frozenset({1}), "<0": frozenset({-1}), "≥0": frozenset({0, 1}), "≤0": frozenset({-1, 0}),
             "><0": frozenset({-1, 0, 1})}
CONDITION_FIELDS = {"export_value_sign": "sign_dX", "world_demand_sign": "sign_dQw",
                    "market_share_sign": "sign_dM", "unit_value_sign": "sign_dV"}
# Table 9-1 as printed (lines 2852-2857); equal to data/processed/trade/product_upgrading_conditions.
PRINTED_TABLE_9_1 = pd.DataFrame({
    "condition_id": [1, 2],
    "export_value_sign": [">0", ">0"],
    "world_demand_sign": [">0", "><0"],
    "market_share_sign": ["≤0", ">0"],
    "unit_value_sign": [">0", ">0"],
})
# The text states condition 1 with a *nondecreasing* market share: "a nondecreasing market share
# (provided that world demand has improved)" (line 2863); "an increased unit value (with nondecreasing
# market share) only if export value has increased *and* market conditions have improved" (line 2877).
# The printed row 1 has ΔM ≤ 0 (line 2856). The text's rule is the default; the print is a sensitivity.
TEXT_OVERRIDES = {1: {"market_share_sign": "≥0"}}


def upgrading_conditions(market_share_rule: str = TEXT_RULE, printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 9-1 under a market-share rule: "printed" keeps row 1's ΔM ≤ 0 (line 2856); "text"
    replaces it with ΔM ≥ 0, nondecreasing (lines 2863, 2877). Returns the conditions as printed text."""
    if market_share_rule not in (TEXT_RULE, PRINTED_RULE):
        raise ValueError(f"market_share_rule must be 'text' or 'printed', not {market_share_rule!r}")
    table = (PRINTED_TABLE_9_1 if printed is None else printed).copy().reset_index(drop=True)
    _condition_sets(table)  # reject an unreadable printed table before the text rule edits it
    if market_share_rule == TEXT_RULE:
        for cid, changes in TEXT_OVERRIDES.items():
            for column, rule in changes.items():
                table.loc[table["condition_id"] == cid, column] = rule
    return table


def _condition_sets(conditions: pd.DataFrame) -> dict[int, dict[str, frozenset]]:
    unknown = set(conditions[list(CONDITION_FIELDS)].to_numpy().ravel()) - set(SIGN_SETS)
    if unknown:
        raise ValueError(f"Table 9-1 sign conditions not understood: {sorted(unknown)}")
    return {int(row.condition_id): {sign: SIGN_SETS[getattr(row, field)] for field, sign in CONDITION_FIELDS.items()}
            for row in conditions.itertuples(index=False)}


# ---------------------------------------------------------------------------------------------------
# Signs
# ---------------------------------------------------------------------------------------------------
def _check_columns(frame: pd.DataFrame, required: list[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def sign(values: pd.Series) -> pd.Series:
    """-1/0/+1 per value as nullable Int8; a missing value stays <NA> (never 0). Zero has sign 0."""
    return pd.Series(np.sign(values.astype(float)), index=values.index).astype("Int8")


def signs(perf: pd.DataFrame) -> pd.DataFrame:
    """The keys plus ΔM (percentage points) and the four signs ΔX, ΔQw, ΔM, ΔV, sorted by the keys.

    ΔM is missing whenever either share is missing ("n.a." in Tables 9-2/9-4)."""
    _check_columns(perf, PERF_COLUMNS, "export performance table")
    out = perf[[*KEYS, "product"]].copy()
    out["delta_M_pp"] = perf["market_share_2000_pct"] - perf["market_share_1990_pct"]
    out["sign_dX"] = sign(perf["export_earnings_cagr_pct"])
    out["sign_dQw"] = sign(perf["world_demand_cagr_pct"])
    out["sign_dM"] = sign(out["delta_M_pp"])
    out["sign_dV"] = sign(perf["unit_value_change_pct"])
    return out.sort_values(KEYS, kind="stable").reset_index(drop=True)


def _known(*values) -> bool:
    return not any(pd.isna(v) for v in values)


# ---------------------------------------------------------------------------------------------------
# Amighini
# ---------------------------------------------------------------------------------------------------
def met_conditions(sx, sq, sm, sv, conditions: dict[int, dict[str, frozenset]]) -> list[int]:
    """Ids of the Table 9-1 conditions (lines 2852-2857) that the four signs satisfy."""
    observed = {"sign_dX": sx, "sign_dQw": sq, "sign_dM": sm, "sign_dV": sv}
    return [cid for cid, rule in sorted(conditions.items())
            if all(observed[name] in allowed for name, allowed in rule.items())]


def non_upgrading_outcome(sm: int, sv: int) -> str:
    """The chapter's name for a case outside Table 9-1, from the directions of ΔM and ΔV.

    Footnote 8 (line 2867): "In all other possible cases, the outcome is ambiguous: it could suggest
    either downgrading or withdrawal from international markets." Reading Tables 9-2/9-4 the chapter
    names these cases by the directions of market share and unit value:

    - ``withdrawal``: falling share and falling unit value: "a sharp decrease in market share and unit
      value ... suggestive of the country's withdrawal from international markets" (line 2937);
      "progressively withdrawing ... with falling shares and falling export unit values" (line 3066).
    - ``downgrading_immiserizing_growth``: share not falling, unit value not rising: "a rise in market
      share, but with nonincreasing unit value, is likely to bring an immiserizing type of growth"
      (line 2824); "increased their market shares ... decreasing export unit values ... downgrading
      path" (line 2943); "downgrading ...: a slightly increasing market share combined with a sharp
      decrease in export unit value" (line 3066); "increase in market share combined with a sharp fall
      in export unit value ... commodified segments ... risk of immiserizing growth" (line 3104). The
      chapter uses both words for the same sign pattern, so the classification cannot separate them.
    - ``shift_to_higher_quality_segments``: falling share, rising unit value: "decreasing market shares
      and increasing export unit values ... shifting to higher-quality segments" (line 3106; also 2871).
    - ``ambiguous_downgrading_or_withdrawal``: share not falling and unit value rising, yet no Table 9-1
      condition holds (export earnings not growing, or an unchanged share in a market that did not
      expand): footnote 8's residual, which the chapter names no further.
    """
    if sv <= 0:  # a zero unit value change is "nonincreasing" (line 2824)
        return WITHDRAWAL if sm < 0 else DOWNGRADING_IMMISERIZING
    return SHIFT_TO_HIGHER_QUALITY if sm < 0 else AMBIGUOUS


def amighini_outcome(sx, sq, sm, sv, conditions: dict[int, dict[str, frozenset]]) -> tuple[str, str | None]:
    """(outcome, upgrading condition) for one country-product.

    Product upgrading (line 2863): "positive export performance ... due to a rise in unit value of
    exports together with either increasing market share (regardless of the evolution of world demand)
    or a nondecreasing market share (provided that world demand has improved)", i.e. Table 9-1
    conditions 2 and 1. The condition is reported as "1", "2" or "1+2" (under the text rule a rising share
    in an expanding market meets both). A missing sign: ``amighini_decision``.
    """
    outcome, condition, _ = amighini_decision(sx, sq, sm, sv, conditions)
    return outcome, condition


def _decide_known(sx, sq, sm, sv, conditions) -> tuple[str, str | None, str]:
    met = met_conditions(sx, sq, sm, sv, conditions)
    if met:
        rules = "; ".join(f"condition {c}: " + ", ".join(f"{n.removeprefix('sign_')} in {sorted(conditions[c][n])}"
                                                          for n in SIGN_COLUMNS if n in conditions[c]) for c in met)
        return PRODUCT_UPGRADING, "+".join(str(c) for c in met), f"Table 9-1 {rules}"
    return non_upgrading_outcome(sm, sv), None, (f"no Table 9-1 condition holds; dM {_mark(sm)}, dV {_mark(sv)} "
                                                 "name the outcome (footnote 8, lines 2867-2871)")


def _mark(value) -> str:
    return {1: "> 0", 0: "= 0", -1: "< 0"}[int(value)]


def amighini_decision(sx, sq, sm, sv, conditions) -> tuple[str, str | None, str]:
    """(outcome, upgrading condition, what decided it). A missing sign (a market share printed n.a.
    leaves ΔM unknown) is decided over every sign it could have (``decide_over_unknown_signs``)."""
    return decide_over_unknown_signs({"sign_dX": sx, "sign_dQw": sq, "sign_dM": sm, "sign_dV": sv},
                                     lambda s: _decide_known(s["sign_dX"], s["sign_dQw"], s["sign_dM"],
                                                             s["sign_dV"], conditions))


UNKNOWN_BECAUSE = {"sign_dM": "share n.a."}


def decide_over_unknown_signs(signs: dict, decide) -> tuple[str, str | None, str]:
    """(outcome, upgrading condition, what decided it) of one row whose signs may be missing.

    ``decide(signs)`` classifies a row with every sign known. With some unknown, every combination
    of signs (-1, 0, +1) they could have is classified:

    - one outcome for all: that outcome (its condition(s) by combination where they differ);
    - not one outcome, but not upgrading under every combination: ``not_upgrading_subclass_undetermined``,
      the upgrading / not-upgrading decision is made and the sub-class (withdrawal, downgrading, ...)
      is not; the reason lists what each combination gives;
    - upgrading under some combinations and not under others: ``not_classifiable``, with the
      alternatives (``possible_outcomes`` reads them back).

    A missing value is never read as a zero change: zero is one of the signs tried."""
    unknown = [name for name, value in signs.items() if not _known(value)]
    if not unknown:
        return decide(signs)
    names = " and ".join(name.removeprefix("sign_") for name in unknown)
    because = "; ".join(dict.fromkeys(UNKNOWN_BECAUSE[n] for n in unknown if n in UNKNOWN_BECAUSE))
    what = f"{names} unknown" + (f" ({because})" if because else "")
    options = {}
    for combo in itertools.product((-1, 0, 1), repeat=len(unknown)):
        label = ", ".join(f"{n.removeprefix('sign_')} {_mark(v)}" for n, v in zip(unknown, combo))
        options[label] = decide({**signs, **dict(zip(unknown, combo))})
    outcomes = list(dict.fromkeys(o for o, _, _ in options.values()))
    alternatives = "; ".join(f"{label}: {o}" for label, (o, _, _) in options.items())
    if len(outcomes) == 1:
        conds = list(dict.fromkeys(c for _, c, _ in options.values()))
        condition = conds[0] if len(conds) == 1 else " or ".join(f"{c} ({label})" for label, (_, c, _)
                                                                 in options.items())
        whys = "; ".join(dict.fromkeys(f"{label}: {w}" for label, (_, _, w) in options.items()))
        return outcomes[0], condition, f"{what} but every sign of {names} gives {outcomes[0]} ({whys})"
    if not any(OUTCOME_CLASS.get(o) == UPGRADING_CLASS for o in outcomes):
        return NOT_UPGRADING_UNDETERMINED, None, (
            f"{what}: every sign of {names} gives an outcome other than upgrading, so the row is not upgrading; "
            f"{SUBCLASS_UNDETERMINED} ({alternatives})")
    return NOT_CLASSIFIABLE, None, f"{what} and the outcome depends on it ({alternatives})"


def classify_amighini(perf: pd.DataFrame, market_share_rule: str = TEXT_RULE,
                      conditions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Classify each country-product of Tables 9-2/9-4 by the chapter's method (lines 2852-2877).

    ``market_share_rule``: "text" (default; condition 1 with ΔM ≥ 0, lines 2863/2877) or "printed"
    (Table 9-1 row 1 as printed, ΔM ≤ 0, line 2856). ``conditions`` is Table 9-1 as printed (the
    processed ``product_upgrading_conditions``); by default the built-in copy of it.

    Columns: keys, product, delta_M_pp, the four signs, rule_variant, upgrading_condition, outcome.
    """
    table = upgrading_conditions(market_share_rule, conditions)
    rules = _condition_sets(table)
    out = signs(perf)
    results = [amighini_decision(r.sign_dX, r.sign_dQw, r.sign_dM, r.sign_dV, rules)
               for r in out[SIGN_COLUMNS].itertuples(index=False)]
    out["rule_variant"] = market_share_rule
    out["upgrading_condition"] = pd.Series([c for _, c, _ in results], index=out.index, dtype=object)
    out["outcome"] = [o for o, _, _ in results]
    out["decided_by"] = [why for _, _, why in results]
    return out


# ---------------------------------------------------------------------------------------------------
# Kaplinsky-Readman
# ---------------------------------------------------------------------------------------------------
def kaplinsky_readman_outcome(sm, sv) -> str:
    """The four cases of Kaplinsky and Readman (2000) as the chapter states them (line 2871).

    - nondecreasing share, increasing unit value: ``upgrading`` ("a country is upgrading ... if it has a
      nondecreasing market share together with increasing unit values relative to competitors");
    - decreasing share, decreasing unit value: ``collapse_and_withdrawal`` ("suggestive of collapse of
      international competitiveness and withdrawal from international markets");
    - nondecreasing share, decreasing unit value: ``immiserizing_growth`` ("suggestive of an
      immiserizing growth path");
    - decreasing share, increasing unit value: ``shift_to_higher_quality_niches`` ("more ambiguous ...
      a shift of the country to higher-quality products ... to restricted market niches").

    The text splits the share axis at "nondecreasing"/"decreasing", so ΔM = 0 is nondecreasing. For
    unit values it says "increasing"/"decreasing"; a zero relative change is not the "relatively good
    price performance" that marks upgrading (line 2869), so ΔV = 0 is counted with decreasing.
    """
    if not _known(sm, sv):
        return NOT_CLASSIFIABLE
    nondecreasing_share, increasing_value = sm >= 0, sv > 0
    return {(True, True): KR_UPGRADING, (False, False): KR_COLLAPSE,
            (True, False): KR_IMMISERIZING, (False, True): KR_SHIFT}[(nondecreasing_share, increasing_value)]


def classify_kaplinsky_readman(perf: pd.DataFrame) -> pd.DataFrame:
    """Classify each country-product by the Kaplinsky-Readman four-way scheme (line 2871).

    Only ΔM and ΔV matter: the scheme ignores export earnings and world demand (the difference the
    chapter stresses at line 2877). Same columns as ``classify_amighini``; upgrading_condition is empty.
    """
    out = signs(perf)
    out["rule_variant"] = KR_VARIANT
    out["upgrading_condition"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    decisions = [kaplinsky_readman_decision(sm, sv) for sm, sv in zip(out["sign_dM"], out["sign_dV"])]
    out["outcome"] = [o for o, _ in decisions]
    out["decided_by"] = [why for _, why in decisions]
    return out


def kaplinsky_readman_decision(sm, sv) -> tuple[str, str]:
    """(outcome, what decided it); a missing sign is decided over every sign it could have
    (``decide_over_unknown_signs``)."""
    outcome, _, why = decide_over_unknown_signs(
        {"sign_dM": sm, "sign_dV": sv},
        lambda s: (kaplinsky_readman_outcome(s["sign_dM"], s["sign_dV"]), None,
                   f"dM {_mark(s['sign_dM'])}, dV {_mark(s['sign_dV'])} (line 2871)"))
    return outcome, why


def classify_all(perf: pd.DataFrame, conditions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The three variants stacked: text rule, printed rule, Kaplinsky-Readman."""
    frames = [classify_amighini(perf, TEXT_RULE, conditions), classify_amighini(perf, PRINTED_RULE, conditions),
              classify_kaplinsky_readman(perf)]
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------------
# The chapter's verdicts
# ---------------------------------------------------------------------------------------------------
class VerdictMeaning(NamedTuple):
    implied: str | None  # a COMPARISON_CLASSES member, NOT_UPGRADING, or None (not comparable)
    basis: str           # "named_outcome" | "described_signs" | "not_expressible" | "ambiguous_attribution"
    note: str
    readings: tuple = ()  # ambiguous attribution: the implied class under each reading (None = not judged)


NAMED, SIGNS, NOT_EXPRESSIBLE, AMBIGUOUS_ATTRIBUTION = ("named_outcome", "described_signs", "not_expressible",
                                                       "ambiguous_attribution")
# "Not upgrading": a statement that excludes the upgrading case without naming another (e.g. "Chile is
# the only country ... that experiences a clear upgrading"): any classified non-upgrading outcome agrees.
NOT_UPGRADING = "not_upgrading"
# A verdict that only states the directions of share and unit value implies the outcome the chapter
# itself gives those directions (line 2871 and the readings at 2937-2943, 3066, 3104-3106).
VERDICT_MAP: dict[str, VerdictMeaning] = {
    "clear_upgrading": VerdictMeaning(UPGRADING_CLASS, NAMED, "'experiences a clear upgrading' (2935)"),
    "upgrading": VerdictMeaning(UPGRADING_CLASS, NAMED, "'upgrading in frozen and smoked salmon' (2943)"),
    "upgrading_path": VerdictMeaning(UPGRADING_CLASS, NAMED, "'on an upgrading path' (2941)"),
    "strong_competitiveness": VerdictMeaning(
        UPGRADING_CLASS, NAMED, "'strong competitiveness ... with increasing market shares and export unit values'"
        " (3104): the chapter's word differs but the stated signs are the upgrading case (2871, Table 9-1 row 2)"),
    "withdrawing_from_market": VerdictMeaning(WITHDRAWAL, NAMED,
                                              "'withdrawing from the market of fresh salmon' (2943)"),
    "withdrawing": VerdictMeaning(WITHDRAWAL, NAMED, "'progressively withdrawing from the other segments' (3066)"),
    "withdrawal_from_international_markets": VerdictMeaning(
        WITHDRAWAL, NAMED, "'suggestive of the country's withdrawal from international markets' (2937)"),
    "falling_competitiveness": VerdictMeaning(
        WITHDRAWAL, NAMED, "'falling competitiveness ... with decreasing market shares and unit values' (2939):"
        " the 'collapse of international competitiveness and withdrawal' case of 2871"),
    "downgrading": VerdictMeaning(DOWNGRADING_IMMISERIZING, NAMED,
                                  "'experienced downgrading in office furniture' (3066)"),
    "downgrading_path": VerdictMeaning(DOWNGRADING_IMMISERIZING, NAMED, "'entered a downgrading path' (2943)"),
    "commodified_segments_risk_of_immiserizing_growth": VerdictMeaning(
        DOWNGRADING_IMMISERIZING, NAMED, "'commodified segments ... risk of immiserizing growth' (3104)"),
    "shift_to_higher_quality_segments": VerdictMeaning(
        SHIFT_TO_HIGHER_QUALITY, NAMED, "'shifting to higher-quality segments of the market' (3106)"),
    "possible_shift_to_higher_quality": VerdictMeaning(
        SHIFT_TO_HIGHER_QUALITY, NAMED, "'could signal a shift to higher-quality products' (3104)"),
    "similar_trend_decreasing_market_share_increasing_unit_value": VerdictMeaning(
        SHIFT_TO_HIGHER_QUALITY, SIGNS, "'faced a similar trend' (2943): falling share, rising unit value; the"
        " chapter names no outcome for Canada, so the outcome of those signs (2871, 3106) is implied"),
    "decreasing_market_share_and_unit_value": VerdictMeaning(
        WITHDRAWAL, SIGNS, "falling share and unit value (2935, 2937): the withdrawal case (2871, 2937)"),
    "increasing_market_share_lower_margins": VerdictMeaning(
        DOWNGRADING_IMMISERIZING, SIGNS, "'increase in its market share ... capturing lower margins' (2935):"
        " rising share, falling relative unit value (2824, 2871)"),
    "increasing_unit_value_slightly_decreasing_market_share": VerdictMeaning(
        SHIFT_TO_HIGHER_QUALITY, SIGNS, "'increasing export unit value ... slightly decreasing market share'"
        " (2937): the outcome of those signs (2871, 3106)"),
    "increasing_market_share_and_unit_value": VerdictMeaning(
        UPGRADING_CLASS, SIGNS, "'increase both in market share and in export unit value' (2941): the"
        " upgrading case (2871, Table 9-1 row 2)"),
    "decreasing_market_share_increasing_unit_value": VerdictMeaning(
        SHIFT_TO_HIGHER_QUALITY, SIGNS, "'a sharp decrease in its market share ... accompanied by an increase in"
        " export unit value' (2943): the outcome of those signs (2871, 3106)"),
    "not_clear_upgrading": VerdictMeaning(
        NOT_UPGRADING, NAMED, "'Chile is the only country in the world that experiences a clear upgrading' (2935):"
        " a statement about every other exporter of Table 9-2(b)"),
    "not_increasing_share_and_unit_value": VerdictMeaning(
        NOT_UPGRADING, SIGNS, "'The only two countries showing an increase both in market share and in export"
        " unit value ... are Poland and Chile' (2941): every other exporter of Table 9-2(d) lacks the upgrading"
        " signs (2871, Table 9-1 row 2)"),
    "ambiguous_falling_competitiveness_or_not_judged": VerdictMeaning(
        None, AMBIGUOUS_ATTRIBUTION, "'Most traditional exporters of smoked salmon (except Germany) ... falling"
        " competitiveness ... with decreasing market shares and unit values' (2939): 'most' leaves open whether"
        " this named major exporter is among them", readings=(WITHDRAWAL, None)),
    "ambiguous_exception_withdrawal_or_not_judged": VerdictMeaning(
        None, AMBIGUOUS_ATTRIBUTION, "'with the exception only of office furniture from Denmark' (3106): either"
        " the exception says its unit value did not rise beside a falling share (the withdrawal signs, 2871) or"
        " it only leaves Denmark's office furniture out of the statement", readings=(WITHDRAWAL, None)),
    "ambiguous_exception_not_upgrading_or_not_judged": VerdictMeaning(
        None, AMBIGUOUS_ATTRIBUTION, "'strong competitiveness in wooden furniture (except office furniture)'"
        " (3104): either Malaysia's office furniture is not competitive (not upgrading) or it is simply not"
        " judged", readings=(NOT_UPGRADING, None)),
    "leading_exporter_increasing_unit_value": VerdictMeaning(
        None, NOT_EXPRESSIBLE, "states a share level (world leader) and a rising unit value only (2937); no"
        " direction of market share and no outcome, which the classification needs"),
}

DETAIL_COLUMNS = [*KEYS, "product", "verdict", "seed_line", "verdict_basis", "implied_outcome", "rule_variant",
                  "outcome", "upgrading_condition", "outcome_class", "signs", "status", "reason"]
STATUSES = ["agree", "disagree", "not_comparable", "ambiguous"]


def _sign_text(row) -> str:
    marks = {1: "+", 0: "0", -1: "-"}
    parts = [marks.get(None if pd.isna(row[c]) else int(row[c]), "?") for c in SIGN_COLUMNS]
    return "(dX,dQw,dM,dV)=(" + ",".join(parts) + ")"


def possible_outcomes(decided_by) -> tuple[str, ...]:
    """The outcomes a not-classifiable row (or a not-upgrading row of undetermined sub-class) could
    have, read from its ``decided_by`` text (``decide_over_unknown_signs`` writes them)."""
    marker = next((m for m in ("depends on it (", f"{SUBCLASS_UNDETERMINED} (")
                   if isinstance(decided_by, str) and m in decided_by), None)
    if marker is None:
        return ()
    inner = decided_by.split(marker, 1)[1].rstrip(")")
    return tuple(dict.fromkeys(part.split(": ", 1)[1] for part in inner.split("; ") if ": " in part))


def judge(meaning: VerdictMeaning, outcome: str | None, variant: str, signs_text: str,
          alternatives: tuple[str, ...] = ()) -> tuple[str, str]:
    """(status, reason) for one verdict against one classified row. An ambiguous attribution is
    "ambiguous", with what each reading would give in the reason (it is never assigned to one)."""
    if meaning.readings:
        parts = []
        for implied in meaning.readings:
            if implied is None:
                parts.append("not judged: nothing to compare")
            else:
                status, reason = judge(meaning._replace(implied=implied, readings=()), outcome, variant, signs_text,
                                       alternatives)
                parts.append(f"implies {implied}: {status} ({reason})")
        return "ambiguous", "readings: " + " | ".join(parts) + f"; {meaning.note}"
    if meaning.implied is None:
        return "not_comparable", meaning.note
    if outcome is None:
        return "not_comparable", "country-product not in the classified table"
    if outcome == NOT_UPGRADING_UNDETERMINED and meaning.implied in (UPGRADING_CLASS, NOT_UPGRADING):
        status = "agree" if meaning.implied == NOT_UPGRADING else "disagree"
        return status, (f"{variant}: not upgrading whatever the missing sign ({SUBCLASS_UNDETERMINED}): "
                        f"{'agrees with' if status == 'agree' else 'contradicts'} the chapter's "
                        f"{meaning.implied.replace('_', ' ')} {signs_text}")
    if outcome == NOT_UPGRADING_UNDETERMINED:
        # a named sub-class: judged under every sub-class the missing sign allows
        verdicts = {judge(meaning, alt, variant, signs_text)[0] for alt in alternatives}
        if len(verdicts) == 1 and verdicts <= {"agree", "disagree"}:
            status = verdicts.pop()
            return status, (f"{variant}: not upgrading, {SUBCLASS_UNDETERMINED}, but every possible sub-class "
                            f"({', '.join(alternatives)}) {'agrees' if status == 'agree' else 'disagrees'} {signs_text}")
        return "not_comparable", (f"{variant}: not upgrading whatever the missing sign, but the chapter names a "
                                  f"sub-class and {SUBCLASS_UNDETERMINED} ({', '.join(alternatives)}) {signs_text}")
    if outcome == NOT_CLASSIFIABLE:
        # the outcome depends on ΔM, but the verdict may not: judge every possible outcome
        verdicts = {judge(meaning, alt, variant, signs_text)[0] for alt in alternatives} if alternatives else set()
        if len(verdicts) == 1 and verdicts <= {"agree", "disagree"}:
            status = verdicts.pop()
            return status, (f"{variant}: ΔM unknown (share n.a.), but every possible outcome "
                            f"({', '.join(alternatives)}) {'agrees' if status == 'agree' else 'disagrees'} {signs_text}")
        return "not_comparable", (f"not classifiable: a market share is printed n.a. and the comparison depends on "
                                  f"ΔM {signs_text}")
    got = OUTCOME_CLASS[outcome]
    if got is None and meaning.implied == NOT_UPGRADING and outcome == AMBIGUOUS:
        return "agree", f"{variant}: {outcome} is 'either downgrading or withdrawal' (footnote 8), not upgrading {signs_text}"
    if got is None:
        return "not_comparable", f"classification leaves the case open ({outcome}, footnote 8, line 2867)"
    if got == meaning.implied or (meaning.implied == NOT_UPGRADING and got != UPGRADING_CLASS):
        return "agree", f"{variant}: {outcome} {signs_text}"
    return "disagree", f"chapter implies {meaning.implied}; {variant} gives {outcome} {signs_text}"


def compare_with_verdicts(classified: pd.DataFrame, verdicts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each chapter verdict against each rule variant present in ``classified``.

    ``classified``: stacked outputs of the classifiers (``classify_all``); ``verdicts``: the processed
    chapter9_verdicts table. Every verdict label must be in ``VERDICT_MAP`` (an unknown label is an
    error, so a new verdict cannot pass silently). Returns (detail, summary): detail has one row per
    verdict x variant; summary one row per variant with agree/disagree/not_comparable/total counts.
    """
    _check_columns(verdicts, [*KEYS, "product", "verdict", "seed_line"], "verdicts table")
    _check_columns(classified, [*KEYS, "rule_variant", "outcome", "upgrading_condition", *SIGN_COLUMNS],
                   "classified table")
    unknown = sorted(set(verdicts["verdict"]) - set(VERDICT_MAP))
    if unknown:
        raise ValueError(f"verdict labels without a mapping in VERDICT_MAP: {unknown}")
    if classified.duplicated([*KEYS, "rule_variant"]).any():
        raise ValueError("classified table has more than one row per country-product and rule_variant")
    variants = [v for v in VARIANTS if v in set(classified["rule_variant"])]
    variants += sorted(set(classified["rule_variant"]) - set(variants))
    indexed = {v: classified[classified["rule_variant"] == v].set_index(KEYS) for v in variants}
    records = [_detail_record(verdict, variant, indexed[variant])
               for verdict in verdicts.itertuples(index=False) for variant in variants]
    detail = pd.DataFrame(records, columns=DETAIL_COLUMNS)
    order = {v: i for i, v in enumerate(variants)}
    detail = (detail.assign(_v=detail["rule_variant"].map(order))
              .sort_values([*KEYS, "seed_line", "verdict", "_v"], kind="stable")
              .drop(columns="_v").reset_index(drop=True))
    return detail, _summary(detail, variants)


def _detail_record(verdict, variant: str, table: pd.DataFrame) -> dict:
    meaning = VERDICT_MAP[verdict.verdict]
    key = (verdict.source_table, verdict.product_code, verdict.country)
    row = table.loc[key] if key in table.index else None
    outcome = None if row is None else row["outcome"]
    signs_text = "" if row is None else _sign_text(row)
    alternatives = () if row is None else possible_outcomes(row.get("decided_by"))
    status, reason = judge(meaning, outcome, variant, signs_text, alternatives)
    return {"source_table": key[0], "product_code": key[1], "country": key[2], "product": verdict.product,
            "verdict": verdict.verdict, "seed_line": int(verdict.seed_line), "verdict_basis": meaning.basis,
            "implied_outcome": meaning.implied, "rule_variant": variant, "outcome": outcome,
            "upgrading_condition": None if row is None else row["upgrading_condition"],
            "outcome_class": None if outcome is None else OUTCOME_CLASS[outcome], "signs": signs_text,
            "status": status, "reason": reason}


def _summary(detail: pd.DataFrame, variants: list[str]) -> pd.DataFrame:
    counts = pd.crosstab(detail["rule_variant"], detail["status"]).reindex(index=variants, columns=STATUSES,
                                                                           fill_value=0)
    counts["total"] = counts.sum(axis=1)
    return counts.rename_axis(index="rule_variant", columns=None).reset_index()


# ---------------------------------------------------------------------------------------------------
# Equations (9.1) and (9.2)
# ---------------------------------------------------------------------------------------------------
def decade_growth(rate_pct: pd.Series) -> pd.Series:
    """Growth over 1990-2000 from a printed compound annual rate: (1 + r)^10 - 1."""
    return (1 + rate_pct / 100) ** DECADE_YEARS - 1


def identity_check(perf: pd.DataFrame) -> pd.DataFrame:
    """Do the printed figures close X = V * M * Qw (the identity behind (9.1)/(9.2), lines 2840-2848)?

    From the printed CAGRs and shares, 1 + gX = (1 + gV)(1 + gM)(1 + gQw) must hold for the exporter's
    own unit value growth gV. ``implied_unit_value_factor`` is the (1 + gV) that would close it and
    ``printed_unit_value_factor`` the printed unit value change (relative to competitors). The
    implied factors range from about 0.02 to 190 (Table 9-4 kitchen furniture, Denmark): the printed
    columns are not measured on one consistent basis, so ΔV cannot be backed out of the identity.
    """
    out = perf[[*KEYS, "product"]].copy()
    out["export_value_factor"] = 1 + decade_growth(perf["export_earnings_cagr_pct"])
    out["world_demand_factor"] = 1 + decade_growth(perf["world_demand_cagr_pct"])
    share_ratio = perf["market_share_2000_pct"] / perf["market_share_1990_pct"]
    out["market_share_factor"] = share_ratio.where(perf["market_share_1990_pct"] > 0)  # undefined from a zero share
    out["implied_unit_value_factor"] = out["export_value_factor"] / (out["market_share_factor"]
                                                                      * out["world_demand_factor"])
    out["printed_unit_value_factor"] = 1 + perf["unit_value_change_pct"] / 100
    return out.sort_values(KEYS, kind="stable").reset_index(drop=True)


LEVELS_ABSENT = ("levels of X, Q, V and Qw are not printed (Tables 9-2/9-4 give growth rates, shares and a relative"
                 " unit value)")
OWN_UV_ABSENT = ("needs the exporter's own unit value growth; the printed unit value change is relative to"
                 " competitors, and the identity does not close on the printed figures (identity_check)")
BRACKET_ASSUMPTION = ("a term of the volume change ΔQ = M_t ΔQw + ΔM Qw_t + ΔM ΔQw, divided by Qw_t; assumes the"
                      " printed shares and world demand CAGR measure volumes (as M = Q/Qw in 9.2) over ten years;"
                      " V_t+n multiplies all three, so their ratios are also their ratios within ΔX")
COMPONENTS = [
    # (equation, component, formula)
    ("9.1", "delta_X", "X_t+n - X_t"),
    ("9.1", "volume_effect", "V_t+n (Q_t+n - Q_t)"),
    ("9.1", "unit_value_effect", "Q_t (V_t+n - V_t)"),
    ("9.2", "world_demand_effect", "V_t+n M_t ΔQw"),
    ("9.2", "market_share_effect", "V_t+n ΔM Qw_t"),
    ("9.2", "interaction_effect", "V_t+n ΔM ΔQw"),
    ("9.2", "unit_value_effect", "Q_t ΔV"),
]
# ΔQ/Qw_t is computed from (1 + r)^10; below this many share points it is zero up to rounding.
ZERO_VOLUME_TOLERANCE = 1e-9
TERM_MEASURE = "term / Qw_t in share points (M_t gQw, ΔM, ΔM gQw); gQw = decade world demand growth"
DECOMPOSITION_COLUMNS = [*KEYS, "product", "equation", "component", "formula", "level_status", "sign", "value",
                         "value_measure", "share_of_delta_Q", "status", "reason"]


def _bracket_terms(row) -> dict[str, float]:
    """The three (9.2) volume terms divided by Qw_t, in share points: M_t gQw, ΔM, ΔM gQw."""
    g_w = float(decade_growth(pd.Series([row.world_demand_cagr_pct])).iloc[0])
    m_t, d_m = row.market_share_1990_pct, row.market_share_2000_pct - row.market_share_1990_pct
    return {"world_demand_effect": m_t * g_w, "market_share_effect": d_m, "interaction_effect": d_m * g_w}


def _component_rows(row) -> list[dict]:
    shares_known = _known(row.market_share_1990_pct, row.market_share_2000_pct)
    terms = _bracket_terms(row) if shares_known else {}
    total = sum(terms.values()) if terms else np.nan
    if abs(total) < ZERO_VOLUME_TOLERANCE:  # computed, not printed: compounding leaves float noise around zero
        total = 0.0
    g_x = float(decade_growth(pd.Series([row.export_earnings_cagr_pct])).iloc[0])
    rows = []
    for equation, component, formula in COMPONENTS:
        rec = {"equation": equation, "component": component, "formula": formula,
               "level_status": "not_computable", "sign": pd.NA, "value": np.nan, "value_measure": None,
               "share_of_delta_Q": np.nan}
        if component == "delta_X":
            rec.update(sign=int(np.sign(g_x)), value=g_x, value_measure="ΔX / X_t over 1990-2000",
                       status="derived", reason="from the printed CAGR of export earnings: (1+r)^10 - 1")
        elif component == "unit_value_effect":
            rec.update(sign=int(np.sign(row.unit_value_change_pct)), status="sign_only",
                       reason="sign of the printed (relative) unit value change, as the chapter reads it; magnitude "
                              + OWN_UV_ABSENT)
        elif not shares_known:
            rec.update(status="not_computable", reason="a market share is printed n.a.: ΔM and M_t unknown")
        elif component == "volume_effect":
            rec.update(sign=int(np.sign(total)), status="sign_only",
                       reason="sign of ΔQ from shares and world demand (ΔQ/Qw_t = M_t+n (1+gQw) - M_t); magnitude "
                              + OWN_UV_ABSENT)
        elif total == 0:
            rec.update(sign=int(np.sign(terms[component])), value=terms[component], value_measure=TERM_MEASURE,
                       status="derived", reason=f"{BRACKET_ASSUMPTION}; ΔQ = 0, so its shares are undefined")
        else:
            rec.update(sign=int(np.sign(terms[component])), value=terms[component], value_measure=TERM_MEASURE,
                       share_of_delta_Q=terms[component] / total, status="derived", reason=BRACKET_ASSUMPTION)
        rec["reason"] = f"{rec['reason']}; levels: {LEVELS_ABSENT}"
        rows.append(rec)
    return rows


def decomposition(perf: pd.DataFrame) -> pd.DataFrame:
    """What equations (9.1)/(9.2) (lines 2834-2850) can say about each printed country-product.

    One row per country-product x component. ``level_status`` is always ``not_computable``: the tables
    print no levels. ``status`` says what is evaluated instead:

    - ``derived``: ΔX as decade growth ΔX/X_t from the printed CAGR; the three (9.2) volume terms
      divided by Qw_t (world demand M_t gQw, market share ΔM, interaction ΔM gQw, in share points)
      and, in ``share_of_delta_Q``, as shares of ΔQ: the world-demand versus market-share split of
      the volume part of ΔX (V_t+n is common to the three terms). Shares of ΔQ can far exceed 1 in
      absolute value when the terms offset (Chile, fresh salmon: ΔQ is +1.2 share points of Qw_t
      against a +150 point world demand term);
    - ``sign_only``: the (9.1) volume term (sign of ΔQ) and the unit value term (sign of the printed
      relative ΔV). Their magnitudes, and so any share of ΔX itself, need the exporter's own unit
      value growth, which is not printed and cannot be backed out (``identity_check``);
    - ``not_computable``: every share-based term when a share is printed n.a.

    ``sign`` is nullable Int8; ``value`` is NaN where nothing is derived.
    """
    _check_columns(perf, PERF_COLUMNS, "export performance table")
    records = []
    for row in perf.sort_values(KEYS, kind="stable").itertuples(index=False):
        for rec in _component_rows(row):
            records.append({"source_table": row.source_table, "product_code": row.product_code,
                            "country": row.country, "product": row.product, **rec})
    out = pd.DataFrame(records, columns=DECOMPOSITION_COLUMNS)
    out["sign"] = out["sign"].astype("Int8")
    out[["value", "share_of_delta_Q"]] = out[["value", "share_of_delta_Q"]].astype(float)
    return out


# ---------------------------------------------------------------------------------------------------
# The workflow's entry point
# ---------------------------------------------------------------------------------------------------
def write_classification(inputs, market_share_rules: list[str], output) -> None:
    """Read the processed chapter 9 tables, classify under the configured market-share rules (the
    first is the default) plus Kaplinsky-Readman, and write the four outputs named in
    ``CLASSIFICATION_FILES`` (gvc_clusters.workflow_plan)."""
    from gvc_clusters.io import write_csv  # local: keep this module importable without the writers

    perf = pd.read_parquet(inputs.performance)
    conditions = pd.read_parquet(inputs.conditions)
    frames = [classify_amighini(perf, rule, conditions) for rule in market_share_rules]
    classified = pd.concat([*frames, classify_kaplinsky_readman(perf)], ignore_index=True)
    detail, summary = compare_with_verdicts(classified, pd.read_parquet(inputs.verdicts))
    write_csv(classified, output.classified)
    write_csv(detail, output.agreement)
    write_csv(summary, output.agreement_summary)
    write_csv(decomposition(perf), output.decomposition)
