"""Inference helpers every estimator shares: confidence intervals, p-values, the few-clusters rule.

``confidence_interval`` is the one way an interval is built from an estimate and its SE: the normal
critical value for z statistics (the ordered models), Student's t with ``df`` degrees of freedom for
t statistics (the panel models' fast engine and their clustered conventions). linearmodels' own fits
keep linearmodels' ``conf_int()``: those numbers are the library's.

``two_sided_p_value`` is the matching p-value of a z or t statistic (the readings' batch keeps its
own ``ndtr`` call, the same number without scipy.stats' per-call overhead). ``few_clusters`` is the
one threshold below which cluster-robust SEs get a note (FEW_CLUSTERS).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

FEW_CLUSTERS = 30   # below this many clusters, cluster-robust SEs may be too small: a note says so


def critical_value(alpha: float = 0.05, df=None):
    """Two-sided critical value at level ``1 - alpha``: the normal quantile ``1 - alpha / 2`` when
    ``df`` is None, else Student's t quantile with ``df`` degrees of freedom."""
    if df is None:
        return stats.norm.ppf(1 - alpha / 2)
    return stats.t.ppf(1 - alpha / 2, df)


def confidence_interval(estimate, se, alpha: float = 0.05, df=None):
    """(low, high) = estimate -/+ q se with ``q = critical_value(alpha, df)``; scalars or arrays."""
    q = critical_value(alpha, df)
    return estimate - q * se, estimate + q * se


def two_sided_p_value(statistic, df=None):
    """Two-sided p-value of a z statistic (``df`` None: normal) or a t statistic with ``df`` degrees of
    freedom; scalars or arrays (the tail of ``critical_value``'s distribution)."""
    if df is None:
        return 2 * stats.norm.sf(np.abs(statistic))
    return 2 * stats.t.sf(np.abs(statistic), df)


def few_clusters(n_clusters: int) -> bool:
    """Whether ``n_clusters`` is below FEW_CLUSTERS, where cluster-robust SEs deserve a warning."""
    return n_clusters < FEW_CLUSTERS


def finite_or_none(value) -> float | None:
    """``value`` as a float if finite, else None (JSON has no NaN or infinity; None, or a value that is
    not a number, is None too)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
