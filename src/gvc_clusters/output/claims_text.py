"""The words of Section 3 about the book's claims, each computed from the verdicts it states.

Every function takes rows of results/claims/verdicts.csv (rule claim_verdicts,
gvc_clusters.claims.verdicts) and returns text: the cells of the verdict table and the paragraph
that says each claim's verdict and why. Change a number, a share or a verdict in the file and the
words change; the templates only place them. Numbers print with a true minus sign.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from gvc_clusters.claims.registry import GROUPS
from gvc_clusters.vocabulary import CATEGORIES

MINUS = "−"
VERDICT_ORDER = ("supported", "fragile", "not supported", "inconclusive", "contradicted", "not testable")
PREDICTED_WORDS = {"positive": "a positive relation", "negative": "a negative relation",
                   "none": "no relation", "nonpositive": "no positive relation"}


# ---- numbers ----------------------------------------------------------------------------------

def _missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)
    except (TypeError, ValueError):
        return False


def signed(value: float, digits: int = 3) -> str:
    """'+0.289', '−0.138' (a true minus), '0.000' for a zero."""
    text = f"{float(value):+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", MINUS)


def number(value: float, digits: int = 3) -> str:
    """'0.289', '−0.138': the minus a true one."""
    text = f"{float(value):.{digits}f}"
    return text.replace("-", MINUS) if float(text) != 0 else f"{0:.{digits}f}"


def p_words(p: float) -> str:
    """'p = 0.056' or 'p < 0.001'."""
    return "p < 0.001" if float(p) < 0.001 else f"p = {float(p):.3f}"


def percent(share: float) -> str:
    """A share in per cent: '50', '2.5' (one decimal below 10 where it matters), '100'. A share strictly
    between 0 and 1 never prints as 0 or 100 (that would say "none" or "all"): it rounds toward the
    middle at one decimal ('99.9', '0.1')."""
    value = 100 * float(share)
    text = f"{value:.1f}" if 0 < value < 10 and value != round(value) else f"{value:.0f}"
    if 0 < value < 100 and float(text) in (0.0, 100.0):
        text = f"{(math.floor(value * 10) if value > 50 else math.ceil(value * 10)) / 10:.1f}"
    return text


def assumptions(frame: pd.DataFrame) -> list[str]:
    """The readings assumptions the verdicts report on (columns readings_<A>_share), in order."""
    return [c[len("readings_"):-len("_share")] for c in frame.columns
            if c.startswith("readings_") and c.endswith("_share")]


# ---- the verdict table's cells ----------------------------------------------------------------

def estimate_cell(row) -> str:
    """The effect on the probability scale with its interval, or the printed quantity, or a dash."""
    if row["verdict"] == "not testable" and row["kind"] in ("none", ""):
        return "–"
    if row["kind"] == "effect":
        if _missing(row["std_error"]) or row["verdict"] == "not testable":
            return "not identified" if not _missing(row["estimate"]) else "–"
        # three digits: an interval that excludes zero by 0.001 must not print as touching it
        # no-break spaces: the estimate and its interval stay on one line of the table
        return f"{signed(row['estimate'])}\u00a0[{number(row['ci_low'])},\u00a0{number(row['ci_high'])}]"
    if row["kind"] == "classification":
        return "as claimed" if row["estimate"] == 1 else "not as claimed"
    unit = {"per cent": "%", "per cent a year": "% a year", "percentage points": " points",
            "index points": " points"}.get(row["unit"], "")
    return f"{signed(row['estimate'], 1)}{unit}"


def permutation_cell(row) -> str:
    if row["kind"] != "effect" or _missing(row["p_value_permutation"]) or row["verdict"] == "not testable":
        return "–"
    return f"{float(row['p_value_permutation']):.3f}"


def readings_count(frame: pd.DataFrame, assumption: str) -> tuple[str, int] | None:
    """(method, readings) behind an assumption's shares when every claim has the same (the set's size
    when it is enumerated, the draws when it is sampled): the verdict table prints it once, in the
    header. None when the claims differ."""
    done = frame[frame[f"readings_{assumption}_share"].notna()]
    pairs = set(zip(done[f"readings_{assumption}_method"], done[f"readings_{assumption}_n"].astype(int)))
    return next(iter(pairs)) if len(pairs) == 1 else None


def readings_header(frame: pd.DataFrame, assumption: str) -> str:
    """'all 6,912' or '200 drawn' (or '' when the claims' readings differ: then every cell says)."""
    common = readings_count(frame, assumption)
    if common is None:
        return ""
    method, n = common
    return f"all {n:,}" if method == "enumerated" else f"{n:,} drawn"


def readings_cell(row, assumption: str, with_n: bool = True) -> str:
    """Share of the assumption's readings where the claim holds: '0.50' over an enumerated set, '0.25
    (0.03)' over a sample (with its Monte Carlo SE); with ``with_n`` the readings in brackets after it."""
    share = row.get(f"readings_{assumption}_share")
    if _missing(share) or row["verdict"] == "not testable":
        return "–"
    n = int(row[f"readings_{assumption}_n"])
    text = f"{float(share):.2f}"
    if row[f"readings_{assumption}_method"] != "enumerated":
        text += f" ({float(row[f'readings_{assumption}_mc_se']):.2f})"
    return text + (f", n = {n:,}" if with_n else "")


def holds_cell(value, computed: bool = True) -> str:
    """'yes' / 'no' for a robustness check, '–' where it was not computed."""
    if not computed or _missing(value) or value == "":
        return "–"
    return "yes" if str(value) in ("True", "true", "1", "1.0") or value is True else "no"


def cases_cell(row) -> str:
    return holds_cell(row["cases_holds"]) if not _missing(row["cases_holds"]) else "–"


def alternative_cell(row) -> str:
    return holds_cell(row["alternative_holds"]) if not _missing(row["alternative_holds"]) else "–"


# ---- the paragraphs -----------------------------------------------------------------------------

def _lines(text) -> list[str]:
    return [s for s in str(text).split(";") if s and s != "nan"] if not _missing(text) else []


def _join(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


RELATION_WORDS = {"collective_efficiency": "the relation between collective efficiency and {type} upgrading",
                  "global_buyers": "the impact of global buyers' or leaders' operations on {type} upgrading",
                  "learning_pattern": "the pattern of learning (Pavitt taxonomy)",
                  "knowledge_sources": "the other critical sources of knowledge"}


def cell_subject(row) -> str:
    """What a Table 10-3 cell is about: 'the relation between collective efficiency and product upgrading
    in traditional manufacturing clusters'."""
    from gvc_clusters.vocabulary import SECTOR_GROUP_LABELS

    sector = SECTOR_GROUP_LABELS.get(row["cell_sector_group"], row["cell_sector_group"]).lower()
    if row["cell_sector_group"] == "specialized_suppliers":
        sector = "specialized services (software)"
    return RELATION_WORDS[row["cell_relation"]].format(type=row["cell_upgrading_type"]) + f" in {sector} clusters"


def claim_statement(row) -> str:
    """What the book says, where: 'Table 10-3 (seed line 3428) prints Positive for the relation between
    collective efficiency and product upgrading in traditional manufacturing clusters; the text says so at lines
    3415, 3606 and 3419.' A claim of the text quotes it."""
    also = _lines(row.get("also_stated_lines"))
    if not _missing(row.get("cell_relation")) and row.get("cell_relation"):
        said = str(row["words"]).rpartition(": ")[2]
        text = f"Table 10-3 (seed line {int(row['quote_line'])}) prints {said} for {cell_subject(row)}"
    else:
        text = f"The book (seed line {int(row['quote_line'])}): {str(row['quote']).rstrip('.')}"
    if also:
        text += f"; the text says so at line{'s' if len(also) > 1 else ''} {_join(also)}"
    text += "."
    if not _missing(row.get("note")) and row.get("note"):
        text += f" This {row['note']!s}."
    return text


def estimate_sentence(row) -> str:
    """The effect on the probability scale with its interval, its randomization p-value and, where the
    effect is one coefficient's, that coefficient's profile-likelihood interval."""
    level = f"{100 * (1 - float(row['rule_alpha'])):g}"
    text = (f"Estimated ({row['describes']}; N = {int(row['n_obs'])}): {signed(row['estimate'])}, {level}% CI "
            f"{number(row['ci_low'])} to {number(row['ci_high'])}")
    if not _missing(row["p_value_permutation"]):
        within = (f", permuting it within the group's {int(row['permutation_group_n'])} clusters"
                  if not _missing(row.get("permutation_group_n")) else "")
        text += (f"; permutation {p_words(row['p_value_permutation'])} (Monte Carlo SE "
                 f"{float(row['permutation_mc_se']):.3f}, {int(row['permutation_draws']):,} draws{within})")
    text += "."
    if row.get("profile_term") and not _missing(row.get("profile_ci_low")):
        text += (f" The latent-scale coefficient behind it has the profile-likelihood {level}% interval "
                 f"{number(row['profile_ci_low'], 2)} to {number(row['profile_ci_high'], 2)}.")
    return text


def readings_sentence(row, names: Iterable[str]) -> str:
    """Over the readings of the OCR's uncertain cells, per assumption: the share where the claim holds,
    with the readings behind it (and the Monte Carlo SE of a sample)."""
    parts = []
    for a in names:
        share = row.get(f"readings_{a}_share")
        if _missing(share):
            continue
        n = int(row[f"readings_{a}_n"])
        label = row.get(f"readings_{a}_label") or a
        if row[f"readings_{a}_method"] == "enumerated":
            parts.append(f"{percent(share)} per cent of all {n:,} {label} readings ({a})")
        else:
            parts.append(f"{percent(share)} per cent of {n:,} sampled {label} readings ({a}; Monte Carlo SE "
                         f"{100 * float(row[f'readings_{a}_mc_se']):.1f} points)")
    if not parts:
        return ""
    return f"It holds in {_join(parts)}."


def alternatives_sentence(row) -> str:
    """The other link (or, for chapter 9, the other rules) and the added cases."""
    out = []
    if row["kind"] == "effect" and not _missing(row["alternative_estimate"]):
        out.append(f"Under the ordered {row['alternative']} the effect is {signed(row['alternative_estimate'])} "
                   f"({p_words(row['alternative_p_value'])})")
    elif row["kind"] == "classification" and row.get("alternative"):
        out.append(f"The other rules ({row['alternative']}) {'agree' if holds_cell(row['alternative_holds']) == 'yes' else 'do not agree'}")
    if not _missing(row.get("cases_estimate")):
        entered = f" ({row['cases_entered']})" if row.get("cases_entered") else ""
        out.append(f"with the added cases{entered} it is {signed(row['cases_estimate'])} ({p_words(row['cases_p_value'])})")
    if not out:
        return ""
    text = "; ".join(out)
    return text[:1].upper() + text[1:] + "."


def robustness_words(row, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """(where the claim also holds, where it does not): the readings under each assumption, the added
    cases, the other link or rules, as the verdicts file records them."""
    held, failed = [], []
    for a in names:
        value = row.get(f"readings_{a}_holds")
        if not _missing(value) and value != "":
            (held if holds_cell(value) == "yes" else failed).append(f"the readings under ({a})")
    for column, words in (("cases_holds", "the added cases"),
                          ("alternative_holds", "the other rules" if row["kind"] == "classification"
                           else f"the ordered {row.get('alternative') or 'other link'}")):
        value = row.get(column)
        if not _missing(value) and value != "":
            (held if holds_cell(value) == "yes" else failed).append(words)
    return held, failed


# A check that could not be made has no column in the verdicts file (its ``holds`` is empty), but it
# makes the verdict fragile: decided_by names it in the words of claims.verdicts.robustness_checks.
UNCHECKED = (("readings: not computed", "the readings (not computed for this spec)"),
             ("with the added cases: not computed", "the added cases (not computed)"),
             ("other link: not fitted", "the other link (not fitted)"))


def _unchecked(decided_by: str) -> list[str]:
    failed = decided_by.partition("; but it does not hold: ")[2]
    return [words for marker, words in UNCHECKED if marker in failed]


def verdict_words(row, names: Iterable[str] = ()) -> str:
    """The verdict in words, with the condition that decided it (decided_by) and, for a claim that holds
    by default, where else it holds and where it does not."""
    verdict, decided_by = row["verdict"], str(row["decided_by"])
    default = decided_by.split("; ")[0]
    held, failed = robustness_words(row, names)
    if verdict == "not testable":
        # the reason may already open with the verdict's words ("not testable with these data: ...")
        return f"Verdict: not testable: {decided_by.removeprefix('not testable with these data: ')}."
    if row["kind"] in ("group_gap", "series"):
        return f"Verdict: {verdict}, by the printed numbers."
    if verdict == "supported":
        return f"Verdict: supported ({default})" + (f"; it also holds over {_join(held)}." if held else ".")
    if verdict == "fragile":
        unchecked = _unchecked(decided_by)
        parts = ([f"not over {_join(failed)}"] if failed else []) + \
            ([f"not checked over {_join(unchecked)}"] if unchecked else [])
        return f"Verdict: fragile: it holds by default ({default}) but {', and '.join(parts)}."
    return f"Verdict: {verdict}: {decided_by}."


def claim_paragraph(row, names: Iterable[str]) -> str:
    """One claim's paragraph: what the book says, what was estimated, where it holds, the verdict."""
    parts = [claim_statement(row)]
    if row["kind"] == "effect" and row["verdict"] != "not testable":
        parts += [estimate_sentence(row), readings_sentence(row, names), alternatives_sentence(row)]
    elif row["kind"] in ("group_gap", "series"):
        parts.append(f"Computed ({row['describes']}): {signed(row['estimate'], 1)}"
                     + (f", against the {float(row['stated_value']):g} the text states" if not _missing(row.get("stated_value")) else "")
                     + ".")
    elif row["kind"] == "classification":
        parts += [f"Computed ({row['describes']}): {row['value_text']}.", alternatives_sentence(row)]
    parts.append(verdict_words(row, names))
    return " ".join(p for p in parts if p)


def untestable_paragraph(rows: pd.DataFrame) -> str:
    """Claims the registry marks as not testable, with one reason: one paragraph for all of them."""
    first = rows.iloc[0]
    cells = [str(w) for w in rows["words"]]
    return (f"Not testable ({len(rows)} claim{'s' if len(rows) > 1 else ''}: {'; '.join(cells)}): "
            f"{first['decided_by']}.")


def claim_paragraphs(frame: pd.DataFrame) -> list[str]:
    """Section 3's paragraphs after the verdict table: one per claim the data can speak to, in the
    table's order; claims the registry marks as not testable grouped by their reason."""
    names = assumptions(frame)
    out, grouped = [], {}
    for _, row in frame.iterrows():
        if row["verdict"] == "not testable" and row["kind"] == "none":
            grouped.setdefault(row["decided_by"], []).append(row)
            continue
        out.append(claim_paragraph(row, names))
    for rows in grouped.values():
        out.append(untestable_paragraph(pd.DataFrame(rows)))
    return out


def verdict_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICT_ORDER}


def summary_sentence(frame: pd.DataFrame) -> str:
    """'Of the 46 claims, 2 are supported, 1 is fragile, ...': the verdicts counted."""
    counts = verdict_counts(frame)
    parts = [f"{n} {'is' if n == 1 else 'are'} {v}" for v, n in counts.items() if n]
    return f"Of the {len(frame)} claims, {_join(parts)}."


def rule_sentence(frame: pd.DataFrame) -> str:
    """The declared rule, with the thresholds the verdicts were computed under."""
    r = frame.iloc[0]
    alpha = float(r["rule_alpha"])
    return (f"A claim of a relation is supported when the default estimate has the predicted sign, its "
            f"{100 * (1 - alpha):g}% interval excludes zero and its permutation p-value is below "
            f"{float(r['rule_permutation_p']):.2f}, and it keeps the sign with p < {alpha:g} in at least "
            f"{percent(r['rule_readings_share'])} per cent of the readings under each assumption, with the added "
            f"cases where configured, and under the other link; it is fragile when it holds by default only. "
            f"A claim of no relation (Neutral, None) is supported only when the {100 * (1 - 2 * alpha):g}% "
            f"interval lies within ±{float(r['rule_smallest_effect']):g} of the probability (equivalence); when the "
            f"interval includes zero but reaches beyond that, there is no evidence of a relation and none of its "
            f"absence, and the verdict is inconclusive. An effect that the fit cannot identify (separation) is not "
            f"testable.")


def group_heading(group: str) -> str:
    return GROUPS.get(group, group)


def rule_label(rule: str) -> str:
    return CATEGORIES["rule_variant"].get(rule, rule)


# ---- the abstract's and the conclusion's words --------------------------------------------------

def _listed(rows: pd.DataFrame) -> str:
    """The claims' short words, joined: 'Natural-resource-based, product: Positive; ...'."""
    return "; ".join(str(w) for w in rows["words"])


def conclusion_paragraphs(frame: pd.DataFrame) -> list[str]:
    """The conclusion: what the verdicts say about the book's relations (the effects), about its
    statements on printed numbers, and what the data cannot tell, each count and list from the
    verdicts file."""
    effects = frame[frame["kind"] == "effect"]
    printed = frame[frame["kind"].isin(["group_gap", "series", "classification"])]
    untestable = frame[frame["verdict"] == "not testable"]
    by = {v: effects[effects["verdict"] == v] for v in VERDICT_ORDER}
    tested = len(effects) - len(by["not testable"])
    first = (f"Of the {len(effects)} relation{'' if len(effects) == 1 else 's'} the book states between collective efficiency or value-chain "
             f"governance and upgrading that a model of its clusters can estimate, {tested} could be estimated")
    first += (f" ({len(by['not testable'])} are not identified in these data)." if len(by["not testable"]) else ".")
    verdicts = []
    if len(by["supported"]):
        verdicts.append(f"{len(by['supported'])} {'is' if len(by['supported']) == 1 else 'are'} supported by the "
                        f"declared rule ({_listed(by['supported'])})")
    if len(by["fragile"]):
        verdicts.append(f"{len(by['fragile'])} {'holds' if len(by['fragile']) == 1 else 'hold'} by default but not "
                        f"over the readings of the OCR or the other link ({_listed(by['fragile'])})")
    if len(by["contradicted"]):
        verdicts.append(f"{len(by['contradicted'])} {'is' if len(by['contradicted']) == 1 else 'are'} contradicted "
                        f"({_listed(by['contradicted'])})")
    if len(by["not supported"]):
        verdicts.append(f"{len(by['not supported'])} {'is' if len(by['not supported']) == 1 else 'are'} not "
                        "supported: the estimate's interval includes zero or its permutation test does not reject")
    text = first + (" " + _join(verdicts)[:1].upper() + _join(verdicts)[1:] + "." if verdicts else "")
    out = [text]
    if len(by["inconclusive"]):
        smallest = float(frame["rule_smallest_effect"].iloc[0])
        out.append(f"For {len(by['inconclusive'])} of the book's claims of no relation (Neutral, None) the data "
                   f"cannot tell: the estimate is compatible with no relation and also with an effect larger "
                   f"than {smallest:g} on the probability of the top score. With {_clusters(frame)} clusters, "
                   "no evidence of a relation is not evidence of its absence.")
    if len(printed):
        held = printed[printed["verdict"] == "supported"]
        against = printed[printed["verdict"].isin(["contradicted", "not supported"])]
        text = (f"Of the book's {len(printed)} statement{'' if len(printed) == 1 else 's'} about its own printed numbers (the levels of collective "
                f"efficiency by sector, chapter 9's classification and the case chapters' series), "
                f"{len(held)} {'holds' if len(held) == 1 else 'hold'}")
        text += (f" and {len(against)} {'does' if len(against) == 1 else 'do'} not ({_listed(against)})."
                 if len(against) else ".")
        out.append(text)
    cells = untestable[untestable["kind"] == "none"]
    if len(cells):
        not_recorded = cells["cell_relation"].isin(["learning_pattern", "knowledge_sources"])
        unrecorded = int(not_recorded.sum())
        services = int(((cells["cell_sector_group"] == "specialized_suppliers") & ~not_recorded).sum())
        reasons = [f"{services} concern the specialized-services clusters, which have no upgrading scores"
                   if services else "",
                   f"{unrecorded} the learning patterns and sources of knowledge, which the book does not record "
                   "cluster by cluster" if unrecorded else ""]
        out.append(f"{len(cells)} of the book's claims cannot be tested with its data at all"
                   + (f": {'; '.join(r for r in reasons if r)}." if any(reasons) else "."))
    return out


def _clusters(frame: pd.DataFrame) -> str:
    """The largest number of clusters behind any estimated effect ('34')."""
    n = frame.loc[frame["kind"] == "effect", "n_obs"].dropna()
    return f"{int(n.max())}" if len(n) else "so few"
