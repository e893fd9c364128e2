"""Re-estimate the main ordered-probit and panel specs over every reading of the book's numbers.

The readings are the product of (i) the solution sets of Tables 10-4, 10-5 and 10-6 that the
readings solver lists under one assumption (results/replication/readings/readings.csv) and (ii)
the decision log's alternative readings of other cells (Tables 1-2, 10-2; combinations as in
:func:`gvc_clusters.analysis.coding.reading_datasets`). Above a cap a seeded sample is drawn; the default
reading is always the first.

Hundreds of small fits: the ordered models are fitted in batches by
:func:`gvc_clusters.models.ordinal.batch.batch_newton` (analytic Newton in slopes and real cutpoints, warm
starts from the default reading's estimates; :func:`fit_readings`), with the covariance of the
spec's SE type (:func:`gvc_clusters.models.ordinal.batch.batch_covariance`), and per reading the average
marginal effects on the top outcome category by the main fit's own
:func:`gvc_clusters.models.ordinal.effects.marginal_effects` (role "ame"). On the default reading this
reproduces :func:`gvc_clusters.models.ordinal.fit.fit_ordered` (tests/test_reading_batch.py). The
panel's main within estimator (cluster and type effects, SEs clustered by cluster) uses the
existing fit API with its fast engine.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.errors import ModelError
from gvc_clusters.models.options import BatchSEType, OrdinalSEType, choices
from gvc_clusters.models.ordinal.effects import build_design, marginal_effects
from gvc_clusters.models.ordinal.inputs import regressor_frame
from gvc_clusters.models.panels import readings_apply
from gvc_clusters.vocabulary import PRINTED_UPGRADING_TYPES, UPGRADING_TABLE_SECTORS

SCORE_TABLES = tuple(UPGRADING_TABLE_SECTORS)   # Tables 10-4, 10-5, 10-6: the upgrading scores
ESTIMATE_COLUMNS = ["assumption", "reading", "model_id", "role", "term", "estimate", "std_error", "p_value", "n_obs",
                    "converged"]
SUMMARY_COLUMNS = ["assumption", "model_id", "role", "term", "n_readings", "default_estimate", "estimate_min",
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
                   & readings["column"].isin(PRINTED_UPGRADING_TYPES)].copy()
    sub["row"] = sub["row"].astype("int64")
    sub = sub.merge(keys, on=["table", "row"], how="inner", sort=False)
    sub["variable"] = sub["column"].map(PRINTED_UPGRADING_TYPES) + "_upgrading_0to3"
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
# batched ordered fits (models/batch.py) and their effects (models/effects.py)
# ----------------------------------------------------------------------------------------------

def _cov_type(se_type: OrdinalSEType) -> BatchSEType:
    """The spec's SE type as batch_covariance names it; robust is HC0, and a cluster spec falls back
    to HC0 (the readings summary compares signs and p-values, not cluster structure)."""
    kind = str(se_type).lower()
    return kind if kind in choices(BatchSEType) else "hc0"


def fit_readings(codes: np.ndarray, X: np.ndarray, n_cat: int, *, distr: str = "probit", start=None,
                 se_type: str = "model_based") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit B ordered models sharing the outcome ``codes`` (0..n_cat-1) at once with
    :func:`gvc_clusters.models.ordinal.batch.batch_newton`, in (slopes, real cutpoints).

    ``X``: N x p or B x N x p (no constant); ``start``: None (thresholds-only start), a (p + k)
    vector for every fit, or B x (p + k) warm starts. Returns params (B x (p + k)), their
    covariance of the spec's ``se_type`` (B x P x P; :func:`batch.batch_covariance`) and
    convergence flags (B,)."""
    from gvc_clusters.models.ordinal.batch import _start, batch_covariance, batch_newton
    from gvc_clusters.models.ordinal.likelihood import LINKS

    link = LINKS[distr]
    X3 = X[None] if X.ndim == 2 else X
    nb, p = X3.shape[0], X3.shape[2]
    if start is None:
        start = _start(codes, n_cat, p)
    start = np.asarray(start, float)
    if start.ndim == 1:
        start = np.repeat(start[None], nb, axis=0)
    params, _, converged = batch_newton(link, codes, n_cat, X3, start)
    cov = batch_covariance(link, codes, n_cat, X3, params, _cov_type(se_type))
    return params, cov, converged


def top_category_effects(distr: str, design, base: np.ndarray, theta: np.ndarray, cov: np.ndarray
                         ) -> list[tuple[str, float, float]]:
    """(term, effect, delta-method SE) of every regressor on the top outcome category, by
    :func:`gvc_clusters.models.ordinal.effects.marginal_effects` (the main fit's definitions: discrete
    change for 0/1 regressors, derivative moving the declared interactions, by moderator group)."""
    from gvc_clusters.models.ordinal.likelihood import LINKS

    p = len(design.columns)
    out = []
    for eff in marginal_effects(LINKS[distr], design, base, theta[:p], theta[p:]):
        jac = eff["jac"][-1]
        out.append((eff["term"], float(eff["effect"][-1]), float(np.sqrt(max(jac @ cov @ jac, 0.0)))))
    return out


def _p_value(estimate: float, se: float) -> float:
    if not (np.isfinite(se) and se > 0):
        return np.nan
    return float(2 * ndtr(-abs(estimate / se)))   # = 2 norm.sf(|z|), without scipy.stats' per-call overhead


# ----------------------------------------------------------------------------------------------
# the batch
# ----------------------------------------------------------------------------------------------


def _ordinal_bases(base: dict, todo: dict, dataset: pd.DataFrame, name: str, spec: dict, halves: str) -> None:
    """Per new alternative combination (``todo``: id -> alternatives) and outcome, into ``base``:
    (outcome values, design matrix, cluster positions, Design, raw regressors). Every combination at
    once: model_variables and estimation_sample are row-wise, so one call on the stacked datasets
    (cluster ids prefixed by the combination) gives each combination's own rows."""
    regressors = list(spec["regressors"])
    ids = list(todo)
    stacked = []
    for k, alt_id in enumerate(ids):
        data = apply_reading(dataset, todo[alt_id])
        data["cluster_id"] = f"{k:06d}|" + data["cluster_id"].astype(str)
        stacked.append(data)
    variables = model_variables(pd.concat(stacked, ignore_index=True), halves=halves)
    for alt_id in ids:
        base[alt_id] = {}
    for outcome in spec["outcomes"]:
        sample_all, _ = estimation_sample(variables, outcome, regressors)
        which = sample_all["cluster_id"].str.slice(0, 6).astype(int).to_numpy()
        sample_all["cluster_id"] = sample_all["cluster_id"].str.slice(7)
        for k, alt_id in enumerate(ids):
            sample = sample_all[which == k].reset_index(drop=True)
            pos = {cid: i for i, cid in enumerate(sample["cluster_id"])}
            # The same design as the main fit: declared interactions become product columns.
            frame, design = build_design(sample[regressors], spec["interactions"], model_id=name)
            # the main fit's own refusal (a constant or collinear column): without it the batch
            # would publish a zero coefficient for a spec whose fit_ordinal stops
            try:
                regressor_frame(frame, model_id=f"{name}__{outcome}")
            except ModelError as err:
                raise ModelError(f"reading analysis of ordinal spec {name!r} (readings {alt_id!r}): {err}") from None
            base[alt_id][outcome] = (sample[outcome].to_numpy(float), frame.to_numpy(float), pos, design,
                                     sample[regressors].to_numpy(float))


def _ordinal_rows(name, spec, plan, dataset, *, halves, assumption, cache=None):
    """The spec's main link over the plan. Per alternative combination the model variables, sample
    and design are built once; a reading then only replaces outcome values (the score tables feed
    the outcomes, not the regressors). The fits of one outcome that share its values are one
    batch (``batch_newton`` shares the outcome across a batch; the designs of the alternative
    combinations are stacked), each distinct fit is done once, and every batch starts warm from
    the default reading's estimates. Per reading: the coefficients (role "coef") and the average
    marginal effects on the top outcome category (role "ame")."""
    from gvc_clusters.analysis.coding import upgrading_outcome
    from gvc_clusters.models.specs import spec_halves

    link = spec["links"][0]  # the main column only
    halves = spec_halves(spec, halves)
    se_type = spec["se_type"]
    cache = {} if cache is None else cache
    warm = cache.setdefault(("warm", name), {})
    base: dict = cache.setdefault(("base", name), {})          # shared by (A) and (B)
    jobs: dict = {}     # (outcome, levels, codes, N) -> {alt_id: [readings]}
    order = []
    todo = {alt_id: alt for _, alt_id, alt, _ in plan if alt_id not in base}
    if todo:
        _ordinal_bases(base, todo, dataset, name, spec, halves)
    for reading, alt_id, alt, scores in plan:
        for outcome in spec["outcomes"]:
            y0, X, pos, design, raw = base[alt_id][outcome]
            y = y0.copy()
            variable = f"{outcome}_upgrading_0to3"
            changed = [(pos[cid], v) for (cid, var), v in scores.items() if var == variable and cid in pos]
            if changed:
                at, values = zip(*changed)
                y[list(at)] = upgrading_outcome(pd.Series(values, dtype=float), halves).to_numpy(float)
            levels = np.unique(y)
            codes = np.searchsorted(levels, y)
            key = (outcome, tuple(levels), codes.tobytes(), len(y))
            if key not in jobs:
                jobs[key] = {}
            jobs[key].setdefault(alt_id, []).append(reading)
            order.append((reading, outcome, key, alt_id))
    fitted = cache.setdefault(("fitted", name), {})           # a fit seen under (A) is not redone under (B)
    for key, by_alt in jobs.items():   # in plan order: the default reading's batch first
        outcome, levels, codes_bytes, _ = key
        model_id = f"{name}__{outcome}__{link}"
        codes = np.frombuffer(codes_bytes, dtype=np.intp)
        alts = [a for a in by_alt if (key, a) not in fitted]
        if not alts:
            continue
        X = np.stack([base[a][outcome][1] for a in alts])
        params, cov, ok = fit_readings(codes, X, len(levels), distr=link, start=warm.get((model_id, levels)),
                                       se_type=se_type)
        warm.setdefault((model_id, levels), params[0])
        for i, a in enumerate(alts):
            _, _, _, design, raw = base[a][outcome]
            se = np.sqrt(np.clip(np.diag(cov[i]), 0, None))
            coefs = [(t, float(params[i, j]), float(se[j])) for j, t in enumerate(design.columns)]
            effects = top_category_effects(link, design, raw, params[i], cov[i])
            fitted[(key, a)] = (model_id, coefs, effects, len(codes), bool(ok[i]))
    rows = []
    for reading, outcome, key, alt_id in order:
        model_id, coefs, effects, n, ok = fitted[(key, alt_id)]
        for role, items in (("coef", coefs), ("ame", effects)):
            for term, est, se in items:
                rows.append([assumption, reading, model_id, role, term, est, se, _p_value(est, se), n, ok])
    return rows


def _panel_rows(name, spec, plan, tables, *, assumption, cache=None):
    """The main within estimator (cluster and type effects, the spec's SE type) over the plan,
    with the stacked panel built once per alternative combination and only its scores replaced."""
    from gvc_clusters.models.panel import fit as panel
    from gvc_clusters.models.specs import panel_build

    rows = []
    cache = {} if cache is None else cache
    base = cache.setdefault(("panel", name), {})
    fits = cache.setdefault(("panel_fits", name), {})
    for reading, alt_id, alt, scores in plan:
        if alt_id not in base:
            build = panel_build(spec, {**tables, "model_dataset": apply_reading(tables["model_dataset"], alt)})
            pos = {(c, t): i for i, (c, t) in enumerate(zip(build.frame["cluster_id"], build.frame["upgrading_type"]))}
            base[alt_id] = (build, pos)
        build, pos = base[alt_id]
        score = build.frame["score"].to_numpy(float).copy()
        for (cid, var), v in scores.items():
            i = pos.get((cid, var.removesuffix("_upgrading_0to3")))
            if i is not None:
                score[i] = v
        key = (alt_id, score.tobytes())
        if key not in fits:     # the same panel under (A) and (B), or from two readings, is fitted once
            frame = build.frame.copy()
            frame["score"] = score
            fit = panel.fit_panel(frame, entity=build.entity, time=build.time, outcome=build.outcome,
                                  regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                                  time_effects=True, se_type=spec["se_type"],
                                  model_id=f"{name}_fe", engine="fast", sample=build.sample,
                                  time_labels=build.time_labels,
                                  cluster_convention=spec["cluster_convention"])
            coefs = fit.estimates[(fit.estimates["role"] == "coef") & (fit.estimates["term"] != "const")]
            fits[key] = (fit.model_id, fit.n_obs, [(e.term, e.estimate, e.std_error, e.p_value)
                                                   for e in coefs.itertuples()])
        model_id, n_obs, coefs = fits[key]
        for term, estimate, std_error, p_value in coefs:
            rows.append([assumption, reading, model_id, "coef", term, estimate, std_error, p_value, n_obs, True])
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
            if spec["readings"]:
                rows += _ordinal_rows(name, spec, plan, dataset, halves=halves, assumption=assumption, cache=cache)
        for name, spec in panel_specs.items():
            if readings_apply(spec):
                rows += _panel_rows(name, spec, plan, {"model_dataset": dataset}, assumption=assumption, cache=cache)
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS), pd.DataFrame(sizes)


def summarize_readings(estimates: pd.DataFrame) -> pd.DataFrame:
    """Per assumption, model and term: min / median / max over the readings, the share of readings
    whose estimate has the default reading's sign, and the shares with p < 0.05 and p < 0.10."""
    out = []
    for (assumption, model_id, role, term), g in estimates.groupby(["assumption", "model_id", "role", "term"],
                                                                   sort=True):
        default = g.iloc[0]["estimate"]  # the default reading is fitted first
        sign = np.sign(default)
        out.append([assumption, model_id, role, term, len(g), default, g["estimate"].min(), g["estimate"].median(),
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
    keys = estimates[["model_id", "role", "term"]].drop_duplicates().sort_values(["model_id", "role", "term"])
    labels = [f"{m.replace('__', ' ')}: {t}" + (" (AME, top category)" if r == "ame" else "")
              for m, r, t in keys.itertuples(index=False)]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(keys) + 1.2))
    for i, (m, r, t) in enumerate(keys.itertuples(index=False)):
        for j, (assumption, color) in enumerate((("A", "tab:blue"), ("B", "tab:orange"))):
            g = estimates[(estimates["model_id"] == m) & (estimates["role"] == r) & (estimates["term"] == t)
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

    from gvc_clusters.io import write_csv

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
