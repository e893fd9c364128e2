"""The fits of the cases beyond the book: every ordinal spec on the book's clusters and on the
book's plus the selected cases, side by side (``compare_samples``), and in every scenario of the
sensitivity analysis (``scenario_fits``: each case alone, each left out, each protocol version).

The data they fit are the analysis layer's (gvc_clusters.analysis.cases ``with_cases``,
case_protocol ``apply_versions``, case_sensitivity ``scenarios``); the fits are this layer's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gvc_clusters.analysis.case_protocol import apply_versions
from gvc_clusters.analysis.case_sensitivity import ALPHA, COLUMNS, SCENARIO_COLUMNS, scenarios
from gvc_clusters.analysis.cases import exclusions_by_variable, with_cases
from gvc_clusters.models.specs import run_ordinal_spec

COMPARISON_COLUMNS = ["spec", "outcome", "link", "model_id", "role", "term", "category",
                      "estimate_book", "std_error_book", "p_value_book",
                      "estimate_with", "std_error_with", "p_value_with",
                      "change", "sign_changes", "significance_changes"]
SAMPLE_COLUMNS = ["spec", "outcome", "link", "model_id", "n_book", "n_with", "n_added", "cases_entered",
                  "cases_excluded", "converged_book", "converged_with", "loglik_book", "loglik_with",
                  "pseudo_r2_book", "pseudo_r2_with", "categories_book", "categories_with", "se_type", "statistic"]


def compare_samples(dataset: pd.DataFrame, cases: dict[str, dict], selected: list[str], specs: dict[str, dict], *,
                    halves: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every ordered-model spec fitted on the book's clusters and on the book's plus the selected
    cases, side by side: (estimates, samples, exclusions per variable).

    Estimates are the coefficients and average marginal effects of both fits (asymptotic SEs and
    p-values: the permutation tests stay with the main models). ``significance_changes`` flags a
    term whose 5 % verdict differs between the samples.
    """
    augmented = with_cases(dataset, cases, selected)
    est_rows, sample_rows, excl = [], [], []
    for name, spec in specs.items():
        fits = {}
        for label, data in (("book", dataset), ("with", augmented)):
            fits[label] = run_ordinal_spec(name, spec, data, halves=halves, n_permutations=0, seed=seed,
                                           permutations=False)
        excl.append(exclusions_by_variable(cases, selected, name, spec))
        for book, other in zip(fits["book"], fits["with"]):
            link = book.model_id.rsplit("__", 1)[-1]
            keys = ["role", "term", "category"]
            left = book.estimates[book.estimates["role"].isin(["coef", "ame"])][[*keys, "estimate", "std_error", "p_value"]]
            right = other.estimates[other.estimates["role"].isin(["coef", "ame"])][[*keys, "estimate", "std_error", "p_value"]]
            merged = left.merge(right, on=keys, how="outer", suffixes=("_book", "_with"), sort=False)
            for row in merged.itertuples(index=False):
                rec = row._asdict()
                est_rows.append({"spec": name, "outcome": book.outcome, "link": link, "model_id": book.model_id, **rec})
            entered = [c for c in selected if c not in _excluded_ids(other)]
            sample_rows.append({"spec": name, "outcome": book.outcome, "link": link, "model_id": book.model_id,
                                "n_book": book.n_obs, "n_with": other.n_obs, "n_added": other.n_obs - book.n_obs,
                                "cases_entered": ", ".join(entered),
                                "cases_excluded": ", ".join(c for c in selected if c not in entered),
                                "converged_book": book.converged, "converged_with": other.converged,
                                "loglik_book": book.loglik, "loglik_with": other.loglik,
                                "pseudo_r2_book": book.pseudo_r2, "pseudo_r2_with": other.pseudo_r2,
                                "categories_book": outcome_categories(book), "categories_with": outcome_categories(other),
                                "se_type": other.se_type, "statistic": other.statistic_name})
    estimates = pd.DataFrame(est_rows)
    if estimates.empty:
        estimates = pd.DataFrame(columns=COMPARISON_COLUMNS)
    else:
        # an AME of an outcome category one sample does not have (a case adds category 0) has no
        # counterpart: NaN change, and it flags nothing
        both = estimates["estimate_book"].notna() & estimates["estimate_with"].notna()
        estimates["change"] = estimates["estimate_with"] - estimates["estimate_book"]
        estimates["sign_changes"] = both & (np.sign(estimates["estimate_with"]) != np.sign(estimates["estimate_book"]))
        tested = estimates["p_value_book"].notna() & estimates["p_value_with"].notna()
        estimates["significance_changes"] = tested & (
            (estimates["p_value_book"] < 0.05) != (estimates["p_value_with"] < 0.05))
        estimates = estimates[COMPARISON_COLUMNS]
    exclusions = pd.concat(excl, ignore_index=True) if excl else pd.DataFrame(
        columns=["spec", "outcome", "case_id", "entered", "missing"])
    return estimates, pd.DataFrame(sample_rows, columns=SAMPLE_COLUMNS), exclusions


def outcome_categories(result) -> str:
    """The outcome values a fit's estimation sample has, in order ('0, 1, 1.5, 2'): a case can add one."""
    return ", ".join(str(c) for c in result.extra.get("category_counts", {}))


def _excluded_ids(result) -> set[str]:
    excluded = result.extra.get("excluded_clusters", {})
    return {c for ids in excluded.values() for c in ids}


def scenario_fits(dataset: pd.DataFrame, cases: dict[str, dict], selected: list[str], deviations: list[dict],
                  specs: dict[str, dict], *, halves: str, seed: int) -> pd.DataFrame:
    """Every ordinal spec fitted in every scenario: the coefficient rows with their 5 % verdicts."""
    rows = []
    for sc in scenarios(selected, deviations):
        coded = apply_versions(cases, deviations, sc["versions"])
        data = with_cases(dataset, coded, sc["cases"])
        for name, spec in specs.items():
            for result in run_ordinal_spec(name, spec, data, halves=halves, n_permutations=0, seed=seed,
                                           permutations=False):
                excluded = {c for ids in result.extra.get("excluded_clusters", {}).values() for c in ids}
                head = {**{k: sc[k] for k in SCENARIO_COLUMNS[:-1]}, "cases": ", ".join(sc["cases"]),
                        "spec": name, "outcome": result.outcome, "link": result.model_id.rsplit("__", 1)[-1],
                        "model_id": result.model_id, "n_obs": result.n_obs,
                        "cases_entered": ", ".join(c for c in sc["cases"] if c not in excluded),
                        "categories": outcome_categories(result)}
                coefs = result.estimates[result.estimates["role"] == "coef"]
                for row in coefs.itertuples(index=False):
                    rows.append({**head, "term": row.term, "estimate": row.estimate, "std_error": row.std_error,
                                 "p_value": row.p_value, "significant_5": bool(row.p_value < ALPHA)})
    return pd.DataFrame(rows, columns=COLUMNS)
