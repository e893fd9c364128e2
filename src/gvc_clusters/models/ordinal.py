"""Ordered probit / ordered logit on statsmodels' ``OrderedModel``, returning the neutral ``ModelResult``.

The model. A latent index ``y* = x'b + u`` with ``u`` standard normal (probit) or standard
logistic (logit) is observed only as the ordered category it falls in:

    P(y = c | x) = F(a_c - x'b) - F(a_{c-1} - x'b),   a_{-1} = -inf < a_0 < ... < a_{K-2} < a_{K-1} = +inf

There is no constant: it is not identified separately from the cutpoints ``a``.

statsmodels' parameterisation. ``OrderedModel`` optimises over ``theta = (b, t)`` where the
cutpoints are ``a_0 = t_0`` and ``a_m = a_{m-1} + exp(t_m)``: unconstrained parameters that keep
the cutpoints increasing. Everything statsmodels reports for the thresholds (``params``, ``bse``)
is on that ``t`` scale; this module converts to the real cutpoints ``a`` with delta-method SEs.

Speed. Stock ``OrderedModel`` has no analytic derivatives: its score and Hessian are finite
differences of the log-likelihood, so BFGS at a million rows takes tens of seconds.
``AnalyticOrderedModel`` keeps statsmodels' model and results classes and parameterisation and
only supplies vectorised analytic ``loglike``/``score``/``score_obs``/``hessian`` in ``theta``, so
Newton-Raphson converges in a handful of iterations and the robust sandwich (which reads
``score_obs`` and ``hessian``) is analytic too. See ``workflow/benchmarks/ordinal_scale.py``.

What ``fit_ordered`` reports (rows of ``ModelResult.estimates``):

    coef       b, with z statistics, p-values, CIs and, for ``permutation_terms``, a
               randomization-inference p-value
    cutpoint   the real cutpoints a_m, term "lo/hi" (the two category labels it separates),
               delta-method SEs from the covariance of (b, t)
    ame        average marginal effect of each regressor on P(y = c), one row per category c,
               delta-method SEs with an analytic Jacobian: a discrete change for a 0/1 regressor,
               a derivative otherwise; a regressor in a declared interaction moves its product
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
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from ..errors import ModelError
from ..results import ModelResult, estimate_rows
from . import batch
from .effects import Design, build_design, effect_definitions, marginal_effects

DISTRS = ("probit", "logit")
COV_TYPES = ("nonrobust", "HC0", "HC1", "cluster")
METHODS = ("newton", "bfgs")
ON_SEPARATION = ("report", "raise")
SEPARATION_AUTO_MAX_ROWS = 20_000   # the LP check is cheap at N~35, not free at 1e6 rows
PROB_FLOOR = 1e-20                  # statsmodels' own floor inside log(prob + 1e-20)
FEW_CLUSTERS = 30
EXPLODED_INDEX = 8.0                # |b| * range(x), in latent-error SDs, flagged as exploded

__all__ = ["ModelError", "AnalyticOrderedModel", "fit_ordered", "cutpoints_and_jacobian",
           "average_marginal_effects", "detect_separation", "permutation_pvalues"]


# ----------------------------------------------------------------------------------------------
# Link functions: F, its survival function, density and density derivative on finite arrays
# ----------------------------------------------------------------------------------------------

_SQRT_2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class _Link:
    name: str
    scale: float        # SD of the latent error: coefficients of logit are ~1.6-1.8x probit's

    def values(self, z: np.ndarray):
        """(F, 1-F, f, f') at z. Only the smaller tail ``q = F(-|z|)`` is evaluated (one special
        function call per point) and the other tail is ``1 - q`` (which is >= 0.5, so exact to
        rounding): interval probabilities in either tail then do not cancel to zero."""
        neg = z < 0
        if self.name == "probit":
            q = special.ndtr(-np.abs(z))
            pdf = np.exp(-0.5 * z * z) / _SQRT_2PI
            cdf, sf = np.where(neg, q, 1.0 - q), np.where(neg, 1.0 - q, q)
            return cdf, sf, pdf, -z * pdf                      # phi'(z) = -z phi(z)
        q = special.expit(-np.abs(z))
        pdf = q * (1.0 - q)                                    # Lambda' = Lambda (1 - Lambda), symmetric
        cdf, sf = np.where(neg, q, 1.0 - q), np.where(neg, 1.0 - q, q)
        return cdf, sf, pdf, pdf * (sf - cdf)                  # Lambda'' = Lambda' (1 - 2 Lambda)


LINKS = {"probit": _Link("probit", 1.0), "logit": _Link("logit", math.pi / math.sqrt(3.0))}


# ----------------------------------------------------------------------------------------------
# Cutpoints: statsmodels' (t_0, log increments) -> real cutpoints, with the Jacobian
# ----------------------------------------------------------------------------------------------

def cutpoints_and_jacobian(threshold_params) -> tuple[np.ndarray, np.ndarray]:
    """Real cutpoints ``a`` from statsmodels' threshold parameters ``t`` and ``J = da/dt``.

    ``a_m = t_0 + sum_{l=1..m} exp(t_l)``, so ``J[m, 0] = 1`` and ``J[m, l] = exp(t_l)`` for
    ``1 <= l <= m`` (lower-triangular). The delta method then gives ``Cov(a) = J Cov(t) J'``.
    """
    t = np.asarray(threshold_params, dtype=float)
    steps = np.concatenate((t[:1], np.exp(t[1:])))
    jac = np.tril(np.tile(steps, (t.size, 1)))
    jac[:, 0] = 1.0
    return np.cumsum(steps), jac


# ----------------------------------------------------------------------------------------------
# The model with analytic derivatives
# ----------------------------------------------------------------------------------------------

class AnalyticOrderedModel(OrderedModel):
    """statsmodels' ``OrderedModel`` (probit or logit) with analytic, vectorised derivatives.

    Same parameterisation, start values, results class and log-likelihood as the stock model
    (including its ``log(prob + 1e-20)`` floor, so the two optimise the same function); only
    ``loglike``, ``score``, ``score_obs`` and ``hessian`` are replaced, and ``fit`` defaults to
    Newton-Raphson instead of Nelder-Mead.
    """

    def __init__(self, endog, exog, offset=None, distr="probit", **kwds):
        if distr not in LINKS:
            raise ValueError(f"AnalyticOrderedModel supports distr in {DISTRS}, got {distr!r}")
        super().__init__(endog, exog, offset=offset, distr=distr, **kwds)
        self.link = LINKS[distr]
        self._codes = np.asarray(self.endog, dtype=np.intp)
        self._cache_key: bytes | None = None
        self._cache: dict = {}

    def fit(self, start_params=None, method="newton", maxiter=100, full_output=1, disp=0, **kwargs):
        """statsmodels' fit with Newton as the default (the stock default is Nelder-Mead)."""
        return super().fit(start_params=start_params, method=method, maxiter=maxiter,
                           full_output=full_output, disp=disp, **kwargs)

    # -- shared per-observation pieces ---------------------------------------------------------

    def _pieces(self, params) -> dict:
        """Per-observation quantities at ``params``, cached: Newton asks for the score and the
        Hessian at the same point, and the sandwich asks for score_obs and the Hessian.

        For observation i in category c the interval is (l, u] = (a_{c-1} - eta, a_c - eta]. Where
        a bound is infinite (c = 0 or c = K-1) its F, f, f' are set to their limits exactly
        instead of evaluating the link at +-inf (f' would be inf * 0 = nan).
        """
        params = np.asarray(params, dtype=float)
        key = params.tobytes()
        if key == self._cache_key:
            return self._cache
        k = self.k_levels - 1
        alpha, jac = cutpoints_and_jacobian(params[-k:])
        eta = self._linpred(params)
        codes = self._codes
        has_low, has_upp = codes > 0, codes < k
        padded = np.concatenate(([0.0], alpha, [0.0]))   # placeholders where the bound is infinite
        upp = padded[codes + 1] - eta
        low = padded[codes] - eta
        cdf_u, sf_u, f_u, fp_u = self.link.values(upp)
        cdf_l, sf_l, f_l, fp_l = self.link.values(low)
        cdf_u, sf_u = np.where(has_upp, cdf_u, 1.0), np.where(has_upp, sf_u, 0.0)
        cdf_l, sf_l = np.where(has_low, cdf_l, 0.0), np.where(has_low, sf_l, 1.0)
        f_u, fp_u = f_u * has_upp, fp_u * has_upp
        f_l, fp_l = f_l * has_low, fp_l * has_low
        # P = F(u) - F(l); in the upper tail (l > 0) take S(l) - S(u) to avoid cancellation.
        prob = np.where(has_low & (low > 0), sf_l - sf_u, cdf_u - cdf_l)
        prob_c = np.maximum(prob, 0.0) + PROB_FLOOR
        self._cache_key = key
        self._cache = {"k": k, "jac": jac, "tau": params[-k:], "prob_c": prob_c,
                       "a": f_u / prob_c, "b": f_l / prob_c, "ap": fp_u / prob_c, "bp": fp_l / prob_c}
        return self._cache

    # -- log-likelihood and derivatives --------------------------------------------------------

    def loglikeobs(self, params):
        """log(P(y_i) + 1e-20): statsmodels' definition, with accurate tail probabilities."""
        return np.log(self._pieces(params)["prob_c"])

    def loglike(self, params):
        return float(self.loglikeobs(params).sum())

    def _alpha_score(self, pc) -> np.ndarray:
        """Per-observation score with respect to the real cutpoints (N x k): dl/da_c = f(u)/P at
        the upper bound, -f(l)/P at the lower bound, zero elsewhere."""
        k, codes = pc["k"], self._codes
        out = np.zeros((codes.size, k + 2))   # padded columns 0 and k+1 are the infinite bounds
        rows = np.arange(codes.size)
        out[rows, codes + 1] = pc["a"]
        out[rows, codes] -= pc["b"]
        return out[:, 1:k + 1]

    def score_obs(self, params, **kwds):
        """Per-observation score in statsmodels' parameters (b, t) (N x (p + k)).

        dl/deta = -(f(u) - f(l)) / P and eta = x'b; the cutpoint part is chained through
        ``J = da/dt``: dl/dt = (dl/da) J.
        """
        pc = self._pieces(params)
        g_eta = -(pc["a"] - pc["b"])
        return np.column_stack((g_eta[:, None] * self.exog, self._alpha_score(pc) @ pc["jac"]))

    def _alpha_gradient(self, pc) -> np.ndarray:
        """Total score with respect to the real cutpoints (k,), by category sums (no N x k array)."""
        k, codes = pc["k"], self._codes
        upper = np.bincount(codes, weights=pc["a"], minlength=k + 1)[:k]
        lower = np.bincount(codes, weights=pc["b"], minlength=k + 1)[1:]
        return upper - lower

    def score(self, params):
        """Gradient of the log-likelihood in (b, t)."""
        pc = self._pieces(params)
        g_eta = -(pc["a"] - pc["b"])
        return np.concatenate((self.exog.T @ g_eta, pc["jac"].T @ self._alpha_gradient(pc)))

    def hessian(self, params):
        """Analytic Hessian of the log-likelihood in (b, t).

        With l_i = log(F(u) - F(l) + c), u = a_c - eta, l = a_{c-1} - eta and a = f(u)/P,
        b = f(l)/P, a' = f'(u)/P, b' = f'(l)/P:

            d2l/du2 = a' - a^2,   d2l/dl2 = -b' - b^2,   d2l/dudl = a b

        and the chain rule through eta = x'b (du/deta = dl/deta = -1) and a = a(t) gives the
        (b, b), (b, a) and (a, a) blocks; the (t, t) block is J' H_aa J plus the curvature of
        the map itself: d2a_m/dt_l2 = exp(t_l) for 1 <= l <= m, weighted by the cutpoint score.
        """
        pc = self._pieces(params)
        k, codes, jac, exog = pc["k"], self._codes, pc["jac"], self.exog
        h_uu = pc["ap"] - pc["a"] ** 2
        h_ll = -pc["bp"] - pc["b"] ** 2
        h_ul = pc["a"] * pc["b"]
        h_ee = h_uu + 2.0 * h_ul + h_ll
        h_bb = exog.T @ (exog * h_ee[:, None])
        # cross terms eta x cutpoint: upper cutpoint (index c) and lower cutpoint (index c-1)
        cross = np.zeros((codes.size, k + 2))
        rows = np.arange(codes.size)
        cross[rows, codes + 1] = -(h_uu + h_ul)
        cross[rows, codes] = -(h_ul + h_ll)
        h_ba = exog.T @ cross[:, 1:k + 1]
        h_aa = np.diag(np.bincount(codes, weights=h_uu, minlength=k + 1)[:k]
                       + np.bincount(codes, weights=h_ll, minlength=k + 1)[1:])
        off = np.bincount(codes, weights=h_ul, minlength=k + 1)[1:k]   # category m: (a_m, a_{m-1})
        h_aa[np.arange(1, k), np.arange(0, k - 1)] = off
        h_aa[np.arange(0, k - 1), np.arange(1, k)] = off
        g_alpha = self._alpha_gradient(pc)
        curvature = np.exp(pc["tau"]) * np.cumsum(g_alpha[::-1])[::-1]   # exp(t_l) sum_{m>=l} g_m
        curvature[0] = 0.0                                               # a is linear in t_0
        h_tt = jac.T @ h_aa @ jac + np.diag(curvature)
        h_bt = h_ba @ jac
        return np.block([[h_bb, h_bt], [h_bt.T, h_tt]])


# ----------------------------------------------------------------------------------------------
# Average marginal effects with the delta method
# ----------------------------------------------------------------------------------------------

def average_marginal_effects(model: OrderedModel, params) -> tuple[np.ndarray, np.ndarray]:
    """AME of every regressor on every category probability, and its Jacobian in (b, t).

    dP(y=c|x)/dx_j = b_j [f(a_{c-1} - eta) - f(a_c - eta)] =: b_j D_c(eta), averaged over the
    sample, for every column holding the others fixed. ``fit_ordered`` reports this only for a
    regressor that is neither 0/1 nor part of a declared interaction; 0/1 regressors get the
    discrete change and interacted ones move their product columns (models/effects.py).

    Jacobian (analytic; no numerical differentiation), with Dbar_c = mean_i D_c(eta_i):

        dAME_jc/db_l = [j = l] Dbar_c + b_j mean_i[(f'(a_c - eta) - f'(a_{c-1} - eta)) x_il]
        dAME_jc/da_m = b_j mean_i[f'(a_m - eta)] ([m = c-1] - [m = c])

    then chained to t through ``J = da/dt``. Returns ``ame`` (p x K) and ``jac`` ((p*K) x (p+k)),
    rows ordered regressor-major (j, c).
    """
    params = np.asarray(params, dtype=float)
    link = LINKS[_distr_name(model)]
    p, k = model.k_vars, model.k_levels - 1
    beta = params[:p]
    alpha, jac_t = cutpoints_and_jacobian(params[p:])
    exog = np.asarray(model.exog, dtype=float)
    eta = model._linpred(params)                                      # x'b (+ offset, if any)
    _, _, f, fp = link.values(alpha[None, :] - eta[:, None])          # N x k, all finite
    n = eta.size
    f_pad = np.concatenate(([0.0], f.mean(axis=0), [0.0]))            # f at -inf and +inf is 0
    d_bar = f_pad[:-1] - f_pad[1:]                                    # Dbar_c, c = 0..K-1
    ame = beta[:, None] * d_bar[None, :]
    g = np.zeros((p, k + 2))
    g[:, 1:k + 1] = exog.T @ fp / n                                   # mean f'(a_m - eta) x_l
    dd_db = g[:, 1:] - g[:, :-1]                                      # p x K: dDbar_c/db_l
    fp_bar = np.concatenate(([0.0], fp.mean(axis=0), [0.0]))
    dd_da = np.zeros((k + 1, k))                                      # K x k: dDbar_c/da_m
    for c in range(k + 1):
        if c >= 1:
            dd_da[c, c - 1] += fp_bar[c]
        if c <= k - 1:
            dd_da[c, c] -= fp_bar[c + 1]
    jac = np.zeros((p, k + 1, p + k))
    for j in range(p):
        jac[j, :, :p] = beta[j] * dd_db.T
        jac[j, :, j] += d_bar
        jac[j, :, p:] = beta[j] * dd_da @ jac_t
    return ame, jac.reshape(p * (k + 1), p + k)


def _distr_name(model: OrderedModel) -> str:
    link = getattr(model, "link", None)
    if link is not None:
        return link.name
    if model.distr is stats.norm:
        return "probit"
    if model.distr is stats.logistic:
        return "logit"
    raise ValueError("only probit and logit ordered models are supported")


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------

def _category_label(value) -> str:
    """A category label for term names: 1.0 -> "1", 0.5 -> "0.5", strings unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _outcome_codes(y, model_id: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Integer codes 0..K-1 of an ordered outcome, its labels, and notes.

    An ordered pandas Categorical keeps its category order (unused categories are dropped: a
    cutpoint between two empty categories is not identified); anything else must be numeric and
    its distinct values are the ordered categories, whatever their spacing (0, 0.5, 1, ...).
    """
    notes = []
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if len(series) == 0:
        raise ModelError(f"{model_id}: no observations")
    if isinstance(series.dtype, pd.CategoricalDtype):
        if not series.dtype.ordered:
            raise ModelError(f"{model_id}: the outcome is an unordered categorical; give an ordered one")
        if (series.cat.codes < 0).any():
            raise ModelError(f"{model_id}: the outcome has {int((series.cat.codes < 0).sum())} missing values")
        used = np.unique(series.cat.codes.to_numpy())
        unused = [c for i, c in enumerate(series.cat.categories) if i not in used]
        if unused:
            notes.append(f"outcome categories without observations dropped: {[str(c) for c in unused]}")
            series = series.cat.remove_unused_categories()
        labels = [_category_label(c) for c in series.cat.categories]
        codes = series.cat.codes.to_numpy(dtype=np.intp)
    else:
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            raise ModelError(f"{model_id}: the outcome must be numeric or an ordered categorical "
                             f"(got dtype {series.dtype})")
        values = series.to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(values).any():
            raise ModelError(f"{model_id}: the outcome has {int(np.isnan(values).sum())} missing values")
        uniques, codes = np.unique(values, return_inverse=True)
        labels = [_category_label(v) for v in uniques]
        codes = codes.astype(np.intp)
    if len(labels) < 2:
        raise ModelError(f"{model_id}: the outcome has 1 category ({labels[0]!r}); an ordered model needs "
                         "at least 2")
    return codes, labels, notes


def _design(X, model_id: str) -> pd.DataFrame:
    """The regressors as a float frame, refusing what OrderedModel cannot identify.

    A constant column duplicates the cutpoints; collinear columns (including a set summing to a
    constant, e.g. a full set of dummies) leave a coefficient unidentified. Both are named.
    """
    frame = X.to_frame() if isinstance(X, pd.Series) else X
    if not isinstance(frame, pd.DataFrame):
        raise ModelError(f"{model_id}: the regressors must be a pandas DataFrame (got {type(X).__name__})")
    if frame.shape[1] == 0:
        raise ModelError(f"{model_id}: no regressors")
    names = [str(c) for c in frame.columns]
    if len(set(names)) < len(names):
        raise ModelError(f"{model_id}: duplicate regressor names {sorted({n for n in names if names.count(n) > 1})}")
    bad = [n for n, dt in zip(names, frame.dtypes) if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        raise ModelError(f"{model_id}: non-numeric regressors {bad}")
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    missing = [n for n, m in zip(names, np.isnan(values).any(axis=0)) if m]
    if missing:
        raise ModelError(f"{model_id}: missing values in regressors {missing}")
    spread = values.max(axis=0) - values.min(axis=0)
    constant = [n for n, s in zip(names, spread) if s == 0]
    if constant:
        raise ModelError(f"{model_id}: constant regressor(s) {constant}: a constant is not identified "
                         "separately from the cutpoints (singular design)")
    collinear = _collinear_columns(values, names)
    if collinear:
        raise ModelError(f"{model_id}: rank-deficient design: {collinear} are collinear (with each other "
                         "or with the implicit constant of the cutpoints)")
    return pd.DataFrame(values, columns=names)


def _collinear_columns(values: np.ndarray, names: list[str]) -> list[str]:
    """Columns in the null space of the centred, scaled design (rank of [1, X] < 1 + p)."""
    z = values - values.mean(axis=0)
    z = z / np.sqrt((z ** 2).mean(axis=0))
    _, sing, vt = np.linalg.svd(z, full_matrices=False)
    tol = sing.max() * max(z.shape) * np.finfo(float).eps * 10
    null = vt[sing <= tol]
    if null.size == 0:
        return []
    involved = (np.abs(null) > 1e-8).any(axis=0)
    return [n for n, flag in zip(names, involved) if flag]


def _cluster_codes(groups, n: int, model_id: str) -> tuple[np.ndarray, str, int]:
    if groups is None:
        raise ModelError(f"{model_id}: cov_type='cluster' needs groups")
    name = str(groups.name) if isinstance(groups, pd.Series) and groups.name is not None else "groups"
    values = pd.Series(np.asarray(groups))
    if len(values) != n:
        raise ModelError(f"{model_id}: groups has {len(values)} values for {n} observations")
    if values.isna().any():
        raise ModelError(f"{model_id}: groups has {int(values.isna().sum())} missing values")
    codes, uniques = pd.factorize(values, sort=True)
    if len(uniques) < 2:
        raise ModelError(f"{model_id}: clustered SEs need at least 2 clusters, got {len(uniques)}")
    return codes.astype(np.intp), name, len(uniques)


# ----------------------------------------------------------------------------------------------
# Separation
# ----------------------------------------------------------------------------------------------

def detect_separation(y, X) -> list[dict]:
    """Complete and quasi-complete separation of an ordered outcome, as JSON-ready findings.

    Two kinds of finding (``scope``):

    - ``"model"`` (at most one): is there a direction b != 0 along which the ordered model's
      likelihood keeps rising, so that the MLE does not exist? That happens iff x'b weakly orders
      the outcome: for all i, j with y_i > y_j, x_i'b >= x_j'b (quasi-complete separation), with
      strict inequality for every such pair and a gap at every cutpoint (complete separation:
      the outcome is predicted perfectly). Both are linear programmes in (b, s), s_m being a
      separating value at cutpoint m:

          x_i'b <= s_c  (c < K-1),   x_i'b >= s_{c-1}  (c > 0)     for observation i in category c

      Quasi-complete: maximise the total slack over b in [-1, 1]^p (a positive optimum means some
      observation is strictly ordered, i.e. x'b is not constant, i.e. b != 0 since X has full
      rank with the constant). Complete: feasibility of the same constraints with a margin of 1.
      ``terms`` lists the regressors in the separating direction (standardised scale).

    - ``"split"``: for each regressor and each binary split of y at a cutpoint (y <= c vs y > c),
      whether that regressor alone separates the two sides completely (no overlap) or
      quasi-completely (overlap in a single value, e.g. a dummy equal to 1 only on one side).
      Such a split does not by itself make the ordered MLE diverge (the same b must order every
      cutpoint), but the cutpoint and the regressor then lean on very little information.
    """
    codes, labels, _ = _outcome_codes(y, "detect_separation")
    frame = _design(X, "detect_separation")
    values = frame.to_numpy(dtype=float)
    findings = _model_separation(codes, len(labels), values, list(frame.columns))
    findings += _split_separation(codes, labels, values, list(frame.columns))
    return findings


def _model_separation(codes: np.ndarray, n_cat: int, values: np.ndarray, names: list[str]) -> list[dict]:
    """The LP checks of ``detect_separation`` (scope "model")."""
    k, (n, p) = n_cat - 1, values.shape
    z = (values - values.mean(axis=0)) / values.std(axis=0)
    rows_upper = np.flatnonzero(codes < k)          # x_i'b - s_c <= 0
    rows_lower = np.flatnonzero(codes > 0)          # s_{c-1} - x_i'b <= 0
    a_ub = np.zeros((rows_upper.size + rows_lower.size, p + k))
    a_ub[:rows_upper.size, :p] = z[rows_upper]
    a_ub[np.arange(rows_upper.size), p + codes[rows_upper]] = -1.0
    a_ub[rows_upper.size:, :p] = -z[rows_lower]
    a_ub[rows_upper.size + np.arange(rows_lower.size), p + codes[rows_lower] - 1] = 1.0
    # maximise total slack = -sum(rows of a_ub) . (b, s)  <=> minimise sum(rows) . (b, s)
    bounds = [(-1.0, 1.0)] * p + [(None, None)] * k
    quasi = optimize.linprog(a_ub.sum(axis=0), A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), bounds=bounds,
                             method="highs")
    if quasi.status != 0 or -quasi.fun <= 1e-7 * n:
        return []
    direction = quasi.x[:p]
    complete = optimize.linprog(np.zeros(p + k), A_ub=a_ub, b_ub=-np.ones(a_ub.shape[0]),
                                bounds=[(None, None)] * (p + k), method="highs")
    kind = "complete" if complete.status == 0 else "quasi-complete"
    scale = np.abs(direction).max()
    terms = [nm for nm, b in zip(names, direction) if abs(b) > 1e-6 * scale]
    return [{"scope": "model", "type": kind, "terms": terms,
             "direction": {nm: round(float(b / scale), 6) for nm, b in zip(names, direction)
                           if abs(b) > 1e-6 * scale}}]


def _split_separation(codes: np.ndarray, labels: list[str], values: np.ndarray, names: list[str]) -> list[dict]:
    """Single-regressor checks at each binary split of the outcome (scope "split")."""
    findings = []
    for m in range(len(labels) - 1):
        low, high = codes <= m, codes > m
        for j, name in enumerate(names):
            x = values[:, j]
            for sign, (a, b) in (("+", (x[low].max(), x[high].min())), ("-", (x[high].max(), x[low].min()))):
                if a < b:
                    kind = "complete"
                elif a == b:
                    kind = "quasi-complete"
                else:
                    continue
                findings.append({"scope": "split", "type": kind, "term": name,
                                 "split": f"{labels[m]}/{labels[m + 1]}",
                                 "direction": "higher values -> higher categories" if sign == "+"
                                 else "higher values -> lower categories"})
    return findings


def _exploded_estimates(names, params, bse, values, link: _Link) -> list[dict]:
    """Heuristic post-fit flag: a coefficient (or its SE) that moves the latent index by more
    than EXPLODED_INDEX error SDs across the regressor's observed range is what a diverging
    (separated) estimate looks like when the optimiser stops. The LP check is the real test."""
    out = []
    spread = values.max(axis=0) - values.min(axis=0)
    limit = EXPLODED_INDEX * link.scale
    for name, b, se, r in zip(names, params, bse, spread):
        reasons = []
        if not np.isfinite(b) or abs(b) * r > limit:
            reasons.append("|coefficient| x range(x) exceeds %g latent SDs" % limit)
        if not np.isfinite(se) or se * r > limit:
            reasons.append("standard error x range(x) exceeds %g latent SDs" % limit)
        if reasons:
            out.append({"scope": "estimate", "type": "exploded", "term": name, "estimate": _num(b),
                        "std_error": _num(se), "reason": "; ".join(reasons)})
    return out


# ----------------------------------------------------------------------------------------------
# Fitting
# ----------------------------------------------------------------------------------------------

@dataclass
class _Fit:
    res: object            # statsmodels OrderedResults (wrapped)
    converged: bool
    problem: str           # why it is not converged ("" if it is)


def _fit_model(model: AnalyticOrderedModel, *, method: str, maxiter: int | None, cov_type: str,
               cluster_codes: np.ndarray | None, skip_cov: bool = False) -> _Fit:
    """One statsmodels fit with warnings and numerical errors turned into a verdict, not noise.

    Converged means: the optimiser's own criterion was met (Newton: parameter change < 1e-8;
    BFGS: max |score|/N < 1e-7 with the analytic gradient), the parameters are finite, and the
    Hessian at the optimum is negative definite (otherwise there is no covariance matrix).
    """
    kwargs = {"tol": 1e-8} if method == "newton" else {"gtol": 1e-7}
    if maxiter is None:
        maxiter = 100 if method == "newton" else 2000
    if not skip_cov and cov_type != "nonrobust":
        kwargs["cov_type"] = "HC0" if cov_type == "HC1" else cov_type   # HC1 = HC0 x n/(n-K), scaled later
        if cov_type == "cluster":
            kwargs["cov_kwds"] = {"groups": cluster_codes}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            res = model.fit(method=method, maxiter=maxiter, disp=0, **kwargs)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError) as exc:
            return _Fit(None, False, f"the optimiser failed ({type(exc).__name__}: {exc})")
    params = np.asarray(res.params, dtype=float)
    if not np.all(np.isfinite(params)):
        return _Fit(res, False, "non-finite parameters")
    if not res.mle_retvals.get("converged", False):
        if method == "newton":
            return _Fit(res, False, f"newton did not converge in {maxiter} iterations")
        flag = res.mle_retvals.get("warnflag")
        why = {1: f"{maxiter} iterations reached",
               2: "precision loss in the line search"}.get(flag, f"warnflag {flag}")
        return _Fit(res, False, f"bfgs stopped without converging ({why})")
    if skip_cov:
        return _Fit(res, True, "")
    hess = model.hessian(params)
    eig = np.linalg.eigvalsh(-hess) if np.all(np.isfinite(hess)) else np.array([np.nan])
    if not np.all(eig > 0):
        return _Fit(res, False, "the Hessian at the optimum is not negative definite (no covariance matrix)")
    if not np.all(np.isfinite(np.asarray(res.bse, dtype=float))):
        return _Fit(res, False, "non-finite standard errors")
    return _Fit(res, True, "")


def _build_model(codes: np.ndarray, labels: list[str], frame: pd.DataFrame, distr: str,
                 outcome: str) -> AnalyticOrderedModel:
    """An AnalyticOrderedModel whose threshold names are the outcome's own labels ("0/0.5")."""
    endog = pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), name=outcome)
    return AnalyticOrderedModel(endog, frame, distr=distr)


def fit_ordered(y, X, *, model_id: str, outcome: str | None = None, distr: str = "probit",
                cov_type: str = "nonrobust", groups=None, method: str = "newton", maxiter: int | None = None,
                permutation_terms: Sequence[str] = (), n_permutations: int = 0, seed: int = 0,
                on_separation: str = "report", check_separation: bool | None = None,
                alpha: float = 0.05, interactions: Sequence[Sequence[str]] = (),
                permutation_strata=None, profile: bool = False, design: Design | None = None) -> ModelResult:
    """Fit an ordered probit (``distr="probit"``) or logit and return a ``ModelResult``.

    ``y``: ordered outcome (numeric: its distinct values are the ordered categories; or an ordered
    Categorical). ``X``: DataFrame of regressors without a constant. ``cov_type``: "nonrobust"
    (inverse Hessian), "HC0" (sandwich), or "cluster" (CRV1 by ``groups``, statsmodels'
    small-sample factor G/(G-1) (N-1)/(N-K), K counting cutpoints too). ``method``: "newton"
    (default) or "bfgs", both with analytic derivatives. ``permutation_terms``: coefficients to
    give a randomization-inference p-value from ``n_permutations`` permutations drawn with
    ``numpy.random.default_rng(seed)``: each permutes one variable (within ``permutation_strata``
    if given), rebuilds its interactions and refits in one batch (models/batch.py).
    ``interactions``: lists of regressor names whose product enters the model (column "a:b");
    effects then move the product with its components. ``cov_type`` "HC1" is HC0 times
    n / (n - K), K counting cutpoints. ``profile``: add profile-likelihood CIs of every
    coefficient to ``extra["profile_ci"]``. ``design``: a formula's Design (models/formula.py); ``X`` then
    holds its base variables (categorical dummies included) and ``interactions`` is ignored.

    Separation is checked before fitting when ``check_separation`` is True (default: when N <=
    SEPARATION_AUTO_MAX_ROWS). If the MLE does not exist, ``on_separation="raise"`` raises;
    ``"report"`` (default) fits anyway and returns the estimates where the optimiser stopped, with
    ``converged`` as the optimiser says, the finding in ``extra["separation"]`` and a note; the
    inference (SE, z, p, CI) of the diverging rows is left empty. Non-convergence that separation
    does not explain raises ``ModelError``.
    """
    _check_choice(model_id, "distr", distr, DISTRS)
    _check_choice(model_id, "cov_type", cov_type, COV_TYPES)
    _check_choice(model_id, "method", method, METHODS)
    _check_choice(model_id, "on_separation", on_separation, ON_SEPARATION)
    outcome = outcome or (str(y.name) if isinstance(y, pd.Series) and y.name is not None else "y")
    codes, labels, notes = _outcome_codes(y, model_id)
    if design is None:
        base_frame = _design(X, model_id)
        frame, design = build_design(base_frame, interactions, model_id)
        if design.products:
            frame = _design(frame, model_id)
    else:
        base_frame = X[design.variables].astype(float)
        frame = _design(pd.DataFrame(design.matrix(base_frame.to_numpy()), columns=design.columns,
                                     index=base_frame.index), model_id)
    n, p, k = len(codes), frame.shape[1], len(labels) - 1
    if frame.shape[0] != n:
        raise ModelError(f"{model_id}: {n} outcome values but {frame.shape[0]} regressor rows")
    if isinstance(y, pd.Series) and isinstance(X, pd.DataFrame) and not y.index.equals(X.index):
        raise ModelError(f"{model_id}: the outcome and the regressors have different indexes")
    if n <= p + k:
        raise ModelError(f"{model_id}: {n} observations for {p + k} parameters")
    cluster_codes, se_type, n_clusters = None, _se_label(cov_type), None
    if cov_type == "cluster":
        cluster_codes, cluster_name, n_clusters = _cluster_codes(groups, n, model_id)
        se_type = f"clustered by {cluster_name}, {n_clusters} clusters"

    separation = []
    if check_separation or (check_separation is None and n <= SEPARATION_AUTO_MAX_ROWS):
        separation = (_model_separation(codes, len(labels), frame.to_numpy(), list(frame.columns))
                      + _split_separation(codes, labels, frame.to_numpy(), list(frame.columns)))
    else:
        notes.append(f"separation not checked (N = {n} > {SEPARATION_AUTO_MAX_ROWS}; pass check_separation=True)")
    diverges = [f for f in separation if f["scope"] == "model"]
    if diverges and on_separation == "raise":
        raise ModelError(f"{model_id}: {_separation_text(diverges[0])}; the MLE does not exist")

    model = _build_model(codes, labels, frame, distr, outcome)
    fit = _fit_model(model, method=method, maxiter=maxiter, cov_type=cov_type, cluster_codes=cluster_codes)
    if not fit.converged and not (diverges and fit.res is not None):
        hint = f" ({_separation_text(diverges[0])})" if diverges else (
            "; try method='bfgs'" if method == "newton" else "")
        raise ModelError(f"{model_id}: ordered {distr} did not converge: {fit.problem}{hint}")
    res = fit.res
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float) if res.normalized_cov_params is not None \
        else np.full((p + k, p + k), np.nan)

    if cov_type == "HC1":
        cov = cov * n / (n - (p + k))
    rows, cov_real = _estimate_rows(model, params, cov, labels, alpha, design, base_frame.to_numpy())
    separation += _exploded_estimates(list(frame.columns), params[:p], np.sqrt(np.diag(cov))[:p],
                                      frame.to_numpy(), model.link)
    if diverges:
        blanked = _blank_diverging(rows, diverges[0])
        notes.append(f"{_separation_text(diverges[0])}: the MLE does not exist; estimates are where the "
                     f"optimiser stopped ({fit.problem or 'converged'}); SEs, z, p-values and CIs of "
                     f"{blanked} are left empty (the curvature there says nothing about uncertainty)")
    exploded = [f["term"] for f in separation if f["scope"] == "estimate"]
    if exploded and not diverges:
        notes.append(f"very large coefficients or SEs for {exploded} (possible near-separation)")
    splits = [f for f in separation if f["scope"] == "split"]
    if splits:
        notes.append("binary splits of the outcome separated by a single regressor: "
                     + "; ".join(f"{f['term']} at {f['split']} ({f['type']})" for f in splits))
    if n_clusters is not None and n_clusters < FEW_CLUSTERS:
        notes.append(f"cluster-robust SEs rest on only {n_clusters} clusters")

    extra = {"distr": distr, "method": method, "iterations": _int(res.mle_retvals.get("iterations")),
             "gradient_calls": _int(res.mle_retvals.get("gcalls")),
             "optimizer_problem": fit.problem,
             "max_abs_score": float(np.max(np.abs(model.score(params)))),
             "category_counts": {lab: int(c) for lab, c in zip(labels, np.bincount(codes, minlength=len(labels)))},
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
    if permutation_terms and n_permutations > 0:
        perm = permutation_pvalues(codes, base_frame, permutation_terms, n_permutations=n_permutations, seed=seed,
                                   distr=distr, model_id=model_id, interactions=interactions,
                                   strata=permutation_strata, design_override=design if design.factors or
                                   design.hidden else None)
        for row in rows:
            tested = row["term"] if row["term"] in perm else design.factor_of(row["term"])
            if row["role"] == "coef" and tested in perm:   # a categorical's dummies share its joint test
                row["p_value_permutation"] = perm[tested]["p_value"]
        extra["permutation"] = {"n_permutations": int(n_permutations), "seed": int(seed),
                                "permuted": "the variable, with every column derived from it (its interactions)"
                                            + (f", within strata of {_strata_name(permutation_strata)}"
                                               if permutation_strata is not None else ""),
                                "statistic": "likelihood ratio of dropping every column derived from the variable",
                                "p_value": "(1 + #{LR_perm >= LR_obs}) / (1 + n); failed refits count as extreme",
                                "n_failed": {t: v["n_failed"] for t, v in perm.items()},
                                "mc_se": {t: v["mc_se"] for t, v in perm.items()},
                                "columns": {t: v["columns"] for t, v in perm.items()}}
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


SMALL_SAMPLE = {"nonrobust": "none (inverse observed information)", "HC0": "none (HC0)",
                "HC1": "n/(n-K), K = coefficients and cutpoints", "cluster": "G/(G-1) (N-1)/(N-K)"}


def _strata_name(strata) -> str:
    return str(strata.name) if isinstance(strata, pd.Series) and strata.name is not None else "strata"


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
        out[str(name)] = [_num(lo), _num(hi)]
    return out


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


def _blank_diverging(rows: list[dict], finding: dict) -> list[str]:
    """Empty the inference of rows whose estimate diverges under separation: the coefficients and
    AMEs of the separating terms (quasi-complete), or every row (complete: the cutpoints diverge
    too). Stata would print them; a table that shows p = 1e-27 for a diverging coefficient under
    HC0 would mislead. Returns the terms affected."""
    complete = finding["type"] == "complete"
    hit = sorted({r["term"] for r in rows if complete or r["term"] in finding["terms"]},
                 key=[r["term"] for r in rows].index)
    for row in rows:
        if row["term"] in hit:
            row.update(std_error=math.nan, statistic=math.nan, p_value=math.nan, ci_low=math.nan,
                       ci_high=math.nan)
    return hit


def _row(role, term, category, estimate, se, alpha) -> dict:
    estimate, se = float(estimate), float(se)
    z = estimate / se if se > 0 else math.nan
    q = stats.norm.ppf(1 - alpha / 2)
    return {"role": role, "term": term, "category": category, "estimate": estimate, "std_error": se,
            "statistic": z, "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan,
            "ci_low": estimate - q * se, "ci_high": estimate + q * se, "p_value_permutation": math.nan}


# ----------------------------------------------------------------------------------------------
# Randomization inference
# ----------------------------------------------------------------------------------------------

def permutation_pvalues(y, X: pd.DataFrame, terms: Sequence[str], *, n_permutations: int, seed: int,
                        distr: str = "probit", model_id: str = "permutation",
                        interactions: Sequence[Sequence[str]] = (), strata=None, design_override: Design | None = None,
                        **_ignored) -> dict[str, dict]:
    """Randomization-inference p-values of "this variable has no effect" (models/batch.py).

    For each term, the variable is permuted ``n_permutations`` times (within ``strata`` if given;
    y and the other variables stay put), every column derived from it (its declared interactions)
    is rebuilt, and all draws are refitted as one batch; the statistic is the likelihood ratio of
    dropping the variable's columns, p = (1 + #{LR_perm >= LR_obs}) / (1 + n_permutations), with
    Monte Carlo SE sqrt(p (1 - p) / n_permutations). Every term uses a fresh
    ``numpy.random.default_rng(seed)``, so its p-value does not depend on which other terms are
    tested. A permuted refit that does not converge (e.g. separation) counts as extreme.
    """
    codes, labels, _ = _outcome_codes(y, model_id)
    if design_override is None:
        base_frame = _design(X, model_id)
        frame, design = build_design(base_frame, interactions, model_id)
    else:   # a formula's design: X holds its base variables (categorical dummies included)
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
    fit = _fit_model(_build_model(codes, labels, frame, distr, "y"), method="newton", maxiter=None,
                     cov_type="nonrobust", cluster_codes=None, skip_cov=True)
    start = None
    if fit.converged:
        params = np.asarray(fit.res.params, dtype=float)
        p = frame.shape[1]
        start = np.concatenate((params[:p], cutpoints_and_jacobian(params[p:])[0]))
    out = {}
    order = [*design.variables, *design.factors]
    for term in sorted(set(terms), key=order.index):
        out[term] = batch.permutation_test(link, codes, len(labels), design, base, term, n_draws=n_permutations,
                                           seed=seed, strata=strata_codes, start=start)
    return out


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

def _check_choice(model_id, name, value, allowed) -> None:
    if value not in allowed:
        raise ModelError(f"{model_id}: {name}={value!r} is not one of {list(allowed)}")


def _se_label(cov_type: str) -> str:
    return {"nonrobust": "model-based (inverse observed information)", "HC0": "robust (HC0)",
            "HC1": "robust (HC1, n/(n-K))"}.get(cov_type, cov_type)


def _separation_text(finding: dict) -> str:
    return f"{finding['type']} separation of the outcome by {finding['terms']}"


def _num(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _int(value) -> int | None:
    return None if value is None else int(value)
