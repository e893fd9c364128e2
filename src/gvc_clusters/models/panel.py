"""Linear panel models (PanelOLS, RandomEffects, PooledOLS) returning the neutral ``ModelResult``.

``fit_panel`` takes any long table - the book's cluster x upgrading-type panel or a user's annual
HS-6 bilateral trade - names its entity, time, outcome and regressor columns, and maps a plain
``se_type`` onto linearmodels' covariance options:

    unadjusted      cov_type="unadjusted"
    robust          cov_type="robust"
    cluster_entity  cov_type="clustered", cluster_entity=True
    cluster_time    cov_type="clustered", cluster_time=True
    cluster_twoway  cov_type="clustered", cluster_entity=True, cluster_time=True
    driscoll_kraay  cov_type="kernel" (Bartlett), bandwidth=...

linearmodels' defaults are kept (``debiased=True``: t and F inference, covariance scaled by
n / (n - k - effects); ``auto_df=True``; no g/(g-1) cluster factor), so the numbers are
linearmodels' own. ``engine="fast"`` computes the same PanelOLS estimates on flat arrays
(``gvc_clusters.models.fast_fe``) for tables of millions of rows; ``"auto"`` uses it from
``FAST_MIN_ROWS`` rows when the model is one it covers (the default: below that size, and for
models it does not cover, linearmodels fits).

Problems a user can fix raise ``ModelError`` naming the spec: a regressor not in the data,
regressors the effects absorb or that are collinear, too few clusters, duplicate entity-time keys.
``hausman`` compares a fixed- and a random-effects fit (linearmodels has no Hausman test).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelError
from ..results import ModelResult, estimate_rows
from . import fast_fe
from .inference import confidence_interval, few_clusters
from .options import ClusterConvention, PanelEngine, PanelEstimator, PanelSEType, check_choice
from .panel_data import PanelBuild

FAST_MIN_ROWS = 1_000_000
# Small-sample conventions of entity-clustered SEs (options.ClusterConvention; all on the CR0
# sandwich V0, t with G - 1 df except "linearmodels"):
#   nested_not_counted  G/(G-1) (N-1)/(N-K) V0, K = coefficients incl. the constant and non-nested
#                       (time) effect dummies; entity effects nested in the clusters are not counted:
#                       Stata's xtreg, fe vce(cluster) (and R plm / fixest with nested effects)
#   absorbed_counted    G/(G-1) (N-1)/(N-K-A) V0, A = absorbed entity effects (Stata's areg)
#   linearmodels        linearmodels' own default (debiased, auto_df), t with the residual df


# ----------------------------------------------------------------------------------------------
# The generic fit
# ----------------------------------------------------------------------------------------------

def fit_panel(frame: pd.DataFrame, *, entity: str, time: str, outcome: str, regressors: list[str],
              estimator: PanelEstimator = "panel_ols", entity_effects: bool = False, time_effects: bool = False,
              se_type: PanelSEType = "unadjusted", model_id: str, bandwidth: float | None = None,
              constant: bool = True, engine: PanelEngine = "auto", min_clusters: int = 10,
              sample: str = "", time_labels: dict | None = None,
              cluster_convention: ClusterConvention = "linearmodels", weights: str | None = None,
              absorb: Sequence[str] = ()) -> ModelResult:
    """Fit one linear panel model on a long table and return a ``ModelResult``.

    Rows with a missing key, outcome or regressor are dropped and counted (``n_excluded``). A
    non-numeric time column is coded 1..K (category order if ordered, else sorted labels) because
    linearmodels needs a numeric or datetime time index; the labels go to ``extra["time_labels"]``
    (or pass ``time_labels`` for an already-coded column). ``constant`` adds a "const" column (with
    effects it is PanelOLS's grand-mean constant). ``engine``: "linearmodels", "fast" (PanelOLS on
    flat arrays, same numbers) or "auto" (fast from FAST_MIN_ROWS rows when it covers the model).
    Clustered SEs need ``min_clusters`` clusters in every clustering dimension.
    ``cluster_convention`` (se_type cluster_entity, linearmodels engine): see ``cluster_scale``.

    ``entity`` may be several columns (``["country", "product"]``): their combinations are the
    entities, named "country*product". ``weights``: a column of positive weights (weighted least
    squares; linearmodels engine). ``absorb``: further columns whose effects are absorbed beside the
    entity and time effects (e.g. exporter, product, year on an exporter x product panel), fitted
    by linearmodels' AbsorbingLS (pyhdfe's alternating projections), any number of them.
    """
    regressors = list(regressors)
    absorb = list(absorb)
    _check_options(model_id, estimator, se_type, engine, entity_effects, time_effects)
    frame, entity = _entity_key(frame, entity, model_id)
    if absorb or weights:
        if estimator != "panel_ols" and absorb:
            raise ModelError(f"{model_id}: absorbed effects need estimator='panel_ols', got {estimator!r}")
        if engine == "fast" and not absorb:
            raise ModelError(f"{model_id}: the fast engine covers weights only with absorb (any number of "
                             "absorbed effects); use engine='linearmodels' (or auto)")
    if absorb:
        return _fit_absorbed(frame, entity=entity, time=time, outcome=outcome, regressors=regressors,
                             entity_effects=entity_effects, time_effects=time_effects, se_type=se_type,
                             model_id=model_id, constant=constant, min_clusters=min_clusters, sample=sample,
                             weights=weights, absorb=absorb, engine=engine)
    data, labels, n_missing = _prepare(frame, entity, time, outcome, regressors, model_id, weights=weights)
    ent_codes, n_ent = fast_fe.group_codes(data[entity].to_numpy())
    time_codes, n_time = fast_fe.group_codes(data[time].to_numpy())
    _check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id)
    clusters = _cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters)
    use_fast = _use_fast(engine, estimator, se_type, len(data), model_id) and weights is None
    check_choice(model_id, "cluster_convention", cluster_convention, ClusterConvention)
    spec = dict(model_id=model_id, estimator=estimator, outcome=outcome, regressors=regressors,
                entity=entity, time=time, entity_effects=entity_effects, time_effects=time_effects,
                se_type=se_type, constant=constant, bandwidth=bandwidth, cluster_convention=cluster_convention,
                n_entities=n_ent, n_periods=n_time, weights=weights)
    if use_fast:
        result = _fit_fast(data, spec, ent_codes, n_ent, time_codes, n_time)
    else:
        result = _fit_linearmodels(data, spec)
    result.extra.update({"n_entities": n_ent, "n_periods": n_time, "engine": "fast" if use_fast else "linearmodels"})
    if weights:
        result.extra["weights"] = weights
        result.notes.append(f"weighted least squares, weights {weights}")
    return _finish(result, spec, clusters, n_missing, sample, time_labels or labels, n_time)


def _finish(result, spec, clusters, n_missing, sample, labels, n_time) -> ModelResult:
    """The facts every engine reports the same way: sample, SE text, clusters, labels, notes."""
    se_type = spec["se_type"]
    result.n_excluded = n_missing
    result.sample = sample
    result.se_type = _se_text(se_type, clusters, result.extra.get("bandwidth"), n_time)
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


def _check_options(model_id, estimator, se_type, engine, entity_effects, time_effects) -> None:
    """Reject unknown names and effects the estimator does not have, before touching the data."""
    for value, option, what in ((estimator, PanelEstimator, "estimator"), (se_type, PanelSEType, "se_type"),
                                (engine, PanelEngine, "engine")):
        check_choice(model_id, what, value, option)
    if estimator != "panel_ols" and (entity_effects or time_effects):
        raise ModelError(f"{model_id}: fixed effects need estimator='panel_ols' ({estimator} has none; "
                         "add dummy regressors for time effects)")


def _entity_key(frame: pd.DataFrame, entity, model_id: str) -> tuple[pd.DataFrame, str]:
    """A one-column entity key: ``entity`` itself, or the combinations of several columns coded
    0..G-1 in sorted order (a column named "a*b"; rows missing a component stay missing)."""
    if isinstance(entity, str):
        return frame, entity
    columns = list(entity)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelError(f"{model_id}: entity column(s) {missing} not in the data")
    if len(columns) == 1:
        return frame, columns[0]
    name = "*".join(columns)
    codes = frame.groupby(columns, sort=True, dropna=True, observed=True).ngroup()
    key = codes.where(frame[columns].notna().all(axis=1)).astype("Int64")
    return frame.assign(**{name: key}), name


def _prepare(frame, entity, time, outcome, regressors, model_id, weights=None, absorb=()):
    """Select the model's columns, check they exist and are numeric, drop incomplete rows, and
    code a non-numeric time column as 1..K."""
    needed = [entity, time, outcome, *regressors, *([weights] if weights else []), *absorb]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ModelError(f"{model_id}: column(s) {missing} not in the data "
                         f"(available: {', '.join(map(str, frame.columns))})")
    if len(set(needed)) != len(needed):
        raise ModelError(f"{model_id}: a column is used twice among entity, time, outcome and regressors: {needed}")
    data = frame[needed]
    for col in [outcome, *regressors, *([weights] if weights else [])]:
        if data[col].dtype == bool or str(data[col].dtype) == "boolean":
            data = data.assign(**{col: data[col].astype("Float64")})
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ModelError(f"{model_id}: column {col!r} is not numeric ({data[col].dtype}); code it as dummies")
    complete = data.notna().all(axis=1)
    n_missing = int((~complete).sum())
    if n_missing:
        data = data.loc[complete]
    if data.empty:
        raise ModelError(f"{model_id}: no complete rows for {needed}")
    if weights and not (data[weights] > 0).all():
        bad = data.loc[~(data[weights] > 0), weights]
        raise ModelError(f"{model_id}: weights column {weights!r} must be positive; {len(bad)} row(s) are not, "
                         f"e.g. {bad.iloc[0]!r}")
    data, labels = _numeric_time(data, time)
    for col in [outcome, *regressors]:
        if data[col].dtype != np.float64:
            data = data.assign(**{col: data[col].astype(np.float64)})
    return data, labels, n_missing


def _numeric_time(data, time):
    """linearmodels needs a numeric or datetime time index: map labels to 1..K, keeping them."""
    col = data[time]
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
        return data, {}
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
        levels = [lvl for lvl in col.cat.categories if lvl in set(col)]
    else:
        levels = sorted(col.astype(str).unique())
        col = col.astype(str)
    codes = {lvl: i + 1 for i, lvl in enumerate(levels)}
    data = data.assign(**{time: col.map(codes).astype("int64")})
    return data, {v: k for k, v in codes.items()}


def _check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id) -> None:
    """One row per entity-time: a duplicate key would silently be a different model."""
    if fast_fe.has_duplicate_keys(ent_codes, n_ent, time_codes, n_time):
        dups = data.loc[data.duplicated([entity, time], keep=False), [entity, time]]
        first = dups.iloc[0]
        raise ModelError(f"{model_id}: {len(dups)} rows share an entity-time key, e.g. "
                         f"{entity}={first[entity]!r}, {time}={first[time]!r}; aggregate or add a key")


def _cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters) -> dict:
    """Number of clusters per clustering dimension; too few is an error, not a silent bad SE."""
    dims = {"cluster_entity": {entity: n_ent}, "cluster_time": {time: n_time},
            "cluster_twoway": {entity: n_ent, time: n_time}}.get(se_type, {})
    for name, count in dims.items():
        if count < max(min_clusters, 2):
            raise ModelError(f"{model_id}: {se_type} needs at least {max(min_clusters, 2)} clusters, "
                             f"{name} has {count}")
    return dims


def _use_fast(engine, estimator, se_type, n_rows, model_id) -> bool:
    supported = estimator == "panel_ols" and se_type in fast_fe.FAST_COV_TYPES
    if engine == "fast" and not supported:
        raise ModelError(f"{model_id}: the fast engine covers panel_ols with {', '.join(fast_fe.FAST_COV_TYPES)}; "
                         f"got {estimator} with {se_type} (use engine='linearmodels')")
    return engine == "fast" or (engine == "auto" and supported and n_rows >= FAST_MIN_ROWS)


def _se_text(se_type, clusters, bandwidth, n_time) -> str:
    if se_type == "unadjusted":
        return "unadjusted (homoskedastic)"
    if se_type == "robust":
        return "robust (heteroskedasticity-consistent)"
    if se_type == "driscoll_kraay":
        return f"Driscoll-Kraay (Bartlett kernel, bandwidth {bandwidth:g}, {n_time} periods)"
    names = " and ".join(clusters)
    counts = " and ".join(str(v) for v in clusters.values())
    return f"clustered by {names} ({counts} clusters)"


def _notes(n_missing, clusters, se_type, n_time) -> list[str]:
    notes = []
    if n_missing:
        notes.append(f"{n_missing} row(s) with a missing key, outcome or regressor dropped")
    few = {k: v for k, v in clusters.items() if few_clusters(v)}
    if few:
        notes.append("few clusters (" + ", ".join(f"{k}: {v}" for k, v in few.items())
                     + "): cluster-robust SEs may be too small; read p-values with caution")
    if se_type == "driscoll_kraay" and n_time < 20:
        notes.append(f"Driscoll-Kraay with {n_time} periods: the HAC estimator needs many periods")
    return notes


# ----------------------------------------------------------------------------------------------
# linearmodels engine
# ----------------------------------------------------------------------------------------------

def _cov_options(se_type, bandwidth) -> dict:
    """se_type -> linearmodels fit keywords (cov_type plus its cov_config)."""
    return {"unadjusted": {"cov_type": "unadjusted"},
            "robust": {"cov_type": "robust"},
            "cluster_entity": {"cov_type": "clustered", "cluster_entity": True},
            "cluster_time": {"cov_type": "clustered", "cluster_time": True},
            "cluster_twoway": {"cov_type": "clustered", "cluster_entity": True, "cluster_time": True},
            "driscoll_kraay": {"cov_type": "kernel", "kernel": "bartlett",
                               **({} if bandwidth is None else {"bandwidth": float(bandwidth)})},
            }[se_type]


def _fit_linearmodels(data, spec) -> ModelResult:
    """Fit with linearmodels on a (entity, time)-indexed copy sorted for deterministic output."""
    from linearmodels.panel import PanelOLS, PooledOLS, RandomEffects
    from linearmodels.panel.utility import AbsorbingEffectError

    indexed = data.set_index([spec["entity"], spec["time"]]).sort_index(kind="stable")
    y = indexed[spec["outcome"]]
    x = indexed[spec["regressors"]]
    if spec["constant"]:
        x = x.assign(const=1.0)[["const", *spec["regressors"]]]
    if x.shape[1] == 0:
        raise ModelError(f"{spec['model_id']}: no regressors (and no constant) to estimate")
    options = _cov_options(spec["se_type"], spec["bandwidth"])
    w = {"weights": indexed[spec["weights"]]} if spec.get("weights") else {}
    try:
        if spec["estimator"] == "panel_ols":
            model = PanelOLS(y, x, entity_effects=spec["entity_effects"], time_effects=spec["time_effects"], **w)
        elif spec["estimator"] == "random_effects":
            model = RandomEffects(y, x, **w)
        else:
            model = PooledOLS(y, x, **w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            res = model.fit(**options)
            _ = res.cov  # covariances can be deferred: force them so errors surface here
    except AbsorbingEffectError as err:
        raise ModelError(f"{spec['model_id']}: the fixed effects absorb or make collinear: "
                         f"{_absorbed_names(str(err))}") from err
    except ValueError as err:
        raise _explain_value_error(err, x, spec) from err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # sqrt of a negative variance -> NaN
        result = _result_from_linearmodels(res, spec, options)
        if spec["se_type"] == "cluster_entity" and spec["cluster_convention"] != "linearmodels":
            crv0 = model.fit(cov_type="clustered", cluster_entity=True, debiased=False, group_debias=False,
                             **({"auto_df": False, "count_effects": False} if spec["estimator"] == "panel_ols"
                                else {}))
            apply_cluster_convention(result, np.asarray(crv0.cov), spec)
        return result


def cluster_scale(convention: ClusterConvention, n_obs: int, n_clusters: int, n_coef: int, n_time_dummies: int,
                  n_absorbed: int) -> tuple[float, int]:
    """(factor on the CR0 covariance, df of the t distribution) of a cluster convention (the table above)."""
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
    est.loc[coef, "p_value"] = 2 * stats.t.sf(np.abs(t), df)
    est.loc[coef, "ci_low"] = low
    est.loc[coef, "ci_high"] = high
    result.extra["cov"] = _cov_dict(result.extra["cov"]["terms"], cov)
    counted = "counted" if spec["cluster_convention"] == "absorbed_counted" else "not counted"
    result.extra["cluster_convention"] = spec["cluster_convention"]
    result.extra["small_sample_correction"] = (
        f"G/(G-1) (N-1)/(N-K) on CR0, t({df}); absorbed entity effects nested in the clusters {counted} in K"
        + (" (Stata xtreg, fe vce(cluster))" if counted == "not counted" and fe else "")
        + f"; factor {factor:.4f}")
    result.extra["df_inference"] = int(df)


def _absorbed_names(message: str) -> str:
    """The variable lines of linearmodels' absorbing-effect message, joined into one line."""
    body = message.split("removed:")[-1].split("Set drop_absorbed")[0]
    names = [line.strip() for line in body.strip().splitlines() if line.strip()]
    return "; ".join(names) or message.strip()


def _explain_value_error(err: ValueError, x: pd.DataFrame, spec) -> ModelError:
    """Turn linearmodels' rank and degrees-of-freedom errors into messages naming the spec."""
    text = str(err)
    bad = collinear_columns(x) if "rank" in text.lower() else []
    if bad:
        return ModelError(f"{spec['model_id']}: regressors are collinear (each listed one is a linear "
                          f"combination of the regressors before it): {', '.join(bad)}")
    return ModelError(f"{spec['model_id']}: linearmodels could not fit the model: {text}")


def collinear_columns(x: pd.DataFrame, tol: float = 1e-10) -> list[str]:
    """Columns that add no rank to the ones before them (scaled, so units do not matter)."""
    arr = np.asarray(x, dtype=float)
    norms = np.linalg.norm(arr, axis=0)
    norms[norms == 0] = 1.0
    arr = arr / norms
    bad, kept = [], []
    for j, name in enumerate(x.columns):
        trial = arr[:, kept + [j]]
        if np.linalg.matrix_rank(trial, tol=tol) < len(kept) + 1:
            bad.append(str(name))
        else:
            kept.append(j)
    return bad


def _fit_absorbed(frame, *, entity, time, outcome, regressors, entity_effects, time_effects, se_type, model_id,
                  constant, min_clusters, sample, weights, absorb, engine="auto") -> ModelResult:
    """OLS with any number of absorbed categorical effects, weighted or not: linearmodels' AbsorbingLS,
    or from FAST_MIN_ROWS rows (or ``engine="fast"``) the fast engine's alternating projections
    (``fast_fe.fit_absorbing``, the same numbers) when there are two or more effects and the
    covariance is not two-way clustered."""
    from linearmodels.iv.absorbing import AbsorbingLS

    if se_type == "driscoll_kraay":
        raise ModelError(f"{model_id}: driscoll_kraay is not available with absorb; use a cluster se_type")
    effects = list(dict.fromkeys([*([entity] if entity_effects else []), *([time] if time_effects else []),
                                  *absorb]))
    data, labels, n_missing = _prepare(frame, entity, time, outcome, regressors, model_id, weights=weights,
                                       absorb=[c for c in absorb if c not in (entity, time)])
    data = data.sort_values([entity, time], kind="stable").reset_index(drop=True)
    ent_codes, n_ent = fast_fe.group_codes(data[entity].to_numpy())
    time_codes, n_time = fast_fe.group_codes(data[time].to_numpy())
    _check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id)
    clusters = _cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters)
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
    if engine == "fast" or (engine == "auto" and fast_ok and len(data) >= FAST_MIN_ROWS):
        return _fit_absorbed_fast(data, spec={"model_id": model_id, "outcome": outcome, "regressors": regressors,
                                              "se_type": se_type, "constant": constant, "weights": weights,
                                              "entity": entity, "time": time, "effects": effects},
                                  ent_codes=ent_codes, n_ent=n_ent, time_codes=time_codes, n_time=n_time,
                                  clusters=clusters, n_missing=n_missing, sample=sample, labels=labels)
    model = AbsorbingLS(data[outcome].astype(float), x, absorb=absorbed,
                        weights=data[weights].astype(float) if weights else None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(cov_type=cov[0], debiased=True, **cov[1])
    except ValueError as err:
        raise ModelError(f"{model_id}: the absorbed effects {effects} leave the regressors collinear or "
                         f"absorbed: {err}") from err
    ci = res.conf_int()
    rows = [{"role": "coef", "term": str(t), "estimate": float(res.params[t]), "std_error": float(res.std_errors[t]),
             "statistic": float(res.tstats[t]), "p_value": float(res.pvalues[t]),
             "ci_low": float(ci.loc[t, "lower"]), "ci_high": float(ci.loc[t, "upper"])} for t in res.params.index]
    levels = {c: int(absorbed[c].cat.categories.size) for c in effects}
    extra = {"cov": _cov_dict(res.params.index, np.asarray(res.cov)), "df_resid": int(res.df_resid),
             "df_model": int(res.df_model), "absorbed": levels, "weights": weights, "debiased": True,
             "engine": "linearmodels AbsorbingLS", "n_entities": n_ent, "n_periods": n_time,
             "r2_inclusive": _float(res.rsquared),
             "small_sample_correction": "n/(n - K - absorbed levels)" + (
                 ", clusters G/(G-1)" if se_type.startswith("cluster") else "")}
    fixed = {c: True for c in effects}   # one indicator row per absorbed column
    result = ModelResult(model_id=model_id, kind="panel_ols", outcome=outcome, estimates=estimate_rows(rows),
                         n_obs=int(res.nobs), se_type="", converged=True, statistic_name="t",
                         r2=_float(res.absorbed_rsquared),   # net of every absorbed effect, as PanelOLS
                         fixed_effects=fixed, extra=extra,
                         notes=[f"absorbed effects: {', '.join(f'{c} ({n} levels)' for c, n in levels.items())}"
                                + (f"; weighted by {weights}" if weights else "")])
    return _finish(result, {"se_type": se_type, "entity": entity, "time": time}, clusters, n_missing, sample,
                   labels, n_time)


def _fit_absorbed_fast(data, *, spec, ent_codes, n_ent, time_codes, n_time, clusters, n_missing, sample,
                       labels) -> ModelResult:
    """The fast engine's absorbed-effects fit (fast_fe.fit_absorbing), reported as _fit_absorbed does."""
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
    rows = _t_rows(fit)
    levels = {c: int(k.max()) + 1 for c, k in zip(effects, codes)}
    extra = {"cov": _cov_dict(fit.names, fit.cov), "df_resid": fit.df_resid, "df_model": fit.df_model,
             "absorbed": levels, "weights": spec["weights"], "debiased": True, "engine": "fast",
             "n_entities": n_ent, "n_periods": n_time,
             "fast": {"demeaning": fit.method, "iterations": fit.iterations, "absorbed_df": fit.extra_df},
             "small_sample_correction": "n/(n - K - absorbed levels)" + (
                 ", clusters G/(G-1)" if se_type.startswith("cluster") else "")}
    result = ModelResult(model_id=spec["model_id"], kind="panel_ols", outcome=spec["outcome"],
                         estimates=estimate_rows(rows), n_obs=fit.nobs, se_type="", converged=fit.converged,
                         statistic_name="t", r2=_float(fit.r2), loglik=_float(fit.loglik),
                         fixed_effects={c: True for c in effects}, extra=extra,
                         notes=[f"absorbed effects: {', '.join(f'{c} ({n} levels)' for c, n in levels.items())}"
                                + (f"; weighted by {spec['weights']}" if spec["weights"] else "")
                                + f"; fast engine ({fit.method}), equal to linearmodels AbsorbingLS to rounding"])
    return _finish(result, {"se_type": se_type, "entity": spec["entity"], "time": spec["time"]}, clusters,
                   n_missing, sample, labels, n_time)


def _result_from_linearmodels(res, spec, options) -> ModelResult:
    ci = res.conf_int()
    rows = [{"role": "coef", "term": str(term), "estimate": float(res.params[term]),
             "std_error": float(res.std_errors[term]), "statistic": float(res.tstats[term]),
             "p_value": float(res.pvalues[term]), "ci_low": float(ci.loc[term, "lower"]),
             "ci_high": float(ci.loc[term, "upper"])} for term in res.params.index]
    extra = {"cov": _cov_dict(res.params.index, np.asarray(res.cov)), "df_resid": int(res.df_resid),
             "df_model": int(res.df_model), "r2_between": _float(res.rsquared_between),
             "r2_overall": _float(res.rsquared_overall), "linearmodels_fit": _jsonable(options),
             "r2_inclusive": _float(getattr(res, "rsquared_inclusive", None)),
             "debiased": True, "s2": float(res.s2)}
    notes = []
    if spec["se_type"] == "driscoll_kraay":
        bw = spec["bandwidth"]
        n_periods = int(np.unique(np.asarray(res.model.dependent.time_ids)).size)
        extra["bandwidth"] = float(bw) if bw is not None else float(np.floor(4 * (n_periods / 100) ** (2 / 9)))
    if spec["estimator"] == "panel_ols" and (spec["entity_effects"] or spec["time_effects"]):
        extra["f_pooled"] = _wald(res.f_pooled)
    if spec["estimator"] == "random_effects":
        vd = res.variance_decomposition
        theta = np.asarray(res.theta).ravel()
        extra["variance_decomposition"] = {str(k): float(v) for k, v in vd.items()}
        extra["theta"] = {"min": float(theta.min()), "max": float(theta.max())}
        notes.append("random entity effects (GLS quasi-demeaning, theta in extra)")
    fixed = {"Entity": bool(spec["entity_effects"]), "Time": bool(spec["time_effects"])}
    return ModelResult(model_id=spec["model_id"], kind=spec["estimator"], outcome=spec["outcome"],
                       estimates=estimate_rows(rows), n_obs=int(res.nobs), se_type="", converged=True,
                       statistic_name="t", loglik=_float(res.loglik), r2=_float(res.rsquared),
                       r2_within=_float(res.rsquared_within), fixed_effects=fixed, notes=notes, extra=extra)


def _wald(test) -> dict:
    """A linearmodels test statistic as a plain dict (None where it is inapplicable)."""
    stat = getattr(test, "stat", None)
    if stat is None or not np.isfinite(stat):
        return {"statistic": None, "p_value": None, "df": None, "df_denom": None}
    return {"statistic": float(stat), "p_value": float(test.pval), "df": int(test.df),
            "df_denom": int(test.df_denom) if getattr(test, "df_denom", None) is not None else None}


# ----------------------------------------------------------------------------------------------
# fast engine
# ----------------------------------------------------------------------------------------------

def _fit_fast(data, spec, ent_codes, n_ent, time_codes, n_time) -> ModelResult:
    """PanelOLS on flat arrays (fast_fe); the same numbers as linearmodels to rounding."""
    if not spec["regressors"] and not spec["constant"]:
        raise ModelError(f"{spec['model_id']}: no regressors (and no constant) to estimate")
    try:
        fit = fast_fe.fit_within(data[spec["outcome"]].to_numpy(dtype=np.float64),
                                 [data[c].to_numpy(dtype=np.float64) for c in spec["regressors"]],
                                 spec["regressors"], ent_codes, time_codes, n_entity=n_ent, n_time=n_time,
                                 entity_effects=spec["entity_effects"], time_effects=spec["time_effects"],
                                 constant=spec["constant"], cov_type=spec["se_type"])
    except fast_fe.FastFEError as err:
        raise ModelError(f"{spec['model_id']}: {err}") from err
    rows = _t_rows(fit)
    extra = {"cov": _cov_dict(fit.names, fit.cov), "df_resid": fit.df_resid, "df_model": fit.df_model,
             "r2_overall": _float(fit.r2_overall), "debiased": True, "s2": float(fit.s2),
             "fast": {"demeaning": fit.method, "iterations": fit.iterations, "effects_in_df": fit.extra_df}}
    fixed = {"Entity": bool(spec["entity_effects"]), "Time": bool(spec["time_effects"])}
    return ModelResult(model_id=spec["model_id"], kind="panel_ols", outcome=spec["outcome"],
                       estimates=estimate_rows(rows), n_obs=fit.nobs, se_type="", converged=fit.converged,
                       statistic_name="t", loglik=_float(fit.loglik), r2=_float(fit.r2),
                       r2_within=_float(fit.r2_within), fixed_effects=fixed, extra=extra,
                       notes=[f"fast engine ({fit.method} demeaning); equal to linearmodels PanelOLS to rounding"])


# ----------------------------------------------------------------------------------------------
# Hausman test
# ----------------------------------------------------------------------------------------------

def hausman(fe_result: ModelResult, re_result: ModelResult, terms: list[str] | None = None,
            sigma: str = "separate") -> dict:
    """Hausman test of fixed vs random effects on their common time-varying coefficients.

    linearmodels provides the FE and RE estimators and their covariances but no Hausman test, so it
    is computed here: H = d' (V_fe - V_re)^-1 d with d = b_fe - b_re, chi2 with df = rank. Under
    H0 (effects uncorrelated with the regressors) RE is efficient and both are consistent; a large
    H says RE is inconsistent. The test assumes RE is efficient, so both fits should use unadjusted
    covariances (the returned dict records the SE types).

    ``sigma="separate"`` uses each fit's own covariance (the textbook form, Stata's default). In
    finite samples V_fe - V_re need not be positive definite - typically when the effects *are*
    correlated, since RE's error variance then absorbs the bias; the Moore-Penrose inverse is used,
    df is its rank and the dict says so (a negative statistic is reported, with p-value 1).
    ``sigma="re"`` rescales V_fe to RE's error variance (Stata's ``sigmamore``), which makes the
    difference positive semi-definite for unadjusted covariances.
    """
    if sigma not in ("separate", "re"):
        raise ModelError(f"hausman: sigma must be 'separate' or 're', got {sigma!r}")
    common = _common_terms(fe_result, re_result, terms)
    b_fe, v_fe = _coef_cov(fe_result, common)
    b_re, v_re = _coef_cov(re_result, common)
    if sigma == "re":
        v_fe = v_fe * _common_sigma_scale(fe_result, re_result)
    diff, v = b_fe - b_re, v_fe - v_re
    v = (v + v.T) / 2
    eig = np.linalg.eigvalsh(v)
    tol = max(abs(eig).max(initial=0.0), 1e-300) * len(eig) * np.finfo(float).eps * 10
    positive_definite = bool(eig.min() > tol)
    if positive_definite:
        statistic, rank, method = float(diff @ np.linalg.solve(v, diff)), len(common), "inverse"
    else:
        statistic = float(diff @ np.linalg.pinv(v, rcond=1e-10, hermitian=True) @ diff)
        rank, method = int((np.abs(eig) > 1e-10 * np.abs(eig).max(initial=0.0)).sum()), "pinv"
    p_value = float(stats.chi2.sf(statistic, rank)) if rank > 0 and statistic >= 0 else 1.0
    note = "" if positive_definite else (
        f"V_fe - V_re is not positive definite (smallest eigenvalue {eig.min():.3g}); "
        f"Moore-Penrose inverse used, df = rank {rank}")
    if statistic < 0:
        note += "; negative statistic: the test's assumptions fail on these data (try sigma='re')"
    return {"statistic": statistic, "df": rank, "p_value": p_value, "terms": common, "method": method,
            "sigma": sigma, "positive_definite": positive_definite, "min_eigenvalue": float(eig.min()),
            "eigenvalues": [float(e) for e in eig], "se_type_fe": fe_result.se_type,
            "se_type_re": re_result.se_type, "note": note.strip("; ")}


def mundlak_test(frame: pd.DataFrame, *, entity: str, outcome: str, regressors: list[str], terms: list[str],
                 model_id: str = "mundlak") -> dict:
    """Regression-based (Mundlak / Wooldridge) test of random against fixed effects.

    Pooled OLS of the outcome on a constant, ``regressors`` (which include ``terms``) and the entity
    means of ``terms``; H0 (RE consistent) is that the means' coefficients are zero. Wald test with
    the cluster-robust covariance (CR1: G/(G-1) (N-1)/(N-K), clusters = entities), F(q, G-1). Valid
    without RE's efficiency assumption, so it is never negative nor built on a near-singular
    V_fe - V_re. A mean column that is collinear with the regressors (or with another mean) has
    no between variation left to test. If none is left, the test is "not informative" and no
    statistic is reported.
    """
    data = frame[[entity, outcome, *dict.fromkeys([*regressors, *terms])]].dropna()
    means = data.groupby(entity)[terms].transform("mean").add_prefix("mean_")
    x = pd.concat([pd.Series(1.0, index=data.index, name="const"), data[list(dict.fromkeys(regressors))], means],
                  axis=1).astype(float)
    dropped = [c for c in collinear_columns(x) if c.startswith("mean_")]
    tested = [c for c in means.columns if c not in dropped]
    out = {"method": "Mundlak regression test, pooled OLS, cluster-robust (CR1) Wald", "terms": list(terms),
           "tested_means": tested, "collinear_means": dropped, "n_clusters": int(data[entity].nunique())}
    if not tested:
        out.update(informative=False, statistic=None, df=0, p_value=None,
                   note="not informative: the entity means of the tested terms are collinear with the regressors, "
                        "so the data hold no between-entity variation in these terms for RE to add (the Mundlak "
                        "difference has no variance); FE and RE use the same within information on them, and "
                        "any gap between their estimates comes from the other terms")
        return out
    x = x.drop(columns=dropped)
    xm, ym = x.to_numpy(), data[outcome].to_numpy(dtype=float)
    xtx_inv = np.linalg.inv(xm.T @ xm)
    beta = xtx_inv @ xm.T @ ym
    resid = ym - xm @ beta
    groups = pd.factorize(data[entity])[0]
    scores = np.zeros((groups.max() + 1, xm.shape[1]))
    np.add.at(scores, groups, xm * resid[:, None])
    n, k, g = xm.shape[0], xm.shape[1], scores.shape[0]
    cov = xtx_inv @ scores.T @ scores @ xtx_inv * g / (g - 1) * (n - 1) / (n - k)
    idx = [list(x.columns).index(c) for c in tested]
    gamma, v = beta[idx], cov[np.ix_(idx, idx)]
    wald = float(gamma @ np.linalg.solve(v, gamma))
    q = len(idx)
    p_value = float(stats.f.sf(wald / q, q, g - 1))
    out.update(informative=True, statistic=wald, df=q, f_statistic=wald / q, df_denom=g - 1, p_value=p_value,
               note="" if not dropped else f"{dropped} collinear with the regressors (no variation to test)")
    return out


def _common_sigma_scale(fe_result, re_result) -> float:
    """s2_re / s2_fe, for unadjusted covariances only (a rescaled sandwich would mean nothing)."""
    for result in (fe_result, re_result):
        if result.extra.get("se_option") != "unadjusted" or "s2" not in result.extra:
            raise ModelError(f"hausman(sigma='re') needs unadjusted fits with extra['s2']; "
                             f"{result.model_id} has {result.se_type!r}")
    return float(re_result.extra["s2"]) / float(fe_result.extra["s2"])


def _common_terms(fe_result, re_result, terms) -> list[str]:
    """Coefficients both fits estimate (the constant aside); the FE fit has only time-varying ones."""
    fe_terms = [t for t in fe_result.estimates.loc[fe_result.estimates["role"] == "coef", "term"] if t != "const"]
    re_terms = set(re_result.estimates.loc[re_result.estimates["role"] == "coef", "term"])
    if terms is not None:
        missing = [t for t in terms if t not in fe_terms or t not in re_terms]
        if missing:
            raise ModelError(f"hausman({fe_result.model_id}, {re_result.model_id}): terms {missing} "
                             "are not estimated by both models")
        return list(terms)
    common = [t for t in fe_terms if t in re_terms]
    if not common:
        raise ModelError(f"hausman({fe_result.model_id}, {re_result.model_id}): no common coefficients")
    return common


def _coef_cov(result: ModelResult, terms) -> tuple[np.ndarray, np.ndarray]:
    cov = result.extra.get("cov")
    if cov is None:
        raise ModelError(f"hausman: {result.model_id} has no covariance matrix in extra['cov']")
    index = {t: i for i, t in enumerate(cov["terms"])}
    sel = [index[t] for t in terms]
    matrix = np.asarray(cov["matrix"], dtype=float)[np.ix_(sel, sel)]
    coefs = result.estimates.set_index("term").loc[terms, "estimate"].to_numpy(dtype=float)
    return coefs, matrix


# ----------------------------------------------------------------------------------------------
# The book's panel models
# ----------------------------------------------------------------------------------------------

def fit_upgrading_governance(build: PanelBuild, *, model_id: str = "upgrading_governance",
                             se_type: str = "cluster_entity",
                             cluster_convention: str = "nested_not_counted") -> dict[str, ModelResult]:
    """Cluster x upgrading-type models: PanelOLS with cluster and type effects on the governance x
    type interactions (SEs clustered by cluster), RandomEffects with CE, sector and type dummies
    plus the interactions, and a Hausman test on the interactions from unadjusted fits (the
    test's own assumption): ``extra["hausman"]`` with RE's error variance in both covariances
    (positive semi-definite by construction), ``extra["hausman_classic"]`` with each fit's own."""
    common = dict(entity=build.entity, time=build.time, outcome=build.outcome, sample=build.sample,
                  time_labels=build.time_labels)
    fe = fit_panel(build.frame, regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                   time_effects=True, se_type=se_type, model_id=f"{model_id}_fe",
                   cluster_convention=cluster_convention, **common)
    re_ = fit_panel(build.frame, regressors=build.regressors["re"], estimator="random_effects",
                    se_type=se_type, model_id=f"{model_id}_re", cluster_convention=cluster_convention, **common)
    fe_u = fit_panel(build.frame, regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                     time_effects=True, se_type="unadjusted", model_id=f"{model_id}_fe_unadjusted", **common)
    re_u = fit_panel(build.frame, regressors=build.regressors["re"], estimator="random_effects",
                     se_type="unadjusted", model_id=f"{model_id}_re_unadjusted", **common)
    test = hausman(fe_u, re_u, terms=build.regressors["interactions"], sigma="re")
    classic = hausman(fe_u, re_u, terms=build.regressors["interactions"], sigma="separate")
    mundlak = mundlak_test(build.frame, entity=build.entity, outcome=build.outcome,
                           regressors=build.regressors["re"], terms=build.regressors["interactions"],
                           model_id=model_id)
    # One printed verdict: the regression-based test (the classic statistics stay in extra, unprinted:
    # on this panel V_fe - V_re is near-singular and the two classic forms contradict each other).
    if mundlak["informative"]:
        summary = (f"FE vs RE, Mundlak test on {', '.join(mundlak['terms'])} (cluster-robust Wald): "
                   f"F({mundlak['df']}, {mundlak['df_denom']}) = {mundlak['f_statistic']:.3f}, "
                   f"p = {mundlak['p_value']:.4f}")
    else:
        summary = f"FE vs RE on {', '.join(mundlak['terms'])}: Hausman/Mundlak test {mundlak['note']}"
    for result in (fe, re_):
        result.extra["hausman"] = mundlak
        result.extra["hausman_classic"] = {"sigma_re": test, "separate": classic,
                                           "printed": False, "why": "superseded by the Mundlak test"}
        result.notes.append(summary)
        result.extra["build_counts"] = dict(build.counts)
        result.notes.extend(build.notes)
    fe.fixed_effects = {"Cluster": True, "Type": True}
    re_.fixed_effects = {"Cluster": False, "Type": True}  # type effects as dummies; cluster effects random
    re_.notes.append("type effects enter as dummies; cluster effects are random")
    return {"fe": fe, "re": re_}


def fit_trade_share_change(build: PanelBuild, *, model_id: str = "trade_share_change",
                           se_type: str = "robust") -> ModelResult:
    """dlog market share on dlog unit value with product effects (a first-difference cross-section).

    Robust SEs by default: with a handful of products, clustering by product has too few clusters.
    """
    result = fit_panel(build.frame, entity=build.entity, time=build.time, outcome=build.outcome,
                       regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                       se_type=se_type, model_id=model_id, sample=build.sample, time_labels=build.time_labels)
    result.fixed_effects = {"Product": True}
    result.extra["interpretation"] = "descriptive"
    result.notes.append("descriptive association, not a causal effect: share and unit value come from the same "
                        "trade flows, so part of the relation is mechanical")
    result.extra["build_counts"] = dict(build.counts)
    result.notes.extend(build.notes)
    return result


def fit_us_furniture_imports(build: PanelBuild, *, model_id: str = "us_furniture_imports",
                             se_type: str = "cluster_entity") -> ModelResult:
    """Origin x year log imports with origin and year effects and the group x last-year term."""
    result = fit_panel(build.frame, entity=build.entity, time=build.time, outcome=build.outcome,
                       regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                       time_effects=True, se_type=se_type, model_id=model_id, sample=build.sample)
    result.fixed_effects = {"Origin": True, "Year": True}
    result.extra["interpretation"] = "descriptive"
    result.notes.append("descriptive: few observations for its parameters, on a top-10 sample selected on the outcome")
    result.extra["build_counts"] = dict(build.counts)
    result.extra.update(build.facts)
    result.notes.extend(build.notes)
    return result


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def _cov_dict(terms, matrix) -> dict:
    return {"terms": [str(t) for t in terms], "matrix": [[float(v) for v in row] for row in np.asarray(matrix)]}


def _float(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _jsonable(options: dict) -> dict:
    return {k: (v if isinstance(v, (bool, int, float, str)) else str(v)) for k, v in options.items()}


def _t_rows(fit) -> list[dict]:
    """Coefficient rows of a fast-engine fit: t statistics, p-values and 95% CIs on its residual df."""
    se = fit.std_errors
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = fit.params / se
    pval = 2 * stats.t.sf(np.abs(tstat), fit.df_resid)
    low, high = confidence_interval(fit.params, se, df=fit.df_resid)
    return [{"role": "coef", "term": name, "estimate": float(b), "std_error": float(s), "statistic": float(t),
             "p_value": float(p), "ci_low": float(lo), "ci_high": float(hi)}
            for name, b, s, t, p, lo, hi in zip(fit.names, fit.params, se, tstat, pval, low, high)]
