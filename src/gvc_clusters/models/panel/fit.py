"""Linear panel models (PanelOLS, RandomEffects, PooledOLS) returning the neutral ``ModelResult``.

``fit_panel`` takes any long table - the book's cluster x upgrading-type panel or a user's annual
HS-6 bilateral trade - names its entity, time, outcome and regressor columns, and maps a plain
``se_type`` onto linearmodels' covariance options (the table ``SE_TYPES`` in models/panel/covariance.py:
unadjusted, robust, cluster_entity, cluster_time, cluster_twoway, driscoll_kraay = Bartlett kernel).

linearmodels' defaults are kept (``debiased=True``: t and F inference, covariance scaled by
n / (n - k - effects); ``auto_df=True``; no g/(g-1) cluster factor), so the numbers are
linearmodels' own. ``engine="fast"`` computes the same PanelOLS estimates on flat arrays
(``gvc_clusters.models.panel.fit.fast_fe``) for tables of millions of rows; ``"auto"`` uses it from
``FAST_MIN_ROWS`` rows when the model is one it covers (the default: below that size, and for
models it does not cover, linearmodels fits).

Problems a user can fix raise ``ModelError`` naming the spec: a regressor not in the data,
regressors the effects absorb or that are collinear, too few clusters, duplicate entity-time keys.

Beside this module (models/panel/, the seams of linearmodels' own panel package): the long table
(data.py), the covariances with their one SE-type table and small-sample conventions (covariance.py),
absorbed effects (absorbing.py), what every engine reports alike (results.py), the fast engine
(fast_fe.py) and the FE-vs-RE tests (fe_vs_re.py); the book's own panels are models/book_panels.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import finite_or_none
from gvc_clusters.models.options import ClusterConvention, PanelEngine, PanelEstimator, PanelSEType, check_choice
from gvc_clusters.models.panel import fast_fe
from gvc_clusters.models.panel.absorbing import absorbed_names, fit_absorbed
from gvc_clusters.models.panel.covariance import (
    SE_TYPES,
    apply_cluster_convention,
    convention_ses,
    cov_dict,
    jsonable,
    linearmodels_options,
)
from gvc_clusters.models.panel.data import entity_key, panel_sample
from gvc_clusters.models.panel.results import finish_result, t_rows
from gvc_clusters.models.rank import collinear_columns
from gvc_clusters.results import ModelResult, estimate_rows

FAST_MIN_ROWS = 1_000_000   # engine="auto" fits with the fast engine from this many rows


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
    ``cluster_convention`` (se_type cluster_entity, linearmodels engine): see models/panel/covariance.py
    (which convention reproduces Stata, which R plm).

    ``entity`` may be several columns (``["country", "product"]``): their combinations are the
    entities, named "country*product". ``weights``: a column of positive weights (weighted least
    squares; linearmodels engine). ``absorb``: further columns whose effects are absorbed beside the
    entity and time effects (e.g. exporter, product, year on an exporter x product panel), fitted
    by linearmodels' AbsorbingLS (pyhdfe's alternating projections), any number of them.
    """
    regressors = list(regressors)
    absorb = list(absorb)
    _check_options(model_id, estimator, se_type, engine, entity_effects, time_effects)
    frame, entity = entity_key(frame, entity, model_id)
    if absorb or weights:
        if estimator != "panel_ols" and absorb:
            raise ModelError(f"{model_id}: absorbed effects need estimator='panel_ols', got {estimator!r}")
        if engine == "fast" and not absorb:
            raise ModelError(f"{model_id}: the fast engine covers weights only with absorb (any number of "
                             "absorbed effects); use engine='linearmodels' (or auto)")
    if absorb:
        return fit_absorbed(frame, entity=entity, time=time, outcome=outcome, regressors=regressors,
                            entity_effects=entity_effects, time_effects=time_effects, se_type=se_type,
                            model_id=model_id, constant=constant, min_clusters=min_clusters, sample=sample,
                            weights=weights, absorb=absorb, engine=engine, fast_from=FAST_MIN_ROWS)
    sample_ = panel_sample(frame, entity=entity, time=time, outcome=outcome, regressors=regressors,
                           model_id=model_id, se_type=se_type, min_clusters=min_clusters, weights=weights)
    data, n_ent, n_time = sample_.data, sample_.n_ent, sample_.n_time
    use_fast = _use_fast(engine, estimator, se_type, len(data), model_id) and weights is None
    check_choice(model_id, "cluster_convention", cluster_convention, ClusterConvention)
    spec = {"model_id": model_id, "estimator": estimator, "outcome": outcome, "regressors": regressors,
            "entity": entity, "time": time, "entity_effects": entity_effects, "time_effects": time_effects,
            "se_type": se_type, "constant": constant, "bandwidth": bandwidth,
            "cluster_convention": cluster_convention, "n_entities": n_ent, "n_periods": n_time, "weights": weights}
    if use_fast:
        result = _fit_fast(data, spec, sample_.ent_codes, n_ent, sample_.time_codes, n_time)
    else:
        result = _fit_linearmodels(data, spec)
    result.extra.update({"n_entities": n_ent, "n_periods": n_time, "engine": "fast" if use_fast else "linearmodels"})
    if weights:
        result.extra["weights"] = weights
        result.notes.append(f"weighted least squares, weights {weights}")
    return finish_result(result, spec, sample_.clusters, sample_.n_missing, sample, time_labels or sample_.labels,
                         n_time)


def _check_options(model_id, estimator, se_type, engine, entity_effects, time_effects) -> None:
    """Reject unknown names and effects the estimator does not have, before touching the data."""
    for value, option, what in ((estimator, PanelEstimator, "estimator"), (se_type, PanelSEType, "se_type"),
                                (engine, PanelEngine, "engine")):
        check_choice(model_id, what, value, option)
    if estimator != "panel_ols" and (entity_effects or time_effects):
        raise ModelError(f"{model_id}: fixed effects need estimator='panel_ols' ({estimator} has none; "
                         "add dummy regressors for time effects)")



def _use_fast(engine, estimator, se_type, n_rows, model_id) -> bool:
    supported = estimator == "panel_ols" and SE_TYPES[se_type].fast
    if engine == "fast" and not supported:
        covered = ", ".join(name for name, cov in SE_TYPES.items() if cov.fast)
        raise ModelError(f"{model_id}: the fast engine covers panel_ols with {covered}; "
                         f"got {estimator} with {se_type} (use engine='linearmodels')")
    return engine == "fast" or (engine == "auto" and supported and n_rows >= FAST_MIN_ROWS)



# ----------------------------------------------------------------------------------------------
# linearmodels engine
# ----------------------------------------------------------------------------------------------

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
    options = linearmodels_options(spec["se_type"], spec["bandwidth"])
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
                         f"{absorbed_names(str(err))}") from err
    except ValueError as err:
        raise _explain_value_error(err, x, spec) from err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # sqrt of a negative variance -> NaN
        result = _result_from_linearmodels(res, spec, options)
        if SE_TYPES[spec["se_type"]].clusters == ("entity",):
            crv0 = model.fit(cov_type="clustered", cluster_entity=True, debiased=False, group_debias=False,
                             **({"auto_df": False, "count_effects": False} if spec["estimator"] == "panel_ols"
                                else {}))
            # every convention's SEs, for the report's robustness section (one CR0 matrix, three factors)
            result.extra["cluster_conventions"] = convention_ses(result, np.asarray(crv0.cov), spec)
            if spec["cluster_convention"] != "linearmodels":
                apply_cluster_convention(result, np.asarray(crv0.cov), spec)
        return result



def _explain_value_error(err: ValueError, x: pd.DataFrame, spec) -> ModelError:
    """Turn linearmodels' rank and degrees-of-freedom errors into messages naming the spec."""
    text = str(err)
    bad = collinear_columns(x) if "rank" in text.lower() else []
    if bad:
        return ModelError(f"{spec['model_id']}: regressors are collinear (each listed one is a linear "
                          f"combination of the regressors before it): {', '.join(bad)}")
    return ModelError(f"{spec['model_id']}: linearmodels could not fit the model: {text}")


def _result_from_linearmodels(res, spec, options) -> ModelResult:
    ci = res.conf_int()
    rows = [{"role": "coef", "term": str(term), "estimate": float(res.params[term]),
             "std_error": float(res.std_errors[term]), "statistic": float(res.tstats[term]),
             "p_value": float(res.pvalues[term]), "ci_low": float(ci.loc[term, "lower"]),
             "ci_high": float(ci.loc[term, "upper"])} for term in res.params.index]
    extra = {"cov": cov_dict(res.params.index, np.asarray(res.cov)), "df_resid": int(res.df_resid),
             "df_model": int(res.df_model), "r2_between": finite_or_none(res.rsquared_between),
             "r2_overall": finite_or_none(res.rsquared_overall), "linearmodels_fit": jsonable(options),
             "r2_inclusive": finite_or_none(getattr(res, "rsquared_inclusive", None)),
             "debiased": True, "s2": float(res.s2)}
    extra["estimator"] = LINEARMODELS_ESTIMATORS[spec["estimator"]]
    extra["r2_within_stata"] = _stata_within_r2(res, spec)
    notes = []
    if options["cov_type"] == "kernel":
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
                       statistic_name="t", loglik=finite_or_none(res.loglik), r2=finite_or_none(res.rsquared),
                       r2_within=finite_or_none(res.rsquared_within), fixed_effects=fixed, notes=notes, extra=extra)


LINEARMODELS_ESTIMATORS = {"panel_ols": "PanelOLS", "random_effects": "RandomEffects", "pooled_ols": "PooledOLS"}


def _stata_within_r2(res, spec) -> float | None:
    """The within R² as Stata's xtreg reports it, with the model's time (type, year) effects counted.

    Fixed effects (``xtreg y x i.t, fe``): 1 - SSR/TSS of the entity-demeaned data, the time effects
    regressors of the demeaned regression: by Frisch-Waugh-Lovell its residuals are the two-way
    fit's, so it is 1 - SSR / sum (y - ybar_i)^2. (linearmodels' ``rsquared_within`` predicts the
    demeaned data by the slopes alone and leaves the time effects out; ``rsquared`` nets them out of
    the total too.) Random effects (``xtreg, re``): the squared correlation of the entity-demeaned
    outcome and prediction, the dummies among the regressors included (linearmodels'
    ``corr_squared_within``). None where Stata prints no within R² of that meaning (pooled OLS,
    PanelOLS without entity effects) and for weighted fits (xtreg takes only weights constant within
    an entity)."""
    if spec.get("weights"):
        return None
    if spec["estimator"] == "random_effects":
        return finite_or_none(res.corr_squared_within)
    if spec["estimator"] != "panel_ols" or not spec["entity_effects"]:
        return None
    demeaned = np.asarray(res.model.dependent.demean("entity", return_panel=False), dtype=float).ravel()
    return within_r2(float(res.resid_ss), float(demeaned @ demeaned))


def within_r2(resid_ss: float, within_tss: float) -> float | None:
    """1 - SSR / TSS of the entity-demeaned outcome (None when the outcome has no within variation)."""
    return finite_or_none(1.0 - resid_ss / within_tss) if within_tss > 0 else None


def entity_within_tss(y: np.ndarray, entity_codes: np.ndarray, n_entities: int) -> float:
    """sum (y - ybar_i)^2: the total sum of squares of the entity-demeaned outcome."""
    y = np.asarray(y, dtype=np.float64)
    counts = np.bincount(entity_codes, minlength=n_entities)
    means = np.bincount(entity_codes, weights=y, minlength=n_entities) / np.maximum(counts, 1)
    deviation = y - means[entity_codes]
    return float(deviation @ deviation)


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
    rows = t_rows(fit)
    extra = {"cov": cov_dict(fit.names, fit.cov), "df_resid": fit.df_resid, "df_model": fit.df_model,
             "r2_overall": finite_or_none(fit.r2_overall), "debiased": True, "s2": float(fit.s2),
             "estimator": "PanelOLS (fast engine)",
             "r2_within_stata": within_r2(fit.resid_ss, entity_within_tss(
                 data[spec["outcome"]].to_numpy(dtype=np.float64), ent_codes, n_ent))
             if spec["entity_effects"] else None,
             "fast": {"demeaning": fit.method, "iterations": fit.iterations, "effects_in_df": fit.extra_df}}
    fixed = {"Entity": bool(spec["entity_effects"]), "Time": bool(spec["time_effects"])}
    return ModelResult(model_id=spec["model_id"], kind="panel_ols", outcome=spec["outcome"],
                       estimates=estimate_rows(rows), n_obs=fit.nobs, se_type="", converged=fit.converged,
                       statistic_name="t", loglik=finite_or_none(fit.loglik), r2=finite_or_none(fit.r2),
                       r2_within=finite_or_none(fit.r2_within), fixed_effects=fixed, extra=extra,
                       notes=[f"fast engine ({fit.method} demeaning); equal to linearmodels PanelOLS to rounding"])
