"""Designs with declared interactions, and the marginal effects of an ordered model on them.

A spec declares an interaction by its components (``interactions: [[ce_level,
sector_complex_products]]``); ``build_design`` adds the product column ``"ce_level:sector_complex_products"``
and remembers which columns derive from which variable. That is what lets the effects (and the
randomization inference) move every column built from a variable, as Stata's ``c.ce##i.complex`` does.

Effects of a variable v on P(y = c) (``marginal_effects``), following Stata's ``margins``:

- v binary (values 0/1 only): the discrete change P(y = c | v = 1) - P(y = c | v = 0), the other
  regressors at their observed values and every product column rebuilt from v, averaged over the
  sample. Never a derivative: a derivative of a dummy is not a change of a probability.
- v a level of a categorical (a spec's ``categoricals``, or a formula's ``C(g)``): the contrast
  between that level and the reference, the categorical's other levels off in both (Stata's
  ``margins`` with factor notation, marginaleffects' ``comparisons``): no observation is put in two
  levels at once. Product columns of the level follow it (on at the level, off at the reference).
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError

PRODUCT_SEPARATOR = ":"


@dataclass(frozen=True)
class Design:
    """The model's columns and where they come from.

    ``variables`` are the base regressors (each gets effects); ``products`` maps each product column
    to its components; ``binary`` says which variables take only the values 0 and 1. A formula's
    categorical variable ``v`` adds ``factors[v] = {"reference": level, "dummies": {level: name}}``:
    its dummies are base variables that move together (an observation is in one level), so the
    effect of level L is the change from the reference to L, and permuting ``v`` moves all of them.
    ``hidden`` base variables have no column of their own (a categorical that enters only through
    an interaction, ``x:C(g)`` without ``C(g)``).
    """
    variables: list[str]
    products: dict[str, tuple[str, ...]] = field(default_factory=dict)
    binary: dict[str, bool] = field(default_factory=dict)
    factors: dict[str, dict] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [*(v for v in self.variables if v not in self.hidden), *self.products]

    def factor_of(self, variable: str) -> str | None:
        """The categorical variable whose dummy ``variable`` is (None for other variables)."""
        for name, info in self.factors.items():
            if variable in info["dummies"].values():
                return name
        return None

    def members(self, term: str) -> list[str]:
        """Base variables of a term: a categorical's dummies, else the variable itself."""
        if term in self.factors:
            return list(self.factors[term]["dummies"].values())
        return [term]

    def derived(self, variable: str) -> list[str]:
        """Every column that moves when ``variable`` (or a categorical term) moves: its own and its products."""
        members = self.members(variable)
        own = [m for m in members if m not in self.hidden]
        return own + [name for name, comps in self.products.items() if any(m in comps for m in members)]

    def moderators(self, variable: str) -> list[str]:
        """Binary variables that ``variable`` interacts with (one conditional effect per group)."""
        out = []
        for comps in self.products.values():
            if variable in comps:
                out += [m for m in comps if m != variable and self.binary.get(m) and m not in out]
        return out

    def non_reference_levels(self, factor: str) -> list[str]:
        """The dummies of a categorical's levels other than its reference."""
        info = self.factors[factor]
        return [name for level, name in info["dummies"].items() if level != info["reference"]]

    def groups(self, variable: str, base: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(label, mask) of the subsamples over which ``variable``'s effect is also reported: each
        group of a binary moderator ("m=0", "m=1"), each level of a categorical moderator ("g=L")
        when ``variable`` interacts with every level of it (a formula's ``x:C(g)``). A declared
        categorical of which only some levels interact with ``variable`` (``ce_level`` with the
        complex-products level of ``sector``) splits the sample by each interacting level's dummy:
        that level against the rest, where the interaction column is on and off."""
        index = {v: j for j, v in enumerate(self.variables)}
        out, seen = [], set()
        moderators = self.moderators(variable)
        for m in moderators:
            factor = self.factor_of(m)
            partial = factor is not None and not set(self.non_reference_levels(factor)) <= set(moderators)
            if factor is None or (partial and factor != self.factor_of(variable)):
                out += [(f"{m}={g}", base[:, index[m]] == g) for g in (0, 1)]
            elif factor not in seen and factor != self.factor_of(variable):
                seen.add(factor)
                info = self.factors[factor]
                dummies = info["dummies"]
                in_any = np.zeros(base.shape[0], dtype=bool)
                levels = []
                for level, name in dummies.items():
                    mask = base[:, index[name]] == 1
                    in_any |= mask
                    levels.append((f"{factor}={level}", mask))
                if info["reference"] not in dummies:
                    levels.insert(0, (f"{factor}={info['reference']}", ~in_any))
                out += levels
        return out

    def contrast(self, base: np.ndarray, variable: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(hi, lo) base matrices of a discrete change of a binary variable: v = 1 against v = 0, or
        for a categorical's dummy, level L against the reference (the other dummies at 0). None for
        the reference level's own dummy (its change is zero by definition)."""
        index = {v: j for j, v in enumerate(self.variables)}
        hi, lo = base.copy(), base.copy()
        factor = self.factor_of(variable)
        if factor is None:
            hi[:, index[variable]], lo[:, index[variable]] = 1.0, 0.0
            return hi, lo
        info = self.factors[factor]
        if info["dummies"].get(info["reference"]) == variable:
            return None
        for name in info["dummies"].values():
            hi[:, index[name]] = lo[:, index[name]] = 0.0
        hi[:, index[variable]] = 1.0
        if info["reference"] in info["dummies"]:
            lo[:, index[info["dummies"][info["reference"]]]] = 1.0
        return hi, lo

    def matrix(self, base: np.ndarray) -> np.ndarray:
        """Model matrix (..., N, #columns) from the base variables (..., N, #variables)."""
        index = {v: j for j, v in enumerate(self.variables)}
        own = [j for j, v in enumerate(self.variables) if v not in self.hidden]
        cols = [base if len(own) == len(self.variables) else base[..., own]]
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
        if variable not in self.hidden:
            out[:, self.columns.index(variable)] = 1.0
        n_own = len(self.variables) - len(self.hidden)
        for j, comps in enumerate(self.products.values(), start=n_own):
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


def build_design(X: pd.DataFrame, interactions: Sequence[Sequence[str]] = (), model_id: str = "model",
                 categoricals: Mapping[str, Mapping] | None = None) -> tuple[pd.DataFrame, Design]:
    """The model frame (base columns, then one product column per declared interaction) and its Design.

    ``categoricals``: dummies that are the levels of one categorical, as a spec declares them
    (``{sector: {levels: [sector_natural_resource, sector_complex_products], reference: traditional
    manufacturing}}``): their effects are contrasts between levels with the other levels off, and a
    permutation moves them together (``declared_factors``)."""
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
    factors = declared_factors(categoricals or {}, variables, binary, values, model_id)
    design = Design(variables=variables, products=products, binary=binary, factors=factors)
    frame = pd.DataFrame(design.matrix(values), columns=design.columns, index=X.index)
    return frame, design


def declared_factors(categoricals: Mapping[str, Mapping], variables: list[str], binary: dict[str, bool],
                     values: np.ndarray, model_id: str = "model") -> dict[str, dict]:
    """A spec's ``categoricals`` as Design factors, each level named by its dummy column.

    Each level must be a 0/1 regressor of the spec, in one categorical only, and no observation may
    have two levels on (the levels are exclusive; the reference is every dummy off). A categorical's
    name must not be a regressor's (it names the categorical in ``permutation_terms``)."""
    factors: dict[str, dict] = {}
    owner: dict[str, str] = {}
    for name, info in categoricals.items():
        name, levels, reference = str(name), [str(v) for v in info["levels"]], str(info["reference"])
        where = f"{model_id}: categorical {name!r}"
        if name in variables:
            raise ModelError(f"{where} has the name of a regressor; name the categorical itself (e.g. sector)")
        if not levels or len(set(levels)) < len(levels):
            raise ModelError(f"{where} needs one or more distinct levels, got {levels}")
        missing = [v for v in levels if v not in variables]
        if missing:
            raise ModelError(f"{where} names levels {missing} that are not regressors of the spec ({variables}); "
                             "list every level's dummy under regressors")
        twice = [v for v in levels if v in owner]
        if twice:
            raise ModelError(f"{where}: {twice} already level(s) of {owner[twice[0]]!r}; a dummy is a level of one "
                             "categorical")
        not_binary = [v for v in levels if not binary[v]]
        if not_binary:
            raise ModelError(f"{where}: levels {not_binary} are not 0/1 dummies")
        if reference in levels:
            raise ModelError(f"{where}: the reference {reference!r} is a listed level; the reference is the level "
                             "with every listed dummy at 0 (name it, e.g. traditional manufacturing)")
        on = np.nansum(values[:, [variables.index(v) for v in levels]], axis=1)
        clash = np.flatnonzero(on > 1)
        if clash.size:
            raise ModelError(f"{where}: {clash.size} observation(s) have two or more of {levels} at 1 (first at "
                             f"position {int(clash[0])}); the levels of a categorical exclude each other")
        owner.update(dict.fromkeys(levels, name))
        factors[name] = {"reference": reference, "dummies": {v: v for v in levels}, "declared": True}
    return factors


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
    ``alpha`` the real cutpoints. Returns dicts with ``term``, ``kind`` ("contrast", "discrete change"
    or "derivative"), ``over`` ("" for the whole sample, else "m=0"/"m=1"), ``n`` (observations
    averaged over), ``effect`` (K,) and ``jac`` (K x (p + k), in (b, a)).
    """
    X = design.matrix(base)
    n = base.shape[0]
    out = []
    for v in design.variables:
        groups = [("", np.ones(n, dtype=bool)), *design.groups(v, base)]
        if design.binary[v]:
            pair = design.contrast(base, v)
            if pair is None:
                continue
            X_hi, X_lo = design.matrix(pair[0]), design.matrix(pair[1])
        for over, mask in groups:
            if not mask.any():
                continue
            if design.binary[v]:
                p1, j1 = _mean_probability(link, X_hi, beta, alpha, mask)
                p0, j0 = _mean_probability(link, X_lo, beta, alpha, mask)
                effect, jac = p1 - p0, j1 - j0
                kind = "contrast" if design.factor_of(v) is not None else "discrete change"
            else:
                effect, jac = _mean_derivative(link, X, design.slope_matrix(base, v), beta, alpha, mask)
                kind = "derivative"
            out.append({"term": v if not over else f"{v} | {over}", "variable": v, "kind": kind, "over": over,
                        "n": int(mask.sum()), "effect": effect, "jac": jac})
    return out


def effect_columns(design: Design, base: np.ndarray, term: str) -> set[str]:
    """The model columns an effect term (``"v"`` or ``"v | g"``, as ``marginal_effects`` names it)
    depends on: those non-zero on the observations it averages over, in either of the states it
    compares (a discrete change or contrast), or at the observed values with the columns that move
    with v (a derivative). A coefficient outside this set does not enter the effect, so a diverging
    (separated) coefficient leaves it identified exactly when it is outside."""
    variable, _, over = str(term).partition(" | ")
    mask = np.ones(base.shape[0], dtype=bool)
    if over:
        groups = dict(design.groups(variable, base))
        if over not in groups:
            raise KeyError(f"{term!r}: {variable} has no group {over!r} (groups: {list(groups)})")
        mask = groups[over]
    if design.binary[variable]:
        pair = design.contrast(base, variable)
        states = [design.matrix(state)[mask] for state in pair] if pair is not None else []
    else:
        states = [design.matrix(base)[mask], design.slope_matrix(base, variable)[mask]]
    return {c for j, c in enumerate(design.columns) if any(np.any(x[:, j] != 0) for x in states)}


def effect_definitions(design: Design) -> dict[str, dict]:
    """What every effect term is, for models.json and the table notes: term -> definition with
    ``variable``, ``kind`` ("contrast" for a categorical's level, "discrete change" for another 0/1
    variable, "derivative"), ``factor``, ``reference`` and ``others_off`` (a contrast's categorical,
    its reference level and the other levels held at 0), ``moves`` (the product columns that move
    with the variable), ``over``/``over_variable``/``over_value`` (the subsample, "" for all) and
    ``text`` (``effect_text`` with the raw names). The notes word it with labels (``effect_text``)."""
    out = {}
    no_rows = np.zeros((0, len(design.variables)))
    for v in design.variables:
        factor = design.factor_of(v)
        if factor is not None:
            info = design.factors[factor]
            if info["dummies"].get(info["reference"]) == v:
                continue
            kind, reference = "contrast", str(info["reference"])
            others = [m for m in design.members(factor) if m != v]
        else:
            kind, reference, others = ("discrete change" if design.binary[v] else "derivative"), None, []
        base = {"variable": v, "kind": kind, "factor": factor, "reference": reference, "others_off": others,
                "moves": [c for c in design.derived(v) if c != v]}
        for over in ["", *(label for label, _ in design.groups(v, no_rows))]:
            over_variable, _, over_value = over.partition("=")
            definition = {**base, "over": over, "over_variable": over_variable, "over_value": over_value}
            definition["text"] = effect_text(definition)
            out[f"{v} | {over}" if over else v] = definition
    return out


def effect_text(definition: Mapping, label=str) -> str:
    """One effect's definition in words, every name through ``label`` (the report passes its
    labels): what is compared, what moves with it, and over which observations it is averaged."""
    v = label(definition["variable"])
    kind = definition["kind"]
    if kind == "contrast":
        factor = label(definition["factor"])
        text = (f"contrast between levels of {factor}: P(y = c) with {v} on minus P(y = c) at the reference "
                f"level ({definition['reference']})")
        if definition["others_off"]:
            text += f", the other levels ({', '.join(label(o) for o in definition['others_off'])}) off in both"
    elif kind == "discrete change":
        text = f"discrete change P(y = c | {v} = 1) − P(y = c | {v} = 0)"
    else:
        text = f"derivative dP(y = c)/d({v})"
    if definition["moves"]:
        text += f", with {' and '.join(label(m) for m in definition['moves'])} moving with it"
    if definition.get("over"):
        text += (f", averaged over the observations with {label(definition['over_variable'])} = "
                 f"{definition['over_value']}")
    else:
        text += ", averaged over the sample"
    return text
