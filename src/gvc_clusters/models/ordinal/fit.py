"""Ordered probit / ordered logit: ``fit_ordered``, returning the neutral ``ModelResult``.

The model (links, statsmodels' cutpoint parameterisation, analytic derivatives, one statsmodels
fit) is in models/ordinal_likelihood.py; the input checks in models/ordinal_inputs.py; the
separation checks in models/separation.py; the effects in models/effects.py; the randomization
inference in models/randomization.py and the profile-likelihood CIs in models/batch.py. This module
puts them together in the order of a fit: check the options and inputs, check separation, fit,
build the estimate rows, then the notes and the model-level facts.

What ``fit_ordered`` reports (rows of ``ModelResult.estimates``):

    coef       b, with z statistics, p-values, CIs and, for ``permutation_terms``, a
               randomization-inference p-value
    cutpoint   the real cutpoints a_m, term "lo/hi" (the two category labels it separates),
               delta-method SEs from the covariance of (b, t)
    ame        average marginal effect of each regressor on P(y = c), one row per category c,
               delta-method SEs with an analytic Jacobian: a discrete change for a 0/1 regressor,
               a contrast with the reference for a level of a declared categorical (the other
               levels off), a derivative otherwise; a regressor in a declared interaction moves its product
               columns and also gets effects conditional on each group of a binary moderator
               (terms "v | m=0", "v | m=1"); product columns get none (models/effects.py)

and model-level facts: N, log-likelihoods, McFadden pseudo-R2, the LR test against the
thresholds-only model, convergence, SE type. Separation (a regressor, or a combination, that
orders the outcome perfectly so that the MLE does not exist) is checked on the data before fitting
and reported in ``extra["separation"]`` and ``notes``.

Problems a user can fix raise ``ModelError`` naming the model: fewer than two outcome categories,
missing values, a constant or collinear regressor, non-convergence not explained by separation.
Nelder-Mead is never used (only Newton, and BFGS with the analytic gradient).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from gvc_clusters.errors import ModelError
from gvc_clusters.models.inference import confidence_interval, few_clusters, finite_or_none, two_sided_p_value
from gvc_clusters.models.options import LinkName, OnSeparation, OptimizerMethod, OrdinalCovType, check_choice
from gvc_clusters.models.ordinal import batch
from gvc_clusters.models.ordinal.effects import Design, build_design, effect_definitions, marginal_effects
from gvc_clusters.models.ordinal.inputs import code_clusters, outcome_codes, regressor_frame
from gvc_clusters.models.ordinal.likelihood import (
    LINKS,
    AnalyticOrderedModel,
    FitOutcome,
    build_model,
    cutpoints_and_jacobian,
    fit_model,
)
from gvc_clusters.models.ordinal.randomization import permutation_pvalues, permutation_summary
from gvc_clusters.models.ordinal.separation import (
    SEPARATION_AUTO_MAX_ROWS,
    blank_diverging,
    exploded_estimates,
    separation_findings,
    separation_text,
)
from gvc_clusters.results import ModelResult, estimate_rows

__all__ = ["fit_ordered"]

SMALL_SAMPLE = {"nonrobust": "none (inverse observed information)", "HC0": "none (HC0)",
                "HC1": "n/(n-K), K = coefficients and cutpoints", "cluster": "G/(G-1) (N-1)/(N-K)"}


def fit_ordered(y, X, *, model_id: str, outcome: str | None = None, distr: LinkName = "probit",
                cov_type: OrdinalCovType = "nonrobust", groups=None, method: OptimizerMethod = "newton",
                maxiter: int | None = None, permutation_terms: Sequence[str] = (), n_permutations: int = 0,
                seed: int = 0, on_separation: OnSeparation = "report", check_separation: bool | None = None,
                alpha: float = 0.05, interactions: Sequence[Sequence[str]] = (),
                permutation_strata=None, profile: bool = False, design: Design | None = None,
                categoricals: Mapping[str, Mapping] | None = None) -> ModelResult:
    """Fit an ordered probit (``distr="probit"``) or logit and return a ``ModelResult``.

    ``y``: ordered outcome (numeric: its distinct values are the ordered categories; or an ordered
    Categorical). ``X``: DataFrame of regressors without a constant. ``cov_type``: "nonrobust"
    (inverse Hessian), "HC0" (sandwich), "HC1" (HC0 times n / (n - K), K counting cutpoints), or
    "cluster" (CRV1 by ``groups``, statsmodels' small-sample factor G/(G-1) (N-1)/(N-K), K counting
    cutpoints too). ``method``: "newton" (default) or "bfgs", both with analytic derivatives.
    ``permutation_terms``: coefficients to give a randomization-inference p-value from
    ``n_permutations`` permutations drawn with ``numpy.random.default_rng(seed)``: each permutes one
    variable (within ``permutation_strata`` if given), rebuilds its interactions and refits in one
    batch (models/randomization.py). ``interactions``: lists of regressor names whose product enters
    the model (column "a:b"); effects then move the product with its components. ``profile``: add
    profile-likelihood CIs of every coefficient to ``extra["profile_ci"]``. ``design``: a formula's
    Design (models/formula.py); ``X`` then holds its base variables (categorical dummies included)
    and ``interactions`` is ignored. ``categoricals``: dummies of ``X`` that are the levels of one
    categorical (``{sector: {levels: [...], reference: "traditional manufacturing"}}``): each level's
    effect is its contrast with the reference, the other levels off (models/ordinal/effects.py),
    and a permutation term naming the categorical or one of its levels permutes all its levels.

    Separation is checked before fitting when ``check_separation`` is True (default: when N <=
    SEPARATION_AUTO_MAX_ROWS). If the MLE does not exist, ``on_separation="raise"`` raises;
    ``"report"`` (default) fits anyway and returns the estimates where the optimiser stopped, with
    ``converged`` as the optimiser says, the finding in ``extra["separation"]`` and a note; the
    inference (SE, z, p, CI) of the diverging rows is left empty. Non-convergence that separation
    does not explain raises ``ModelError``.
    """
    for name, value, option in (("distr", distr, LinkName), ("cov_type", cov_type, OrdinalCovType),
                                 ("method", method, OptimizerMethod), ("on_separation", on_separation, OnSeparation)):
        check_choice(model_id, name, value, option)
    outcome = outcome or (str(y.name) if isinstance(y, pd.Series) and y.name is not None else "y")
    data = _inputs(y, X, model_id, interactions, design, categoricals)
    codes, labels, notes, frame, design = data.codes, data.labels, data.notes, data.frame, data.design
    n, p, k = len(codes), frame.shape[1], len(labels) - 1
    cluster_codes, se_type, n_clusters = None, _se_label(cov_type), None
    if cov_type == "cluster":
        cluster_codes, cluster_name, n_clusters = code_clusters(groups, n, model_id)
        se_type = f"clustered by {cluster_name}, {n_clusters} clusters"

    separation = _separation(data, check_separation, notes)
    diverges = [f for f in separation if f["scope"] == "model"]
    if diverges and on_separation == "raise":
        raise ModelError(f"{model_id}: {separation_text(diverges[0])}; the MLE does not exist")

    model = build_model(codes, labels, frame, distr, outcome)
    fit = _fit_or_raise(model, model_id, distr, method, maxiter, cov_type, cluster_codes, diverges)
    res = fit.res
    params = np.asarray(res.params, dtype=float)
    cov = _covariance(res, cov_type, n, p + k)
    rows, cov_real = _estimate_rows(model, params, cov, labels, alpha, design, data.base_frame.to_numpy())
    separation += exploded_estimates(list(frame.columns), params[:p], np.sqrt(np.diag(cov))[:p],
                                     frame.to_numpy(), model.link)
    notes += _separation_notes(rows, separation, diverges, fit.problem)
    if n_clusters is not None and few_clusters(n_clusters):
        notes.append(f"cluster-robust SEs rest on only {n_clusters} clusters")

    extra = _extra(model, fit, params, data, rows, cov_real, separation, distr, method, cov_type)
    if not diverges:
        extra["se_conventions"] = se_conventions(codes, len(labels), frame, params, distr)
    if permutation_terms and n_permutations > 0:
        perm = permutation_pvalues(codes, data.base_frame, permutation_terms, n_permutations=n_permutations,
                                   seed=seed, distr=distr, model_id=model_id, interactions=interactions,
                                   strata=permutation_strata,
                                   design_override=design if design.factors or design.hidden else None)
        _add_permutation_pvalues(rows, perm, design)
        extra["permutation"] = permutation_summary(perm, n_permutations, seed, permutation_strata)
    if profile and not diverges:
        extra["profile_ci"] = _profile_intervals(model, params, codes, len(labels), frame, cov_real, alpha)

    llf, llnull = float(res.llf), float(res.llnull)
    lr = 2.0 * (llf - llnull)
    return ModelResult(
        model_id=model_id, kind=f"ordered_{distr}", outcome=outcome, estimates=estimate_rows(rows),
        n_obs=int(n), se_type=se_type, converged=bool(fit.converged), statistic_name="z",
        n_clusters=n_clusters, loglik=llf, loglik_null=llnull, pseudo_r2=1.0 - llf / llnull,
        lr_test={"statistic": lr, "df": int(p), "p_value": float(stats.chi2.sf(lr, p))},
        notes=notes, extra=extra)


# ----------------------------------------------------------------------------------------------
# The steps of fit_ordered
# ----------------------------------------------------------------------------------------------

@dataclass
class _Inputs:
    """An ordered model's checked inputs: outcome codes and labels, the regressors before and after
    the declared products (``base_frame``, ``frame``), their Design, and notes on the coding."""
    codes: np.ndarray
    labels: list[str]
    notes: list[str]
    base_frame: pd.DataFrame
    frame: pd.DataFrame
    design: Design


def _inputs(y, X, model_id: str, interactions, design: Design | None, categoricals=None) -> _Inputs:
    """Code the outcome, check the regressors (with their products) and the sample size."""
    codes, labels, notes = outcome_codes(y, model_id)
    if design is None:
        base_frame = regressor_frame(X, model_id)
        frame, design = build_design(base_frame, interactions, model_id, categoricals)
        if design.products:
            frame = regressor_frame(frame, model_id)
    else:
        base_frame = X[design.variables].astype(float)
        frame = regressor_frame(pd.DataFrame(design.matrix(base_frame.to_numpy()), columns=design.columns,
                                             index=base_frame.index), model_id)
    n, p, k = len(codes), frame.shape[1], len(labels) - 1
    if frame.shape[0] != n:
        raise ModelError(f"{model_id}: {n} outcome values but {frame.shape[0]} regressor rows")
    if isinstance(y, pd.Series) and isinstance(X, pd.DataFrame) and not y.index.equals(X.index):
        raise ModelError(f"{model_id}: the outcome and the regressors have different indexes")
    if n <= p + k:
        raise ModelError(f"{model_id}: {n} observations for {p + k} parameters")
    return _Inputs(codes, labels, notes, base_frame, frame, design)


def _separation(data: _Inputs, check_separation: bool | None, notes: list[str]) -> list[dict]:
    """The separation findings on the data, or a note that they were not checked (large N)."""
    n = len(data.codes)
    if check_separation or (check_separation is None and n <= SEPARATION_AUTO_MAX_ROWS):
        return separation_findings(data.codes, data.labels, data.frame.to_numpy(), list(data.frame.columns))
    notes.append(f"separation not checked (N = {n} > {SEPARATION_AUTO_MAX_ROWS}; pass check_separation=True)")
    return []


def _fit_or_raise(model: AnalyticOrderedModel, model_id, distr, method, maxiter, cov_type, cluster_codes,
                  diverges: list[dict]) -> FitOutcome:
    """The fit; non-convergence raises unless separation explains it (and the optimiser has estimates)."""
    fit = fit_model(model, method=method, maxiter=maxiter, cov_type=cov_type, cluster_codes=cluster_codes)
    if not fit.converged and not (diverges and fit.res is not None):
        hint = f" ({separation_text(diverges[0])})" if diverges else (
            "; try method='bfgs'" if method == "newton" else "")
        raise ModelError(f"{model_id}: ordered {distr} did not converge: {fit.problem}{hint}")
    return fit


def _covariance(res, cov_type: str, n: int, n_params: int) -> np.ndarray:
    """Covariance of (b, t) as fitted (NaN without one); HC1 scales statsmodels' HC0 by n/(n-K)."""
    cov = np.asarray(res.cov_params(), dtype=float) if res.normalized_cov_params is not None \
        else np.full((n_params, n_params), np.nan)
    if cov_type == "HC1":
        cov = cov * n / (n - n_params)
    return cov


def _separation_notes(rows: list[dict], separation: list[dict], diverges: list[dict], problem: str) -> list[str]:
    """Notes on diverging estimates (whose inference ``blank_diverging`` empties), exploded ones and
    single-regressor splits."""
    notes = []
    if diverges:
        blanked = blank_diverging(rows, diverges[0])
        notes.append(f"{separation_text(diverges[0])}: the MLE does not exist; estimates are where the "
                     f"optimiser stopped ({problem or 'converged'}); SEs, z, p-values and CIs of "
                     f"{blanked} are left empty (the curvature there says nothing about uncertainty)")
    exploded = [f["term"] for f in separation if f["scope"] == "estimate"]
    if exploded and not diverges:
        notes.append(f"very large coefficients or SEs for {exploded} (possible near-separation)")
    splits = [f for f in separation if f["scope"] == "split"]
    if splits:
        notes.append("binary splits of the outcome separated by a single regressor: "
                     + "; ".join(f"{f['term']} at {f['split']} ({f['type']})" for f in splits))
    return notes


def _extra(model, fit: FitOutcome, params, data: _Inputs, rows, cov_real, separation, distr, method,
           cov_type) -> dict:
    """The model-level facts of ``ModelResult.extra`` (before permutation and profile results)."""
    res, frame, design = fit.res, data.frame, data.design
    extra = {"distr": distr, "method": method, "iterations": _int(res.mle_retvals.get("iterations")),
             "gradient_calls": _int(res.mle_retvals.get("gcalls")),
             "optimizer_problem": fit.problem,
             "max_abs_score": float(np.max(np.abs(model.score(params)))),
             "category_counts": {lab: int(c) for lab, c in zip(data.labels, np.bincount(data.codes,
                                                                                         minlength=len(data.labels)))},
             "params_statsmodels": {str(nm): float(v) for nm, v in zip(res.model.exog_names, params)},
             "cutpoint_parameterisation": "a_0 = t_0, a_m = a_{m-1} + exp(t_m); SEs by the delta method",
             "ame": effect_definitions(design),
             "interactions": {name: list(comps) for name, comps in design.products.items()},
             "cov": {"terms": list(frame.columns) + [r["term"] for r in rows if r["role"] == "cutpoint"],
                     "matrix": [[float(v) for v in row] for row in cov_real]},
             "separation": separation}
    extra["small_sample_correction"] = SMALL_SAMPLE[cov_type]
    if cov_type == "cluster":
        extra["cluster_correction"] = "CRV1, G/(G-1) (N-1)/(N-K), K = all parameters (statsmodels default)"
    return extra


def _add_permutation_pvalues(rows: list[dict], perm: dict[str, dict], design: Design) -> None:
    """Each coefficient row gets its variable's permutation p-value (a categorical's dummies share
    the joint test of the categorical)."""
    for row in rows:
        tested = row["term"] if row["term"] in perm else design.factor_of(row["term"])
        if row["role"] == "coef" and tested in perm:
            row["p_value_permutation"] = perm[tested]["p_value"]


def _profile_intervals(model, params, codes, n_cat, frame, cov_real, alpha) -> dict:
    """Profile-likelihood CIs of every coefficient (R's confint on polr), on the real scale."""
    p = frame.shape[1]
    cut, _ = cutpoints_and_jacobian(params[p:])
    theta = np.concatenate((params[:p], cut))
    values = frame.to_numpy(dtype=float)
    out = {}
    for j, name in enumerate(frame.columns):
        lo, hi = batch.profile_interval(model.link, codes, n_cat, values, theta, math.sqrt(cov_real[j, j]), j,
                                        alpha=alpha)
        out[str(name)] = [finite_or_none(lo), finite_or_none(hi)]
    return out


# ----------------------------------------------------------------------------------------------
# Estimate rows
# ----------------------------------------------------------------------------------------------

def _estimate_rows(model, params, cov, labels, alpha, design: Design | None = None,
                   base: np.ndarray | None = None) -> tuple[list[dict], np.ndarray]:
    """coef, cutpoint and AME rows; the covariance of (b, a) on the real cutpoint scale.

    Delta method throughout: for g(theta), Cov(g) = G Cov(theta) G' with G = dg/dtheta.
    """
    p, k = model.k_vars, model.k_levels - 1
    names = list(model.exog_names[:p])
    cut, jac_t = cutpoints_and_jacobian(params[p:])
    to_real = np.eye(p + k)
    to_real[p:, p:] = jac_t
    cov_real = to_real @ cov @ to_real.T
    se_real = np.sqrt(np.diag(cov_real))
    rows = [_row("coef", nm, "", params[j], se_real[j], alpha) for j, nm in enumerate(names)]
    rows += [_row("cutpoint", f"{labels[m]}/{labels[m + 1]}", "", cut[m], se_real[p + m], alpha)
             for m in range(k)]
    if design is None:
        design = Design(variables=names, binary={nm: False for nm in names})
        base = np.asarray(model.exog, dtype=float)
    for eff in marginal_effects(model.link, design, base, params[:p], cut):
        jac = eff["jac"]
        jac_bt = np.hstack((jac[:, :p], jac[:, p:] @ jac_t))
        se = np.sqrt(np.diag(jac_bt @ cov @ jac_bt.T))
        rows += [_row("ame", eff["term"], labels[c], eff["effect"][c], se[c], alpha) for c in range(k + 1)]
    return rows, cov_real


def _row(role, term, category, estimate, se, alpha) -> dict:
    """One estimate row with z inference: z = estimate / se, normal p-value and CI."""
    estimate, se = float(estimate), float(se)
    z = estimate / se if se > 0 else math.nan
    low, high = confidence_interval(estimate, se, alpha)
    return {"role": role, "term": term, "category": category, "estimate": estimate, "std_error": se,
            "statistic": z, "p_value": float(two_sided_p_value(z)) if np.isfinite(z) else math.nan,
            "ci_low": low, "ci_high": high, "p_value_permutation": math.nan}


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

def se_conventions(codes: np.ndarray, n_cat: int, frame: pd.DataFrame, params: np.ndarray, distr: str
                   ) -> dict[str, dict[str, float]]:
    """The coefficients' SEs under each covariance an ordered model offers without clusters (model-based,
    HC0, HC1; the batched fit's covariances, equal to ``fit_ordered``'s): what the report's robustness
    section compares, whichever one the spec chose. Cheap: one Hessian and one score matrix."""
    p = frame.shape[1]
    alpha, _ = cutpoints_and_jacobian(params[p:])
    theta = np.concatenate([params[:p], alpha])[None, :]
    design = frame.to_numpy(dtype=float)[None]
    out = {}
    for kind in ("model_based", "hc0", "hc1"):
        cov = batch.batch_covariance(LINKS[distr], codes, n_cat, design, theta, kind)[0]
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(cov))[:p]
        out[kind] = {str(c): finite_or_none(s) for c, s in zip(frame.columns, se)}
    return out


def _se_label(cov_type: str) -> str:
    return {"nonrobust": "model-based (inverse observed information)", "HC0": "robust (HC0)",
            "HC1": "robust (HC1, n/(n-K))"}.get(cov_type, cov_type)


def _int(value) -> int | None:
    return None if value is None else int(value)
