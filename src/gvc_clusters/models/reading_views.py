"""Views of the one readings output (results/models/readings/reading_summary.csv) for its readers.

The figures, the claims' numbers and the report's sentences about readings all read the summary
written by :func:`gvc_clusters.models.reading_batch.summarize_readings`, through these functions:

* :func:`read_summary` - the file, with its exact integer counts as Python ints;
* :func:`claim_ranges` - per model, term and assumption, what a claim's text states;
* :func:`figure_frame` - the rows of the figure of estimates over the readings;
* :func:`reading_sets` - per assumption, the size of the set and how it was covered;
* :func:`reading_numbers` - the numbers (formatted) a sentence about one range quotes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gvc_clusters.models.reading_design import ENUMERATED

RANGE_COLUMNS = ["model_id", "term", "assumption", "assumption_label", "method", "set_size", "n_readings",
                 "n_fitted", "default_estimate", "estimate_min", "estimate_max", "share_same_sign", "share_same_sign_mc_se",
                 "share_p05", "share_p05_mc_se"]


def read_summary(path) -> pd.DataFrame:
    """The summary, its counts as exact Python ints (a set's size can exceed any float's integers)."""
    frame = pd.read_csv(path, dtype={"set_size": str, "n_readings": str, "assumption": str})
    for column in ("set_size", "n_readings"):
        frame[column] = frame[column].map(int).astype(object)
    return frame


def claim_ranges(summary: pd.DataFrame) -> pd.DataFrame:
    """The coefficients' rows of the summary: per model, term and assumption, the range over the
    readings, the shares of readings keeping the default's sign and with p < 0.05 (with their Monte
    Carlo errors), the readings behind them and how they were covered."""
    if summary is None or summary.empty:
        return pd.DataFrame(columns=RANGE_COLUMNS)
    coefs = summary[summary["role"] == "coef"]
    return coefs[RANGE_COLUMNS].sort_values(["model_id", "term", "assumption"], kind="stable").reset_index(drop=True)


def reading_sets(summary: pd.DataFrame) -> list[dict]:
    """Per assumption (in name order): its label, the exact size of its set, how it was covered
    (``enumerated``: every reading; else a sample) and the readings behind each share."""
    if summary is None or summary.empty:
        return []
    first = summary.drop_duplicates("assumption").sort_values("assumption", kind="stable")
    return [{"name": r.assumption, "label": r.assumption_label, "enumerated": r.method == ENUMERATED,
             "set_size": int(r.set_size), "n_readings": int(r.n_readings)} for r in first.itertuples()]


def figure_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The figure's rows (columns model_id, term, reading, estimate, ci_low, ci_high, std_error): per
    coefficient the default reading's estimate (its interval from its SE), then per assumption the
    median over its readings with their range (min to max) as the interval."""
    rows = []
    coefs = summary[summary["role"] == "coef"] if summary is not None and not summary.empty else pd.DataFrame()
    for (model_id, term), group in coefs.groupby(["model_id", "term"], sort=False):
        first = group.iloc[0]
        rows.append([model_id, term, "default", first["default_estimate"], float("nan"), float("nan"),
                     first["default_std_error"]])
        for r in group.sort_values("assumption", kind="stable").itertuples():
            how = "all readings" if r.method == ENUMERATED else f"{int(r.n_readings):,} sampled"
            rows.append([model_id, term, f"{r.assumption_label} ({r.assumption}), {how}",
                         r.estimate_median, r.estimate_min, r.estimate_max, float("nan")])
    return pd.DataFrame(rows, columns=["model_id", "term", "reading", "estimate", "ci_low", "ci_high", "std_error"])


def percent(share: float) -> str:
    """A share as the text prints it, in per cent: '100', '81', '0.5' (one decimal below 1)."""
    value = 100 * float(share)
    return f"{value:.1f}" if 0 < value < 1 else f"{value:.0f}"


def reading_numbers(row, fmt) -> dict[str, str]:
    """The numbers a sentence about one (model, term, assumption) range quotes, keyed by what they
    are: set (readings in the set), readings (behind the shares), fitted (readings fitted: an
    enumerated set's readings that differ for the models), range low/high, same sign and
    significant (per cent), and their Monte Carlo SEs (percentage points; only for a sample)."""
    out = {"set": f"{int(row['set_size']):,}", "readings": f"{int(row['n_readings']):,}",
           "fitted": f"{int(row['n_fitted']):,}",
           "range low": fmt(row["estimate_min"]), "range high": fmt(row["estimate_max"]),
           "same sign": percent(row["share_same_sign"]), "significant": percent(row["share_p05"])}
    if row["method"] != ENUMERATED:
        out["same sign se"] = f"{100 * float(row['share_same_sign_mc_se']):.1f}"
        out["significant se"] = f"{100 * float(row['share_p05_mc_se']):.1f}"
    return out


def read_reading_estimates(path) -> pd.DataFrame:
    """The per-reading estimates (results/models/readings/reading_estimates.csv), weights as Python ints."""
    frame = pd.read_csv(path, dtype={"assumption": str, "reading": str, "weight": str, "term": str})
    frame["weight"] = frame["weight"].map(int).astype(object)
    return frame


def claim_shares(estimates: pd.DataFrame, summary: pd.DataFrame, model_id: str, role: str, term: str,
                 hit) -> list[dict]:
    """Per assumption, the share of its readings where ``hit(estimate, std_error, p_value)`` holds
    (arrays in, booleans out: e.g. the predicted sign with p < 0.05), with its Monte Carlo error:
    weighted over every reading of an enumerated set (exact, MC SE 0), over the draws of a sampled
    one, as :func:`gvc_clusters.models.reading_batch.summarize_readings` computes its shares. Each
    dict: assumption, label, method, set_size, n_readings (behind the share), share, mc_se,
    n_not_converged. Empty when the readings do not cover this estimate."""
    from gvc_clusters.models.reading_batch import share

    rows = estimates[(estimates["model_id"] == model_id) & (estimates["role"] == role) & (estimates["term"] == term)]
    facts = summary.drop_duplicates("assumption").set_index("assumption") if summary is not None else None
    out = []
    for assumption, group in rows.groupby("assumption", sort=True):
        drawn = group[group["in_sample"].astype(bool)]
        exact = facts is not None and facts.at[assumption, "method"] == ENUMERATED
        hits = np.asarray(hit(drawn["estimate"].to_numpy(float), drawn["std_error"].to_numpy(float),
                              drawn["p_value"].to_numpy(float)), dtype=bool)
        value, mc_se = share(hits, drawn["weight"].astype(float).to_numpy(), exact=exact)
        out.append({"assumption": assumption,
                    "label": facts.at[assumption, "assumption_label"] if facts is not None else assumption,
                    "method": facts.at[assumption, "method"] if facts is not None else "",
                    "set_size": int(facts.at[assumption, "set_size"]) if facts is not None else None,
                    "n_readings": int(facts.at[assumption, "set_size"]) if exact else len(drawn),
                    "share": value, "mc_se": mc_se,
                    "n_not_converged": int((~drawn["converged"].astype(bool)).sum())})
    return out
