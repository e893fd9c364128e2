"""The ordered probit / logit model: links, cutpoints, analytic derivatives and one statsmodels fit.

The model. A latent index ``y* = x'b + u`` with ``u`` standard normal (probit) or standard
logistic (logit) is observed only as the ordered category it falls in:

    P(y = c | x) = F(a_c - x'b) - F(a_{c-1} - x'b),   a_{-1} = -inf < a_0 < ... < a_{K-2} < a_{K-1} = +inf

There is no constant: it is not identified separately from the cutpoints ``a``.

statsmodels' parameterisation. ``OrderedModel`` optimises over ``theta = (b, t)`` where the
cutpoints are ``a_0 = t_0`` and ``a_m = a_{m-1} + exp(t_m)``: unconstrained parameters that keep
the cutpoints increasing. Everything statsmodels reports for the thresholds (``params``, ``bse``)
is on that ``t`` scale; ``cutpoints_and_jacobian`` converts to the real cutpoints ``a`` and gives
the Jacobian for delta-method SEs.

Speed. Stock ``OrderedModel`` has no analytic derivatives: its score and Hessian are finite
differences of the log-likelihood, so BFGS at a million rows takes tens of seconds.
``AnalyticOrderedModel`` keeps statsmodels' model and results classes and parameterisation and
only supplies vectorised analytic ``loglike``/``score``/``score_obs``/``hessian`` in ``theta``, so
Newton-Raphson converges in a handful of iterations and the robust sandwich (which reads
``score_obs`` and ``hessian``) is analytic too. See ``workflow/benchmarks/ordinal_scale.py``.

``build_model`` and ``fit_model`` are the one statsmodels fit that ``fit_ordered`` (models/ordinal.py)
and the randomization inference (models/randomization.py) share: warnings and numerical errors
become a verdict (``FitOutcome``). Nelder-Mead is never used (only Newton, and BFGS with the
analytic gradient).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.miscmodels.ordinal_model import OrderedModel

from gvc_clusters.models.options import LinkName, OptimizerMethod, OrdinalCovType, choices

PROB_FLOOR = 1e-20                  # statsmodels' own floor inside log(prob + 1e-20)

# ----------------------------------------------------------------------------------------------
# Link functions: F, its survival function, density and density derivative on finite arrays
# ----------------------------------------------------------------------------------------------

_SQRT_2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class Link:
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


LINKS = {"probit": Link("probit", 1.0), "logit": Link("logit", math.pi / math.sqrt(3.0))}


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
            raise ValueError(f"AnalyticOrderedModel supports distr in {choices(LinkName)}, got {distr!r}")
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
# One statsmodels fit
# ----------------------------------------------------------------------------------------------

@dataclass
class FitOutcome:
    res: object            # statsmodels OrderedResults (wrapped)
    converged: bool
    problem: str           # why it is not converged ("" if it is)


def fit_model(model: AnalyticOrderedModel, *, method: OptimizerMethod, maxiter: int | None,
              cov_type: OrdinalCovType, cluster_codes: np.ndarray | None, skip_cov: bool = False) -> FitOutcome:
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
            return FitOutcome(None, False, f"the optimiser failed ({type(exc).__name__}: {exc})")
    params = np.asarray(res.params, dtype=float)
    if not np.all(np.isfinite(params)):
        return FitOutcome(res, False, "non-finite parameters")
    if not res.mle_retvals.get("converged", False):
        if method == "newton":
            return FitOutcome(res, False, f"newton did not converge in {maxiter} iterations")
        flag = res.mle_retvals.get("warnflag")
        why = {1: f"{maxiter} iterations reached",
               2: "precision loss in the line search"}.get(flag, f"warnflag {flag}")
        return FitOutcome(res, False, f"bfgs stopped without converging ({why})")
    if skip_cov:
        return FitOutcome(res, True, "")
    hess = model.hessian(params)
    eig = np.linalg.eigvalsh(-hess) if np.all(np.isfinite(hess)) else np.array([np.nan])
    if not np.all(eig > 0):
        return FitOutcome(res, False, "the Hessian at the optimum is not negative definite (no covariance matrix)")
    if not np.all(np.isfinite(np.asarray(res.bse, dtype=float))):
        return FitOutcome(res, False, "non-finite standard errors")
    return FitOutcome(res, True, "")


def build_model(codes: np.ndarray, labels: list[str], frame: pd.DataFrame, distr: LinkName,
                outcome: str) -> AnalyticOrderedModel:
    """An AnalyticOrderedModel whose threshold names are the outcome's own labels ("0/0.5")."""
    endog = pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), name=outcome)
    return AnalyticOrderedModel(endog, frame, distr=distr)

