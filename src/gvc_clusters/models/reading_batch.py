"""Re-estimate the main ordered-probit and panel specs over the readings of the book's numbers.

The readings are those of :mod:`gvc_clusters.data.reading_space` (the score tables' solutions that
the readings solver lists, combined with the decision log's alternative readings), fitted as
:mod:`gvc_clusters.models.reading_design` decides: every distinct reading of a small set, a
declared sample of a large one. One output (results/models/readings/): the estimates per reading,
a summary per (spec, outcome, term, assumption) with the shares of readings keeping the default's
sign and p < 0.05, each with its Monte Carlo error and the number of readings behind it, the
counts per table and assumption, the factors and the readings drawn.

Hundreds of small fits: the ordered models are fitted in batches by
:func:`gvc_clusters.models.ordinal.batch.batch_newton` (analytic Newton in slopes and real cutpoints;
:func:`fit_readings`), with the covariance of the spec's SE type
(:func:`gvc_clusters.models.ordinal.batch.batch_covariance`), and per reading the average marginal
effects on the top outcome category by the main fit's own
:func:`gvc_clusters.models.ordinal.effects.marginal_effects` (role "ame"). On the default reading this
reproduces :func:`gvc_clusters.models.ordinal.fit.fit_ordered` (tests/test_reading_batch.py). The
panel's main within estimator (cluster and type effects, SEs clustered by cluster) uses the
existing fit API with its fast engine. A fit whose data are those of a fit already made (two
readings that differ only where the model does not look) is made once.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.errors import ModelError
from gvc_clusters.io import stable_svg_ids
from gvc_clusters.models.book_panels import readings_apply
from gvc_clusters.models.options import BatchSEType, OrdinalSEType, choices
from gvc_clusters.models.ordinal.effects import build_design, marginal_effects
from gvc_clusters.models.ordinal.inputs import regressor_frame
from gvc_clusters.models.reading_design import ENUMERATED, Design, Reading

ESTIMATE_COLUMNS = ["assumption", "reading", "weight", "in_sample", "is_default", "spec", "outcome", "model_id",
                    "role", "term", "estimate", "std_error", "p_value", "n_obs", "converged"]
SUMMARY_COLUMNS = ["spec", "outcome", "model_id", "role", "term", "assumption", "assumption_label", "method",
                   "set_size", "n_readings", "n_fitted", "default_estimate", "default_std_error", "default_p_value",
                   "estimate_min", "estimate_median",
                   "estimate_max", "share_same_sign", "share_same_sign_mc_se", "share_p05", "share_p05_mc_se",
                   "share_same_sign_p05", "share_same_sign_p05_mc_se", "n_not_converged"]


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

def _stacked(dataset: pd.DataFrame, todo: dict) -> pd.DataFrame:
    """The dataset under every alternatives combination of ``todo`` (id -> changes), stacked, the
    cluster ids prefixed by the combination's position: model_variables, estimation_sample and the
    panel builder are row-wise, so one call gives each combination its own rows."""
    n, k = len(dataset), len(todo)
    stacked = pd.concat([dataset] * k, ignore_index=True)
    row_of = {cid: i for i, cid in enumerate(dataset["cluster_id"])}
    by_column: dict[str, tuple[list[int], list[float]]] = {}
    for block, changes in enumerate(todo.values()):
        for (cid, variable), value in changes.items():
            if cid in row_of:
                rows, values = by_column.setdefault(variable, ([], []))
                rows.append(block * n + row_of[cid])
                values.append(value)
    for variable, (rows, values) in sorted(by_column.items()):
        stacked.iloc[rows, stacked.columns.get_loc(variable)] = values
    prefix = np.repeat([f"{block:06d}|" for block in range(k)], n)
    stacked["cluster_id"] = prefix + stacked["cluster_id"].astype(str).to_numpy()
    return stacked


def _ordinal_bases(base: dict, todo: dict, dataset: pd.DataFrame, name: str, spec: dict, halves: str) -> None:
    """Per new alternatives combination (``todo``: id -> changes) and outcome, into ``base``:
    (outcome values, design matrix, cluster positions, Design, raw regressors). The design is built
    once on the stacked samples (the same columns as the main fit: declared interactions become
    product columns) and split by combination."""
    regressors = list(spec["regressors"])
    ids = list(todo)
    variables = model_variables(_stacked(dataset, todo), halves=halves)
    for alt_id in ids:
        base[alt_id] = {}
    for outcome in spec["outcomes"]:
        sample, _ = estimation_sample(variables, outcome, regressors)
        which = sample["cluster_id"].str.slice(0, 6).astype(int).to_numpy()
        clusters = sample["cluster_id"].str.slice(7).to_numpy()
        frame, design = build_design(sample[regressors], spec["interactions"], model_id=name,
                                     categoricals=spec.get("categoricals"))
        matrix, raw, y = frame.to_numpy(float), sample[regressors].to_numpy(float), sample[outcome].to_numpy(float)
        for k, alt_id in enumerate(ids):
            rows = np.flatnonzero(which == k)
            # the main fit's own refusal (a constant or collinear column): without it the batch
            # would publish a zero coefficient for a spec whose fit_ordinal stops
            try:
                regressor_frame(frame.iloc[rows].reset_index(drop=True), model_id=f"{name}__{outcome}")
            except ModelError as err:
                raise ModelError(f"reading analysis of ordinal spec {name!r} (readings {alt_id!r}): {err}") from None
            pos = {cid: i for i, cid in enumerate(clusters[rows])}
            base[alt_id][outcome] = (y[rows], np.ascontiguousarray(matrix[rows]), pos, design, raw[rows])


def _ordinal_rows(name, spec, readings: list[Reading], dataset, *, halves, assumption, cache=None):
    """The spec's main link over ``readings``. Per alternatives combination the model variables,
    sample and design are built once; a reading then only replaces outcome values (the score tables
    feed the outcomes, not the regressors). Fits with the same outcome codes are one batch
    (``batch_newton`` shares the outcome across a batch), a fit whose outcome and design equal one
    already made is not redone, and every batch starts warm from the first fit of its outcome
    levels. Per reading: the coefficients (role "coef") and the average marginal effects on the top
    outcome category (role "ame")."""
    from gvc_clusters.analysis.coding import upgrading_outcome
    from gvc_clusters.models.specs import spec_halves

    link = spec["links"][0]  # the main column only
    halves = spec_halves(spec, halves)
    cache = {} if cache is None else cache
    warm = cache.setdefault(("warm", name), {})
    base: dict = cache.setdefault(("base", name), {})          # shared by every assumption
    fitted = cache.setdefault(("fitted", name), {})            # content key -> results
    todo = {r.alternatives_id: r.alternatives for r in readings if r.alternatives_id not in base}
    if todo:
        _ordinal_bases(base, todo, dataset, name, spec, halves)
    jobs: dict = {}     # (outcome, levels, codes) -> {design bytes: alternatives id}
    order = []
    for r in readings:
        for outcome in spec["outcomes"]:
            y0, X, pos, _, _ = base[r.alternatives_id][outcome]
            y = y0.copy()
            variable = f"{outcome}_upgrading_0to3"
            changed = [(pos[cid], v) for (cid, var), v in r.scores.items() if var == variable and cid in pos]
            if changed:
                at, values = zip(*changed)
                y[list(at)] = upgrading_outcome(pd.Series(values, dtype=float), halves).to_numpy(float)
            levels = np.unique(y)
            codes = np.searchsorted(levels, y)
            group = (outcome, tuple(levels), codes.tobytes())
            key = (*group, X.tobytes())
            if key not in fitted:
                jobs.setdefault(group, {}).setdefault(key[-1], r.alternatives_id)
            order.append((r, outcome, key))
    for (outcome, levels, codes_bytes), designs in jobs.items():
        model_id = f"{name}__{outcome}__{link}"
        codes = np.frombuffer(codes_bytes, dtype=np.intp)
        alts = list(designs.values())
        X = np.stack([base[a][outcome][1] for a in alts])
        params, cov, ok = fit_readings(codes, X, len(levels), distr=link, start=warm.get((model_id, levels)),
                                       se_type=spec["se_type"])
        warm.setdefault((model_id, levels), params[0])
        for i, (xkey, a) in enumerate(designs.items()):
            _, _, _, design, raw = base[a][outcome]
            se = np.sqrt(np.clip(np.diag(cov[i]), 0, None))
            coefs = [(t, float(params[i, j]), float(se[j])) for j, t in enumerate(design.columns)]
            effects = top_category_effects(link, design, raw, params[i], cov[i])
            fitted[(outcome, levels, codes_bytes, xkey)] = (model_id, coefs, effects, len(codes), bool(ok[i]))
    rows = []
    for r, outcome, key in order:
        model_id, coefs, effects, n, ok = fitted[key]
        for role, items in (("coef", coefs), ("ame", effects)):
            for term, est, se in items:
                rows.append([assumption, r.reading, r.weight, r.in_sample, r.is_default, name, outcome, model_id, role,
                             term, est, se, _p_value(est, se), n, ok])
    return rows


def _panel_bases(base: dict, todo: dict, dataset: pd.DataFrame, spec: dict) -> None:
    """Per new alternatives combination: the panel's long frame (built once on the stacked
    datasets and split) and the position of each (cluster, upgrading type) in it."""
    from gvc_clusters.models.specs import panel_build

    build = panel_build(spec, {"model_dataset": _stacked(dataset, todo)})
    frame = build.frame
    which = frame["cluster_id"].str.slice(0, 6).astype(int).to_numpy()
    frame = frame.assign(cluster_id=frame["cluster_id"].str.slice(7))
    for k, alt_id in enumerate(todo):
        part = frame[which == k].reset_index(drop=True)
        pos = {(c, t): i for i, (c, t) in enumerate(zip(part["cluster_id"], part["upgrading_type"]))}
        base[alt_id] = (part, pos, build)


def _panel_rows(name, spec, readings: list[Reading], dataset, *, assumption, cache=None):
    """The main within estimator (cluster and type effects, the spec's SE type) over ``readings``;
    a panel whose scores and regressors equal one already fitted is not refitted."""
    from gvc_clusters.models.panel import fit as panel

    rows = []
    cache = {} if cache is None else cache
    base = cache.setdefault(("panel", name), {})
    fits = cache.setdefault(("panel_fits", name), {})
    todo = {r.alternatives_id: r.alternatives for r in readings if r.alternatives_id not in base}
    if todo:
        _panel_bases(base, todo, dataset, spec)
    for r in readings:
        frame, pos, build = base[r.alternatives_id]
        score = frame["score"].to_numpy(float).copy()
        for (cid, var), v in r.scores.items():
            i = pos.get((cid, var.removesuffix("_upgrading_0to3")))
            if i is not None:
                score[i] = v
        regressors = build.regressors["fe"]
        key = (frame[regressors].to_numpy(float).tobytes(), score.tobytes())
        if key not in fits:
            data = frame.copy()
            data["score"] = score
            fit = panel.fit_panel(data, entity=build.entity, time=build.time, outcome=build.outcome,
                                  regressors=regressors, estimator="panel_ols", entity_effects=True,
                                  time_effects=True, se_type=spec["se_type"],
                                  model_id=f"{name}_fe", engine="fast", sample=build.sample,
                                  time_labels=build.time_labels,
                                  cluster_convention=spec["cluster_convention"])
            coefs = fit.estimates[(fit.estimates["role"] == "coef") & (fit.estimates["term"] != "const")]
            fits[key] = (fit.model_id, fit.n_obs, [(e.term, e.estimate, e.std_error, e.p_value)
                                                   for e in coefs.itertuples()])
        model_id, n_obs, coefs = fits[key]
        for term, estimate, std_error, p_value in coefs:
            rows.append([assumption, r.reading, r.weight, r.in_sample, r.is_default, name, "score", model_id, "coef",
                         term, estimate, std_error, p_value, n_obs, True])
    return rows


def estimate_over_readings(dataset: pd.DataFrame, designs: list[Design], ordinal_specs: dict, panel_specs: dict, *,
                           halves: str) -> pd.DataFrame:
    """Key estimates of the specs with ``readings: true`` over every design's readings: one row per
    assumption, reading, model and term."""
    rows = []
    cache: dict = {}
    for design in designs:
        for name, spec in ordinal_specs.items():
            if spec["readings"] and "table" not in spec:
                rows += _ordinal_rows(name, spec, design.readings, dataset, halves=halves,
                                      assumption=design.assumption, cache=cache)
        for name, spec in panel_specs.items():
            if readings_apply(spec):
                rows += _panel_rows(name, spec, design.readings, dataset, assumption=design.assumption, cache=cache)
    frame = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    frame["weight"] = frame["weight"].astype(object)
    return frame


# ----------------------------------------------------------------------------------------------
# shares with their Monte Carlo errors
# ----------------------------------------------------------------------------------------------

def share(hits: np.ndarray, weights: np.ndarray, *, exact: bool) -> tuple[float, float]:
    """The (weighted) share of readings where ``hits`` holds, and its Monte Carlo standard error:
    sqrt(p (1 - p) / n) over n sampled readings, 0 over an enumerated set (the share is exact)."""
    weights = np.asarray(weights, dtype=float)
    p = float(np.sum(weights * np.asarray(hits, dtype=float)) / np.sum(weights))
    return p, (0.0 if exact else float(np.sqrt(p * (1 - p) / len(weights))))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The lower weighted median (the plain median's lower middle value when the weights are equal
    and n even is averaged, as numpy's median)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    if np.all(w == w[0]):
        return float(np.median(v))
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, cum[-1] / 2)])


def summarize_readings(estimates: pd.DataFrame, designs: list[Design]) -> pd.DataFrame:
    """Per (spec, outcome, model, role, term, assumption): the default reading's estimate and
    p-value; min, median and max over the readings of the set (enumerated: every reading, weighted;
    sampled: the draws); the shares of readings with the default's sign, with p < 0.05, and with
    both, each with its Monte Carlo error; the readings behind the shares (the whole set when
    enumerated, the draws when sampled) and the fits made."""
    by_assumption = {d.assumption: d for d in designs}
    out = []
    keys = ["spec", "outcome", "model_id", "role", "term", "assumption"]
    for key, g in estimates.groupby(keys, sort=True):
        design = by_assumption[key[-1]]
        default = g[g["is_default"].astype(bool)].iloc[0]
        drawn = g[g["in_sample"].astype(bool)]
        weights = drawn["weight"].astype(float).to_numpy()
        est, p = drawn["estimate"].to_numpy(float), drawn["p_value"].to_numpy(float)
        exact = design.method == ENUMERATED
        same = np.sign(est) == np.sign(default["estimate"])
        significant = p < 0.05
        shares = [share(h, weights, exact=exact) for h in (same, significant, same & significant)]
        out.append([*key, design.label, design.method, design.set_size, design.set_size if exact else len(drawn),
                    len(g), default["estimate"], default["std_error"], default["p_value"], est.min(),
                    weighted_median(est, weights), est.max(),
                    *[x for pair in shares for x in pair], int((~drawn["converged"].astype(bool)).sum())])
    frame = pd.DataFrame(out, columns=SUMMARY_COLUMNS)
    for column in ("set_size", "n_readings"):
        frame[column] = frame[column].astype(object)
    return frame


def plot_readings(estimates: pd.DataFrame, path) -> None:
    """Strip plot: each key estimate over the fitted readings, one row per (spec, outcome, term),
    one colour per assumption, the default reading marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "gvc_clusters"  # stable SVG ids: byte-reproducible figure
    keys = estimates[["model_id", "role", "term"]].drop_duplicates().sort_values(["model_id", "role", "term"])
    labels = [f"{m.replace('__', ' ')}: {t}" + (" (AME, top category)" if r == "ame" else "")
              for m, r, t in keys.itertuples(index=False)]
    assumptions = sorted(estimates["assumption"].unique())
    colors = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(keys) + 1.2))
    for i, (m, r, t) in enumerate(keys.itertuples(index=False)):
        for j, assumption in enumerate(assumptions):
            g = estimates[(estimates["model_id"] == m) & (estimates["role"] == r) & (estimates["term"] == t)
                          & (estimates["assumption"] == assumption)]
            if g.empty:
                continue
            y = i + (j - (len(assumptions) - 1) / 2) * 0.3
            drawn = g[g["in_sample"].astype(bool)]
            ax.scatter(drawn["estimate"], np.full(len(drawn), y), s=6, alpha=0.35, color=colors[j % len(colors)],
                       label=f"({assumption})" if i == 0 else None, linewidths=0)
            ax.scatter(g.loc[g["is_default"].astype(bool), "estimate"].iloc[:1], [y], s=30, marker="|",
                       color="black")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(keys)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("estimate (| : default reading)")
    ax.set_title("Key estimates over the readings, by assumption (results/models/readings/)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    if str(path).endswith(".svg"):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        Path(path).write_text(stable_svg_ids(buffer.getvalue()), encoding="utf-8")
    else:
        fig.savefig(path)
    plt.close(fig)


def reading_designs(inputs: dict, *, readings_config: dict, seed: int):
    """The reading space of the inputs (solver listing and counts, decision log, manifest, model data)
    and the designs of every assumption: (counts per table, designs, model dataset)."""
    from gvc_clusters.data.decisions import read_decision_log
    from gvc_clusters.data.reading_space import (
        PRINTED_TABLE,
        alternative_factors,
        assumptions_from_config,
        reading_counts,
        set_size,
    )
    from gvc_clusters.data.sources import load_manifest
    from gvc_clusters.models.reading_design import alternative_design_factors, reading_design, table_factors

    dataset = pd.read_parquet(inputs["dataset"])
    upgrading = pd.read_parquet(inputs["upgrading"])
    solver_readings = pd.read_csv(inputs["readings"], dtype={"table": str, "assumption": str})
    solver_counts = pd.read_csv(inputs["counts"], dtype={"table": str, "assumption": str})
    alternatives = pd.read_parquet(inputs["alternatives"]) if inputs.get("alternatives") else None
    manifest, log = load_manifest(inputs["manifest"]), read_decision_log(inputs["decisions"])
    assumptions = assumptions_from_config(readings_config.get("assumptions"))
    counts = reading_counts(manifest, log, solver_counts, assumptions)
    checked = {str(e["table"]) for e in manifest if e.get("checks") and PRINTED_TABLE.match(str(e["table"]))}
    log_factors = alternative_design_factors(alternative_factors(log, checked), alternatives, dataset)
    sample = readings_config["sample"]
    designs = []
    for rule in assumptions:
        factors = table_factors(solver_readings, solver_counts, upgrading, rule.name)
        factors += log_factors if rule.alternatives else []
        designs.append(reading_design(rule, factors, set_size(counts, rule.name), size=sample["size"],
                                      seed=sample.get("seed", seed), stratify=sample["stratify"],
                                      enumerate_up_to=readings_config["enumerate_up_to"]))
    return counts, designs, dataset


def write_reading_analysis(inputs: dict, output: dict, *, ordinal_specs: dict, panel_specs: dict, halves: str,
                           readings_config: dict, seed: int) -> None:
    """The one readings output: estimates per reading, the summary with shares and Monte Carlo
    errors, the counts per table and assumption, the factors, the readings drawn, the figure."""
    from pathlib import Path

    from gvc_clusters.io import write_csv
    from gvc_clusters.models.reading_design import draws_frame, factors_frame

    counts, designs, dataset = reading_designs(inputs, readings_config=readings_config, seed=seed)
    estimates = estimate_over_readings(dataset, designs, ordinal_specs, panel_specs, halves=halves)
    write_csv(estimates, output["estimates"])
    write_csv(summarize_readings(estimates, designs), output["summary"])
    write_csv(counts, output["counts"])
    write_csv(factors_frame(designs), output["factors"])
    write_csv(draws_frame(designs), output["draws"])
    Path(output["figure"]).parent.mkdir(parents=True, exist_ok=True)
    plot_readings(estimates, output["figure"])
