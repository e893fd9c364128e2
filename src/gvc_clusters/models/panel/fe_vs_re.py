"""Fixed against random effects: the Hausman test and the regression-based (Mundlak) test.

linearmodels fits both estimators but has no test between them. ``hausman`` compares two fits'
common coefficients and covariances (in its textbook form or with RE's error variance in both,
Stata's ``sigmamore``); ``mundlak_test`` is the cluster-robust Wald test on the entity means, valid
without RE's efficiency assumption (what the book's upgrading panel prints, models/builtin_fits.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from gvc_clusters.errors import ModelError
from gvc_clusters.models.options import HausmanSigma, check_choice
from gvc_clusters.models.panel.covariance import UNADJUSTED
from gvc_clusters.models.rank import collinear_columns
from gvc_clusters.results import ModelResult


def hausman(fe_result: ModelResult, re_result: ModelResult, terms: list[str] | None = None,
            sigma: HausmanSigma = "separate") -> dict:
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
    check_choice("hausman", "sigma", sigma, HausmanSigma)
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
        if result.extra.get("se_option") != UNADJUSTED or "s2" not in result.extra:
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
