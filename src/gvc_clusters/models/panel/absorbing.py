"""OLS with any number of absorbed categorical effects: ``fit_panel(..., absorb=[...])``.

linearmodels' AbsorbingLS (pyhdfe's alternating projections), weighted or not, or on large tables the
fast engine's alternating projections (models/fast_fe.py ``fit_absorbing``, the same numbers),
reported like every other panel fit (models/panel_result.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import finite_or_none
from gvc_clusters.models.panel import fast_fe
from gvc_clusters.models.panel.covariance import cluster_counts
from gvc_clusters.models.panel.data import check_keys, prepare_columns
from gvc_clusters.models.panel.results import cov_dict, finish_result, t_rows
from gvc_clusters.results import ModelResult, estimate_rows


def fit_absorbed(frame, *, entity, time, outcome, regressors, entity_effects, time_effects, se_type, model_id,
                 constant, min_clusters, sample, weights, absorb, engine="auto", fast_from: int) -> ModelResult:
    """OLS with any number of absorbed categorical effects, weighted or not: linearmodels' AbsorbingLS,
    or from ``fast_from`` rows (fit_panel passes its FAST_MIN_ROWS) or with ``engine="fast"`` the fast
    engine's alternating projections (``fast_fe.fit_absorbing``, the same numbers) when there are two
    or more effects and the covariance is not two-way clustered."""
    from linearmodels.iv.absorbing import AbsorbingLS

    if se_type == "driscoll_kraay":
        raise ModelError(f"{model_id}: driscoll_kraay is not available with absorb; use a cluster se_type")
    effects = list(dict.fromkeys([*([entity] if entity_effects else []), *([time] if time_effects else []),
                                  *absorb]))
    data, labels, n_missing = prepare_columns(frame, entity, time, outcome, regressors, model_id, weights=weights,
                                              absorb=[c for c in absorb if c not in (entity, time)])
    data = data.sort_values([entity, time], kind="stable").reset_index(drop=True)
    ent_codes, n_ent = fast_fe.group_codes(data[entity].to_numpy())
    time_codes, n_time = fast_fe.group_codes(data[time].to_numpy())
    check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id)
    clusters = cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters)
    _refuse_row_ids(data, effects, model_id)
    x = data[regressors].astype(float)
    if constant:
        x = x.assign(const=1.0)[["const", *regressors]]
    absorbed = pd.DataFrame({c: pd.Categorical(data[c]) for c in effects})
    cov = {"unadjusted": ("unadjusted", {}), "robust": ("robust", {}),
           "cluster_entity": ("clustered", {"clusters": pd.DataFrame({entity: ent_codes})}),
           "cluster_time": ("clustered", {"clusters": pd.DataFrame({time: time_codes})}),
           "cluster_twoway": ("clustered", {"clusters": pd.DataFrame({entity: ent_codes, time: time_codes})}),
           }[se_type]
    fast_ok = len(effects) >= 2 and se_type != "cluster_twoway"
    if engine == "fast" and not fast_ok:
        raise ModelError(f"{model_id}: the fast engine absorbs two or more effects with an unadjusted, robust or "
                         f"one-way clustered covariance; got {len(effects)} effect(s) and {se_type}")
    if engine == "fast" or (engine == "auto" and fast_ok and len(data) >= fast_from):
        return _fit_absorbed_fast(data, spec={"model_id": model_id, "outcome": outcome, "regressors": regressors,
                                              "se_type": se_type, "constant": constant, "weights": weights,
                                              "entity": entity, "time": time, "effects": effects},
                                  ent_codes=ent_codes, n_ent=n_ent, time_codes=time_codes, n_time=n_time,
                                  clusters=clusters, n_missing=n_missing, sample=sample, labels=labels)
    model = AbsorbingLS(data[outcome].astype(float), x, absorb=absorbed,
                        weights=data[weights].astype(float) if weights else None)
    from linearmodels.panel.utility import AbsorbingEffectError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(cov_type=cov[0], debiased=True, **cov[1])
    except AbsorbingEffectError as err:   # not a ValueError: named here, not a traceback
        from gvc_clusters.models.panel.fit import _absorbed_names

        raise ModelError(f"{model_id}: the absorbed effects {effects} fully absorb, or leave collinear: "
                         f"{_absorbed_names(str(err))}") from None
    except ValueError as err:
        raise ModelError(f"{model_id}: the absorbed effects {effects} leave the regressors collinear or "
                         f"absorbed: {err}") from err
    ci = res.conf_int()
    rows = [{"role": "coef", "term": str(t), "estimate": float(res.params[t]), "std_error": float(res.std_errors[t]),
             "statistic": float(res.tstats[t]), "p_value": float(res.pvalues[t]),
             "ci_low": float(ci.loc[t, "lower"]), "ci_high": float(ci.loc[t, "upper"])} for t in res.params.index]
    levels = {c: int(absorbed[c].cat.categories.size) for c in effects}
    extra = {"cov": cov_dict(res.params.index, np.asarray(res.cov)), "df_resid": int(res.df_resid),
             "df_model": int(res.df_model), "absorbed": levels, "weights": weights, "debiased": True,
             "engine": "linearmodels AbsorbingLS", "n_entities": n_ent, "n_periods": n_time,
             "r2_inclusive": finite_or_none(res.rsquared),
             "small_sample_correction": "n/(n - K - absorbed levels)" + (
                 ", clusters G/(G-1)" if se_type.startswith("cluster") else "")}
    fixed = {c: True for c in effects}   # one indicator row per absorbed column
    result = ModelResult(model_id=model_id, kind="panel_ols", outcome=outcome, estimates=estimate_rows(rows),
                         n_obs=int(res.nobs), se_type="", converged=True, statistic_name="t",
                         r2=finite_or_none(res.absorbed_rsquared),   # net of every absorbed effect, as PanelOLS
                         fixed_effects=fixed, extra=extra,
                         notes=[f"absorbed effects: {', '.join(f'{c} ({n} levels)' for c, n in levels.items())}"
                                + (f"; weighted by {weights}" if weights else "")])
    return finish_result(result, {"se_type": se_type, "entity": entity, "time": time}, clusters, n_missing,
                         sample, labels, n_time)


def _refuse_row_ids(data: pd.DataFrame, effects: list[str], model_id: str) -> None:
    """An absorbed effect with a level per row (a row id) absorbs every regressor and the outcome:
    refused by name before linearmodels or the fast engine fails on it."""
    for column in effects:
        levels = int(data[column].nunique(dropna=False))
        if len(data) > 1 and levels >= len(data):
            raise ModelError(f"{model_id}: the absorbed effect {column!r} has a different value in every row "
                             f"({levels:,} levels for {len(data):,} rows), like a row id: it absorbs every regressor "
                             "and leaves nothing to estimate; absorb a grouping column (exporter, product, year ...)")


def _fit_absorbed_fast(data, *, spec, ent_codes, n_ent, time_codes, n_time, clusters, n_missing, sample,
                       labels) -> ModelResult:
    """The fast engine's absorbed-effects fit (fast_fe.fit_absorbing), reported as fit_absorbed does."""
    effects = spec["effects"]
    codes = [fast_fe.group_codes(data[c].to_numpy())[0] for c in effects]
    se_type = spec["se_type"]
    cluster_codes = {"cluster_entity": ent_codes, "cluster_time": time_codes}.get(se_type)
    try:
        fit = fast_fe.fit_absorbing(
            data[spec["outcome"]].to_numpy(dtype=np.float64),
            [data[c].to_numpy(dtype=np.float64) for c in spec["regressors"]], spec["regressors"], codes,
            weights=data[spec["weights"]].to_numpy(dtype=np.float64) if spec["weights"] else None,
            constant=spec["constant"], cov_type="cluster" if cluster_codes is not None else se_type,
            clusters=cluster_codes)
    except fast_fe.FastFEError as err:
        raise ModelError(f"{spec['model_id']}: {err}") from err
    rows = t_rows(fit)
    levels = {c: int(k.max()) + 1 for c, k in zip(effects, codes)}
    extra = {"cov": cov_dict(fit.names, fit.cov), "df_resid": fit.df_resid, "df_model": fit.df_model,
             "absorbed": levels, "weights": spec["weights"], "debiased": True, "engine": "fast",
             "n_entities": n_ent, "n_periods": n_time,
             "fast": {"demeaning": fit.method, "iterations": fit.iterations, "absorbed_df": fit.extra_df},
             "small_sample_correction": "n/(n - K - absorbed levels)" + (
                 ", clusters G/(G-1)" if se_type.startswith("cluster") else "")}
    result = ModelResult(model_id=spec["model_id"], kind="panel_ols", outcome=spec["outcome"],
                         estimates=estimate_rows(rows), n_obs=fit.nobs, se_type="", converged=fit.converged,
                         statistic_name="t", r2=finite_or_none(fit.r2), loglik=finite_or_none(fit.loglik),
                         fixed_effects={c: True for c in effects}, extra=extra,
                         notes=[f"absorbed effects: {', '.join(f'{c} ({n} levels)' for c, n in levels.items())}"
                                + (f"; weighted by {spec['weights']}" if spec["weights"] else "")
                                + f"; fast engine ({fit.method}), equal to linearmodels AbsorbingLS to rounding"])
    return finish_result(result, {"se_type": se_type, "entity": spec["entity"], "time": spec["time"]}, clusters,
                         n_missing, sample, labels, n_time)
