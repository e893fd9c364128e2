"""Re-estimate the main ordered-probit and panel specs over every reading of the book's numbers.

The readings are the product of (i) the solution sets of Tables 10-4, 10-5 and 10-6 that the
readings solver lists under one assumption (results/replication/readings/readings.csv) and (ii)
the decision log's alternative readings of other cells (Tables 1-2, 10-2; combinations as in
:func:`gvc_clusters.coding.reading_datasets`). Above a cap a seeded sample is drawn; the default
reading is always the first.

Hundreds of small fits: the ordered models are fitted by :func:`ordered_newton`, an analytic
Newton-Raphson on plain arrays (cutpoints parameterised directly) with warm starts from the
default reading's estimates, and HC0 sandwich standard errors as the main specs' ``robust`` SE
type; it reproduces :func:`gvc_clusters.models.ordinal.fit_ordered` on the default reading
(tests/test_reading_batch.py). The panel's main within estimator (cluster and type effects,
SEs clustered by cluster) uses the existing fit API with its fast engine.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..coding import estimation_sample, model_variables
from .effects import build_design

SCORE_TABLES = ("10-4", "10-5", "10-6")
TYPE_OF_COLUMN = {"Product upgrading": "product", "Process upgrading": "process",
                  "Functional upgrading": "functional", "Intersectoral upgrading": "intersectoral"}
ESTIMATE_COLUMNS = ["assumption", "reading", "model_id", "term", "estimate", "std_error", "p_value", "n_obs",
                    "converged"]
SUMMARY_COLUMNS = ["assumption", "model_id", "term", "n_readings", "default_estimate", "estimate_min",
                   "estimate_median", "estimate_max", "sign_share", "share_p05", "share_p10", "n_not_converged"]


# ----------------------------------------------------------------------------------------------
# readings -> datasets
# ----------------------------------------------------------------------------------------------

def table_solutions(readings: pd.DataFrame, upgrading: pd.DataFrame, assumption: str
                    ) -> dict[str, list[dict[tuple[str, str], float]]]:
    """Per score table, its solutions as {(cluster_id, variable): value} (rating cells only; the
    default reading first). ``upgrading`` maps a printed (table, row) to its cluster."""
    keys = upgrading[["source_table", "source_row", "cluster_id"]].drop_duplicates()
    keys = keys.rename(columns={"source_table": "table", "source_row": "row"})
    keys["row"] = keys["row"].astype("int64")
    sub = readings[(readings["assumption"] == assumption) & readings["table"].isin(SCORE_TABLES)
                   & readings["column"].isin(TYPE_OF_COLUMN)].copy()
    sub["row"] = sub["row"].astype("int64")
    sub = sub.merge(keys, on=["table", "row"], how="inner", sort=False)
    sub["variable"] = sub["column"].map(TYPE_OF_COLUMN) + "_upgrading_0to3"
    out = {}
    for table, group in sub.groupby("table", sort=True):
        sols = {}
        defaults = set()
        for rid, cid, var, value, is_default in zip(group["reading_id"], group["cluster_id"], group["variable"],
                                                    group["value"].astype(float), group["is_default"]):
            sols.setdefault(rid, {})[(cid, var)] = value
            if is_default:
                defaults.add(rid)
        ordered = sorted(sols, key=lambda r: (r not in defaults, r))
        out[table] = [sols[r] for r in ordered]
    return out


def _alternative_combos(alternatives: pd.DataFrame | None) -> list[tuple[str, dict]]:
    """Every combination of the decision log's alternative readings that change the dataset."""
    if alternatives is None or alternatives.empty:
        return [("default", {})]
    effective = alternatives.dropna(subset=["cluster_id"])
    ids = sorted(effective["reading"].unique())
    combos = [()]
    for rid in ids:
        combos += [c + (rid,) for c in combos]
    combos = sorted(combos, key=lambda c: (len(c), c))
    out = []
    for combo in combos:
        changes = {}
        for rid in combo:
            for r in effective[effective["reading"] == rid].itertuples():
                changes[(r.cluster_id, r.variable)] = float(r.reading_value)
        out.append(("+".join(combo) or "default", changes))
    return out


def reading_plan(readings: pd.DataFrame, upgrading: pd.DataFrame, alternatives: pd.DataFrame | None,
                 assumption: str, *, cap: int, seed: int) -> tuple[int, list[tuple[str, str, dict, dict]]]:
    """The number of readings in the product, and the ones to fit: all, or the default plus a
    seeded sample of ``cap - 1`` distinct others. Each is (reading id, alternative-combination
    id, its changes, the score tables' changes), changes as {(cluster, variable): value}."""
    tables = table_solutions(readings, upgrading, assumption)
    names = sorted(tables)
    sizes = [len(tables[t]) for t in names]
    combos = _alternative_combos(alternatives)
    total = math.prod(sizes) * len(combos)
    dims = [*sizes, len(combos)]
    if total <= cap:
        picks = [tuple(idx) for idx in np.ndindex(*dims)]
    else:
        rng = np.random.default_rng(seed)
        chosen = {(0,) * len(dims)}
        picks = [(0,) * len(dims)]
        while len(picks) < cap:
            idx = tuple(int(rng.integers(0, d)) for d in dims)
            if idx not in chosen:
                chosen.add(idx)
                picks.append(idx)
    plan = []
    for idx in picks:
        scores: dict = {}
        parts = []
        for table, k in zip(names, idx[:-1]):
            scores.update(tables[table][k])
            parts.append(f"{table}.{assumption}.{k + 1:05d}")
        alt_id, alt = combos[idx[-1]]
        plan.append(("|".join([*parts, alt_id]), alt_id, alt, scores))
    return total, plan


def apply_reading(dataset: pd.DataFrame, changes: dict) -> pd.DataFrame:
    data = dataset.copy()
    row_of = {cid: i for i, cid in enumerate(data["cluster_id"])}
    for (cid, variable), value in changes.items():
        if cid in row_of:
            data.iloc[row_of[cid], data.columns.get_loc(variable)] = value
    return data


# ----------------------------------------------------------------------------------------------
# a small analytic ordered-model Newton
# ----------------------------------------------------------------------------------------------

_SQRT2PI = math.sqrt(2 * math.pi)


def _link(distr: str):
    if distr == "probit":
        from scipy.special import ndtr

        return ndtr, lambda z: np.exp(-0.5 * z * z) / _SQRT2PI, lambda z, f: -z * f
    if distr == "logit":
        def cdf(z):
            return 1.0 / (1.0 + np.exp(-z))

        def pdf(z):
            p = cdf(z)
            return p * (1 - p)

        return cdf, pdf, lambda z, f: f * (1 - 2 * cdf(z))
    raise ValueError(f"unknown link {distr!r}")


def _pieces(theta, X, codes, n_cat, link):
    cdf, pdf, dpdf = link
    k = X.shape[1]
    beta, cuts = theta[:k], theta[k:]
    xb = X @ beta
    n = len(codes)
    upper = np.where(codes < n_cat - 1, cuts[np.minimum(codes, n_cat - 2)] - xb, np.inf)
    lower = np.where(codes > 0, cuts[np.maximum(codes - 1, 0)] - xb, -np.inf)
    fu, fl = np.where(np.isfinite(upper), pdf(np.where(np.isfinite(upper), upper, 0)), 0.0), \
        np.where(np.isfinite(lower), pdf(np.where(np.isfinite(lower), lower, 0)), 0.0)
    prob = np.clip(cdf(upper) - cdf(lower), 1e-300, None)
    du = np.zeros((n, k + n_cat - 1))
    dl = np.zeros_like(du)
    du[:, :k] = -X
    dl[:, :k] = -X
    rows = np.arange(n)
    up, lo = codes < n_cat - 1, codes > 0
    du[rows[up], k + codes[up]] = 1.0
    dl[rows[lo], k + codes[lo] - 1] = 1.0
    du[~up] = 0.0
    dl[~lo] = 0.0
    dfu = np.where(np.isfinite(upper), dpdf(np.where(np.isfinite(upper), upper, 0), fu), 0.0)
    dfl = np.where(np.isfinite(lower), dpdf(np.where(np.isfinite(lower), lower, 0), fl), 0.0)
    scores = (fu[:, None] * du - fl[:, None] * dl) / prob[:, None]
    hess = ((du * (dfu / prob)[:, None]).T @ du - (dl * (dfl / prob)[:, None]).T @ dl) - scores.T @ scores
    return float(np.log(prob).sum()), scores, hess


def _start(codes, n_cat, k):
    shares = np.cumsum(np.bincount(codes, minlength=n_cat))[:-1] / len(codes)
    return np.concatenate([np.zeros(k), stats.norm.ppf(np.clip(shares, 1e-3, 1 - 1e-3))])


def ordered_newton(codes: np.ndarray, X: np.ndarray, n_cat: int, *, distr: str = "probit", start=None,
                   tol: float = 1e-8, maxiter: int = 100, se_type: str = "hc0"
                   ) -> tuple[np.ndarray, np.ndarray, bool, float]:
    """Maximum likelihood of an ordered model by Newton-Raphson with step halving.

    ``codes`` are categories 0..n_cat-1, ``X`` the regressors (no constant). Returns the
    parameters (slopes, then the n_cat - 1 cutpoints), their covariance of ``se_type`` (the
    spec's: model-based inverse information, HC0, or HC1; a cluster spec falls back to HC0, the
    readings summary compares signs and p-values, not cluster structure), whether the step fell
    below ``tol`` and the log-likelihood.
    """
    link = _link(distr)
    k = X.shape[1]
    theta = _start(codes, n_cat, k) if start is None else np.asarray(start, float).copy()
    ll, scores, hess = _pieces(theta, X, codes, n_cat, link)
    converged = False
    for _ in range(maxiter):
        grad = scores.sum(axis=0)
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-6:
            cand = theta + t * step
            cuts = cand[k:]
            if np.all(np.diff(cuts) > 0):
                c_ll, c_scores, c_hess = _pieces(cand, X, codes, n_cat, link)
                if c_ll >= ll - 1e-12:
                    break
            t /= 2
        else:
            break
        theta, ll, scores, hess = cand, c_ll, c_scores, c_hess
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    try:
        bread = np.linalg.inv(-hess)
        if se_type in ("model_based", "nonrobust"):
            cov = bread
        else:
            cov = bread @ (scores.T @ scores) @ bread
            if se_type == "hc1":
                cov = cov * len(codes) / (len(codes) - len(theta))
    except np.linalg.LinAlgError:
        cov = np.full((len(theta), len(theta)), np.nan)
    return theta, cov, converged, ll


# ----------------------------------------------------------------------------------------------
# the batch
# ----------------------------------------------------------------------------------------------

def _variables(cache, dataset, alt_id, alt, halves):
    key = ("variables", alt_id, halves)
    if key not in cache:
        cache[key] = model_variables(apply_reading(dataset, alt), halves=halves)
    return cache[key]


def _ordinal_rows(name, spec, plan, dataset, *, halves, assumption, cache=None):
    """The spec's main link over the plan. Per alternative combination the model variables and
    sample are built once; a reading then only replaces outcome values (the score tables feed
    the outcomes, not the regressors), and each fit starts from the default reading's estimates."""
    from ..coding import upgrading_outcome

    link = spec.get("links", ["probit"])[0]  # the main column only
    halves = spec.get("halves", halves)
    regressors = list(spec["regressors"])
    terms = regressors
    rows = []
    cache = {} if cache is None else cache
    warm = cache.setdefault(("warm", name), {})
    base: dict = {}
    for reading, alt_id, alt, scores in plan:
        if alt_id not in base:
            variables = _variables(cache, dataset, alt_id, alt, halves)
            base[alt_id] = {}
            for outcome in spec["outcomes"]:
                sample, _ = estimation_sample(variables, outcome, regressors)
                pos = {cid: i for i, cid in enumerate(sample["cluster_id"])}
                # The same design as the main fit: declared interactions become product columns.
                frame, _ = build_design(sample[regressors], spec.get("interactions", []), model_id=name)
                base[alt_id][outcome] = (sample[outcome].to_numpy(float), frame.to_numpy(float), pos)
                terms = list(frame.columns)
        for outcome in spec["outcomes"]:
            model_id = f"{name}__{outcome}__{link}"
            y0, X, pos = base[alt_id][outcome]
            y = y0.copy()
            variable = f"{outcome}_upgrading_0to3"
            changed = [(pos[cid], v) for (cid, var), v in scores.items() if var == variable and cid in pos]
            if changed:
                at, values = zip(*changed)
                y[list(at)] = upgrading_outcome(pd.Series(values, dtype=float), halves).to_numpy(float)
            levels = np.unique(y)
            codes = np.searchsorted(levels, y)
            key = (model_id, tuple(levels))
            theta, cov, ok, _ = ordered_newton(codes, X, len(levels), distr=link, start=warm.get(key),
                                               se_type=spec.get("se_type", "model_based"))
            warm.setdefault(key, theta)
            se = np.sqrt(np.clip(np.diag(cov), 0, None))
            for j, term in enumerate(terms):
                z = theta[j] / se[j] if se[j] > 0 else np.nan
                rows.append([assumption, reading, model_id, term, theta[j], se[j],
                             float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan, len(y), ok])
    return rows


def _panel_rows(name, spec, plan, tables, *, assumption, cache=None):
    """The main within estimator (cluster and type effects, the spec's SE type) over the plan,
    with the stacked panel built once per alternative combination and only its scores replaced."""
    from . import panel
    from .specs import panel_build

    rows = []
    base = {} if cache is None else cache.setdefault(("panel", name), {})
    for reading, alt_id, alt, scores in plan:
        if alt_id not in base:
            build = panel_build(spec, {**tables, "model_dataset": apply_reading(tables["model_dataset"], alt)})
            pos = {(c, t): i for i, (c, t) in enumerate(zip(build.frame["cluster_id"], build.frame["upgrading_type"]))}
            base[alt_id] = (build, pos)
        build, pos = base[alt_id]
        frame = build.frame.copy()
        score = frame["score"].to_numpy(float).copy()
        for (cid, var), v in scores.items():
            i = pos.get((cid, var.removesuffix("_upgrading_0to3")))
            if i is not None:
                score[i] = v
        frame["score"] = score
        fit = panel.fit_panel(frame, entity=build.entity, time=build.time, outcome=build.outcome,
                              regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                              time_effects=True, se_type=spec.get("se_type", "cluster_entity"),
                              model_id=f"{name}_fe", engine="fast", sample=build.sample,
                              time_labels=build.time_labels,
                              cluster_convention=spec.get("cluster_convention", "nested_not_counted"))
        coefs = fit.estimates[(fit.estimates["role"] == "coef") & (fit.estimates["term"] != "const")]
        for est in coefs.itertuples():
            rows.append([assumption, reading, fit.model_id, est.term, est.estimate, est.std_error, est.p_value,
                         fit.n_obs, True])
    return rows


def estimate_over_readings(dataset: pd.DataFrame, upgrading: pd.DataFrame, readings: pd.DataFrame,
                           alternatives: pd.DataFrame | None, ordinal_specs: dict, panel_specs: dict, *,
                           halves: str, cap: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key estimates of the specs (those with ``readings: true``) over every reading, under (A) and (B).

    Returns the estimates (one row per assumption, reading, model and term) and the plan sizes
    (readings in the product and readings fitted, per assumption)."""
    rows, sizes = [], []
    cache: dict = {}
    for assumption in ("A", "B"):
        total, plan = reading_plan(readings, upgrading, alternatives, assumption, cap=cap, seed=seed)
        sizes.append({"assumption": assumption, "readings_in_product": total, "readings_fitted": len(plan)})
        for name, spec in ordinal_specs.items():
            if spec.get("readings"):
                rows += _ordinal_rows(name, spec, plan, dataset, halves=halves, assumption=assumption, cache=cache)
        for name, spec in panel_specs.items():
            if spec.get("readings") and spec.get("panel") == "upgrading":
                rows += _panel_rows(name, spec, plan, {"model_dataset": dataset}, assumption=assumption, cache=cache)
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS), pd.DataFrame(sizes)


def summarize_readings(estimates: pd.DataFrame) -> pd.DataFrame:
    """Per assumption, model and term: min / median / max over the readings, the share of readings
    whose estimate has the default reading's sign, and the shares with p < 0.05 and p < 0.10."""
    out = []
    for (assumption, model_id, term), g in estimates.groupby(["assumption", "model_id", "term"], sort=True):
        default = g.iloc[0]["estimate"]  # the default reading is fitted first
        sign = np.sign(default)
        out.append([assumption, model_id, term, len(g), default, g["estimate"].min(), g["estimate"].median(),
                    g["estimate"].max(), float((np.sign(g["estimate"]) == sign).mean()),
                    float((g["p_value"] < 0.05).mean()), float((g["p_value"] < 0.10).mean()),
                    int((~g["converged"].astype(bool)).sum())])
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def plot_readings(estimates: pd.DataFrame, path) -> None:
    """Strip plot: each key estimate across the readings, (A) and (B) side by side, default marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "gvc_clusters"  # stable SVG ids: byte-reproducible figure
    keys = estimates[["model_id", "term"]].drop_duplicates().sort_values(["model_id", "term"])
    labels = [f"{m.replace('__', ' ')}: {t}" for m, t in keys.itertuples(index=False)]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(keys) + 1.2))
    for i, (m, t) in enumerate(keys.itertuples(index=False)):
        for j, (assumption, color) in enumerate((("A", "tab:blue"), ("B", "tab:orange"))):
            g = estimates[(estimates["model_id"] == m) & (estimates["term"] == t)
                          & (estimates["assumption"] == assumption)]
            if g.empty:
                continue
            y = i + (j - 0.5) * 0.3
            ax.scatter(g["estimate"], np.full(len(g), y), s=6, alpha=0.35, color=color,
                       label=f"({assumption})" if i == 0 else None, linewidths=0)
            ax.scatter([g.iloc[0]["estimate"]], [y], s=30, marker="|", color="black")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(keys)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("estimate (| : default reading)")
    ax.set_title("Key estimates over every reading: glyph consistency (A), checksums only (B)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None, "Creator": None} if str(path).endswith(".svg") else None)
    plt.close(fig)


def write_reading_analysis(inputs: dict, output: dict, *, ordinal_specs: dict, panel_specs: dict, halves: str,
                           cap: int, seed: int) -> None:
    from pathlib import Path

    from ..io import write_csv

    dataset = pd.read_parquet(inputs["dataset"])
    upgrading = pd.read_parquet(inputs["upgrading"])
    readings = pd.read_csv(inputs["readings"], dtype={"table": str})
    alternatives = pd.read_parquet(inputs["alternatives"]) if inputs.get("alternatives") else None
    estimates, sizes = estimate_over_readings(dataset, upgrading, readings, alternatives, ordinal_specs,
                                              panel_specs, halves=halves, cap=cap, seed=seed)
    write_csv(estimates, output["estimates"])
    write_csv(summarize_readings(estimates), output["summary"])
    write_csv(sizes, output["sizes"])
    Path(output["figure"]).parent.mkdir(parents=True, exist_ok=True)
    plot_readings(estimates, output["figure"])
