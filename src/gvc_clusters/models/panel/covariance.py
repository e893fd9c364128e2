"""The covariances of the linear panel models: one table of SE types, the clusters, the conventions.

``SE_TYPES`` is the one place a panel SE type (options.PanelSEType, the config's ``se_type``) is
looked up: what it clusters by, linearmodels' fit keywords for it, AbsorbingLS's covariance, whether
the fast engine covers it, and how the report names it. Every engine asks this table; none compares
SE-type strings of its own.

``cluster_counts`` counts the clusters of each dimension an SE type clusters by and refuses too few
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

from dataclasses import dataclass, field

import numpy as np

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import confidence_interval, two_sided_p_value
from gvc_clusters.models.options import ClusterConvention, PanelSEType, choices
from gvc_clusters.results import ModelResult


@dataclass(frozen=True)
class Covariance:
    """What one panel SE type is in each engine."""
    clusters: tuple[str, ...]            # the dimensions it clusters by: "entity", "time"
    linearmodels: dict = field(default_factory=dict)  # PanelOLS / RandomEffects / PooledOLS .fit keywords
    absorbing: str | None = None         # AbsorbingLS cov_type; None: not available with absorbed effects
    fast: bool = False                   # the fast engine's within fit (fast_fe.fit_within) covers it
    fast_absorbing: bool = False         # the fast engine's absorbed-effects fit (fast_fe.fit_absorbing) too
    text: str = ""                       # the report's words, formatted with clusters, bandwidth, n_time


SE_TYPES: dict[PanelSEType, Covariance] = {
    "unadjusted": Covariance((), {"cov_type": "unadjusted"}, "unadjusted", True, True,
                             "unadjusted (homoskedastic)"),
    "robust": Covariance((), {"cov_type": "robust"}, "robust", True, True,
                         "robust (heteroskedasticity-consistent)"),
    "cluster_entity": Covariance(("entity",), {"cov_type": "clustered", "cluster_entity": True}, "clustered",
                                 True, True, "clustered by {names} ({counts} clusters)"),
    "cluster_time": Covariance(("time",), {"cov_type": "clustered", "cluster_time": True}, "clustered",
                               True, True, "clustered by {names} ({counts} clusters)"),
    "cluster_twoway": Covariance(("entity", "time"),
                                 {"cov_type": "clustered", "cluster_entity": True, "cluster_time": True},
                                 "clustered", True, False, "clustered by {names} ({counts} clusters)"),
    "driscoll_kraay": Covariance((), {"cov_type": "kernel", "kernel": "bartlett"}, None, False, False,
                                 "Driscoll-Kraay (Bartlett kernel, bandwidth {bandwidth:g}, {n_time} periods)"),
}
assert tuple(SE_TYPES) == choices(PanelSEType)   # the table covers exactly the option's values

UNADJUSTED: PanelSEType = "unadjusted"   # the covariance the FE-vs-RE tests assume


def linearmodels_options(se_type: PanelSEType, bandwidth: float | None) -> dict:
    """linearmodels' fit keywords of an SE type (cov_type plus its cov_config)."""
    options = dict(SE_TYPES[se_type].linearmodels)
    if options["cov_type"] == "kernel" and bandwidth is not None:
        options["bandwidth"] = float(bandwidth)
    return options


def absorbing_options(se_type: PanelSEType, codes: dict[str, np.ndarray], model_id: str) -> tuple[str, dict]:
    """AbsorbingLS's (cov_type, keywords) of an SE type; ``codes``: "entity"/"time" -> (name, codes)."""
    import pandas as pd

    entry = SE_TYPES[se_type]
    if entry.absorbing is None:
        raise ModelError(f"{model_id}: {se_type} is not available with absorb; use a cluster se_type")
    if not entry.clusters:
        return entry.absorbing, {}
    return entry.absorbing, {"clusters": pd.DataFrame({codes[d][0]: codes[d][1] for d in entry.clusters})}


def fast_absorbing_options(se_type: PanelSEType, codes: dict[str, np.ndarray]) -> tuple[str, np.ndarray | None]:
    """The fast absorbed-effects fit's (cov_type, cluster codes) of an SE type it covers."""
    entry = SE_TYPES[se_type]
    if entry.clusters:
        return "cluster", codes[entry.clusters[0]][1]
    return se_type, None


def se_text(se_type: PanelSEType, clusters: dict, bandwidth: float | None, n_time: int) -> str:
    """How the report names a fit's covariance."""
    return SE_TYPES[se_type].text.format(names=" and ".join(clusters),
                                         counts=" and ".join(str(v) for v in clusters.values()),
                                         bandwidth=bandwidth if bandwidth is not None else float("nan"),
                                         n_time=n_time)


def kernel_needs_more_periods(se_type: PanelSEType, n_time: int) -> bool:
    """A HAC (kernel) covariance on fewer than 20 periods: the report says it is unreliable."""
    return SE_TYPES[se_type].linearmodels["cov_type"] == "kernel" and n_time < 20


def cov_dict(terms, matrix) -> dict:
    """A covariance matrix, JSON-ready (terms and rows)."""
    return {"terms": [str(t) for t in terms], "matrix": [[float(v) for v in row] for row in np.asarray(matrix)]}


def jsonable(options: dict) -> dict:
    """linearmodels' fit keywords, JSON-ready."""
    return {k: (v if isinstance(v, (bool, int, float, str)) else str(v)) for k, v in options.items()}


def cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters) -> dict:
    """Number of clusters per clustering dimension; too few is an error, not a silent bad SE."""
    sizes = {"entity": (entity, n_ent), "time": (time, n_time)}
    dims = dict(sizes[d] for d in SE_TYPES[se_type].clusters)
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


def convention_ses(result: ModelResult, crv0: np.ndarray, spec: dict) -> dict[str, dict[str, float | None]]:
    """The coefficients' entity-clustered SEs under every convention (options.ClusterConvention), from
    the CR0 matrix and linearmodels' own fit (``result`` as linearmodels fitted it): what the report
    compares, whichever one the spec chose."""
    from gvc_clusters.models.inference import finite_or_none
    from gvc_clusters.models.options import choices

    coef = result.estimates[result.estimates["role"] == "coef"]
    fe = spec["estimator"] == "panel_ols"
    n_absorbed = spec["n_entities"] - 1 if fe and spec["entity_effects"] else 0
    n_time_dummies = spec["n_periods"] - 1 if fe and spec["time_effects"] else 0
    out = {"linearmodels": {str(t): finite_or_none(s) for t, s in zip(coef["term"], coef["std_error"])}}
    for convention in choices(ClusterConvention):
        if convention == "linearmodels":
            continue
        factor, _ = cluster_scale(convention, result.n_obs, spec["n_entities"], len(coef), n_time_dummies, n_absorbed)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(crv0) * factor)
        out[convention] = {str(t): finite_or_none(s) for t, s in zip(coef["term"], se)}
    return out
