"""Clustered standard errors of the linear panel models: the clusters and the small-sample conventions.

``cluster_counts`` counts the clusters of each dimension an se_type clusters by and refuses too few
(an error, not a silently bad SE). The small-sample conventions of entity-clustered SEs
(options.ClusterConvention; all on the CR0 sandwich V0, t with G - 1 df except "linearmodels"):

    nested_not_counted  G/(G-1) (N-1)/(N-K) V0, K = coefficients incl. the constant and non-nested
                        (time) effect dummies; entity effects nested in the clusters are not counted:
                        Stata's xtreg, fe vce(cluster) (K = slopes + time dummies + constant)
    absorbed_counted    G/(G-1) (N-1)/(N-K-A) V0, A = absorbed entity effects (Stata's areg)
    linearmodels        linearmodels' own default (debiased, auto_df), t with the residual df

R plm matches none of them exactly: ``vcovHC(fe, cluster = "group", type = "sss")`` applies the same
G/(G-1) (N-1)/(N-K) but with K the columns of its transformed (demeaned) model matrix, constants
removed: for a two-way within model the slopes only (no constant, the time effects swept out). On
the book's upgrading panel (N = 101, G = 34, 2 slopes, 2 type dummies) Stata's K is 5 and plm's 2,
so plm's SEs are sqrt(96/99) = 0.985 times Stata's (0.3099 against 0.3147); plm's default
``type = "HC0"`` applies no factor at all (CR0). For random effects (no absorbed effects) K counts
every coefficient, the constant and dummies included.

``cluster_scale`` is a convention's factor and df; ``apply_cluster_convention`` puts it on a fit in
place of linearmodels' entity-clustered covariance.
"""

from __future__ import annotations

import numpy as np

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import confidence_interval, two_sided_p_value
from gvc_clusters.models.options import ClusterConvention
from gvc_clusters.models.panel.results import cov_dict
from gvc_clusters.results import ModelResult


def cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters) -> dict:
    """Number of clusters per clustering dimension; too few is an error, not a silent bad SE."""
    dims = {"cluster_entity": {entity: n_ent}, "cluster_time": {time: n_time},
            "cluster_twoway": {entity: n_ent, time: n_time}}.get(se_type, {})
    for name, count in dims.items():
        if count < max(min_clusters, 2):
            raise ModelError(f"{model_id}: {se_type} needs at least {max(min_clusters, 2)} clusters, "
                             f"{name} has {count}")
    return dims


def cluster_scale(convention: ClusterConvention, n_obs: int, n_clusters: int, n_coef: int, n_time_dummies: int,
                  n_absorbed: int) -> tuple[float, int]:
    """(factor on the CR0 covariance, df of the t distribution) of a cluster convention (the table in
    the module docstring)."""
    k = n_coef + n_time_dummies
    if convention == "absorbed_counted":
        k += n_absorbed
    return n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k), n_clusters - 1


def apply_cluster_convention(result: ModelResult, crv0: np.ndarray, spec: dict) -> None:
    """Replace linearmodels' entity-clustered covariance by the configured convention on CR0."""
    fe = spec["estimator"] == "panel_ols"
    n_absorbed = spec["n_entities"] - 1 if fe and spec["entity_effects"] else 0
    n_time_dummies = spec["n_periods"] - 1 if fe and spec["time_effects"] else 0
    n_coef = int((result.estimates["role"] == "coef").sum())
    factor, df = cluster_scale(spec["cluster_convention"], result.n_obs, spec["n_entities"], n_coef, n_time_dummies,
                               n_absorbed)
    cov = crv0 * factor
    se = np.sqrt(np.diag(cov))
    est = result.estimates
    coef = est["role"] == "coef"
    b = est.loc[coef, "estimate"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = b / se
    low, high = confidence_interval(b, se, df=df)
    est.loc[coef, "std_error"] = se
    est.loc[coef, "statistic"] = t
    est.loc[coef, "p_value"] = two_sided_p_value(t, df)
    est.loc[coef, "ci_low"] = low
    est.loc[coef, "ci_high"] = high
    result.extra["cov"] = cov_dict(result.extra["cov"]["terms"], cov)
    result.extra["cluster_convention"] = spec["cluster_convention"]
    result.extra["small_sample_correction"] = cluster_correction_text(
        spec["cluster_convention"], df=df, factor=factor, n_coef=n_coef, n_time_dummies=n_time_dummies,
        n_absorbed=n_absorbed, n_slopes=int((est.loc[coef, "term"] != "const").sum()))
    result.extra["df_inference"] = int(df)


def cluster_correction_text(convention: ClusterConvention, *, df: int, factor: float, n_coef: int,
                            n_time_dummies: int, n_absorbed: int, n_slopes: int) -> str:
    """The small-sample correction of an entity-clustered fit in words: the formula, what K counts
    and the package whose number it reproduces. A fit without entity effects (random effects) has
    no absorbed effects and the note says nothing about them."""
    k = n_coef + n_time_dummies + (n_absorbed if convention == "absorbed_counted" else 0)
    counts = f"{n_coef} coefficients incl. the constant" + (f" + {n_time_dummies} time dummies" if n_time_dummies
                                                          else "")
    text = f"G/(G-1) (N-1)/(N-K) on CR0, t({df}); K = {k}: {counts}"
    if n_absorbed and convention == "absorbed_counted":
        text += f" + {n_absorbed} absorbed entity effects (Stata's areg)"
    elif n_absorbed:
        text += (f"; the {n_absorbed} entity effects, nested in the clusters, not counted: Stata's xtreg, fe "
                 f"vce(cluster). R plm's vcovHC(type = \"sss\", cluster = \"group\") has K = {n_slopes}, the "
                 "slopes only (its within model has no constant and sweeps the time effects out)")
    return text + f"; factor {factor:.4f}"
