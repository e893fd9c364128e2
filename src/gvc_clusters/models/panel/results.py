"""What every linear panel engine reports the same way (models/panel/fit.py, models/panel/absorbing.py).

``finish_result`` fills the facts a ``ModelResult`` of any engine carries alike: the sample, the SE
text, the cluster counts, the time labels and the notes (dropped rows, few clusters, Driscoll-Kraay
on few periods, negative variances). ``t_rows`` builds the coefficient rows of a fast-engine fit (t
statistics and CIs on its residual df). The SE text comes from the SE-type table
(models/panel/covariance.py).
"""

from __future__ import annotations

import numpy as np

from gvc_clusters.models.inference import confidence_interval, few_clusters, two_sided_p_value
from gvc_clusters.models.panel.covariance import kernel_needs_more_periods, se_text
from gvc_clusters.results import ModelResult


def finish_result(result, spec, clusters, n_missing, sample, labels, n_time) -> ModelResult:
    """The facts every engine reports the same way: sample, SE text, clusters, labels, notes."""
    se_type = spec["se_type"]
    result.n_excluded = n_missing
    result.sample = sample
    result.se_type = se_text(se_type, clusters, result.extra.get("bandwidth"), n_time)
    result.n_clusters = min(clusters.values()) if clusters else None
    result.extra.update({"n_dropped_missing": n_missing, "se_option": se_type, "cluster_counts": clusters,
                         "entity": spec["entity"], "time": spec["time"]})
    if labels:
        result.extra["time_labels"] = {int(k): str(v) for k, v in sorted(labels.items())}
    result.notes.extend(_notes(n_missing, clusters, se_type, n_time))
    if "small_sample_correction" not in result.extra and result.extra.get("engine") == "linearmodels":
        df = result.extra.get("df_resid")
        result.extra["small_sample_correction"] = (
            "linearmodels debiased: n/(n - K - counted effects)" + (f", t({df})" if df is not None else ""))
    no_se = result.estimates.loc[result.estimates["std_error"].isna(), "term"].tolist()
    if no_se:
        result.notes.append(f"no standard error for {', '.join(no_se)}: the estimated variance is negative "
                            "(two-way clustered covariances are not guaranteed positive)")
    return result


def _notes(n_missing, clusters, se_type, n_time) -> list[str]:
    notes = []
    if n_missing:
        notes.append(f"{n_missing} row(s) with a missing key, outcome or regressor dropped")
    few = {k: v for k, v in clusters.items() if few_clusters(v)}
    if few:
        notes.append("few clusters (" + ", ".join(f"{k}: {v}" for k, v in few.items())
                     + "): cluster-robust SEs may be too small; read p-values with caution")
    if kernel_needs_more_periods(se_type, n_time):
        notes.append(f"Driscoll-Kraay with {n_time} periods: the HAC estimator needs many periods")
    return notes


def t_rows(fit) -> list[dict]:
    """Coefficient rows of a fast-engine fit: t statistics, p-values and 95% CIs on its residual df."""
    se = fit.std_errors
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = fit.params / se
    pval = two_sided_p_value(tstat, fit.df_resid)
    low, high = confidence_interval(fit.params, se, df=fit.df_resid)
    return [{"role": "coef", "term": name, "estimate": float(b), "std_error": float(s), "statistic": float(t),
             "p_value": float(p), "ci_low": float(lo), "ci_high": float(hi)}
            for name, b, s, t, p, lo, hi in zip(fit.names, fit.params, se, tstat, pval, low, high)]
