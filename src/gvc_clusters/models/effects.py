"""Designs with declared interactions, and the marginal effects of an ordered model on them.

A spec declares an interaction by its components (``interactions: [[ce_level,
sector_complex_products]]``); ``build_design`` adds the product column ``"ce_level:sector_complex_products"``
and remembers which columns derive from which variable. That is what lets the effects (and the
randomization inference) move every column built from a variable, as Stata's ``c.ce##i.complex`` does.

Effects of a variable v on P(y = c) (``marginal_effects``), following Stata's ``margins``:

- v binary (values 0/1 only): the discrete change P(y = c | v = 1) - P(y = c | v = 0), the other
  regressors at their observed values and every product column rebuilt from v, averaged over the
  sample. Never a derivative: a derivative of a dummy is not a change of a probability.
- v otherwise: the derivative dP(y = c)/dv = D_c(eta) * sum_j b_j dx_j/dv, where the sum runs over v's
  own column and every product column containing v (dx_j/dv is the product of the other
  components), averaged over the sample.
- v in an interaction with a binary moderator m: the same effect also averaged over the
  observations with m = 0 and with m = 1 (Stata ``margins, dydx(v) over(m)``), terms ``"v | m=0"``
  and ``"v | m=1"``.
- product columns get no effect of their own (Ai and Norton 2003: in a nonlinear model a product
  term has no marginal effect separate from its components').

Delta-method SEs come from analytic Jacobians in the model's parameters (b, real cutpoints a),
chained to statsmodels' (b, t) by ``J = da/dt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ModelError

PRODUCT_SEPARATOR = ":"


@dataclass(frozen=True)
class Design:
    """The model's columns and where they come from.

    ``variables`` are the base regressors (each gets effects); ``products`` maps each product column
    to its components; ``binary`` says which variables take only the values 0 and 1.
    """
    variables: list[str]
    products: dict[str, tuple[str, ...]] = field(default_factory=dict)
    binary: dict[str, bool] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.variables, *self.products]

    def derived(self, variable: str) -> list[str]:
        """Every column that moves when ``variable`` moves (its own and its products)."""
        return [variable] + [name for name, comps in self.products.items() if variable in comps]

    def moderators(self, variable: str) -> list[str]:
        """Binary variables that ``variable`` interacts with (one conditional effect per group)."""
        out = []
        for comps in self.products.values():
            if variable in comps:
                out += [m for m in comps if m != variable and self.binary.get(m) and m not in out]
        return out

    def matrix(self, base: np.ndarray) -> np.ndarray:
        """Model matrix (..., N, p + #products) from the base variables (..., N, #variables)."""
        index = {v: j for j, v in enumerate(self.variables)}
        cols = [base]
        for comps in self.products.values():
            prod = np.ones(base.shape[:-1])
            for c in comps:
                prod = prod * base[..., index[c]]
            cols.append(prod[..., None])
        return np.concatenate(cols, axis=-1)

    def slope_matrix(self, base: np.ndarray, variable: str) -> np.ndarray:
        """dx_j/dv for every model column j (N x p): 1 for v itself, the product of the other
        components for a product containing v, 0 elsewhere."""
        index = {v: j for j, v in enumerate(self.variables)}
        n = base.shape[0]
        out = np.zeros((n, len(self.columns)))
        out[:, index[variable]] = 1.0
        for j, comps in enumerate(self.products.values(), start=len(self.variables)):
            if variable in comps:
                prod = np.ones(n)
                rest = list(comps)
                rest.remove(variable)
                for c in rest:
                    prod = prod * base[:, index[c]]
                out[:, j] = prod
        return out


def product_name(components: Sequence[str]) -> str:
    return PRODUCT_SEPARATOR.join(components)


def build_design(X: pd.DataFrame, interactions: Sequence[Sequence[str]] = (), model_id: str = "model"
                 ) -> tuple[pd.DataFrame, Design]:
    """The model frame (base columns, then one product column per declared interaction) and its Design."""
    variables = [str(c) for c in X.columns]
    products: dict[str, tuple[str, ...]] = {}
    for comps in interactions:
        comps = tuple(str(c) for c in comps)
        missing = [c for c in comps if c not in variables]
        if len(comps) < 2 or len(set(comps)) < len(comps):
            raise ModelError(f"{model_id}: an interaction needs two or more distinct components, got {list(comps)}")
        if missing:
            raise ModelError(f"{model_id}: interaction {list(comps)} names {missing}, which are not regressors "
                             f"of the spec ({variables}); list its components under regressors")
        name = product_name(comps)
        if name in products or name in variables:
            raise ModelError(f"{model_id}: interaction {list(comps)} declared twice")
        products[name] = comps
    values = X.to_numpy(dtype=float, na_value=np.nan)
    binary = {v: bool(np.isin(values[:, j][~np.isnan(values[:, j])], (0.0, 1.0)).all())
              for j, v in enumerate(variables)}
    design = Design(variables=variables, products=products, binary=binary)
    frame = pd.DataFrame(design.matrix(values), columns=design.columns, index=X.index)
    return frame, design


# ----------------------------------------------------------------------------------------------
# Effects
# ----------------------------------------------------------------------------------------------

def _probabilities(link, X, beta, alpha):
    """P (N x K), f(a_m - eta) (N x k) and f'(a_m - eta) (N x k) at model matrix X."""
    eta = X @ beta
    cdf, _, f, fp = link.values(alpha[None, :] - eta[:, None])
    n = eta.size
    cdf_pad = np.column_stack((np.zeros(n), cdf, np.ones(n)))
    return np.diff(cdf_pad, axis=1), f, fp


def _d_eta(f: np.ndarray) -> np.ndarray:
    """D_c = dP_c/deta = f(a_{c-1} - eta) - f(a_c - eta), N x K (f at +-inf is 0)."""
    n = f.shape[0]
    pad = np.column_stack((np.zeros(n), f, np.zeros(n)))
    return pad[:, :-1] - pad[:, 1:]


def _cut_matrix(values: np.ndarray, sign: float) -> np.ndarray:
    """K x k matrix with ``sign * values[c]`` at (c, c) and ``-sign * values[c-1]`` at (c, c-1)."""
    k = values.size
    out = np.zeros((k + 1, k))
    out[np.arange(k), np.arange(k)] = sign * values
    out[np.arange(1, k + 1), np.arange(k)] = -sign * values
    return out


def _mean_probability(link, X, beta, alpha, mask):
    """mean_{i in mask} P_c(x_i) (K,) and its Jacobian in (b, a) (K x (p + k))."""
    prob, f, _ = _probabilities(link, X[mask], beta, alpha)
    n = prob.shape[0]
    d = _d_eta(f)
    grad_b = d.T @ X[mask] / n                       # dP_c/deta * x
    grad_a = _cut_matrix(f.mean(axis=0), 1.0)        # dP_c/da_c = f(a_c), dP_c/da_{c-1} = -f(a_{c-1})
    return prob.mean(axis=0), np.hstack((grad_b, grad_a))


def _mean_derivative(link, X, slopes, beta, alpha, mask):
    """mean_{i in mask} s_i D_c(eta_i) with s_i = slopes_i . b, and its Jacobian in (b, a)."""
    Xm, Sm = X[mask], slopes[mask]
    _, f, fp = _probabilities(link, Xm, beta, alpha)
    n = Xm.shape[0]
    s = Sm @ beta
    d = _d_eta(f)
    dp = _d_eta(fp)                                  # f'(a_{c-1}) - f'(a_c); dD_c/deta = -dp
    effect = (s[:, None] * d).mean(axis=0)
    grad_b = (-(dp * s[:, None]).T @ Xm + d.T @ Sm) / n
    # dD_c/da_m = f'(a_m - eta) ([m = c-1] - [m = c])
    grad_a = _cut_matrix((s[:, None] * fp).mean(axis=0), -1.0)
    return effect, np.hstack((grad_b, grad_a))


def marginal_effects(link, design: Design, base: np.ndarray, beta: np.ndarray, alpha: np.ndarray
                     ) -> list[dict]:
    """Effects of every variable of ``design`` on every category probability.

    ``base``: the base variables (N x #variables); ``beta`` the coefficients of ``design.columns``;
    ``alpha`` the real cutpoints. Returns dicts with ``term``, ``kind`` ("discrete change" or
    "derivative"), ``over`` ("" for the whole sample, else "m=0"/"m=1"), ``n`` (observations
    averaged over), ``effect`` (K,) and ``jac`` (K x (p + k), in (b, a)).
    """
    X = design.matrix(base)
    index = {v: j for j, v in enumerate(design.variables)}
    n = base.shape[0]
    out = []
    for v in design.variables:
        groups = [("", np.ones(n, dtype=bool))]
        for m in design.moderators(v):
            groups += [(f"{m}={g}", base[:, index[m]] == g) for g in (0, 1)]
        for over, mask in groups:
            if not mask.any():
                continue
            if design.binary[v]:
                hi, lo = base.copy(), base.copy()
                hi[:, index[v]], lo[:, index[v]] = 1.0, 0.0
                p1, j1 = _mean_probability(link, design.matrix(hi), beta, alpha, mask)
                p0, j0 = _mean_probability(link, design.matrix(lo), beta, alpha, mask)
                effect, jac, kind = p1 - p0, j1 - j0, "discrete change"
            else:
                effect, jac = _mean_derivative(link, X, design.slope_matrix(base, v), beta, alpha, mask)
                kind = "derivative"
            out.append({"term": v if not over else f"{v} | {over}", "variable": v, "kind": kind, "over": over,
                        "n": int(mask.sum()), "effect": effect, "jac": jac})
    return out


def effect_definitions(design: Design) -> dict[str, str]:
    """One sentence per effect term: what the number is (for notes and models.json)."""
    out = {}
    for v in design.variables:
        kind = ("discrete change P(y=c | {v}=1) - P(y=c | {v}=0)" if design.binary[v]
                else "derivative dP(y=c)/d{v}").format(v=v)
        moved = design.derived(v)
        moves = f", moving {moved[1:]} with it" if len(moved) > 1 else ""
        out[v] = f"{kind}{moves}, averaged over the sample"
        for m in design.moderators(v):
            for g in (0, 1):
                out[f"{v} | {m}={g}"] = f"{kind}{moves}, averaged over the observations with {m} = {g}"
    return out
