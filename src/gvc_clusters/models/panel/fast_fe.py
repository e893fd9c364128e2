"""Fixed-effects OLS for long tables of tens of millions of rows, equal to linearmodels' PanelOLS.

Why this exists: two-way fixed effects on 1e7 rows (1e6 entities x 10 years) took 31 s and 7 GB in
linearmodels (it builds a MultiIndexed PanelData, copies it several times and loops over the
clusters in Python). Here the same estimator works on flat float64 arrays:

1. the group codes of entity and time come from ``pd.factorize`` (sorted, so results are stable);
2. the effects are removed in place, column by column, with ``np.bincount`` group means:
   * one effect, or two effects on a balanced panel: one sweep per effect is the exact projection
     (balance is detected: n == entities x periods with unique keys); if the rows are also sorted
     by entity then time, the sweep is a reshape to (entities, periods) and two axis means;
   * two effects on an unbalanced panel: the larger dimension is swept and the smaller one (up to
     ``EXACT_MAX_LEVELS`` levels) is solved exactly through its (levels x levels) normal equations
     after the sweep (a Schur complement: what linearmodels does with dummy variables, without
     building the n x levels dummy matrix);
   * otherwise alternating projections (sweep entity, sweep time, repeat) until the largest group
     mean left is below ``tol`` times the column's scale;
3. OLS on the demeaned data, with linearmodels' conventions so that the numbers agree to ~1e-12:
   the grand means are added back and a constant column kept when the model has a constant (so the
   constant is estimated as in PanelOLS), the effects count in the degrees of freedom
   ((N - 1) + (T - 1) with a constant), covariances are scaled by n / (n - effects - k)
   (``debiased=True``), except that a single effect nested in the clusters is not counted
   (``auto_df``), clusters carry no g/(g-1) factor (``group_debias=False``), and the cluster
   scores are summed with ``np.bincount`` instead of a Python loop over clusters.

Only unweighted PanelOLS with entity and/or time effects and the unadjusted, robust and one- or
two-way (entity, time) clustered covariances are covered; everything else goes to linearmodels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gvc_clusters.models.options import AbsorbCovType, FastCovType, choices

FAST_COV_TYPES = choices(FastCovType)
# linearmodels' tolerance: a column with less than 1e-5 of its norm left is absorbed by the effects.
ABSORBED_TOL = 1e-5
# Largest number of levels solved exactly in an unbalanced two-way panel (a levels x levels system).
EXACT_MAX_LEVELS = 2000


class FastFEError(ValueError):
    """The fast engine cannot fit this model (absorbed or collinear regressors, no residual df)."""


def group_codes(values) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of a key column (sorted levels, so the codes never depend on row order)."""
    codes, uniques = pd.factorize(np.asarray(values), sort=True)
    return codes.astype(np.int64, copy=False), len(uniques)


def has_duplicate_keys(entity: np.ndarray, n_entity: int, time: np.ndarray, n_time: int) -> bool:
    """True if an (entity, time) pair occurs twice: counting pairs in a dense table when it is at most
    a few times the data (one bincount), else sorting the combined keys."""
    key = entity * n_time + time
    if n_entity * n_time <= max(4 * key.size, 1_000_000):  # the dense count table stays small
        return bool(np.bincount(key, minlength=n_entity * n_time).max(initial=0) > 1)
    return np.unique(key).size < key.size


# ----------------------------------------------------------------------------------------------
# Removing the effects
# ----------------------------------------------------------------------------------------------

def _subtract_group_means(col: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> float:
    """Subtract the group means from ``col`` in place; return the largest absolute mean removed
    (the convergence measure of the alternating projections)."""
    means = np.bincount(codes, weights=col, minlength=counts.size)
    means /= counts
    np.subtract(col, means.take(codes), out=col)
    return float(np.abs(means).max(initial=0.0))


@dataclass
class Demeaner:
    """Removes entity and/or time effects from columns in place, choosing the cheapest exact method.

    ``method`` is "none", "one_way", "balanced_sorted", "balanced", "exact" or "iterate" (chosen by
    ``plan``; "iterate" can be forced to test the alternating projections).
    """

    entity: np.ndarray | None
    time: np.ndarray | None
    n_entity: int
    n_time: int
    method: str
    tol: float = 1e-13
    max_iter: int = 100_000
    iterations: list[int] = field(default_factory=list)
    converged: bool = True
    _counts: dict = field(default_factory=dict, repr=False)
    _exact: dict = field(default_factory=dict, repr=False)

    @classmethod
    def plan(cls, entity, time, n_entity, n_time, *, entity_effects, time_effects, method="auto",
             tol=1e-13, max_iter=100_000) -> Demeaner:
        """Pick the method from the effects and the panel's shape (balanced? sorted? sizes)."""
        ent = entity if entity_effects else None
        tim = time if time_effects else None
        if ent is None and tim is None:
            chosen = "none"
        elif ent is None or tim is None:
            chosen = "one_way"
        elif method != "auto":
            chosen = method
        elif entity.size == n_entity * n_time:  # keys are unique (checked by the caller): balanced
            chosen = "balanced_sorted" if _is_sorted_balanced(entity, time, n_entity, n_time) else "balanced"
        elif min(n_entity, n_time) <= EXACT_MAX_LEVELS:
            chosen = "exact"
        else:
            chosen = "iterate"
        out = cls(ent, tim, n_entity, n_time, chosen, tol=tol, max_iter=max_iter)
        if ent is not None:
            out._counts["entity"] = np.bincount(ent, minlength=n_entity).astype(np.float64)
        if tim is not None:
            out._counts["time"] = np.bincount(tim, minlength=n_time).astype(np.float64)
        if chosen == "exact":
            out._prepare_exact()
        return out

    def __call__(self, col: np.ndarray) -> None:
        """Demean one contiguous float64 column in place."""
        if self.method == "none":
            return
        if self.method == "one_way":
            which = "entity" if self.entity is not None else "time"
            codes = self.entity if self.entity is not None else self.time
            _subtract_group_means(col, codes, self._counts[which])
        elif self.method == "balanced_sorted":
            block = col.reshape(self.n_entity, self.n_time)
            block -= block.mean(axis=1, keepdims=True)
            block -= block.mean(axis=0, keepdims=True)
        elif self.method == "balanced":
            _subtract_group_means(col, self.entity, self._counts["entity"])
            _subtract_group_means(col, self.time, self._counts["time"])
        elif self.method == "exact":
            self._exact_demean(col)
        elif self.method == "iterate":
            self._iterate(col)
        else:
            raise ValueError(f"unknown demeaning method {self.method!r}")

    # The unbalanced two-way case, solved exactly on the smaller dimension.
    def _prepare_exact(self) -> None:
        """Normal equations of the small dimension's dummies after the large dimension is swept:
        A = D'D - D'P D, with D'P D[s, t] = sum over large-dimension groups g of n_gs n_gt / n_g."""
        from scipy import sparse

        if self.n_time <= self.n_entity:
            big, small, n_big, n_small = self.entity, self.time, self.n_entity, self.n_time
            big_name, small_name = "entity", "time"
        else:
            big, small, n_big, n_small = self.time, self.entity, self.n_time, self.n_entity
            big_name, small_name = "time", "entity"
        n_g = self._counts[big_name]
        incidence = sparse.csr_matrix((np.ones(big.size), (big, small)), shape=(n_big, n_small))
        weighted = sparse.csr_matrix((1.0 / n_g[big], (big, small)), shape=(n_big, n_small))
        cross = (incidence.T @ weighted).toarray()
        system = np.diag(self._counts[small_name]) - cross
        system = (system + system.T) / 2
        self._exact = {"big": big, "small": small, "big_name": big_name, "small_name": small_name,
                       "pinv": np.linalg.pinv(system, rcond=1e-12, hermitian=True)}

    def _exact_demean(self, col: np.ndarray) -> None:
        """Sweep the large dimension, then remove the projection on the swept small-dimension dummies."""
        ex = self._exact
        big, small = ex["big"], ex["small"]
        n_g = self._counts[ex["big_name"]]
        _subtract_group_means(col, big, n_g)
        rhs = np.bincount(small, weights=col, minlength=self._counts[ex["small_name"]].size)
        gamma = ex["pinv"] @ rhs
        fitted = gamma.take(small)
        _subtract_group_means(fitted, big, n_g)  # the swept dummies times gamma
        col -= fitted

    def _iterate(self, col: np.ndarray) -> None:
        """Alternating projections until the entity means left are below tol x the column's scale."""
        scale = math.sqrt(float(np.dot(col, col)) / max(col.size, 1)) or 1.0
        threshold = self.tol * scale
        for iteration in range(1, self.max_iter + 1):
            moved = _subtract_group_means(col, self.entity, self._counts["entity"])
            if iteration > 1 and moved <= threshold:
                self.iterations.append(iteration)
                return
            _subtract_group_means(col, self.time, self._counts["time"])
        self.iterations.append(self.max_iter)
        self.converged = False


def _is_sorted_balanced(entity, time, n_entity, n_time) -> bool:
    """Rows ordered entity-major with every period in order: the (entities, periods) reshape is valid."""
    if entity.size != n_entity * n_time:
        return False
    view_e = entity.reshape(n_entity, n_time)
    view_t = time.reshape(n_entity, n_time)
    return bool((view_e == np.arange(n_entity)[:, None]).all() and (view_t == np.arange(n_time)[None, :]).all())


def count_effects(n_entity, n_time, *, entity_effects, time_effects, constant) -> int:
    """Degrees of freedom of the effects, as PanelOLS counts them (the first level of each effect is
    dropped when it would duplicate the constant or the preceding effect)."""
    neffects, drop_first = 0, constant
    if entity_effects:
        neffects += n_entity - drop_first
        drop_first = True
    if time_effects:
        neffects += n_time - drop_first
    return int(neffects)


def is_nested(effect: np.ndarray, clusters: np.ndarray) -> bool:
    """Each group of the effect lies inside one cluster (linearmodels' ``_is_effect_nested``)."""
    if effect.size == 0:
        return True
    pairs = effect * (int(clusters.max()) + 1) + clusters
    return np.unique(pairs).size == np.unique(effect).size


# ----------------------------------------------------------------------------------------------
# The fit
# ----------------------------------------------------------------------------------------------

@dataclass
class WithinFit:
    """What PanelOLS reports, for the fast engine (names in the order of ``params``)."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    nobs: int
    n_entity: int
    n_time: int
    df_resid: int
    df_model: int
    extra_df: int
    resid_ss: float
    s2: float
    r2: float
    r2_within: float
    r2_overall: float
    loglik: float
    method: str
    iterations: int
    converged: bool
    cluster_counts: dict

    @property
    def std_errors(self) -> np.ndarray:
        """NaN where the covariance has a negative diagonal (possible with two-way clustering)."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.cov))


def fit_within(y: np.ndarray, columns: Sequence[np.ndarray], names: Sequence[str], entity: np.ndarray,
               time: np.ndarray, *, n_entity: int | None = None, n_time: int | None = None,
               entity_effects: bool = True, time_effects: bool = True, constant: bool = True,
               cov_type: FastCovType = "cluster_entity", method: str = "auto", tol: float = 1e-13,
               max_iter: int = 100_000) -> WithinFit:
    """PanelOLS (unweighted, debiased, auto_df) on flat arrays.

    ``entity``/``time`` are integer codes 0..G-1 (see ``group_codes``); keys must be unique (the
    caller checks). ``columns`` are the regressors without a constant; ``constant=True`` adds one,
    named "const" and placed first as ``sm.add_constant`` does.
    """
    if cov_type not in FAST_COV_TYPES:
        raise FastFEError(f"covariance {cov_type!r} is not implemented in the fast engine")
    n = int(np.asarray(y).shape[0])
    n_entity = int(entity.max(initial=-1)) + 1 if n_entity is None else n_entity
    n_time = int(time.max(initial=-1)) + 1 if n_time is None else n_time
    names = (["const"] if constant else []) + list(names)
    work, originals = _work_matrix(y, columns, constant)
    demean = Demeaner.plan(entity, time, n_entity, n_time, entity_effects=entity_effects,
                           time_effects=time_effects, method=method, tol=tol, max_iter=max_iter)
    demeaned = [0, *range(1 + int(constant), work.shape[1])]  # y and the regressors, not the constant
    grand = np.array([work[:, j].mean() for j in demeaned])
    for j in demeaned:
        demean(work[:, j])
    if constant and demean.method != "none":
        for j, mean in zip(demeaned, grand):
            work[:, j] += mean  # PanelOLS adds the grand means back to estimate the constant
    yd, xd = work[:, 0], work[:, 1:]
    _check_absorbed(xd, originals, names, constant, demean.method != "none")
    xpx = xd.T @ xd
    params = _solve(xpx, xd.T @ yd, names)
    resid = yd - xd @ params
    resid_ss = float(resid @ resid)
    neffects = count_effects(n_entity, n_time, entity_effects=entity_effects, time_effects=time_effects,
                             constant=constant)
    k = xd.shape[1]
    clusters = _clusters(cov_type, entity, time, n_entity, n_time)
    counted = _effects_counted(cov_type, clusters, entity if entity_effects else None,
                               time if time_effects else None)
    extra_df = neffects if counted else 0
    if n - extra_df - k <= 0:
        raise FastFEError(f"no residual degrees of freedom: {n} observations, {k} regressors, "
                          f"{extra_df} effects")
    cov = _covariance(cov_type, xd, xpx, resid, resid_ss, clusters, n, n / (n - extra_df - k))
    total_ss = float(((yd - grand[0]) ** 2).sum()) if constant else float(yd @ yd)
    r2 = 1.0 - resid_ss / total_ss if total_ss > 0 else float("nan")
    r2_within, r2_overall = _other_r2(y, originals, params, constant, entity, n_entity)
    loglik = -0.5 * n * (math.log(2 * math.pi) + math.log(resid_ss / n) + 1) if resid_ss > 0 else float("nan")
    return WithinFit(names=names, params=params, cov=cov, nobs=n, n_entity=n_entity, n_time=n_time,
                     df_resid=n - k - neffects, df_model=k + neffects, extra_df=extra_df, resid_ss=resid_ss,
                     s2=resid_ss / (n - extra_df - k),
                     r2=r2, r2_within=r2_within, r2_overall=r2_overall, loglik=loglik, method=demean.method,
                     iterations=max(demean.iterations, default=1 if demean.method != "none" else 0),
                     converged=demean.converged, cluster_counts={k_: int(v.max()) + 1 for k_, v in clusters.items()})


def _work_matrix(y, columns, constant):
    """One Fortran-ordered float64 block [y, const?, regressors...] that is demeaned in place (each
    column contiguous); the originals stay the caller's arrays (no copy)."""
    n = int(np.asarray(y).shape[0])
    first = 1 + int(constant)
    work = np.empty((n, first + len(columns)), dtype=np.float64, order="F")
    work[:, 0] = y
    if constant:
        work[:, 1] = 1.0
    for j, col in enumerate(columns):
        work[:, first + j] = col
    return work, list(columns)


def _check_absorbed(xd, originals, names, constant, has_effects) -> None:
    """Name regressors the effects absorb (less than 1e-5 of their norm left) or make collinear."""
    if not has_effects:
        absorbed = []
    else:
        absorbed = []
        offset = int(constant)
        for j, orig in enumerate(originals):
            col = xd[:, offset + j]
            if constant:
                col = col - col.mean()
            before = float(np.linalg.norm(orig))
            if before == 0 or float(np.linalg.norm(col)) < ABSORBED_TOL * before:
                absorbed.append(names[offset + j])
    if absorbed:
        raise FastFEError(f"absorbed by the fixed effects: {', '.join(absorbed)}")


def _solve(xpx, xpy, names):
    """Solve the normal equations, naming collinear regressors instead of returning garbage."""
    scale = np.sqrt(np.diag(xpx))
    scale[scale == 0] = 1.0
    scaled = xpx / np.outer(scale, scale)
    rank = np.linalg.matrix_rank(scaled, tol=1e-10)
    if rank < xpx.shape[0]:
        raise FastFEError(f"regressors are collinear after removing the effects ({rank} of {len(names)} "
                          f"independent): {', '.join(names)}")
    return np.linalg.solve(xpx, xpy)


def _clusters(cov_type, entity, time, n_entity, n_time) -> dict:
    if cov_type == "cluster_entity":
        return {"entity": entity}
    if cov_type == "cluster_time":
        return {"time": time}
    if cov_type == "cluster_twoway":
        return {"entity": entity, "time": time}
    return {}


def _effects_counted(cov_type, clusters, entity_effect, time_effect) -> bool:
    """linearmodels' auto_df: effects count unless the covariance is clustered and the model has a
    single effect nested in every cluster variable."""
    effects = [e for e in (entity_effect, time_effect) if e is not None]
    if not clusters or len(effects) != 1:
        return True
    return not all(is_nested(effects[0], c) for c in clusters.values())


def _cluster_meat(xd, resid, codes) -> np.ndarray:
    """Sum of the outer products of the cluster score sums, with one bincount per column."""
    groups = int(codes.max()) + 1
    sums = np.empty((groups, xd.shape[1]))
    for j in range(xd.shape[1]):
        sums[:, j] = np.bincount(codes, weights=xd[:, j] * resid, minlength=groups)
    return sums.T @ sums


def _covariance(cov_type, xd, xpx, resid, resid_ss, clusters, n, scale) -> np.ndarray:
    """linearmodels' estimators: s2 (X'X)^-1, or (X'X/n)^-1 S (X'X/n)^-1 / n with S scaled."""
    xpxi = np.linalg.inv(xpx / n)
    if cov_type == "unadjusted":
        out = (scale * resid_ss / n) * np.linalg.inv(xpx)
    else:
        if cov_type == "robust":
            meat = xd.T @ (xd * (resid ** 2)[:, None])
        elif cov_type == "cluster_twoway":
            meat = (_cluster_meat(xd, resid, clusters["entity"]) + _cluster_meat(xd, resid, clusters["time"])
                    - xd.T @ (xd * (resid ** 2)[:, None]))  # the intersection: one observation per pair
        else:
            meat = _cluster_meat(xd, resid, next(iter(clusters.values())))
        meat = meat * scale / n
        out = xpxi @ meat @ xpxi / n
    return (out + out.T) / 2


def _other_r2(y, originals, params, constant, entity, n_entity) -> tuple[float, float]:
    """PanelOLS's within R2 (entity-demeaned data, the model's slopes) and overall R2 (raw data)."""
    slopes = params[int(constant):]
    u = np.array(y, dtype=np.float64, copy=True)
    for b, col in zip(slopes, originals):
        u -= b * np.asarray(col, dtype=np.float64)
    y_ss = float(np.dot(y, y))
    ybar = float(np.mean(y)) if constant else 0.0
    total_overall = float(((np.asarray(y) - ybar) ** 2).sum())
    u_over = u - (params[0] if constant else 0.0)
    r2_overall = 1 - float(u_over @ u_over) / total_overall if total_overall > 0 else float("nan")
    counts = np.bincount(entity, minlength=n_entity).astype(np.float64)
    _subtract_group_means(u, entity, counts)
    yw = np.array(y, dtype=np.float64, copy=True)
    _subtract_group_means(yw, entity, counts)
    total_within = float(yw @ yw)
    r2_within = 1 - float(u @ u) / total_within if total_within > 1e-24 * max(y_ss, 1.0) else float("nan")
    return r2_within, r2_overall


# ----------------------------------------------------------------------------------------------
# Any number of absorbed effects (exporter, product, year, ...), weighted or not
# ----------------------------------------------------------------------------------------------

ABSORB_COV_TYPES = choices(AbsorbCovType)


def _subtract_weighted_means(col: np.ndarray, codes: np.ndarray, weights: np.ndarray | None,
                             totals: np.ndarray) -> float:
    """Subtract the (weighted) group means from ``col`` in place; return the largest mean removed."""
    sums = np.bincount(codes, weights=col if weights is None else col * weights, minlength=totals.size)
    means = sums / totals
    np.subtract(col, means.take(codes), out=col)
    return float(np.abs(means).max(initial=0.0))


def absorb_columns(work: np.ndarray, effects: Sequence[np.ndarray], weights: np.ndarray | None = None, *,
                   tol: float = 1e-13, max_iter: int = 100_000) -> tuple[int, bool]:
    """Remove every effect from each column of ``work`` in place by alternating (weighted)
    projections, until the largest group mean left is below ``tol`` x the column's scale.
    Returns (largest number of sweeps, converged)."""
    totals = [np.bincount(c, weights=weights, minlength=int(c.max(initial=-1)) + 1).astype(np.float64)
              for c in effects]
    most, converged = 0, True
    for j in range(work.shape[1]):
        col = work[:, j]
        scale = math.sqrt(float(np.dot(col, col)) / max(col.size, 1)) or 1.0
        for sweep in range(1, max_iter + 1):
            moved = max(_subtract_weighted_means(col, c, weights, t) for c, t in zip(effects, totals))
            if moved <= tol * scale or len(effects) == 1:
                break
        else:
            converged = False
        most = max(most, sweep)
    return most, converged


def fit_absorbing(y: np.ndarray, columns: Sequence[np.ndarray], names: Sequence[str],
                  effects: Sequence[np.ndarray], *, weights: np.ndarray | None = None, constant: bool = True,
                  cov_type: AbsorbCovType = "robust", clusters: np.ndarray | None = None, tol: float = 1e-13,
                  max_iter: int = 100_000) -> WithinFit:
    """(Weighted) least squares with any number of absorbed effects on flat arrays: the same
    numbers as linearmodels' ``AbsorbingLS(debiased=True)`` and as the regression on every
    effect's dummies, for effects whose levels are connected (the usual case; the degrees of
    freedom assume it, as linearmodels' do).

    ``effects``: integer codes 0..G-1 per effect. Absorbed degrees of freedom
    d = sum(G) - (K - 1) - constant; covariances scaled by n / (n - k - d) (unadjusted, robust) or
    g (n - 1) / ((g - 1)(n - k - d)) (``cov_type="cluster"`` by the integer codes ``clusters``).
    A constant is kept (the grand mean added back, as PanelOLS) when ``constant`` is True.
    """
    if cov_type not in ABSORB_COV_TYPES:
        raise FastFEError(f"covariance {cov_type!r} is not implemented for absorbed effects")
    if not effects:
        raise FastFEError("no effect to absorb")
    n = int(np.asarray(y).shape[0])
    names = (["const"] if constant else []) + list(names)
    work, _ = _work_matrix(y, columns, constant)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    demeaned = [0, *range(1 + int(constant), work.shape[1])]
    total_w = float(n if w is None else w.sum())
    grand = [float((work[:, j] if w is None else work[:, j] * w).sum()) / total_w for j in demeaned]
    block = np.asfortranarray(work[:, demeaned])
    sweeps, converged = absorb_columns(block, list(effects), w, tol=tol, max_iter=max_iter)
    for i, j in enumerate(demeaned):
        work[:, j] = block[:, i] + (grand[i] if constant else 0.0)
    del block
    if w is not None:
        work *= np.sqrt(w)[:, None]
    yd, xd = work[:, 0], work[:, 1:]
    levels = [int(c.max(initial=-1)) + 1 for c in effects]
    _check_absorbed(xd, list(columns) if w is None else [c * np.sqrt(w) for c in columns], names, constant, True)
    xpx = xd.T @ xd
    params = _solve(xpx, xd.T @ yd, names)
    resid = yd - xd @ params
    resid_ss = float(resid @ resid)
    k = xd.shape[1]
    d = sum(levels) - (len(levels) - 1) - int(constant)
    df_resid = n - k - d
    if df_resid <= 0:
        raise FastFEError(f"no residual degrees of freedom: {n} observations, {k} regressors, {d} absorbed levels")
    if cov_type == "cluster":
        codes = np.asarray(clusters, dtype=np.int64)
        g = int(codes.max()) + 1
        cov = _covariance("cluster_entity", xd, xpx, resid, resid_ss, {"c": codes}, n,
                          g * (n - 1) / ((g - 1) * df_resid))
        counts = {"clusters": g}
    else:
        cov = _covariance(cov_type, xd, xpx, resid, resid_ss, {}, n, n / df_resid)
        counts = {}
    centred = yd - (grand[0] * (1.0 if w is None else np.sqrt(w)) if constant else 0.0)
    total_ss = float(centred @ centred)
    r2 = 1.0 - resid_ss / total_ss if total_ss > 0 else float("nan")
    loglik = -0.5 * n * (math.log(2 * math.pi) + math.log(resid_ss / n) + 1) if resid_ss > 0 else float("nan")
    return WithinFit(names=names, params=params, cov=cov, nobs=n, n_entity=levels[0],
                     n_time=levels[1] if len(levels) > 1 else 1, df_resid=df_resid, df_model=k + d, extra_df=d,
                     resid_ss=resid_ss, s2=resid_ss / df_resid, r2=r2, r2_within=float("nan"),
                     r2_overall=float("nan"), loglik=loglik, method=f"alternating projections over {len(levels)} "
                     "effects", iterations=sweeps, converged=converged, cluster_counts=counts)
