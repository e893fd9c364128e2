"""What the paper and the report say about the data and the robustness of the results, as sentences
computed from the results by named functions (the claims' own sentences: the claims modules).

Each function takes the result it describes and returns its sentence; every count, share and
qualitative word ("most", "all", "none", "keeps") comes from the result, so a change in the number
changes the sentence (tests/test_statements.py mutates each). The report puts each sentence in its
numbers (``report_numbers``), so in the paper it is a macro of numbers.tex like any number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from gvc_clusters.results import ModelResult

# ----------------------------------------------------------------------------------------------
# Words for counts
# ----------------------------------------------------------------------------------------------


def share_word(part: int, whole: int) -> str:
    """How much of a whole a count is, in words: 'all', 'most', 'half', 'a minority', 'none'."""
    if whole <= 0 or part <= 0:
        return "none"
    if part == whole:
        return "all"
    if 2 * part == whole:
        return "half"
    return "most" if 2 * part > whole else "a minority"


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """'1 cluster', '3 clusters' (thousands separated)."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def percent(share: float) -> str:
    return f"{100 * float(share):.0f} per cent"


# ----------------------------------------------------------------------------------------------
# The data
# ----------------------------------------------------------------------------------------------

PRINTED_TABLE_ID = re.compile(r"^\d+-\d+$")   # '10-4': a table the book prints; anything else is the project's


def raw_files_sentence(entries: Sequence[dict]) -> str:
    """What the raw files are: the book's printed tables, and the files that are not printed tables
    (the sources manifest's entries whose id is not a printed table number), named by their titles."""
    printed = [e for e in entries if PRINTED_TABLE_ID.match(str(e["table"]))]
    other = [e for e in entries if not PRINTED_TABLE_ID.match(str(e["table"]))]
    text = f"The pipeline transcribes {count_noun(len(printed), 'table')} the book prints"
    if other:   # a title's first clause names the file ("Cluster key: one id per case study ...")
        titles = [re.split(r"[:(]", str(e["title"]))[0].strip().rstrip(".") for e in other]
        text += (f" and keeps {count_noun(len(other), 'further file')} that the book does not print as a table: "
                 + listing([t[:1].lower() + t[1:] for t in titles]))
    return text + "."


def replication_evidence(summary: pd.DataFrame) -> dict[str, int]:
    """The replication check's counts (results/replication/replication_summary.csv): printed cells,
    matches, and what the matches prove under glyph consistency (A) and checksums only (B)."""
    rep = summary[summary["what"] == "chapter 10 replication"].groupby("status")["count"].sum()

    def evidence(assumption: str) -> pd.Series:
        rows = summary[summary["what"] == f"matches by evidence ({assumption})"]
        return rows.groupby("status")["count"].sum()

    a, b = evidence("A"), evidence("B")
    identities = int(sum(a.get(k, 0) for k in ("transcription", "decoded", "header_shift")))
    checks = int(a.sum()) - identities
    return {"cells": int(rep.sum()), "match": int(rep.get("match", 0)), "truncated": int(rep.get("match_truncated", 0)),
            "identities": identities, "checks": checks,
            "confirm_a": int(a.get("independent", 0) + a.get("independent_given_A", 0)),
            "confirm_b": int(b.get("independent", 0) + b.get("independent_given_B", 0)),
            "independent": int(a.get("independent", 0))}


def replication_sentence(evidence: dict[str, int]) -> str:
    """The replication check in one sentence that says what its matches prove (an identity is no
    test; a check that decoded its own cells holds by construction)."""
    e = evidence
    text = (f"Of {e['cells']:,} printed cells of chapter 10, {e['match']:,} are reproduced exactly"
            + (f" and {e['truncated']:,} after the book's truncation" if e["truncated"] else "")
            + f"; {share_word(e['identities'], e['match'] + e['truncated'])} of the "
            f"{e['match'] + e['truncated']:,} matches ({e['identities']:,}) are identities,"
            " a transcribed or decoded cell compared with itself or a Table 10-2 code printed on a header line,"
            f" so the {e['checks']:,} matches of printed totals, sums and averages are the ones that test the"
            f" transcription: {e['confirm_a']:,} of them confirm the cells they name under glyph consistency (A)"
            f" and {e['confirm_b']:,} under checksums only (B)")
    rest = e["checks"] - max(e["confirm_a"], e["confirm_b"])
    if rest > 0:
        text += "; the others hold by construction (the check decoded its own cells) or only for the default reading"
    return text + "."


def replication_abstract(evidence: dict[str, int]) -> str:
    """The abstract's version: what the check tests, not how many cells it echoes."""
    e = evidence
    return (f"of the {e['checks']:,} printed totals, sums and averages of chapter 10 that can test the "
            f"transcription, {e['confirm_a']:,} confirm it under glyph consistency and {e['confirm_b']:,} under "
            f"checksums only ({e['match'] + e['truncated']:,} of {e['cells']:,} printed cells match, "
            f"{share_word(e['identities'], e['match'] + e['truncated'])} of them identities)")


# ----------------------------------------------------------------------------------------------
# Exclusions: rows are not clusters
# ----------------------------------------------------------------------------------------------

def exclusion_phrase(result: ModelResult) -> str:
    """What a fit left out, counted in its own unit: clusters for a cluster-level model; rows of
    cluster × upgrading type, and the clusters they belong to, for the panel."""
    counts = result.extra.get("build_counts") or {}
    if "rows_missing_governance" in counts:   # the cluster x upgrading-type panel
        rows, clusters = result.n_excluded, counts.get("clusters_missing_governance", 0)
        if not rows:
            return ""
        return (f"{count_noun(rows, 'cluster × upgrading-type row')} of {count_noun(clusters, 'cluster')} "
                "dropped for a missing governance code")
    excluded = result.extra.get("excluded_clusters")
    if isinstance(excluded, dict) and excluded:
        clusters = sorted({c for ids in excluded.values() for c in ids})
        return (f"{count_noun(len(clusters), 'cluster')} excluded for "
                + listing([k.replace("_", " ") for k in excluded]))
    return f"{count_noun(result.n_excluded, 'observation')} excluded for a missing value" if result.n_excluded else ""


# ----------------------------------------------------------------------------------------------
# Robustness: one paragraph per source of uncertainty
# ----------------------------------------------------------------------------------------------

def readings_sentence(summary: pd.DataFrame, terms: Iterable[tuple[str, str]], labels) -> str:
    """Over the readings of each assumption: how many readings, how covered, and the key coefficients'
    lowest share keeping the default's sign (and which). ``terms``: (model_id, term) of the key
    coefficients; ``labels(model_id, term)`` names one."""
    keys = set(terms)
    coefs = summary[(summary["role"] == "coef")]
    coefs = coefs[[(m, t) in keys for m, t in zip(coefs["model_id"], coefs["term"])]]
    parts = []
    for assumption, group in coefs.groupby("assumption", sort=True):
        first = group.iloc[0]
        size, n = int(first["set_size"]), int(first["n_readings"])
        covered = (f"all {size:,} readings" if first["method"] == "enumerated"
                   else f"a seeded sample of {n:,} of its {size:,} readings")
        low = group.sort_values(["share_same_sign", "model_id", "term"], kind="stable").iloc[0]
        every = bool((group["share_same_sign"] >= 1).all())
        text = f"under the {first['assumption_label']} assumption ({covered}) "
        if every:
            text += f"each of the {count_noun(len(group), 'key coefficient')} keeps its sign in every reading"
        else:
            kept = int((group["share_same_sign"] >= 1).sum())
            text += (f"{kept:,} of the {count_noun(len(group), 'key coefficient')} keep their sign in every reading and "
                     f"{labels(low['model_id'], low['term'])} keeps it in only {percent(low['share_same_sign'])}")
            if first["method"] != "enumerated":
                text += f" (Monte Carlo SE {100 * float(low['share_same_sign_mc_se']):.1f} points)"
        sig = group["share_p05"]
        text += (f"; the share of readings with p below 0.05 ranges from {percent(sig.min())} to {percent(sig.max())}"
                 " across them")
        parts.append(text)
    if not parts:
        return "No estimate is re-estimated over the readings."
    return "Over the readings of the OCR's uncertain cells, " + "; ".join(parts) + "."


def _coef(result: ModelResult, term: str):
    est = result.estimates
    rows = est[(est["role"] == "coef") & (est["term"] == term)]
    return None if rows.empty else rows.iloc[0]


def significant(p, level: float = 0.05) -> bool | None:
    return None if p is None or (isinstance(p, float) and math.isnan(p)) else float(p) < level


def link_sentence(pairs: list[tuple[ModelResult, ModelResult]], terms_of, labels) -> str:
    """Probit against logit: the key coefficients that change sign or their 5 per cent verdict.
    ``pairs``: (probit, logit) fits of the same outcome; ``terms_of(result)``: its key terms."""
    total, flips = 0, []
    for probit, logit in pairs:
        for term in terms_of(probit):
            a, b = _coef(probit, term), _coef(logit, term)
            if a is None or b is None:
                continue
            total += 1
            sign = math.copysign(1, a["estimate"]) != math.copysign(1, b["estimate"])
            verdict = significant(a["p_value"]) != significant(b["p_value"])
            if sign or verdict:
                what = "its sign" if sign else ("its 5 per cent verdict (p "
                                                f"{a['p_value']:.3f} with probit, {b['p_value']:.3f} with logit)")
                flips.append(f"{labels(probit.model_id, term)} changes {what}")
    if not total:
        return "No spec is fitted with both links."
    if not flips:
        return (f"The ordered logit repeats the probit: each of the {count_noun(total, 'key coefficient')} fitted "
                "with both links keeps its sign and its 5 per cent verdict.")
    return (f"With the logit link instead of the probit, {len(flips):,} of the {count_noun(total, 'key coefficient')} "
            f"fitted with both links {'moves' if len(flips) == 1 else 'move'}: " + "; ".join(flips) + ".")


def se_sentence(ordinal: list[ModelResult], panel: list[ModelResult], terms_of, labels) -> str:
    """The key coefficients' 5 per cent verdicts under every SE convention the fits carry (ordered
    models: model-based, HC0, HC1; entity-clustered panels: Stata's xtreg, Stata's areg,
    linearmodels' own): which change, and by how much the SEs differ."""
    from gvc_clusters.models.inference import two_sided_p_value

    names = {"model_based": "model-based", "hc0": "HC0", "hc1": "HC1", "nested_not_counted": "Stata's xtreg",
             "absorbed_counted": "Stata's areg", "linearmodels": "linearmodels' own"}
    total, changes, ratios = 0, [], []
    for result, field in [*((r, "se_conventions") for r in ordinal), *((r, "cluster_conventions") for r in panel)]:
        conventions = result.extra.get(field) or {}
        if not conventions:
            continue
        for term in terms_of(result):
            row = _coef(result, term)
            if row is None:
                continue
            total += 1
            verdicts = {}
            for convention, ses in conventions.items():
                se = ses.get(term)
                if se:
                    verdicts[convention] = float(two_sided_p_value(row["estimate"] / se,
                                                                   _df(result, field, convention)))
                    ratios.append(se / row["std_error"] if row["std_error"] else 1.0)
            verdict_set = {p < 0.05 for p in verdicts.values()}
            if len(verdict_set) > 1:
                shown = ", ".join(f"{names.get(c, c)} p {p:.3f}" for c, p in verdicts.items())
                changes.append(f"{labels(result.model_id, term)} ({shown})")
    if not total:
        return "No fit carries SEs under other conventions."
    spread = (f"the alternative SEs are {min(ratios):.2f} to {max(ratios):.2f} times the reported ones"
              if ratios else "")
    if not changes:
        return (f"Under every SE convention the fits carry (model-based, HC0 and HC1 sandwiches for the ordered "
                f"models; Stata's xtreg and areg and linearmodels' conventions for the clustered panel), each of the "
                f"{count_noun(total, 'key coefficient')} keeps its 5 per cent verdict; {spread}.")
    return (f"The SE convention decides {len(changes):,} of the {count_noun(total, 'key coefficient')}' 5 per cent "
            f"verdicts ({spread}): " + "; ".join(changes) + ".")


def _df(result: ModelResult, field: str, convention: str) -> int | None:
    """The t distribution's degrees of freedom of a convention: none for the ordered models (z),
    G - 1 for the clustered conventions, the residual df for linearmodels' own."""
    if field != "cluster_conventions":
        return None
    return result.extra.get("df_resid") if convention == "linearmodels" else (result.n_clusters or 2) - 1


def cases_sentence(with_without: pd.DataFrame | None, selected: Sequence[str]) -> str:
    """Added cases: none configured, or the coefficients whose sign or 5 per cent verdict they change."""
    if with_without is None or not len(selected):
        return ("This build adds no cluster beyond the book (config cases is empty); the cases coded from the "
                "related papers enter when it names them, and the section on them then says which fits they "
                "enter and what they change.")
    coef = with_without[with_without["role"] == "coef"]
    flag = coef["sign_changes"].astype(str).eq("True") | coef["significance_changes"].astype(str).eq("True")
    changed = coef[flag]
    text = f"Adding the {count_noun(len(selected), 'coded case')} beyond the book"
    if changed.empty:
        return text + " changes no coefficient's sign or 5 per cent verdict."
    return (text + f" changes the sign or the 5 per cent verdict of {count_noun(len(changed), 'coefficient')}: "
            + "; ".join(f"{r.term} in {r.model_id}" for r in changed.itertuples(index=False)) + ".")


def chapter9_sentence(agreement: pd.DataFrame, labels: dict[str, str]) -> str:
    """The chapter 9 rules against the chapter's own verdicts: agreement out of the comparable cases."""
    parts = [f"{labels.get(r.rule_variant, r.rule_variant)} {r.agree:,} of {r.agree + r.disagree:,}"
             for r in agreement.itertuples(index=False)]
    best = agreement.assign(rate=agreement["agree"] / (agreement["agree"] + agreement["disagree"])) \
        .sort_values(["rate", "rule_variant"], ascending=[False, True], kind="stable").iloc[0]
    return ("Against the chapter's own verdicts, the rules agree in " + listing(parts)
            + " comparable cases; " + f"{labels.get(best.rule_variant, best.rule_variant)} agrees most often.")
