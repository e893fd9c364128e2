"""Many small ordered probit/logit fits at once: the engine of randomization inference and profile likelihoods.

At N ~ 34 a statsmodels fit costs milliseconds of Python overhead for microseconds of arithmetic.
``batch_newton`` fits B data sets that share the outcome (B x N x p design, optional B x N offset)
in one vectorised Newton-Raphson in (b, a), a being the real cutpoints: the ordered probit and logit
log-likelihoods are concave in (b, a) (Pratt 1981), so Newton with step halving (every accepted step
raises the log-likelihood and keeps the cutpoints increasing) converges from any warm start where
the MLE exists. The log-likelihood is statsmodels' (log(P + 1e-20)), so its maximum is the one
``fit_ordered`` reports. ``batch_covariance`` gives the fits' model-based or sandwich covariances.

Users: the permutation tests of models/randomization.py (every permuted draw of a variable is one
data set of a batch), the alternative-reading fits of models/reading_batch.py, and
``profile_interval`` below: the profile-likelihood CI of one coefficient, {b_j : 2 (llf_max -
llf_prof(b_j)) <= chi2_1(1 - alpha)}, as R's ``confint`` on ``polr`` does.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from gvc_clusters.models.options import BatchSEType, choices
from gvc_clusters.models.ordinal.likelihood import PROB_FLOOR


class _Problem:
    """The outcome's category structure, shared by every data set of a batch."""

    def __init__(self, codes: np.ndarray, n_cat: int):
        self.codes = np.asarray(codes, dtype=np.intp)
        self.k = n_cat - 1
        n, k = self.codes.size, self.k
        self.has_upp = self.codes < k
        self.has_low = self.codes > 0
        self.upper = np.zeros((n, k))
        self.upper[np.flatnonzero(self.has_upp), self.codes[self.has_upp]] = 1.0
        self.lower = np.zeros((n, k))
        self.lower[np.flatnonzero(self.has_low), self.codes[self.has_low] - 1] = 1.0
        inner = (self.codes > 0) & (self.codes < k)
        self.inner = np.zeros((n, max(k - 1, 0)))   # category c in 1..k-1: both bounds finite
        self.inner[np.flatnonzero(inner), self.codes[inner] - 1] = 1.0

    def pieces(self, link, X, offset, params):
        """Per-observation P, A = f(u)/P, Bv = f(l)/P, A' = f'(u)/P, B' = f'(l)/P (B x N)."""
        p = X.shape[-1]
        beta, alpha = params[:, :p], params[:, p:]
        eta = np.einsum("bnp,bp->bn", X, beta) if X.ndim == 3 else beta @ X.T
        if offset is not None:
            eta = eta + offset
        a_up = alpha @ self.upper.T        # B x N: a_c (0 where c = K-1)
        a_lo = alpha @ self.lower.T        # a_{c-1} (0 where c = 0)
        cdf_u, sf_u, f_u, fp_u = link.values(a_up - eta)
        cdf_l, sf_l, f_l, fp_l = link.values(a_lo - eta)
        hu, hl = self.has_upp[None, :], self.has_low[None, :]
        cdf_u, sf_u = np.where(hu, cdf_u, 1.0), np.where(hu, sf_u, 0.0)
        cdf_l, sf_l = np.where(hl, cdf_l, 0.0), np.where(hl, sf_l, 1.0)
        f_u, fp_u, f_l, fp_l = f_u * hu, fp_u * hu, f_l * hl, fp_l * hl
        prob = np.where(hl & (a_lo - eta > 0), sf_l - sf_u, cdf_u - cdf_l)
        prob = np.maximum(prob, 0.0) + PROB_FLOOR
        return prob, f_u / prob, f_l / prob, fp_u / prob, fp_l / prob

    def loglike(self, link, X, offset, params) -> np.ndarray:
        return np.log(self.pieces(link, X, offset, params)[0]).sum(axis=1)

    def derivatives(self, link, X, offset, params):
        """(llf (B,), gradient (B, P), Hessian (B, P, P)) in (b, a)."""
        prob, a, b, ap, bp = self.pieces(link, X, offset, params)
        shared = X.ndim == 2
        g_eta = -(a - b)
        h_uu, h_ll, h_ul = ap - a * a, -bp - b * b, a * b
        h_ee = h_uu + 2.0 * h_ul + h_ll
        if shared:
            g_b = g_eta @ X
            h_bb = np.einsum("bn,np,nq->bpq", h_ee, X, X)
            h_ba = np.einsum("bn,np,nk->bpk", -(h_uu + h_ul), X, self.upper) + \
                np.einsum("bn,np,nk->bpk", -(h_ul + h_ll), X, self.lower)
        else:
            xt = np.transpose(X, (0, 2, 1))
            g_b = (xt @ g_eta[..., None])[..., 0]
            h_bb = (xt * h_ee[:, None, :]) @ X
            h_ba = xt @ ((-(h_uu + h_ul))[..., None] * self.upper[None] + (-(h_ul + h_ll))[..., None] * self.lower[None])
        g_a = a @ self.upper - b @ self.lower
        k = self.k
        diag = h_uu @ self.upper + h_ll @ self.lower
        h_aa = np.zeros((prob.shape[0], k, k))
        h_aa[:, np.arange(k), np.arange(k)] = diag
        if k > 1:
            off = h_ul @ self.inner                       # (a_c, a_{c-1}) for c = 1..k-1
            h_aa[:, np.arange(1, k), np.arange(k - 1)] = off
            h_aa[:, np.arange(k - 1), np.arange(1, k)] = off
        grad = np.concatenate((g_b, g_a), axis=1)
        hess = np.concatenate((np.concatenate((h_bb, h_ba), axis=2),
                               np.concatenate((np.transpose(h_ba, (0, 2, 1)), h_aa), axis=2)), axis=1)
        return np.log(prob).sum(axis=1), grad, hess


def batch_scores(link, codes, n_cat, X, params, *, offset=None) -> np.ndarray:
    """Per-observation scores d log P_i / d(b, a) of B fits (B x N x (p + k)), the meat of HC0/HC1."""
    prob = _Problem(codes, n_cat)
    with np.errstate(all="ignore"):
        _, a, b, _, _ = prob.pieces(link, X, offset, params)
    g_eta = -(a - b)
    Xb = np.broadcast_to(X, (params.shape[0], *X.shape)) if X.ndim == 2 else X
    return np.concatenate((g_eta[..., None] * Xb, a[..., None] * prob.upper[None] - b[..., None] * prob.lower[None]),
                          axis=2)


def batch_covariance(link, codes, n_cat, X, params, se_type: BatchSEType = "model_based", *,
                     offset=None) -> np.ndarray:
    """Covariance in (b, a) of B fits (B x P x P): ``model_based`` (or ``nonrobust``) the inverse negative
    Hessian of ``_Problem.derivatives``; ``hc0`` the sandwich H^-1 (sum s_i s_i') H^-1; ``hc1`` HC0 times
    N / (N - P), P counting cutpoints (as ``fit_ordered``'s HC1). NaN where the Hessian is singular."""
    prob = _Problem(codes, n_cat)
    with np.errstate(all="ignore"):
        _, _, hess = prob.derivatives(link, X, offset, params)
    nb, size = hess.shape[0], hess.shape[1]
    bread = np.full((nb, size, size), np.nan)
    for i in range(nb):
        try:
            bread[i] = np.linalg.inv(-hess[i])
        except np.linalg.LinAlgError:
            pass
    kind = se_type.lower()
    if kind not in choices(BatchSEType):
        raise ValueError(f"batch_covariance: se_type {se_type!r} is not one of {', '.join(choices(BatchSEType))}")
    if kind in ("model_based", "nonrobust"):
        return bread
    scores = batch_scores(link, codes, n_cat, X, params, offset=offset)
    cov = bread @ np.einsum("bnp,bnq->bpq", scores, scores) @ bread
    if kind == "hc1":
        n = len(codes)
        cov = cov * n / (n - size)
    return cov


def batch_newton(link, codes, n_cat, X, start, *, offset=None, maxiter=60, tol=1e-9):
    """Maximise B ordered-model log-likelihoods at once.

    ``X``: N x p (shared) or B x N x p; ``start``: B x (p + k) in (b, a); ``offset``: None or B x N.
    Returns (params B x (p + k), llf (B,), converged (B,) bool).
    """
    prob = _Problem(codes, n_cat)
    params = np.array(start, dtype=float, copy=True)
    nb, p = params.shape[0], X.shape[-1]
    llf = np.full(nb, -np.inf)
    converged = np.zeros(nb, dtype=bool)
    active = np.arange(nb)

    def take(idx):
        return (X if X.ndim == 2 else X[idx]), (None if offset is None else offset[idx])

    with np.errstate(all="ignore"):
        for _ in range(maxiter):
            if active.size == 0:
                break
            Xa, oa = take(active)
            cur = params[active]
            ll, grad, hess = prob.derivatives(link, Xa, oa, cur)
            llf[active] = ll
            try:
                step = np.linalg.solve(-hess, grad[..., None])[..., 0]
            except np.linalg.LinAlgError:   # a singular Hessian somewhere (separation): a tiny ridge, batched
                scale = np.abs(np.diagonal(hess, axis1=1, axis2=2)).max(axis=1)
                ridge = (1e-10 * np.maximum(scale, 1e-300))[:, None, None] * np.eye(hess.shape[1])[None]
                step = np.linalg.solve(-hess + ridge, grad[..., None])[..., 0]
            bad = ~np.all(np.isfinite(step), axis=1)
            step[bad] = 0.0
            # converged: the step is tiny, or the Newton decrement g'(-H)^-1 g / 2 (the gain still
            # available in a concave problem) is below 1e-10; a separated draw, whose MLE does not
            # exist, stops there too, at its supremum to that accuracy
            decrement = 0.5 * np.einsum("bp,bp->b", grad, step)
            done = ((np.max(np.abs(step), axis=1) < tol) | (decrement < 1e-10)) & ~bad
            converged[active[done]] = True
            moving = ~done & ~bad
            idx, st, base_ll = active[moving], step[moving], ll[moving]
            scale = np.ones(idx.size)
            accepted = np.zeros(idx.size, dtype=bool)
            for _half in range(40):
                todo = ~accepted
                if not todo.any():
                    break
                cand = params[idx[todo]] + scale[todo, None] * st[todo]
                ordered = np.all(np.diff(cand[:, p:], axis=1) > 0, axis=1) if n_cat > 2 else np.ones(todo.sum(), bool)
                Xt, ot = take(idx[todo])
                new_ll = np.where(ordered, prob.loglike(link, Xt, ot, cand), -np.inf)
                ok = new_ll >= base_ll[todo] - 1e-10 * np.maximum(1.0, np.abs(base_ll[todo]))
                sub = np.flatnonzero(todo)
                params[idx[sub[ok]]] = cand[ok]
                llf[idx[sub[ok]]] = new_ll[ok]
                accepted[sub[ok]] = True
                scale[sub[~ok]] *= 0.5
            # a draw whose step cannot raise the log-likelihood sits at its maximum (to rounding)
            if (~accepted).any():
                converged[idx[~accepted]] = np.max(np.abs(st[~accepted]), axis=1) < 1e-5
            active = idx[accepted]
    return params, llf, converged


def _start(codes, n_cat, p) -> np.ndarray:
    """b = 0 and the cutpoints of the thresholds-only model (standard normal/logistic quantiles of
    the cumulative shares are close enough for Newton to take from there)."""
    shares = np.cumsum(np.bincount(codes, minlength=n_cat))[:-1] / len(codes)
    return np.concatenate((np.zeros(p), stats.norm.ppf(np.clip(shares, 1e-6, 1 - 1e-6))))


# ----------------------------------------------------------------------------------------------
# Profile likelihood
# ----------------------------------------------------------------------------------------------

def profile_interval(link, codes, n_cat, X: np.ndarray, params: np.ndarray, se: float, j: int, *,
                     alpha: float = 0.05) -> tuple[float, float]:
    """Profile-likelihood CI of coefficient j (NaN on a side where the profile never crosses)."""
    p = X.shape[1]
    others = [m for m in range(p) if m != j]
    Xr = X[:, others]
    llf_max = float(batch_newton(link, codes, n_cat, X, params[None])[1][0])
    crit = stats.chi2.ppf(1 - alpha, 1)
    rest_start = np.concatenate((params[others], params[p:]))

    def deviance(value: float) -> float:
        offset = (value * X[:, j])[None, :]
        _, llf, _ = batch_newton(link, codes, n_cat, Xr, rest_start[None], offset=offset)
        return 2.0 * (llf_max - float(llf[0])) - crit

    bounds = []
    for sign in (-1.0, 1.0):
        step = max(se, 1e-3) if np.isfinite(se) else 1.0
        inner, outer = params[j], params[j] + sign * 2.0 * step
        found = False
        for _ in range(12):
            if deviance(outer) > 0:
                found = True
                break
            inner, outer = outer, params[j] + sign * (abs(outer - params[j]) * 2.0)
        bounds.append(optimize.brentq(deviance, min(inner, outer), max(inner, outer), xtol=1e-7)
                      if found else math.nan)
    return bounds[0], bounds[1]
