"""Separation of an ordered outcome: when the ordered model's MLE does not exist.

``detect_separation`` runs the checks on data: a linear programme for a direction of the regressors
that orders the outcome (complete or quasi-complete separation: the likelihood keeps rising along it,
so the estimates diverge), and single-regressor checks at each binary split of the outcome.
``exploded_estimates`` is the post-fit heuristic (a coefficient or SE too large for the regressor's
range), and ``blank_diverging`` empties the inference of estimates that diverge. ``fit_ordered``
(models/ordinal.py) reports all of them in ``extra["separation"]`` and its notes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from gvc_clusters.models.inference import finite_or_none
from gvc_clusters.models.ordinal.inputs import outcome_codes, regressor_frame
from gvc_clusters.models.ordinal.likelihood import Link

SEPARATION_AUTO_MAX_ROWS = 20_000   # the LP check is cheap at N~35, not free at 1e6 rows
EXPLODED_INDEX = 8.0                # |b| * range(x), in latent-error SDs, flagged as exploded


def detect_separation(y, X) -> list[dict]:
    """Complete and quasi-complete separation of an ordered outcome, as JSON-ready findings.

    Two kinds of finding (``scope``):

    - ``"model"`` (at most one): is there a direction b != 0 along which the ordered model's
      likelihood keeps rising, so that the MLE does not exist? That happens iff x'b weakly orders
      the outcome: for all i, j with y_i > y_j, x_i'b >= x_j'b (quasi-complete separation), with
      strict inequality for every such pair and a gap at every cutpoint (complete separation:
      the outcome is predicted perfectly). Both are linear programmes in (b, s), s_m being a
      separating value at cutpoint m:

          x_i'b <= s_c  (c < K-1),   x_i'b >= s_{c-1}  (c > 0)     for observation i in category c

      Quasi-complete: maximise the total slack over b in [-1, 1]^p (a positive optimum means some
      observation is strictly ordered, i.e. x'b is not constant, i.e. b != 0 since X has full
      rank with the constant). Complete: feasibility of the same constraints with a margin of 1.
      ``terms`` lists the regressors in the separating direction (standardised scale).

    - ``"split"``: for each regressor and each binary split of y at a cutpoint (y <= c vs y > c),
      whether that regressor alone separates the two sides completely (no overlap) or
      quasi-completely (overlap in a single value, e.g. a dummy equal to 1 only on one side).
      Such a split does not by itself make the ordered MLE diverge (the same b must order every
      cutpoint), but the cutpoint and the regressor then lean on very little information.
    """
    codes, labels, _ = outcome_codes(y, "detect_separation")
    frame = regressor_frame(X, "detect_separation")
    values = frame.to_numpy(dtype=float)
    return separation_findings(codes, labels, values, list(frame.columns))


def model_separation(codes: np.ndarray, n_cat: int, values: np.ndarray, names: list[str]) -> list[dict]:
    """The LP checks of ``detect_separation`` (scope "model")."""
    k, (n, p) = n_cat - 1, values.shape
    z = (values - values.mean(axis=0)) / values.std(axis=0)
    rows_upper = np.flatnonzero(codes < k)          # x_i'b - s_c <= 0
    rows_lower = np.flatnonzero(codes > 0)          # s_{c-1} - x_i'b <= 0
    a_ub = np.zeros((rows_upper.size + rows_lower.size, p + k))
    a_ub[:rows_upper.size, :p] = z[rows_upper]
    a_ub[np.arange(rows_upper.size), p + codes[rows_upper]] = -1.0
    a_ub[rows_upper.size:, :p] = -z[rows_lower]
    a_ub[rows_upper.size + np.arange(rows_lower.size), p + codes[rows_lower] - 1] = 1.0
    # maximise total slack = -sum(rows of a_ub) . (b, s)  <=> minimise sum(rows) . (b, s)
    bounds = [(-1.0, 1.0)] * p + [(None, None)] * k
    quasi = optimize.linprog(a_ub.sum(axis=0), A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), bounds=bounds,
                             method="highs")
    if quasi.status != 0 or -quasi.fun <= 1e-7 * n:
        return []
    direction = quasi.x[:p]
    complete = optimize.linprog(np.zeros(p + k), A_ub=a_ub, b_ub=-np.ones(a_ub.shape[0]),
                                bounds=[(None, None)] * (p + k), method="highs")
    kind = "complete" if complete.status == 0 else "quasi-complete"
    scale = np.abs(direction).max()
    terms = [nm for nm, b in zip(names, direction) if abs(b) > 1e-6 * scale]
    return [{"scope": "model", "type": kind, "terms": terms,
             "direction": {nm: round(float(b / scale), 6) for nm, b in zip(names, direction)
                           if abs(b) > 1e-6 * scale}}]


def split_separation(codes: np.ndarray, labels: list[str], values: np.ndarray, names: list[str]) -> list[dict]:
    """Single-regressor checks at each binary split of the outcome (scope "split")."""
    findings = []
    for m in range(len(labels) - 1):
        low, high = codes <= m, codes > m
        for j, name in enumerate(names):
            x = values[:, j]
            for sign, (a, b) in (("+", (x[low].max(), x[high].min())), ("-", (x[high].max(), x[low].min()))):
                if a < b:
                    kind = "complete"
                elif a == b:
                    kind = "quasi-complete"
                else:
                    continue
                findings.append({"scope": "split", "type": kind, "term": name,
                                 "split": f"{labels[m]}/{labels[m + 1]}",
                                 "direction": "higher values -> higher categories" if sign == "+"
                                 else "higher values -> lower categories"})
    return findings


def exploded_estimates(names, params, bse, values, link: Link) -> list[dict]:
    """Heuristic post-fit flag: a coefficient (or its SE) that moves the latent index by more
    than EXPLODED_INDEX error SDs across the regressor's observed range is what a diverging
    (separated) estimate looks like when the optimiser stops. The LP check is the real test."""
    out = []
    spread = values.max(axis=0) - values.min(axis=0)
    limit = EXPLODED_INDEX * link.scale
    for name, b, se, r in zip(names, params, bse, spread):
        reasons = []
        if not np.isfinite(b) or abs(b) * r > limit:
            reasons.append(f"|coefficient| x range(x) exceeds {limit:g} latent SDs")
        if not np.isfinite(se) or se * r > limit:
            reasons.append(f"standard error x range(x) exceeds {limit:g} latent SDs")
        if reasons:
            out.append({"scope": "estimate", "type": "exploded", "term": name, "estimate": finite_or_none(b),
                        "std_error": finite_or_none(se), "reason": "; ".join(reasons)})
    return out


def separation_findings(codes: np.ndarray, labels: list[str], values: np.ndarray, names: list[str]) -> list[dict]:
    """The "model" finding (if any), then the "split" findings, of coded data."""
    return model_separation(codes, len(labels), values, names) + split_separation(codes, labels, values, names)


def separated_terms(findings) -> list[str]:
    """Every term a list of findings names, sorted: a "model" finding names its ``terms``, a "split"
    or "estimate" finding its ``term`` (readers of ``ModelResult.extra["separation"]`` use this
    rather than assume one shape)."""
    names = set()
    for f in findings or []:
        if isinstance(f, dict):
            names.update(f.get("terms") or ([f["term"]] if "term" in f else []))
    return sorted(names)


def separation_text(finding: dict) -> str:
    return f"{finding['type']} separation of the outcome by {finding['terms']}"


def blank_diverging(rows: list[dict], finding: dict) -> list[str]:
    """Empty the inference of rows whose estimate diverges under separation: the coefficients and
    AMEs of the separating terms (quasi-complete), or every row (complete: the cutpoints diverge
    too). Stata would print them; a table that shows p = 1e-27 for a diverging coefficient under
    HC0 would mislead. Returns the terms affected."""
    complete = finding["type"] == "complete"
    hit = sorted({r["term"] for r in rows if complete or r["term"] in finding["terms"]},
                 key=[r["term"] for r in rows].index)
    for row in rows:
        if row["term"] in hit:
            row.update(std_error=math.nan, statistic=math.nan, p_value=math.nan, ci_low=math.nan,
                       ci_high=math.nan)
    return hit
