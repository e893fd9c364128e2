"""OLS with any number of absorbed categorical effects: ``fit_panel(..., absorb=[...])``.

linearmodels' AbsorbingLS (pyhdfe's alternating projections), weighted or not, or on large tables the
fast engine's alternating projections (models/panel/fast_fe.py ``fit_absorbing``, the same numbers),
reported like every other panel fit (models/panel/results.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import finite_or_none
from gvc_clusters.models.panel import fast_fe
from gvc_clusters.models.panel.covariance import SE_TYPES, absorbing_options, cov_dict, fast_absorbing_options
from gvc_clusters.models.panel.data import panel_sample
from gvc_clusters.models.panel.results import finish_result, t_rows
from gvc_clusters.results import ModelResult, estimate_rows


def fit_absorbed(frame, *, entity, time, outcome, regressors, entity_effects, time_effects, se_type, model_id,
                 constant, min_clusters, sample, weights, absorb, engine="auto", fast_from: int) -> ModelResult:
    """OLS with any number of absorbed categorical effects, weighted or not: linearmodels' AbsorbingLS,
    or from ``fast_from`` rows (fit_panel passes its FAST_MIN_ROWS) or with ``engine="fast"`` the fast
    engine's alternating projections (``fast_fe.fit_absorbing``, the same numbers) when there are two
    or more effects and the covariance is not two-way clustered."""
    from linearmodels.iv.absorbing import AbsorbingLS

    if SE_TYPES[se_type].absorbing is None:
        raise ModelError(f"{model_id}: {se_type} is not available with absorb; use a cluster se_type")
    effects = list(dict.fromkeys([*([entity] if entity_effects else []), *([time] if time_effects else []),
                                  *absorb]))
    sample_ = panel_sample(frame, entity=entity, time=time, outcome=outcome, regressors=regressors,
                           model_id=model_id, se_type=se_type, min_clusters=min_clusters, weights=weights,
                           absorb=[c for c in absorb if c not in (entity, time)], sort=True)
    data, labels, n_missing, clusters = sample_.data, sample_.labels, sample_.n_missing, sample_.clusters
    ent_codes, n_ent, time_codes, n_time = sample_.ent_codes, sample_.n_ent, sample_.time_codes, sample_.n_time
    codes = {"entity": (entity, ent_codes), "time": (time, time_codes)}
    _refuse_row_ids(data, effects, model_id)
    x = data[regressors].astype(float)
    if constant:
        x = x.assign(const=1.0)[["const", *regressors]]
    absorbed = pd.DataFrame({c: pd.Categorical(data[c]) for c in effects})
    cov = absorbing_options(se_type, codes, model_id)
    fast_ok = len(effects) >= 2 and SE_TYPES[se_type].fast_absorbing
    if engine == "fast" and not fast_ok:
        raise ModelError(f"{model_id}: the fast engine absorbs two or more effects with an unadjusted, robust or "
                         f"one-way clustered covariance; got {len(effects)} effect(s) and {se_type}")
    if engine == "fast" or (engine == "auto" and fast_ok and len(data) >= fast_from):
        return _fit_absorbed_fast(data, spec={"model_id": model_id, "outcome": outcome, "regressors": regressors,
                                              "se_type": se_type, "constant": constant, "weights": weights,
                                              "entity": entity, "time": time, "effects": effects},
                                  codes=codes, n_ent=n_ent, n_time=n_time,
                                  clusters=clusters, n_missing=n_missing, sample=sample, labels=labels)
    model = AbsorbingLS(data[outcome].astype(float), x, absorb=absorbed,
                        weights=data[weights].astype(float) if weights else None)
    from linearmodels.panel.utility import AbsorbingEffectError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(cov_type=cov[0], debiased=True, **cov[1])
    except AbsorbingEffectError as err:   # not a ValueError: named here, not a traceback
        raise ModelError(f"{model_id}: the absorbed effects {effects} fully absorb, or leave collinear: "
                         f"{absorbed_names(str(err))}") from None
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
             "engine": "linearmodels AbsorbingLS", "estimator": "AbsorbingLS", "n_entities": n_ent,
             "n_periods": n_time,
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


def _fit_absorbed_fast(data, *, spec, codes, n_ent, n_time, clusters, n_missing, sample, labels) -> ModelResult:
    """The fast engine's absorbed-effects fit (fast_fe.fit_absorbing), reported as fit_absorbed does."""
    effects = spec["effects"]
    effect_codes = [fast_fe.group_codes(data[c].to_numpy())[0] for c in effects]
    se_type = spec["se_type"]
    cov_type, cluster_codes = fast_absorbing_options(se_type, codes)
    try:
        fit = fast_fe.fit_absorbing(
            data[spec["outcome"]].to_numpy(dtype=np.float64),
            [data[c].to_numpy(dtype=np.float64) for c in spec["regressors"]], spec["regressors"], effect_codes,
            weights=data[spec["weights"]].to_numpy(dtype=np.float64) if spec["weights"] else None,
            constant=spec["constant"], cov_type=cov_type, clusters=cluster_codes)
    except fast_fe.FastFEError as err:
        raise ModelError(f"{spec['model_id']}: {err}") from err
    rows = t_rows(fit)
    levels = {c: int(k.max()) + 1 for c, k in zip(effects, effect_codes)}
    extra = {"cov": cov_dict(fit.names, fit.cov), "df_resid": fit.df_resid, "df_model": fit.df_model,
             "absorbed": levels, "weights": spec["weights"], "debiased": True, "engine": "fast",
             "estimator": "AbsorbingLS (fast engine)",
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


def absorbed_names(message: str) -> str:
    """The variable lines of linearmodels' absorbing-effect message, joined into one line."""
    body = message.split("removed:")[-1].split("Set drop_absorbed")[0]
    names = [line.strip() for line in body.strip().splitlines() if line.strip()]
    return "; ".join(names) or message.strip()
