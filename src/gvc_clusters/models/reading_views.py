"""Views of the one readings output (results/models/readings/reading_summary.csv) for its readers.

The figures, the claims' numbers and the report's sentences about readings all read the summary
written by :func:`gvc_clusters.models.reading_batch.summarize_readings`, through these functions:

* :func:`read_summary` - the file, with its exact integer counts as Python ints;
* :func:`claim_ranges` - per model, term and assumption, what a claim's text states;
* :func:`distribution_frame` - the rows of the figure of the estimates' distribution over the readings;
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


# The constant and the intercept are on another scale than the slopes: never a row of the figure.
CONSTANTS = ("const", "Intercept", "intercept")
DISTRIBUTION_COLUMNS = ["spec", "outcome", "model_id", "role", "term", "assumption", "assumption_label", "method",
                        "set_size", "n_readings", "n_fitted", "default_estimate", "default_std_error", "estimate_min",
                        "estimate_q25", "estimate_median", "estimate_q75", "estimate_max"]


def weighted_quantile(values, weights, q: float) -> float:
    """The q-quantile of ``values`` where each counts ``weights`` times: numpy's (linear) quantile
    when the weights are equal, else the lower weighted quantile (the convention of
    reading_batch.weighted_median, so the median drawn is the one the summary states)."""
    v, w = np.asarray(values, float), np.asarray(weights, float)
    if len(v) == 0:
        return float("nan")
    if np.all(w == w[0]):
        return float(np.quantile(v, q))
    order = np.argsort(v, kind="stable")
    v, cum = v[order], np.cumsum(w[order])
    return float(v[min(np.searchsorted(cum, q * cum[-1]), len(v) - 1)])


def distribution_frame(summary: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """The rows of the figure of the key estimates over the readings (DISTRIBUTION_COLUMNS): per
    (spec, outcome, model, term) and assumption, the default reading's estimate and SE and the
    distribution over the assumption's readings, weighted as the shares are (each fitted reading by
    the readings of the set it stands for; a sample's draws equally).

    The scale: where the summary has a model's average marginal effects (role "ame": the ordered
    models' effects on the probability of the top outcome category) those are the rows, since a
    probability is what a reader can interpret; a model without them (the panel's linear fit) gives
    its coefficients, in the outcome's units. Min, median and max are the summary's (the numbers the
    text quotes); the quartiles are computed here from ``estimates`` (reading_estimates.csv)."""
    if summary is None or summary.empty:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    has_ame = set(summary.loc[summary["role"] == "ame", "model_id"])
    keep = (summary["role"] == "ame") | ((summary["role"] == "coef") & ~summary["model_id"].isin(has_ame))
    rows = summary[keep & ~summary["term"].isin(CONSTANTS)].copy()
    drawn = estimates[estimates["in_sample"].astype(bool)]
    groups = dict(iter(drawn.groupby(["model_id", "role", "term", "assumption"], sort=False)))
    quartiles = []
    for r in rows.itertuples(index=False):
        g = groups.get((r.model_id, r.role, r.term, r.assumption))
        if g is None:
            quartiles.append((float("nan"), float("nan")))
            continue
        values, weights = g["estimate"].to_numpy(float), g["weight"].astype(float).to_numpy()
        quartiles.append((weighted_quantile(values, weights, 0.25), weighted_quantile(values, weights, 0.75)))
    rows["estimate_q25"] = [q[0] for q in quartiles]
    rows["estimate_q75"] = [q[1] for q in quartiles]
    return rows[DISTRIBUTION_COLUMNS].reset_index(drop=True)


def within_group_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a figure of the key estimates draws: a model whose effects include effects within the
    levels of a categorical ("ce_level | sector=sector_complex_products", a spec interacted with every
    sector group) is drawn by those alone, since they are what its claims are about (its pooled effect
    and the sector dummies are its parametrization); other models keep every row."""
    within = frame["term"].astype(str).str.contains(r" \| [^=]+=\D", regex=True)
    grouped = set(frame.loc[within, "model_id"])
    return frame[within | ~frame["model_id"].isin(grouped)].reset_index(drop=True)


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
