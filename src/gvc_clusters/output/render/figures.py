"""Figures of the replication: pure functions, data in, ``matplotlib.figure.Figure`` out.

Deterministic by construction so reruns are byte-identical: figures are built on the Agg canvas
without pyplot (no global figure state), inside one fixed style (DejaVu Sans, which matplotlib
ships, a fixed ``svg.hashsalt`` for the SVG element ids), and ``save_figure`` strips the date and
software stamps from the SVG and PNG metadata.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gvc_clusters.io import stable_svg_ids
from gvc_clusters.models.inference import confidence_interval
from gvc_clusters.results import ModelResult
from gvc_clusters.vocabulary import CE_DEGREES, CHAIN_TYPE_LABELS, SECTOR_GROUPS, UPGRADING_TYPE_LABELS

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "font.size": 9,
    "svg.hashsalt": "gvc_clusters",
    "svg.fonttype": "path",
    "axes.unicode_minus": True,          # a true minus sign (U+2212) on every axis, as in the text and tables
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "savefig.dpi": 150,
    "figure.dpi": 100,
}
SVG_METADATA = {"Date": None, "Creator": None, "Contributor": None, "Publisher": None}
PNG_METADATA = {"Software": None}

# The sector labels on two lines (axis ticks).
SECTOR_LABELS = dict(zip(SECTOR_GROUPS, ("Traditional\nmanufacturing", "Natural-resource-\nbased", "Complex\nproducts",
                                         "Specialized\nsuppliers"), strict=True))
UPGRADING_TYPES = {f"{name}_upgrading_0to3": label for name, label in UPGRADING_TYPE_LABELS.items()}
CHAINS = CHAIN_TYPE_LABELS
CHAIN_SCOPES = {1: "domestic only", 2: "global only", 3: "domestic and global"}
CE_ORDER = list(CE_DEGREES)
# Outcome vocabulary of gvc_clusters.analysis.export_performance, in legend order (unknown outcomes follow).
OUTCOME_ORDER = ["product_upgrading", "upgrading", "shift_to_higher_quality_segments", "shift_to_higher_quality_niches",
                 "downgrading_immiserizing_growth", "immiserizing_growth", "withdrawal", "collapse_and_withdrawal",
                 "ambiguous_downgrading_or_withdrawal", "not_upgrading_subclass_undetermined", "not_classifiable"]
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "<", ">", "*"]
# Every figure is drawn at the paper's text width (6.5 in; the paper scales it by at most a few per
# cent), so 9-point type prints at about 9 points in every figure: a narrower figure scaled up or a
# wider one scaled down would set its type larger or smaller than its neighbours'.
TEXT_WIDTH = 6.5


def styled(func):
    """Build the figure inside the fixed style, so fonts and colours never depend on the user's rc."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)
    return wrapper


def _figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (7.0, 4.0), **kw):
    """A pyplot-free figure on the Agg canvas and its axes grid (always 2-D)."""
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kw)


def save_figure(fig: Figure, path_without_ext: str | Path, dpi: int = 150) -> list[Path]:
    """Write <path>.svg and <path>.png with no date or software stamp (byte-identical reruns)."""
    base = Path(path_without_ext)
    base.parent.mkdir(parents=True, exist_ok=True)
    svg, png = Path(f"{base}.svg"), Path(f"{base}.png")
    with mpl.rc_context(STYLE):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
        svg.write_text(stable_svg_ids(buffer.getvalue()), encoding="utf-8")
        fig.savefig(png, format="png", dpi=dpi, metadata=PNG_METADATA)
    return [svg, png]


def _label(name: str, labels: dict | None) -> str:
    return (labels or {}).get(name, name)


# ------------------------------------------------------------------------------------------------
# Chapter 10: upgrading and governance
# ------------------------------------------------------------------------------------------------
def _grouped_bars(ax, table: pd.DataFrame) -> None:
    """One group of bars per index entry, one bar per column, legend by column."""
    n = len(table.columns)
    width = 0.8 / n
    x = np.arange(len(table.index))
    for j, column in enumerate(table.columns):
        ax.bar(x + (j - (n - 1) / 2) * width, table[column].to_numpy(dtype=float), width, label=str(column))
    ax.set_xticks(x, [str(i) for i in table.index])


@styled
def figure_upgrading(dataset: pd.DataFrame) -> Figure:
    """Mean upgrading score (0–3) by sector group and by CE degree, one bar per upgrading type.

    Clusters without upgrading data (``has_upgrading_data`` False) are left out, not counted as 0; a
    score the book does not print is left out of its column's mean, and the figure's note says so
    (``missing_score_note``: the book's tables average over every cluster listed)."""
    data = dataset[dataset["has_upgrading_data"].astype(bool)]
    columns = [c for c in UPGRADING_TYPES if c in data.columns]
    fig, axes = _figure(1, 2, (TEXT_WIDTH, 3.3), sharey=True)
    for ax, key, order, labels in ((axes[0, 0], "sector_group", list(SECTOR_LABELS), SECTOR_LABELS),
                                   (axes[0, 1], "ce_degree", CE_ORDER, {})):
        groups = data.groupby(data[key].astype(str), observed=True)
        means = groups[columns].mean().rename(columns=UPGRADING_TYPES)
        means = means.reindex([g for g in order if g in means.index] + sorted(set(means.index) - set(order)))
        counts = groups.size()
        means.index = [f"{_label(g, labels)}\n(n = {counts[g]})" for g in means.index]
        _grouped_bars(ax, means)
        ax.set_title("By sector group" if key == "sector_group" else "By degree of collective efficiency",
                     fontsize=9)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.set_ylim(0, 3)
    axes[0, 0].set_ylabel("Mean score (0–3) over the\nclusters with that score")
    handles, names = axes[0, 0].get_legend_handles_labels()
    # the legend above the panels, so the note (if any) has the bottom to itself
    fig.legend(handles, names, title="Upgrading", loc="outside upper center", ncols=len(names), fontsize=8,
               title_fontsize=8)
    note = missing_score_note(data, columns)
    if note:   # under the legend, at the figure's width (the constrained layout makes room for it)
        import textwrap

        fig.supxlabel(textwrap.fill(note, 118), fontsize=7, color="0.25", x=0.0, ha="left", multialignment="left")
    return fig


def missing_score_note(data: pd.DataFrame, columns: list[str]) -> str:
    """What the figure's means leave out, in words: each score the book does not print (cluster and
    column), and for its sector group the mean drawn (over the clusters with the score) beside the
    average the book's table prints (over every cluster listed, the missing one counting in the
    denominator). '' when every score is printed."""
    parts, effects = [], []
    for column in columns:
        missing = data[data[column].isna()]
        for r in missing.itertuples(index=False):
            where = f"{r.location} ({r.country})" if "location" in data.columns else str(r.cluster_id)
            parts.append(f"{where}, {UPGRADING_TYPES[column].lower()} upgrading")
        for group in dict.fromkeys(missing["sector_group"].astype(str)):
            mine = data[data["sector_group"].astype(str) == group][column]
            total, scored, listed = float(mine.sum()), int(mine.notna().sum()), len(mine)
            effects.append(f"{SECTOR_LABELS.get(group, group).replace(chr(10), ' ').replace('- ', '-')}'s "
                           f"{UPGRADING_TYPES[column].lower()} mean is {total:g}/{scored} = {total / scored:.2f}, "
                           f"where the book's table averages over all {listed} clusters "
                           f"({total:g}/{listed} = {total / listed:.2f})")
    if not parts:
        return ""
    return (f"Not printed (N/A), so left out of its column's mean: {'; '.join(parts)}. "
            + "; ".join(effects) + ".")


@styled
def figure_governance(dataset: pd.DataFrame) -> Figure:
    """Share of clusters with each chain type by sector group, split by scope (domestic / global).

    Reads the chain codes 0–3 of Table 10-2 (0 none, 1 domestic, 2 global, 3 both); clusters whose
    codes are missing are left out of the denominator."""
    sectors = [s for s in SECTOR_LABELS if s in set(dataset["sector_group"].astype(str))]
    # Horizontal bars, the sector groups named once on the left: four panels fit the text width
    # with their labels set level (vertical bars needed slanted labels under every panel).
    fig, axes = _figure(1, len(CHAINS), (TEXT_WIDTH, 2.6), sharey=True)
    y = np.arange(len(sectors))
    for ax, (chain, chain_label) in zip(axes[0], CHAINS.items()):
        codes = dataset[["sector_group", f"{chain}_chain_0to3"]].dropna()
        left = np.zeros(len(sectors))
        for code, scope in CHAIN_SCOPES.items():
            shares = np.array([_share(codes, s, chain, code) for s in sectors])
            ax.barh(y, shares, 0.7, left=left, label=scope, color=PALETTE[code - 1])
            left += shares
        ax.set_title(chain_label, fontsize=9)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 50, 100])
        ax.tick_params(labelsize=7.5)
    axes[0, 0].set_yticks(y, [SECTOR_LABELS[s] for s in sectors], fontsize=7.5)
    axes[0, 0].invert_yaxis()
    fig.supxlabel("Clusters with the chain (%)", fontsize=8)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, title="Chain", loc="outside upper center", ncols=len(names), fontsize=8,
               title_fontsize=8)
    return fig


def _share(codes: pd.DataFrame, sector: str, chain: str, code: int) -> float:
    mine = codes[codes["sector_group"].astype(str) == sector][f"{chain}_chain_0to3"].astype(int)
    return 100.0 * float((mine == code).mean()) if len(mine) else 0.0


# ------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------
def _intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """ci_low/ci_high as recorded; where missing, the normal 95% interval estimate ± z·SE when an SE exists."""
    out = frame.copy()
    if "std_error" in out:
        low, high = confidence_interval(out["estimate"], out["std_error"].astype(float))
        out["ci_low"] = out["ci_low"].astype(float).fillna(low)
        out["ci_high"] = out["ci_high"].astype(float).fillna(high)
    return out


@styled
def figure_coefficients(results: list[ModelResult], *, role: str = "coef", terms: list[str] | None = None,
                        term_labels: dict | None = None, model_labels: list[str] | None = None) -> Figure:
    """Point estimates with their recorded confidence intervals, models side by side per term.

    ``role`` "coef" or "ame" (AMEs: one row per term and outcome category). The constant is left out
    unless ``terms`` names it: it is on another scale than the slopes."""
    if role not in ("coef", "ame"):
        raise ValueError(f"role must be 'coef' or 'ame', not {role!r}")
    frames = [_intervals(r.estimates[r.estimates["role"] == role]) for r in results]
    keys = list(dict.fromkeys((t, c) for f in frames for t, c in zip(f["term"], f["category"])))
    keys = [k for t in terms for k in keys if k[0] == t] if terms else [k for k in keys if k[0] != "const"]
    labels = model_labels or [r.model_id for r in results]
    fig, axes = _figure(1, 1, (6.5, 0.3 * max(len(keys), 2) * max(1, len(results)) ** 0.5 + 1.2))
    ax = axes[0, 0]
    step = 0.7 / max(len(results), 1)
    for j, (frame, name) in enumerate(zip(frames, labels)):
        index = {(t, c): i for i, (t, c) in enumerate(zip(frame["term"], frame["category"]))}
        rows = [(pos, frame.iloc[index[k]]) for pos, k in enumerate(keys) if k in index]
        y = np.array([pos for pos, _ in rows], dtype=float) + (j - (len(results) - 1) / 2) * step
        est = np.array([r["estimate"] for _, r in rows], dtype=float)
        low = np.array([r["ci_low"] for _, r in rows], dtype=float)
        high = np.array([r["ci_high"] for _, r in rows], dtype=float)
        ax.errorbar(est, y, xerr=np.vstack([est - low, high - est]), fmt=MARKERS[j % len(MARKERS)], capsize=2,
                    label=name, color=PALETTE[j % len(PALETTE)])
    ax.axvline(0, color="0.5", linewidth=0.8)
    ax.set_yticks(np.arange(len(keys)), [_key_label(t, c, term_labels) for t, c in keys])
    ax.invert_yaxis()
    ax.set_xlabel("Average marginal effect" if role == "ame" else "Coefficient")
    if len(results) > 1:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=min(len(results), 3))
    return fig


def _key_label(term: str, category: str, labels: dict | None) -> str:
    text = _label(term, labels)
    return f"{text} (y = {category})" if category else text


# The readings figure: one colour per assumption (A glyph-consistent, B checksums only, then any other).
ASSUMPTION_COLORS = ["#1f77b4", "#d95f02", "#7570b3", "#66a61e"]


@styled
def figure_reading_distributions(frame: pd.DataFrame, *, spec_labels: dict, outcome_labels: dict, term_labels: dict,
                                 scale_labels: dict, assumption_labels: dict) -> Figure:
    """The key estimates over the readings of the OCR's uncertain cells: one block per spec (its
    label above it, so no row mixes two specs), one panel per outcome, one row per term. Per row and
    assumption a box (the middle half of the readings, weighted as the shares), whiskers (min to max)
    and a median line; the default reading's estimate as a black diamond on the row's centre line,
    its 95% interval (estimate ± 1.96 SE) as a grey bar behind it.

    ``frame``: models.reading_views.distribution_frame; ``scale_labels``: role -> what the x axis
    measures ("ame": the effect on the probability of the top category, "coef": the coefficient);
    ``assumption_labels``: assumption -> its legend text (what it is and how many readings)."""
    from matplotlib.patches import Patch, Rectangle

    data = frame.copy()
    specs = list(dict.fromkeys(data["spec"]))
    assumptions = sorted(data["assumption"].astype(str).unique())
    colors = {a: ASSUMPTION_COLORS[k % len(ASSUMPTION_COLORS)] for k, a in enumerate(assumptions)}
    order = list(UPGRADING_TYPE_LABELS)
    blocks = []
    for spec in specs:
        part = data[data["spec"] == spec]
        outcomes = sorted(dict.fromkeys(part["outcome"]), key=lambda o: (order.index(o) if o in order else len(order)))
        blocks.append((spec, part, outcomes, list(dict.fromkeys(part["term"]))))
    row_height, header = 0.34, 0.75          # inches per term row; a block's title, panel titles and axis
    heights = [row_height * len(terms) + header for *_, terms in blocks]
    fig = Figure(figsize=(6.5, sum(heights) + 0.55), layout="constrained")
    FigureCanvasAgg(fig)
    subfigures = np.atleast_1d(fig.subfigures(len(blocks), 1, height_ratios=heights))
    offset = 0.2 if len(assumptions) > 1 else 0.0
    for sub, (spec, part, outcomes, terms) in zip(subfigures, blocks):
        axes = sub.subplots(1, len(outcomes), sharey=True, sharex=True, squeeze=False)[0]
        role = part["role"].iloc[0]
        sub.suptitle(spec_labels.get(spec, spec), fontsize=8.5, fontweight="bold", x=0.01, ha="left")
        sub.supxlabel(scale_labels.get(role, role), fontsize=7.5)
        for ax, outcome in zip(axes, outcomes):
            mine = part[part["outcome"] == outcome]
            for i, term in enumerate(terms):
                rows = mine[mine["term"] == term]
                if rows.empty:
                    continue
                first = rows.iloc[0]
                default, se = float(first["default_estimate"]), float(first["default_std_error"])
                if np.isfinite(se):
                    ax.plot([default - 1.96 * se, default + 1.96 * se], [i, i], color="0.82", linewidth=3.2,
                            solid_capstyle="butt", zorder=1)
                for k, a in enumerate(assumptions):
                    hit = rows[rows["assumption"].astype(str) == a]
                    if hit.empty:
                        continue
                    r = hit.iloc[0]
                    y = i + (k - (len(assumptions) - 1) / 2) * 2 * offset / max(len(assumptions) - 1, 1)
                    ax.plot([r["estimate_min"], r["estimate_max"]], [y, y], color=colors[a], linewidth=0.9, zorder=2)
                    ax.add_patch(Rectangle((r["estimate_q25"], y - 0.13), r["estimate_q75"] - r["estimate_q25"], 0.26,
                                           facecolor=colors[a], alpha=0.35, edgecolor=colors[a], linewidth=0.8,
                                           zorder=3))
                    ax.plot([r["estimate_median"]] * 2, [y - 0.13, y + 0.13], color=colors[a], linewidth=1.6,
                            zorder=4)
                ax.plot([default], [i], marker="D", markersize=3.6, color="black", linestyle="", zorder=5)
            ax.axvline(0, color="0.45", linewidth=0.7, zorder=0)
            ax.set_title(outcome_labels.get(outcome, outcome), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.set_ylim(len(terms) - 0.5, -0.5)
        axes[0].set_yticks(np.arange(len(terms)), [term_labels.get(t, t) for t in terms], fontsize=7.5)
    handles = [Patch(facecolor=colors[a], alpha=0.6, edgecolor=colors[a], label=assumption_labels.get(a, a))
               for a in assumptions]
    handles += [Line2D([], [], marker="D", color="black", linestyle="", markersize=4,
                       label="default reading, with its 95% interval (grey)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=1, fontsize=7, handlelength=1.4)
    return fig


# ------------------------------------------------------------------------------------------------
# Chapter 9: export performance
# ------------------------------------------------------------------------------------------------
def _outcome_styles(outcomes) -> dict[str, tuple[str, str]]:
    """A fixed marker and colour per outcome, in the vocabulary's order, so legends are stable."""
    present = set(outcomes)
    ordered = [o for o in OUTCOME_ORDER if o in present] + sorted(present - set(OUTCOME_ORDER))
    return {o: (MARKERS[i % len(MARKERS)], "0.6" if o == "not_classifiable" else PALETTE[i % len(PALETTE)])
            for i, o in enumerate(ordered)}


# Point labels of the chapter 9 figure: their type size (points) and the label-repulsion iterations.
# adjustText's default stops after one second of wall time, which would make the figure depend on
# the machine's speed: a fixed number of iterations keeps reruns byte-identical.
POINT_LABEL_SIZE = 7
LABEL_ITERATIONS = 400


@styled
def figure_export_quadrants(classified: pd.DataFrame, perf: pd.DataFrame | None = None, *,
                            legend_title: str = "Outcome") -> Figure:
    """Market-share change (pp) against unit-value change (%), one panel per product, each exporter
    marked by its classification (``outcome``) and labelled by name. The unit-value change is taken
    from ``perf`` (the export_performance table) when ``classified`` lacks it; rows without a share
    change are not drawn (a share printed n.a. has no position on that axis).

    Three panels a row at the text width, so the labels print at POINT_LABEL_SIZE points on the
    page; the labels are moved apart by adjustText (``_repel_labels``) and kept inside their panel;
    the legend takes the empty panels of the last row."""
    import textwrap

    data = _with_unit_values(classified, perf)
    products = list(dict.fromkeys(zip(data["source_table"], data["product_code"], data["product"])))
    ncols = min(3, len(products))
    nrows = math.ceil(len(products) / ncols)
    fig, axes = _figure(nrows, ncols, (6.5, 2.35 * nrows + (0.0 if nrows * ncols > len(products) else 0.7)))
    drawable = data.dropna(subset=["delta_M_pp", "unit_value_change_pct"])
    styles = _outcome_styles(drawable["outcome"])
    labels = []
    for ax, (table, code, product) in zip(axes.flat, products):
        part = drawable[(drawable["source_table"] == table) & (drawable["product_code"] == code)]
        for outcome, (marker, color) in styles.items():
            mine = part[part["outcome"] == outcome]
            ax.scatter(mine["delta_M_pp"], mine["unit_value_change_pct"], marker=marker, color=color, s=18, zorder=3)
        ax.axhline(0, color="0.5", linewidth=0.8, zorder=1)
        ax.axvline(0, color="0.5", linewidth=0.8, zorder=1)
        ax.margins(x=0.18, y=0.16)          # room for the labels inside the panel
        ax.set_title(textwrap.fill(f"{table} ({code}) {product}", 34), fontsize=8)
        ax.tick_params(labelsize=7.5)
        texts = [ax.text(r.delta_M_pp, r.unit_value_change_pct, r.country, fontsize=POINT_LABEL_SIZE, zorder=4)
                 for r in part.itertuples(index=False)]
        labels.append((ax, texts, part["delta_M_pp"].to_numpy(float), part["unit_value_change_pct"].to_numpy(float)))
    spare = list(axes.flat)[len(products):]
    for ax in spare:
        ax.set_axis_off()
    for k, ax in enumerate(axes.flat[:len(products)]):
        if k >= len(products) - ncols:          # the lowest panel of each column
            ax.set_xlabel("Market share change (pp)", fontsize=8)
        if k % ncols == 0:
            ax.set_ylabel("Unit value change (%)", fontsize=8)
    handles = [Line2D([], [], marker=m, color=c, linestyle="", markersize=5) for m, c in styles.values()]
    names = [o.replace("_", " ") for o in styles]
    hidden = len(data) - len(drawable)
    note = (f"{hidden} exporter-products without a printed\nshare change are not drawn." if hidden else "")
    if spare:   # the legend in the empty panels of the last row
        spare[0].legend(handles, names, loc="upper left", fontsize=7.5, title=legend_title,
                        title_fontsize=8, alignment="left")
        if note:
            spare[0].text(0.0, 0.02, note, transform=spare[0].transAxes, fontsize=7, va="bottom")
    else:
        fig.legend(handles, names, loc="outside lower center", ncols=3, fontsize=7.5, title=legend_title)
        if note:
            fig.text(0.99, 0.01, note.replace("\n", " "), ha="right", va="bottom", fontsize=7)
    _repel_labels(fig, labels)
    return fig


def _repel_labels(fig: Figure, labels) -> None:
    """Move each panel's point labels off each other and off the points, inside the panel, with a
    thin leader line where a label moved away from its point (adjustText, a fixed number of
    iterations). The layout is fixed first and the labels take no part in it, so moving them
    cannot move the panels."""
    from adjustText import adjust_text

    for _, texts, _, _ in labels:
        for text in texts:
            text.set_in_layout(False)
    fig.canvas.draw()                          # the constrained layout, then the labels' places
    fig.set_layout_engine("none")
    for ax, texts, x, y in labels:
        if texts:
            adjust_text(texts, x=x, y=y, ax=ax, iter_lim=LABEL_ITERATIONS, ensure_inside_axes=True,
                        expand=(1.15, 1.35), arrowprops={"arrowstyle": "-", "color": "0.55", "linewidth": 0.5})


def _with_unit_values(classified: pd.DataFrame, perf: pd.DataFrame | None) -> pd.DataFrame:
    keys = ["source_table", "product_code", "country"]
    missing = [c for c in [*keys, "product", "delta_M_pp", "outcome"] if c not in classified.columns]
    if missing:
        raise ValueError(f"classified frame lacks columns {missing}")
    if "unit_value_change_pct" in classified.columns:
        return classified
    if perf is None:
        raise ValueError("classified frame lacks unit_value_change_pct: pass the export_performance table as perf")
    return classified.merge(perf[[*keys, "unit_value_change_pct"]], on=keys, how="left", validate="many_to_one")


# ------------------------------------------------------------------------------------------------
# Time series (chapters 2, 4, 5)
# ------------------------------------------------------------------------------------------------
def _lines(ax, frame: pd.DataFrame, series: dict[str, str], ylabel: str, legend: str = "upper left") -> None:
    """One marked line per column (years on x; missing years leave a gap, never a zero)."""
    for j, (column, name) in enumerate(series.items()):
        if column in frame:
            ax.plot(frame["year"], frame[column].astype(float), marker=MARKERS[j % len(MARKERS)], markersize=3,
                    label=name)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Year")
    ax.set_ylim(bottom=0)
    ax.legend(loc=legend)


@styled
def figure_salmon(production: pd.DataFrame) -> Figure:
    """Chilean salmon: production (Chile, Tenth Region) and exports (Table 4-1)."""
    fig, axes = _figure(1, 2, (TEXT_WIDTH, 2.9))
    _lines(axes[0, 0], production, {"chile_production_thousand_tons": "Chile",
                                    "tenth_region_production_thousand_tons": "Tenth Region"},
           "Production (thousand tons)")
    _lines(axes[0, 1], production, {"exports_usd_million_fob": "Exports"}, "Exports (US$ million, FOB)")
    axes[0, 0].set_title("Production")
    axes[0, 1].set_title("Exports")
    return fig


@styled
def figure_dairy(milk: pd.DataFrame) -> Figure:
    """Nicaraguan milk: production, collection and pasteurization (Table 2-1)."""
    fig, axes = _figure(1, 1, (TEXT_WIDTH, 2.9))
    _lines(axes[0, 0], milk, {"production_million_gallons": "Production",
                              "collection_million_gallons": "Collection",
                              "pasteurization_million_gallons": "Pasteurization"}, "Million gallons",
           legend="center left")   # between production (about 50-60) and collection (about 10-15)
    return fig


@styled
def figure_furniture(mexico: pd.DataFrame, puebla: pd.DataFrame) -> Figure:
    """Furniture exports: Mexico (total, maquiladora, other; Table 5-1) and Puebla (wooden, rustic;
    Table 5-2). Plotted as printed: Table 5-2's wooden total equals Table 5-1's non-maquiladora
    column (decision log, table 5-2), so the two lines coincide by the book's construction."""
    fig, axes = _figure(1, 2, (TEXT_WIDTH, 2.9))
    _lines(axes[0, 0], mexico, {"total_exports_usd_million": "Total",
                                "maquiladora_exports_usd_million": "Maquiladora",
                                "non_maquiladora_exports_usd_million": "Non-maquiladora"}, "US$ million")
    _lines(axes[0, 1], puebla, {"wooden_exports_usd_million": "Wooden furniture, total",
                                "rustic_exports_usd_million": "Rustic furniture",
                                "rustic_exports_to_us_usd_million": "Rustic, to the US"}, "US$ million")
    axes[0, 0].set_title("Mexico")
    axes[0, 1].set_title("Puebla")
    return fig


__all__ = ["STYLE", "figure_coefficients", "figure_dairy", "figure_export_quadrants", "figure_furniture",
           "figure_governance", "figure_reading_distributions", "figure_salmon", "figure_upgrading", "save_figure",
           "styled"]


# Chapter 9 on a user's trade flows: outcomes coloured by the class they share across the three
# schemes (export_performance.OUTCOME_CLASS).
TRADE_FLOW_CLASSES = {"upgrading": "upgrading", "shift_to_higher_quality_segments": "shift to higher quality",
                      "downgrading_immiserizing_growth": "downgrading / immiserizing growth",
                      "withdrawal": "withdrawal / collapse", "ambiguous": "ambiguous (footnote 8)",
                      "not_upgrading_subclass_undetermined": "not upgrading, sub-class undetermined",
                      "not_classifiable": "not classifiable"}
TRADE_FLOW_COLORS = ["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#bcbd22", "#8c564b", "#c7c7c7"]


def trade_flow_class(outcome: str) -> str:
    """The class an outcome of any of the three schemes falls in (the figure's colours)."""
    from gvc_clusters.analysis import export_performance as ep

    cls = ep.OUTCOME_CLASS.get(outcome, outcome)
    return cls if cls is not None else ("ambiguous" if outcome == ep.AMBIGUOUS else outcome)


@styled
def figure_trade_flow_groups(summary: pd.DataFrame, rule: str, group_labels: dict[str, str]):
    """One horizontal stacked bar per product group that has exporter-products: their shares by
    outcome class under ``rule``. ``group_labels``: group -> its label (only these groups, in order)."""
    data = summary[summary["rule_variant"] == rule]
    groups = [g for g in group_labels if (data["group"] == g).any()]
    fig, axes = _figure(1, 1, size=(6.5, 1.6 + 0.26 * max(len(groups), 1)))
    ax = axes[0, 0]
    y = np.arange(len(groups))[::-1]            # the first group on top
    left = np.zeros(len(groups))
    classes = data["outcome"].map(trade_flow_class)
    for colour, (cls, label) in zip(TRADE_FLOW_COLORS, TRADE_FLOW_CLASSES.items()):
        share = np.array([data[(data["group"] == g) & (classes == cls)]["share_pct"].sum() for g in groups])
        if not share.any():
            continue
        ax.barh(y, share, left=left, color=colour, label=label)
        left += share
    ax.set_yticks(y, [group_labels[g] for g in groups], fontsize=7)
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the group's exporter-products (%)")
    fig.legend(loc="outside lower center", ncols=3, fontsize=7, frameon=False)
    return fig
