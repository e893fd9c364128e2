"""Randomization inference for ordered models: permutation p-values of "this variable has no effect".

``permutation_pvalues`` is the entry point (``fit_ordered``'s ``permutation_terms`` call it): it
checks and codes the inputs, fits the observed model once for a warm start, and for each tested
variable runs ``permutation_test``.

``permutation_test``: each draw permutes the variable (optionally within strata; ``permutation_indices``),
rebuilds every column derived from it (its interactions), and refits all draws at once with the
batched Newton of models/batch.py (``batch_newton``); the statistic is the likelihood-ratio statistic
of dropping every column derived from the variable. The restricted model does not contain the
variable, so its log-likelihood is the same in every draw and the statistic is the unrestricted
maximum log-likelihood itself: p = (1 + #{llf_perm >= llf_obs}) / (1 + B). A permuted sample may be
separated (the MLE does not exist): Newton then stops where the Newton decrement says less than 1e-10
of log-likelihood is left, i.e. at the supremum, which is the LR statistic's value. A draw that still
fails (no convergence in PERMUTATION_MAXITER steps, singular steps) is counted as extreme
(conservative).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.options import LinkName
from gvc_clusters.models.ordinal.batch import _start, batch_newton
from gvc_clusters.models.ordinal.effects import Design, build_design
from gvc_clusters.models.ordinal.inputs import outcome_codes, regressor_frame
from gvc_clusters.models.ordinal.likelihood import LINKS, build_model, cutpoints_and_jacobian, fit_model

PERMUTATION_MAXITER = 30      # a draw still moving after 30 Newton steps from the null fit is diverging


def permutation_pvalues(y, X: pd.DataFrame, terms: Sequence[str], *, n_permutations: int, seed: int,
                        distr: LinkName = "probit", model_id: str = "permutation",
                        interactions: Sequence[Sequence[str]] = (), strata=None, design_override: Design | None = None,
                        **_ignored) -> dict[str, dict]:
    """Randomization-inference p-values of "this variable has no effect" (``permutation_test``).

    For each term, the variable is permuted ``n_permutations`` times (within ``strata`` if given;
    y and the other variables stay put), every column derived from it (its declared interactions)
    is rebuilt, and all draws are refitted as one batch; the statistic is the likelihood ratio of
    dropping the variable's columns, p = (1 + #{LR_perm >= LR_obs}) / (1 + n_permutations), with
    Monte Carlo SE sqrt(p (1 - p) / n_permutations). Every term uses a fresh
    ``numpy.random.default_rng(seed)``, so its p-value does not depend on which other terms are
    tested. A permuted refit that does not converge (e.g. separation) counts as extreme.

    A categorical (a formula's ``C(g)``, a spec's ``categoricals``) is permuted as a whole: its
    levels move together, so no draw puts an observation in two levels. A term naming one level
    of a categorical tests the categorical (the result is keyed by the categorical's name; every
    level's coefficient row carries it): permuting one level's dummy alone would create
    observations in two levels at once, which the data cannot have.
    """
    codes, labels, _ = outcome_codes(y, model_id)
    if design_override is None:
        base_frame = regressor_frame(X, model_id)
        frame, design = build_design(base_frame, interactions, model_id)
    else:   # a formula's or a declared categorical's design: X holds its base variables (dummies included)
        base_frame, design = X[design_override.variables].astype(float), design_override
        frame = pd.DataFrame(design.matrix(base_frame.to_numpy()), columns=design.columns, index=base_frame.index)
    unknown = [t for t in terms if t not in design.variables and t not in design.factors]
    if unknown:
        raise ModelError(f"{model_id}: permutation terms {unknown} are not regressors ({design.variables}); "
                         "a product term is tested through its components")
    strata_codes = None
    if strata is not None:
        values = pd.Series(np.asarray(strata))
        if len(values) != len(codes) or values.isna().any():
            raise ModelError(f"{model_id}: permutation strata need one non-missing value per observation")
        strata_codes = pd.factorize(values, sort=True)[0]
    link = LINKS[distr]
    base = base_frame.to_numpy(dtype=float)
    fit = fit_model(build_model(codes, labels, frame, distr, "y"), method="newton", maxiter=None,
                    cov_type="nonrobust", cluster_codes=None, skip_cov=True)
    start = None
    if fit.converged:
        params = np.asarray(fit.res.params, dtype=float)
        p = frame.shape[1]
        start = np.concatenate((params[:p], cutpoints_and_jacobian(params[p:])[0]))
    out = {}
    order = [*design.variables, *design.factors]
    tested = {design.factor_of(t) or t for t in terms}   # a categorical's level: the categorical
    for term in sorted(tested, key=order.index):
        out[term] = permutation_test(link, codes, len(labels), design, base, term, n_draws=n_permutations,
                                     seed=seed, strata=strata_codes, start=start)
    return out


def permutation_summary(perm: dict[str, dict], n_permutations: int, seed: int, strata=None) -> dict:
    """What ``fit_ordered`` records in ``extra["permutation"]`` about ``permutation_pvalues``' results."""
    return {"n_permutations": int(n_permutations), "seed": int(seed),
            "permuted": "the variable, with every column derived from it (its interactions)"
                        + (f", within strata of {_strata_name(strata)}" if strata is not None else ""),
            "statistic": "likelihood ratio of dropping every column derived from the variable",
            "p_value": "(1 + #{LR_perm >= LR_obs}) / (1 + n); failed refits count as extreme",
            "n_failed": {t: v["n_failed"] for t, v in perm.items()},
            "mc_se": {t: v["mc_se"] for t, v in perm.items()},
            "columns": {t: v["columns"] for t, v in perm.items()}}


def _strata_name(strata) -> str:
    return str(strata.name) if isinstance(strata, pd.Series) and strata.name is not None else "strata"


def permutation_indices(rng: np.random.Generator, n_draws: int, strata: np.ndarray | None, n: int) -> np.ndarray:
    """B x N row indices: draw b gives row i the variable's value of row idx[b, i]; with strata,
    only rows of the same stratum are exchanged."""
    codes = np.zeros(n, dtype=np.intp) if strata is None else np.asarray(strata, dtype=np.intp)
    keys = rng.random((n_draws, n)) + codes[None, :] * 2.0
    order = np.argsort(keys, axis=1, kind="stable")         # rows by stratum, shuffled within
    base = np.argsort(codes, kind="stable")                 # rows by stratum, in data order
    out = np.empty((n_draws, n), dtype=np.intp)
    out[:, base] = order
    return out


def permutation_test(link, codes, n_cat, design: Design, base: np.ndarray, variable: str, *, n_draws: int,
                     seed: int, strata: np.ndarray | None = None, start: np.ndarray | None = None) -> dict:
    """p-value, MC SE, draws, failures and the observed statistic of "``variable`` has no effect"."""
    n = base.shape[0]
    X = design.matrix(base)
    cols = design.columns
    moved = [cols.index(c) for c in design.derived(variable)]
    kept = [j for j in range(len(cols)) if j not in moved]
    k = n_cat - 1
    start_full = _start(codes, n_cat, X.shape[1]) if start is None else np.asarray(start, dtype=float)
    obs, llf_obs, conv_obs = batch_newton(link, codes, n_cat, X, start_full[None])
    restricted_start = np.concatenate((obs[0, kept], obs[0, -k:]))
    rest, llf_rest, conv_rest = batch_newton(link, codes, n_cat, X[:, kept], restricted_start[None])
    rng = np.random.default_rng(seed)
    idx = permutation_indices(rng, n_draws, strata, n)
    js = [design.variables.index(m) for m in design.members(variable)]   # a categorical: all its dummies
    bases = np.repeat(base[None], n_draws, axis=0)
    for j in js:
        bases[:, :, j] = base[idx, j]
    Xb = design.matrix(bases)
    warm = np.zeros(X.shape[1] + k)                           # the null fit, v's columns at 0
    warm[kept] = rest[0, :len(kept)]
    warm[-k:] = rest[0, len(kept):]
    _, llf, conv = batch_newton(link, codes, n_cat, Xb, np.repeat(warm[None], n_draws, axis=0),
                                maxiter=PERMUTATION_MAXITER)
    tol = 1e-8 * max(1.0, abs(float(llf_obs[0])))
    extreme = (~conv) | (llf >= llf_obs[0] - tol)
    p = (1 + int(extreme.sum())) / (1 + n_draws)
    return {"p_value": p, "mc_se": math.sqrt(p * (1 - p) / n_draws), "n_draws": int(n_draws),
            "n_failed": int((~conv).sum()), "lr_statistic": float(2 * (llf_obs[0] - llf_rest[0])),
            "columns": [cols[m] for m in moved], "observed_converged": bool(conv_obs[0] and conv_rest[0])}



# ----------------------------------------------------------------------------------------------
# Within one group: "this variable has no effect among these observations"
# ----------------------------------------------------------------------------------------------

def group_strata(mask: np.ndarray) -> np.ndarray:
    """Strata that permute only the rows of ``mask`` among themselves: the group's rows share
    stratum 0, every other row is a stratum of its own (so it keeps its value in every draw)."""
    mask = np.asarray(mask, dtype=bool)
    codes = np.zeros(mask.size, dtype=np.intp)
    outside = np.flatnonzero(~mask)
    codes[outside] = np.arange(1, outside.size + 1)
    return codes


def group_permutation_pvalues(y, X: pd.DataFrame, terms: Sequence[str], *, design: Design, n_permutations: int,
                              seed: int, distr: LinkName = "probit", model_id: str = "permutation") -> dict[str, dict]:
    """Randomization-inference p-values of "``v`` has no effect within group g", for every term
    ``v`` and every group over which ``v``'s effect is reported (``Design.groups``: each level of
    the categorical it interacts with, each value of a binary moderator), keyed by the effect's term
    ``"v | g"``.

    Each draw permutes ``v`` among the observations of g only (the other observations keep their
    values: ``group_strata``) and rebuilds its interactions. Under the sharp null that ``v`` does
    not move the outcome within g, the data are exchangeable across those permutations, so any
    statistic gives a valid test; the one used is the fitted model's maximum log-likelihood, which
    orders the draws as the likelihood ratio of "v's slope in g is zero" does (the model without
    that slope does not contain g's values of ``v``, so its log-likelihood is the same in every
    draw). Every (term, group) uses a fresh ``numpy.random.default_rng(seed)``; a refit that does
    not converge counts as extreme (conservative), as in ``permutation_test``."""
    codes, labels, _ = outcome_codes(y, model_id)
    base = X[design.variables].to_numpy(dtype=float)
    unknown = [t for t in terms if t not in design.variables]
    if unknown:
        raise ModelError(f"{model_id}: group permutation terms {unknown} are not regressors ({design.variables})")
    link = LINKS[distr]
    out = {}
    for term in terms:
        for label, mask in design.groups(term, base):
            if mask.sum() < 2:
                continue   # nothing to permute
            test = permutation_test(link, codes, len(labels), design, base, term, n_draws=n_permutations, seed=seed,
                                    strata=group_strata(mask))
            out[f"{term} | {label}"] = {"p_value": test["p_value"], "mc_se": test["mc_se"], "n_draws": test["n_draws"],
                                        "n_failed": test["n_failed"], "n_group": int(mask.sum())}
    return out
