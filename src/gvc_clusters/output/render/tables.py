"""Publication tables from the neutral result record and from plain data frames.

One renderer for every model kind: ``regression_table`` reads only ``ModelResult`` fields (never a
fitted statsmodels/linearmodels object, and never linearmodels' ``compare``, whose default cells
are t-statistics, not standard errors). ``descriptive_table`` puts a plain data table (the
replicated chapter 10 tables, the replication check, the chapter 9 classification) into the same
layout. Both return a ``Table``: a tidy frame of formatted cells plus title, headers and notes, so
the three outputs (LaTeX, HTML, CSV) are projections of one object and always agree.

Styles (``PRESETS``): "aer" (no significance stars, the AER's rule) and "stars" (* p < 0.10,
** p < 0.05, *** p < 0.01). Formatting is deterministic: fixed decimals, thousands separators,
no negative zero.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gvc_clusters.io import write_csv
from gvc_clusters.results import ModelResult
from gvc_clusters.templating import render_template
from gvc_clusters.vocabulary import (
    CHAIN_TYPE_LABELS,
    SECTOR_GROUP_LABELS,
    UPGRADING_TABLES,
    UPGRADING_TYPE_LABELS,
    category_key,
    cutpoint_key,
)

CELL_COLUMNS = ["panel", "row_id", "term", "row", "line", "column", "column_id", "text", "stars", "value",
                "p_value"]


@dataclass(frozen=True)
class Preset:
    """A table style: whether estimates carry stars, and at which p-value thresholds."""
    name: str
    stars: tuple[tuple[float, str], ...] = ()   # (threshold, symbol), strictest first


PRESETS = {
    "aer": Preset("aer"),
    "stars": Preset("stars", ((0.01, "***"), (0.05, "**"), (0.10, "*"))),
}

KIND_LABELS = {"ordered_probit": "Ordered probit", "ordered_logit": "Ordered logit", "panel_ols": "PanelOLS",
               "random_effects": "RandomEffects", "pooled_ols": "Pooled OLS"}
ROLE_HEADINGS = {"coef": "Coefficients", "ame": "Average marginal effects", "cutpoint": "Cutpoints"}
CONSTANT_TERMS = ("const", "Intercept", "intercept")


@dataclass
class Table:
    """A rendered-format-neutral table: what to print, not how.

    ``cells`` has CELL_COLUMNS, one row per printed cell: ``row_id`` orders the printed rows,
    ``line`` says what the row is ("estimate", "se", "permutation", "fe", "stat", "data"), ``text`` is the
    formatted number without stars, ``stars`` the significance marks, ``value``/``p_value`` the
    numbers behind the text (for machines). ``panels`` lists (panel key, heading) in print order;
    an empty heading prints a rule and no title.
    """
    title: str
    label: str
    preset: str
    stub_header: str
    header_rows: list[list[str]]         # each [stub text, one text per column]
    columns: list[str]                   # column keys, print order
    align: list[str]                     # "l" | "c" | "r" per column
    panels: list[tuple[str, str]]
    cells: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    long: bool = False                   # LaTeX: a longtable across pages instead of a float


def get_preset(name: str) -> Preset:
    """The named style; config chooses it by name, so an unknown name fails loudly here."""
    if name not in PRESETS:
        raise ValueError(f"unknown table preset {name!r}; expected one of {sorted(PRESETS)}")
    return PRESETS[name]


# ------------------------------------------------------------------------------------------------
# Number formatting
# ------------------------------------------------------------------------------------------------
def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


MINUS = "\u2212"   # the true minus sign; LaTeX prints it as $-$ (latex_escape), HTML as is
# A hyphen that is a number's sign: at the start, or after a space, bracket, '=', ',', ';' or ':'. A
# hyphen between two digits or after a letter (Table 10-2, 1990-2000, scores 0-3, 10-2.A) is not one.
_SIGN_HYPHEN = re.compile(r"(^|[\s(\[=,;:])-(?=\.?\d)")


def typeset_minus(text: str) -> str:
    """Every negative number's sign as a true minus (U+2212), never a hyphen: '-0.5' -> '−0.5',
    '[-1.2, 0.3]' -> '[−1.2, 0.3]'. The one place the project decides what a minus looks like: numbers
    (``format_number``), table cells and notes, the prose's numbers and text, the LaTeX escaper."""
    return _SIGN_HYPHEN.sub(lambda m: m.group(1) + MINUS, str(text))


# Straight quotes as typeset quotes: one opens at the start of the text or after a space or an opening
# bracket, any other closes (an apostrophe is a closing single quote: "Puebla's" -> "Puebla’s").
_OPENING_QUOTE = re.compile(r"""(^|[\s(\[{])(['"])(?=\S)""")
_CURLY = {"'": ("\u2018", "\u2019"), '"': ("\u201c", "\u201d")}


# A one-letter equation ("y = 0", "p = 0.04"): its spaces do not break (never "(y" / "= 0)" at a line end).
_SHORT_EQUATION = re.compile(r"(?<![\w.])([A-Za-z]) = (?=\S)")
NBSP = "\u00a0"


def typeset_text(text: str) -> str:
    """Text as a typesetter sets it: true minus signs (``typeset_minus``), curly quotes for straight
    ones ('Metalworking' -> ‘Metalworking’, never ’Metalworking’ as TeX sets a straight quote) and
    no line break inside a one-letter equation ("y = 0")."""
    text = _OPENING_QUOTE.sub(lambda m: m.group(1) + _CURLY[m.group(2)][0], typeset_minus(text))
    text = _SHORT_EQUATION.sub(lambda m: f"{m.group(1)}{NBSP}={NBSP}", text)
    return text.replace("'", _CURLY["'"][1]).replace('"', _CURLY['"'][1])


def format_value(value, digits: int = 3) -> str:
    """A printed or reproduced value: a whole number without decimals ('1', not '1.000': the codes and
    counts of the book's tables), any other with ``digits`` decimals."""
    if _missing(value):
        return ""
    return format_number(value, 0 if float(value).is_integer() else digits)


def format_number(value, digits: int = 3) -> str:
    """Fixed decimals with thousands separators and a true minus sign; '' for missing; never '−0.000'."""
    if _missing(value):
        return ""
    text = f"{float(value):,.{digits}f}"
    return text[1:] if re.fullmatch(r"-[0.,]+", text) else typeset_minus(text)


def format_count(value) -> str:
    """Counts (N, clusters) as integers with thousands separators."""
    return "" if _missing(value) else f"{int(value):,}"


def stars_for(p_value, preset: Preset) -> str:
    """Stars for a p-value under the preset; none when the preset has none or p is missing."""
    if _missing(p_value):
        return ""
    for threshold, symbol in preset.stars:
        if p_value < threshold:
            return symbol
    return ""


def star_legend(preset: Preset) -> str:
    """'* p < 0.10, ** p < 0.05, *** p < 0.01' for the preset's thresholds."""
    return ", ".join(f"{symbol} p < {threshold:.2f}" for threshold, symbol in reversed(preset.stars))


# ------------------------------------------------------------------------------------------------
# Regression tables
# ------------------------------------------------------------------------------------------------
def regression_table(results: list[ModelResult], *, preset: str = "aer", role: str = "coef",
                     terms: list[str] | None = None, term_labels: dict[str, str] | None = None,
                     column_labels: list[str] | None = None, title: str = "", label: str = "",
                     notes: list[str] | tuple = (), digits: int = 3, p_column: str = "p_value",
                     cutpoints: bool = True, model_notes: bool = False, under: str = "se") -> Table:
    """Models side by side: estimate over its SE in parentheses, cutpoints in their own panel,
    fixed-effect Yes/No rows, fit statistics, and SE type / cluster count in the notes.

    ``role`` "coef" or "ame" chooses the main panel. ``terms`` selects and orders its rows (default:
    every term in order of first appearance, the constant last). ``term_labels`` maps variable names
    (terms and outcomes) to printed labels. ``p_column`` picks the p-value behind the stars
    ("p_value" or "p_value_permutation").
    """
    if not results:
        raise ValueError("regression_table needs at least one ModelResult")
    if role not in ("coef", "ame"):
        raise ValueError(f"role must be 'coef' or 'ame', not {role!r}")
    if under not in UNDER:
        raise ValueError(f"under must be one of {sorted(UNDER)}, not {under!r}")
    style, labels = get_preset(preset), term_labels or {}
    columns = [f"({k})" for k in range(1, len(results) + 1)]
    ids = [r.model_id for r in results]
    rows = _estimate_panel(results, role, terms, labels, style, digits, p_column, columns, ids, under)
    if cutpoints:
        rows += _estimate_panel(results, "cutpoint", None, labels, style, digits, p_column, columns, ids, under)
    rows += _fixed_effect_rows(results, columns, ids) + _statistic_rows(results, digits, columns, ids)
    cells = _cells_frame(rows)
    return Table(title=title, label=label, preset=preset, stub_header="",
                 header_rows=_regression_headers(results, columns, labels, column_labels),
                 columns=columns, align=["c"] * len(columns), panels=_regression_panels(cells, role),
                 cells=cells, notes=_regression_notes(results, columns, style, p_column, notes, model_notes,
                                                     labels, under,
                                                     brackets=bool((cells["line"] == "permutation").any())))


UNDER = {"se": "Standard errors in parentheses.", "ci": "95% confidence intervals in brackets.",
         "p": "p-values in parentheses."}


def _under_text(row, under: str, digits: int) -> tuple[str, float]:
    """What prints under an estimate: its SE '(0.123)', its CI '[0.1, 0.5]' or its p-value 'p = 0.04'."""
    if under == "ci":
        low, high = format_number(row["ci_low"], digits), format_number(row["ci_high"], digits)
        return (f"[{low}, {high}]" if low and high else "[n.a.]"), row["ci_low"]
    if under == "p":
        return f"(p = {format_number(row['p_value'], digits) or 'n.a.'})", row["p_value"]
    return f"({format_number(row['std_error'], digits) or 'n.a.'})", row["std_error"]


def _estimate_panel(results, role, terms, labels, preset, digits, p_column, columns, ids,
                    under="se") -> list[dict]:
    """Two printed rows per term: the estimate (with stars) and, under it, its SE, CI or p-value."""
    keys = _term_keys(results, role, terms)
    rows = []
    for term, category in keys:
        row_label = _term_label(term, category, role, labels)
        for result, column, column_id in zip(results, columns, ids):
            est = result.estimates
            hit = est[(est["role"] == role) & (est["term"] == term) & (est["category"] == category)]
            if hit.empty:
                continue
            first = hit.iloc[0]
            base = {"panel": role, "term": term if not category else f"{term}|{category}", "row": row_label,
                    "column": column, "column_id": column_id}
            p_value = first[p_column]
            rows.append({**base, "line": "estimate", "text": format_number(first["estimate"], digits),
                         "stars": stars_for(p_value, preset) if role != "cutpoint" else "",
                         "value": first["estimate"], "p_value": p_value})
            under_text, under_value = _under_text(first, under, digits)
            rows.append({**base, "line": "se", "text": under_text, "stars": "", "value": under_value,
                         "p_value": math.nan})
            perm = first.get("p_value_permutation", math.nan)
            if role == "coef" and not _missing(perm):
                rows.append({**base, "line": "permutation", "text": f"[{format_number(perm, digits)}]", "stars": "",
                             "value": perm, "p_value": perm})
    return rows


def _term_keys(results, role, terms) -> list[tuple[str, str]]:
    """(term, category) pairs in print order: as asked, else first appearance with the constant last."""
    frames = [r.estimates[r.estimates["role"] == role] for r in results]
    seen = list(dict.fromkeys((t, c) for f in frames for t, c in zip(f["term"], f["category"])))
    if role == "cutpoint":
        seen = sorted(seen, key=lambda key: cutpoint_key(key[0]))
    elif any(c for _, c in seen):
        first = {t: i for i, t in enumerate(dict.fromkeys(t for t, _ in seen))}
        seen = sorted(seen, key=lambda key: (first[key[0]], category_key(key[1])))
    if terms is not None:
        return [key for term in terms for key in seen if key[0] == term]
    return [k for k in seen if k[0] not in CONSTANT_TERMS] + [k for k in seen if k[0] in CONSTANT_TERMS]


def _term_label(term: str, category: str, role: str, labels: dict) -> str:
    if term in CONSTANT_TERMS:
        return labels.get(term, "Constant")
    text = labels.get(term, term)
    return f"{text} (y = {category})" if role == "ame" and category else text


def _fixed_effect_rows(results, columns, ids) -> list[dict]:
    """One Yes/No row per fixed effect any model names; a model that does not name it has none."""
    names = list(dict.fromkeys(name for r in results for name in r.fixed_effects))
    return [{"panel": "fixed_effects", "term": f"fe_{name}", "row": f"{name} fixed effects", "line": "fe", "column": column,
             "column_id": column_id, "text": "Yes" if r.fixed_effects.get(name, False) else "No", "stars": "",
             "value": float(bool(r.fixed_effects.get(name, False))), "p_value": math.nan}
            for name in names for r, column, column_id in zip(results, columns, ids)]


STATISTICS = [  # (record field, printed label, formatter)
    ("n_obs", "Observations", "count"),
    ("loglik", "Log-likelihood", "number"),
    ("pseudo_r2", "Pseudo R² (McFadden)", "number"),
    # One R² per row, each row one definition: a cell is empty where the column's model has no R² of
    # that meaning (_r2_notes says which is which).
    ("extra.r2_within_stata", "Within R² (as Stata's xtreg)", "number"),
    ("r2_net_of_effects", "R² net of the fixed effects", "number"),
    ("r2_quasi_demeaned", "R² of the quasi-demeaned equation", "number"),
    ("r2_ols", "R²", "number"),
    ("extra.r2_inclusive", "R² including the fixed effects", "number"),
]
# Which models' ``r2`` (linearmodels' ``rsquared``) each row above is: its meaning depends on the estimator.
R2_MEANING = {
    "r2_net_of_effects": lambda r: r.kind == "panel_ols" and any(r.fixed_effects.values()),
    "r2_quasi_demeaned": lambda r: r.kind == "random_effects",
    "r2_ols": lambda r: r.kind in ("pooled_ols", "ols") or (r.kind == "panel_ols" and not any(r.fixed_effects.values())),
}


def _statistic_value(result, name):
    """A record field, ``extra.<key>`` for a fact kept in ``extra``, or an ``R2_MEANING`` row (the
    model's R² where it has that meaning, else None)."""
    if name.startswith("extra."):
        return result.extra.get(name.removeprefix("extra."))
    if name in R2_MEANING:
        return result.r2 if R2_MEANING[name](result) else None
    return getattr(result, name)


def _statistic_rows(results, digits, columns, ids) -> list[dict]:
    """Fit statistics; a row appears only when some model reports it."""
    rows = []
    for name, row_label, kind in STATISTICS:
        values = [_statistic_value(r, name) for r in results]
        if all(_missing(v) for v in values):
            continue
        for value, column, column_id in zip(values, columns, ids):
            text = format_count(value) if kind == "count" else format_number(value, digits)
            rows.append({"panel": "statistics", "term": name, "row": row_label, "line": "stat", "column": column,
                         "column_id": column_id, "text": text, "stars": "",
                         "value": math.nan if _missing(value) else float(value), "p_value": math.nan})
    return rows


def _cells_frame(rows: list[dict]) -> pd.DataFrame:
    """Number the printed rows in order of first appearance of (panel, term, line)."""
    frame = pd.DataFrame(rows, columns=[c for c in CELL_COLUMNS if c != "row_id"])
    keys = list(zip(frame["panel"], frame["term"], frame["line"]))
    order = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    frame.insert(1, "row_id", [order[key] for key in keys])
    return frame[CELL_COLUMNS].sort_values("row_id", kind="stable").reset_index(drop=True)


def _regression_headers(results, columns, labels, column_labels) -> list[list[str]]:
    outcomes = [labels.get(r.outcome, r.outcome) for r in results]
    kinds = column_labels or [KIND_LABELS.get(r.kind, r.kind) for r in results]
    return [["", *columns], ["", *outcomes], ["", *kinds]]


def _regression_panels(cells, role) -> list[tuple[str, str]]:
    """Estimate panels get headings only when there are two (e.g. coefficients and cutpoints)."""
    present = list(dict.fromkeys(cells["panel"]))
    estimate_panels = [p for p in present if p in ROLE_HEADINGS]
    titled = len(estimate_panels) > 1
    return [(p, ROLE_HEADINGS[p] if titled and p in ROLE_HEADINGS else "") for p in present]


def add_interval_panel(table: Table, intervals: list[dict], *, key: str, heading: str, labels: dict[str, str],
                       digits: int = 3, after: str = "coef") -> Table:
    """A panel of intervals under the table's ``after`` panel: one row per term the columns' intervals
    name (in the order of the ``after`` panel's rows), '[low, high]' in each column that has one.
    ``intervals``: per column (in the table's column order) term -> (low, high), {} for none. Every
    panel of the table is then titled (an untitled panel would read as more coefficients)."""
    if not any(intervals):
        return table
    shown = table.cells[(table.cells["panel"] == after) & (table.cells["line"] == "estimate")]["term"]
    terms = [t for t in dict.fromkeys(shown) if any(t in ci for ci in intervals)]
    terms += [t for ci in intervals for t in ci if t not in terms]
    first_id = int(table.cells["row_id"].max()) + 1 if len(table.cells) else 0
    rows = []
    for k, term in enumerate(dict.fromkeys(terms)):
        for column, column_id, ci in zip(table.columns, [*dict.fromkeys(table.cells["column_id"])], intervals):
            if term not in ci:
                continue
            low, high = ci[term]
            rows.append({"panel": key, "row_id": first_id + k, "term": term, "row": labels.get(term, term),
                         "line": "interval", "column": column, "column_id": column_id,
                         "text": f"[{format_number(low, digits)}, {format_number(high, digits)}]", "stars": "",
                         "value": float(low), "p_value": math.nan})
    table.cells = pd.concat([table.cells, pd.DataFrame(rows, columns=CELL_COLUMNS)], ignore_index=True)
    panels = [(p, h or ROLE_HEADINGS.get(p, "")) for p, h in table.panels]
    at = next((i + 1 for i, (p, _) in enumerate(panels) if p == after), len(panels))
    table.panels = panels[:at] + [(key, heading)] + panels[at:]
    return table


def se_description(result: ModelResult) -> str:
    """The SE type with the number of clusters, unless the SE text already states it."""
    text = result.se_type
    n = result.n_clusters
    if n is not None and not re.search(rf"\b{n:,}\s+clusters?\b|\b{n}\s+clusters?\b", text):
        text = f"{text}, {n:,} clusters"
    return text


def _column_span(columns: list[str]) -> str:
    return columns[0] if len(columns) == 1 else f"{columns[0]}–{columns[-1]}"


def _grouped(columns: list[str], values: list[str]) -> list[tuple[list[str], str]]:
    """Consecutive columns sharing a value, so a note names each value once."""
    groups: list[tuple[list[str], str]] = []
    for column, value in zip(columns, values):
        if groups and groups[-1][1] == value:
            groups[-1][0].append(column)
        else:
            groups.append(([column], value))
    return groups


def _regression_notes(results, columns, preset, p_column, extra, model_notes, labels=None, under="se",
                      brackets=True) -> list[str]:
    """SE type and clusters always; star legend only in a starred preset; failures never hidden;
    the bracketed permutation p-values explained only where the table prints them (``brackets``)."""
    first = UNDER[under]
    if preset.stars:
        source = " (randomization-inference p-values)" if p_column == "p_value_permutation" else ""
        first += f" {star_legend(preset)}{source}."
    groups = _grouped(columns, [se_description(r) for r in results])
    if len(groups) == 1:
        se_note = f"Standard errors: {groups[0][1]}."
    else:
        se_note = "Standard errors: " + "; ".join(f"{_column_span(c)} {v}" for c, v in groups) + "."
    notes = [first, se_note]
    corrections = [r.extra.get("small_sample_correction", "") for r in results]
    if any(corrections):
        groups = _grouped(columns, corrections)
        notes.append("Small-sample correction of the SEs: " + ("; ".join(f"{_column_span(c)} {v or 'none'}"
                                                                         for c, v in groups)
                                                              if len(groups) > 1 else groups[0][1]) + ".")
    notes += _permutation_notes(results, columns, labels) if brackets else []
    notes += _r2_notes(results, columns)
    samples = _grouped(columns, [r.sample for r in results])
    if any(value for _, value in samples):
        notes.append("Sample: " + ("; ".join(f"{_column_span(c)} {v or 'as estimated'}" for c, v in samples)
                                   if len(samples) > 1 else samples[0][1]) + ".")
    notes += [f"Column {c} did not converge: its estimates are where the optimiser stopped."
              for r, c in zip(results, columns) if not r.converged]
    if model_notes:
        notes += [f"{c}: {note}" for r, c in zip(results, columns) for note in r.notes]
    return notes + list(extra)


def _r2_notes(results, columns) -> list[str]:
    """What each printed R² row is (``r2_definitions``), and which cells are empty and why."""
    printed = {name for name, _, _ in STATISTICS if name != "n_obs"
               and any(not _missing(_statistic_value(r, name)) for r in results)}
    return r2_definitions(results, columns, printed)


def _no_within_r2_reason(result) -> str:
    """Why a panel column has no Stata within R²."""
    if result.extra.get("weights"):
        return "weighted: xtreg takes only weights constant within an entity"
    if result.extra.get("absorbed"):
        return "absorbed effects (AbsorbingLS)"
    return "no entity effects"


def r2_definitions(results, columns, printed: set[str]) -> list[str]:
    """One sentence per printed R² row: the formula, the package whose number it equals, and the
    columns left empty. ``printed``: the STATISTICS keys the table prints."""
    def empty(name: str) -> list[str]:
        return [c for r, c in zip(results, columns) if _missing(_statistic_value(r, name))]

    parts = []
    if "extra.r2_within_stata" in printed:
        kinds = {r.kind for r, c in zip(results, columns) if c not in empty("extra.r2_within_stata")}
        text = ("Within R² as Stata's xtreg reports it, the time or type effects counted as regressors: "
                + "; ".join(sentence for kind, sentence in (
                    ("panel_ols", ("for fixed effects 1 − SSR/TSS of the entity-demeaned data (xtreg, fe with "
                                   "i.time), the same regression's residuals as the two-way fit's")),
                    ("random_effects", ("for random effects the squared correlation of the entity-demeaned outcome "
                                        "and prediction, its dummies included (xtreg, re)"))) if kind in kinds))
        missing = [(c, _no_within_r2_reason(r)) for r, c in zip(results, columns)
                   if c in empty("extra.r2_within_stata")]
        if missing:
            text += "; empty in " + ", ".join(f"{c} ({why})" for c, why in missing)
        parts.append(text)
    if "r2_net_of_effects" in printed:
        parts.append("R² net of the fixed effects: 1 − SSR/TSS of the data net of every effect (linearmodels "
                     "PanelOLS's rsquared, fixest's within R²), which credits the fixed effects with nothing")
    if "r2_quasi_demeaned" in printed:
        parts.append("R² of the quasi-demeaned equation: RandomEffects' rsquared, 1 − SSR/TSS of the GLS "
                     "regression on the quasi-demeaned data")
    if "r2_ols" in printed:
        parts.append("R²: 1 − SSR/TSS of the regression without effects")
    if "extra.r2_inclusive" in printed:
        parts.append("R² including the fixed effects: 1 − SSR/TSS of the data with the effects as fitted "
                     "(fixest's r2)")
    return [". ".join(p[:1].upper() + p[1:] for p in parts) + "."] if parts else []


def estimator_label(result: ModelResult, kind_label: str) -> str:
    """A panel column's header: the estimator's label (``kind_label``, e.g. "Fixed effects (PanelOLS)")
    with the estimator the fit actually used (``extra["estimator"]``: AbsorbingLS for absorbed
    effects) in the parentheses, and ", weighted" for a weighted fit."""
    used = str(result.extra.get("estimator") or "").split(" (")[0]
    label = kind_label
    if used and label.endswith(")") and f"({used})" not in label:
        label = label[:label.rindex("(")] + f"({used})"
    return label + (", weighted" if result.extra.get("weights") else "")


def estimation_notes(results, columns) -> list[str]:
    """What a panel column's estimator did beyond its header: weights (weighted least squares, by
    which column) and absorbed effects with their levels, and the estimator that fitted them."""
    parts = []
    for r, column in zip(results, columns):
        what = []
        if r.extra.get("absorbed"):
            levels = ", ".join(f"{c} ({n:,} levels)" for c, n in r.extra["absorbed"].items())
            what.append(f"{r.extra.get('estimator', 'AbsorbingLS')} with absorbed effects {levels}")
        if r.extra.get("weights"):
            what.append(f"weighted least squares, weights {r.extra['weights']}")
        if what:
            parts.append(f"{column} " + "; ".join(what))
    return ["Estimation: " + "; ".join(parts) + "."] if parts else []


def _permutation_notes(results, columns, labels=None) -> list[str]:
    """What the bracketed randomization-inference p-values are, with their draws and MC SEs."""
    parts = []
    for r, column in zip(results, columns):
        perm = r.extra.get("permutation") or {}
        coef = r.estimates[(r.estimates["role"] == "coef") & r.estimates["p_value_permutation"].notna()]
        if coef.empty or not perm:
            continue
        draws = int(perm.get("n_permutations", 0))
        mc = perm.get("mc_se", {})
        name = (labels or {}).get
        # a categorical's levels share its joint test (keyed by the categorical's name)
        joint = {c: t for t, cols in (perm.get("columns") or {}).items() if t in mc and t not in set(coef["term"])
                 for c in cols}
        terms = ", ".join(f"{name(t, t)} p = {p:.3f} (MC SE {mc[t]:.4f})" if t in mc
                          else f"{name(t, t)} p = {p:.3f} (joint test of {name(joint[t], joint[t]).lower()}, "
                               f"MC SE {mc[joint[t]]:.4f})" if t in joint else f"{name(t, t)} p = {p:.3f}"
                          for t, p in zip(coef["term"], coef["p_value_permutation"]))
        parts.append(f"{column}: {draws:,} draws; {terms}")
    if not parts:
        return []
    return ["Randomization-inference p-values in brackets: each permutes the variable (and rebuilds its "
            "interactions) and refits; the statistic is the likelihood ratio of the variable's columns; "
            "Monte Carlo SE = sqrt(p(1 − p)/draws). " + "; ".join(parts) + "."]


# ------------------------------------------------------------------------------------------------
# Descriptive tables
# ------------------------------------------------------------------------------------------------
def descriptive_table(frame: pd.DataFrame, *, title: str = "", label: str = "", preset: str = "aer",
                      columns: dict[str, str] | None = None, stub: str | None = None,
                      stub_header: str = "", panel: str | None = None, panel_labels: dict | None = None,
                      digits: int | dict[str, int | Callable] | None = None, na_rep: str = "n.a.",
                      align: dict[str, str] | None = None, notes: list[str] | tuple = ()) -> Table:
    """A plain data table in the regression tables' layout.

    ``columns`` maps frame columns to headers (and selects/orders them; default all but the stub and
    panel). ``stub`` names the row-label column (default: the first column). ``panel`` splits rows
    into panels by that column's values (headings via ``panel_labels``; '' prints a rule only).
    ``digits``: decimals for all numeric columns, or per column an int or a function value -> text;
    default 0 for whole-number columns, else 2. ``align`` overrides a column's LaTeX alignment
    (default "r" for numbers, "l" for text; e.g. "p{6cm}" to wrap long text).
    """
    get_preset(preset)
    stub = stub or frame.columns[0]
    columns = columns or {c: c for c in frame.columns if c not in (stub, panel)}
    keys = list(columns)
    formats = {key: _digits_for(frame[key], key, digits) for key in keys}
    rows = []
    for row_id, (_, record) in enumerate(frame.iterrows()):
        panel_key = "" if panel is None else str(record[panel])
        for key in keys:
            value = record[key]
            rows.append({"panel": panel_key, "row_id": row_id, "term": str(row_id), "row": _text(record[stub], na_rep),
                         "line": "data", "column": key, "column_id": key, "text": _data_text(value, formats[key], na_rep),
                         "stars": "", "value": _numeric(value), "p_value": math.nan})
    cells = pd.DataFrame(rows, columns=CELL_COLUMNS)
    panel_keys = list(dict.fromkeys(cells["panel"])) if rows else [""]
    headings = panel_labels or {}
    return Table(title=title, label=label, preset=preset, stub_header=stub_header,
                 header_rows=[[stub_header, *columns.values()]], columns=keys,
                 align=[(align or {}).get(k, "r" if _is_numeric(frame[k]) else "l") for k in keys],
                 panels=[(p, headings.get(p, p)) for p in panel_keys], cells=cells, notes=list(notes))


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _digits_for(series: pd.Series, key: str, digits) -> int | Callable | None:
    """None for non-numeric columns; otherwise the asked decimals (or formatter), or 0 for whole
    numbers, else 2."""
    if not _is_numeric(series):
        return None
    if isinstance(digits, int):
        return digits
    if isinstance(digits, dict) and key in digits:
        return digits[key]
    values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    return 0 if (values == values.round()).all() else 2


def _text(value, na_rep: str) -> str:
    if _missing(value):
        return na_rep
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    return str(value)


def _data_text(value, digits: int | Callable | None, na_rep: str) -> str:
    if digits is None or _missing(value):
        return _text(value, na_rep)
    return digits(value) if callable(digits) else format_number(value, digits)


def _numeric(value) -> float:
    try:
        return math.nan if _missing(value) or isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return math.nan


# ------------------------------------------------------------------------------------------------
# The book's tables
# ------------------------------------------------------------------------------------------------
SECTOR_LABELS = SECTOR_GROUP_LABELS
CHAIN_COLUMNS = {f"{name}_chain_0to3": label for name, label in CHAIN_TYPE_LABELS.items()}
UPGRADING_COLUMNS = {**{f"{name}_upgrading": label for name, label in UPGRADING_TYPE_LABELS.items()},
                     "sum_of_upgrading": "Sum"}
SUMMARY_ROWS = ("Total", "Average")


def chapter10_table(frame: pd.DataFrame, table_id: str, *, check: pd.DataFrame | None = None,
                    preset: str = "aer", label: str | None = None) -> Table:
    """Table 10-2, 10-4, 10-5 or 10-6 as reproduced (results/replication/table_10_*.csv), with the
    replication check of that table summarised in the notes when ``check`` is given."""
    if table_id not in ("10-2", *UPGRADING_TABLES):
        raise ValueError(f"table_id must be one of {['10-2', *UPGRADING_TABLES]}, not {table_id!r}")
    data = frame.copy()
    data["_stub"] = [_cluster_stub(r) for r in data.itertuples(index=False)]
    if table_id == "10-2":
        columns, panel = {"product": "Product", **CHAIN_COLUMNS}, "sector_group"
        headings = SECTOR_LABELS
        notes = ["Chain codes 0–3 as printed: 0 none, 1 domestic, 2 global, 3 domestic and global."]
    else:
        columns = {"product": "Product", "ce_degree": "CE degree", **UPGRADING_COLUMNS}
        summary = data["cluster_id"].isin(SUMMARY_ROWS)
        data["_panel"] = ["summary" if s else "clusters" for s in summary]
        data.loc[summary, [c for c in ("product", "ce_degree") if c in data]] = ""
        panel, headings = "_panel", {"clusters": "", "summary": ""}
        notes = ["Upgrading scores 0–3 as printed (half points where the book prints them)."]
    columns = {k: v for k, v in columns.items() if k in data.columns}
    notes += replication_notes(check, table_id) if check is not None else []
    return descriptive_table(data, title=f"Table {table_id}, reproduced", label=label or f"tab:{table_id}",
                             preset=preset, columns=columns, stub="_stub", stub_header="Cluster", panel=panel,
                             panel_labels=headings, notes=notes,
                             digits={c: score_text for c in UPGRADING_COLUMNS if c in data.columns})


def score_text(value) -> str:
    """A score as the book prints it: half steps exactly ('2', '1.5', '31.5'), averages to 2 decimals."""
    if float(value * 2).is_integer():
        return format_number(value, 0 if float(value).is_integer() else 1)
    return format_number(value, 2)


def _cluster_stub(row) -> str:
    """'Location (Country)' as the book labels clusters; summary rows keep their name."""
    location = getattr(row, "location", None)
    if _missing(location) or not location:
        return str(row.cluster_id)
    country = getattr(row, "country", None)
    return f"{location} ({country})" if not _missing(country) and country else str(location)


def replication_notes(check: pd.DataFrame, table_id: str) -> list[str]:
    """The check of one table: status counts, then every mismatch with its explanation. Cells the
    book does not print (n.a.) and truncated matches are only counted here: the replication check
    table lists each of them, so the table's notes stay short enough to sit under it."""
    mine = check[check["table"].astype(str) == table_id]
    if mine.empty:
        return [f"Replication check: no printed cells of Table {table_id} in the check."]
    counts = mine["status"].value_counts()
    summary = ", ".join(f"{int(counts[s])} {s.replace('_', ' ')}" for s in sorted(counts.index))
    notes = [f"Replication check against the printed table ({len(mine)} cells): {summary}."]
    if (~mine["status"].isin(["match", "mismatch"])).any():
        notes[0] += " Cells other than matches and mismatches are listed in the replication check table."
    for r in mine[mine["status"] == "mismatch"].itertuples(index=False):
        reproduced = format_value(r.reproduced_value, 3) or "n.a."
        printed = format_value(r.printed_value, 2) or "n.a."
        explanation = "" if _missing(r.explanation) else f": {r.explanation}"
        notes.append(f"{r.row_label}, {r.column}: printed {printed}, reproduced {reproduced} "
                     f"({r.status.replace('_', ' ')}){explanation}.")
    return notes


def replication_check_table(check: pd.DataFrame, *, preset: str = "aer", exceptions_only: bool = True,
                            label: str = "tab:replication-check") -> Table:
    """Printed beside reproduced numbers, one panel per book table; by default only the cells that
    are not a plain match (the full list is the CSV the replication rule writes)."""
    data = check[check["status"] != "match"] if exceptions_only else check
    data = data.assign(table=data["table"].astype(str)).sort_values("table", kind="stable")
    columns = {"column": "Column", "printed_value": "Printed", "reproduced_value": "Reproduced",
               "status": "Status", "explanation": "Explanation"}
    data = data.assign(status=data["status"].str.replace("_", " "))
    counts = check["status"].value_counts()
    summary = ", ".join(f"{int(counts[s])} {s.replace('_', ' ')}" for s in sorted(counts.index))
    return _long(descriptive_table(data, title="Replication check: printed and reproduced numbers", label=label,
                             preset=preset, columns=columns, stub="row_label", stub_header="Row", panel="table",
                             panel_labels={t: f"Table {t}" for t in data["table"].unique()},
                             digits={"printed_value": lambda v: format_value(v, 2),
                                     "reproduced_value": lambda v: format_value(v, 3)},
                             align={"column": r"p{0.15\linewidth}", "explanation": "p{6cm}"},
                             notes=[f"All {len(check)} printed cells: {summary}."]))


VARIANT_LABELS = {"text": "Amighini (text rule)", "printed": "Amighini (printed rule)",
                  "kaplinsky_readman": "Kaplinsky–Readman"}
SIGN_TEXT = {1: "+", -1: "−", 0: "0"}


def classification_table(classified: pd.DataFrame, *, preset: str = "aer",
                         title: str = "Export performance classified (Tables 9-2 and 9-4)",
                         label: str = "tab:chapter9-classification") -> Table:
    """Chapter 9: the signs of ΔX, ΔQw, ΔM, ΔV and the outcome under each rule variant present in
    ``classified`` (export_performance.classify_amighini / classify_all), one panel per product."""
    keys = ["source_table", "product_code", "country"]
    variants = list(dict.fromkeys(classified["rule_variant"])) if "rule_variant" in classified else ["outcome"]
    first = classified if variants == ["outcome"] else classified[classified["rule_variant"] == variants[0]]
    data = first[[*keys, "product", "delta_M_pp", "sign_dX", "sign_dQw", "sign_dM", "sign_dV"]].copy()
    for variant in variants:
        part = classified if variant == "outcome" else classified[classified["rule_variant"] == variant]
        outcomes = part.set_index(keys)["outcome"].str.replace("_", " ")
        data[f"outcome_{variant}"] = [outcomes.get(tuple(k)) for k in data[keys].itertuples(index=False)]
    for column in ("sign_dX", "sign_dQw", "sign_dM", "sign_dV"):
        data[column] = [SIGN_TEXT.get(None if _missing(v) else int(v), "n.a.") for v in data[column]]
    data = data.sort_values(keys, kind="stable")
    data["_panel"] = [f"Table {t} ({c}): {p}" for t, c, p in zip(data["source_table"], data["product_code"],
                                                                 data["product"])]
    columns = {"sign_dX": "ΔX", "sign_dQw": "ΔQw", "delta_M_pp": "ΔM (pp)", "sign_dV": "ΔV",
               **{f"outcome_{v}": VARIANT_LABELS.get(v, "Outcome") for v in variants}}
    return _long(descriptive_table(data, title=title, label=label, preset=preset, columns=columns, stub="country",
                             stub_header="Exporter", panel="_panel", digits={"delta_M_pp": 2},
                             align={f"outcome_{v}": "p{3cm}" for v in variants},
                             notes=[("Signs of the change 1990–2000 in export earnings (ΔX), world demand (ΔQw), "
                                    "market share (ΔM, percentage points) and relative unit value (ΔV); "
                                    "n.a.: a share printed n.a.; such a row is classified where no sign of ΔM would change "
                                    "the outcome, 'not upgrading, sub-class undetermined' where every sign gives an "
                                    "outcome other than upgrading but not the same one, and 'not classifiable' only "
                                    "where the sign decides between upgrading and not.")]))


def _long(table: Table) -> Table:
    """Mark a table to be set across pages (LaTeX longtable); HTML is unchanged."""
    table.long = True
    return table


# ------------------------------------------------------------------------------------------------
# Output formats
# ------------------------------------------------------------------------------------------------
LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                 "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
LATEX_SYMBOLS = {"<": "$<$", ">": "$>$", "|": r"\textbar{}", "²": "$^{2}$", "Δ": r"$\Delta$", "−": "$-$",
                 "–": "--", "—": "---", "×": r"$\times$", "≤": r"$\leq$", "≥": r"$\geq$", "χ": r"$\chi$",
                 NBSP: "~"}
_LATEX_PATTERN = re.compile("|".join(re.escape(k) for k in [*LATEX_SPECIAL, *LATEX_SYMBOLS]))


def latex_escape(text: str, *, break_underscores: bool = False) -> str:
    """Escape LaTeX's special characters and spell the few non-ASCII symbols the document uses (the one
    escaper of the project: tables, prose, codebook). ``break_underscores``: a line may break after
    each underscore (long identifiers in narrow columns, the codebook's)."""
    escaped = _LATEX_PATTERN.sub(lambda m: LATEX_SPECIAL.get(m.group(0)) or LATEX_SYMBOLS[m.group(0)],
                                 typeset_text(text))
    return escaped.replace(r"\_", r"\_\allowbreak{}") if break_underscores else escaped


def _latex_cell(text: str, stars: str) -> str:
    """A cell (its minus a math minus: latex_escape), stars as a superscript."""
    return latex_escape(text) + (f"$^{{{stars}}}$" if stars else "")


ALIGN_CLASSES = {"l": "left", "c": "center", "r": "right"}
# The printed rows that belong to the estimate above them (a long table never breaks a page before one).
UNDER_LINES = ("se", "permutation")
LONG_TABLE_ROWS = 50  # LaTeX: a table with more printed rows runs across pages instead of shrinking


def _long_colspec(align: list[str]) -> str:
    """xltabular columns: wrapping columns take the width left; without one, the stub column does."""
    wrap = any(a.startswith("p") and "linewidth" not in a for a in align)
    return (_long_align("l") if wrap else _long_align("p")) + "".join(_long_align(a) for a in align)


def _long_align(align: str) -> str:
    """A long table's columns: wrapping columns (p{..}) become xltabular's X, which takes the width left."""
    if align.startswith("p{") and "linewidth" in align:  # a set share of the line: keep it, ragged right
        return r">{\raggedright\arraybackslash}" + align
    return r">{\raggedright\arraybackslash}X" if align.startswith("p") else align


def _view(table: Table, cell_text, escape) -> dict:
    """Everything a template prints, already formatted for its markup: the template only loops."""
    blocks = []
    for key, heading in table.panels:
        part = table.cells[table.cells["panel"] == key]
        rows = []
        for _, group in part.groupby("row_id", sort=True):
            by_column = {r.column: r for r in group.itertuples(index=False)}
            first = group.iloc[0]
            stub = "" if first["line"] in ("se", "permutation") else escape(first["row"])
            cells = [{"text": cell_text(by_column[c].text, by_column[c].stars) if c in by_column else "",
                      "align": ALIGN_CLASSES.get(align, "wrap")} for c, align in zip(table.columns, table.align)]
            rows.append({"stub": stub, "line": first["line"], "cells": cells, "nobreak": False})
        for row, following in itertools.pairwise(rows):   # an estimate and its SE (p, CI) stay on one page
            row["nobreak"] = following["line"] in UNDER_LINES
        blocks.append({"headings": [escape(heading)] if heading else [], "rows": rows})
    header_rows = [{"stub": escape(row[0]), "cells": [{"text": escape(t)} for t in row[1:]]}
                   for row in table.header_rows if any(row)]
    printed_rows = sum(len(b["rows"]) + len(b["headings"]) for b in blocks)
    return {"caption": escape(table.title), "label": table.label, "preset": table.preset,
            "long": table.long or printed_rows > LONG_TABLE_ROWS,
            "colspec": "l" + "".join(table.align), "ncol": len(table.columns) + 1, "header_rows": header_rows,
            "long_colspec": _long_colspec(table.align),
            "blocks": blocks, "note_groups": [[escape(n) for n in table.notes]] if table.notes else []}


def to_latex(table: Table, template_dir: str | Path) -> str:
    """booktabs LaTeX: \\toprule/\\midrule/\\bottomrule, no vertical rules, notes under the tabular.
    ``template_dir``: the folder of table.tex.j2 (workflow/templates/tables, a rule input)."""
    view = _view(table, _latex_cell, latex_escape)
    return render_template(Path(template_dir) / "table.tex.j2", view, latex=True)


def to_html(table: Table, template_dir: str | Path) -> str:
    """A well-formed <table> fragment for the report (text escaped by Jinja's autoescape).
    ``template_dir``: the folder of table.html.j2 (a rule input)."""
    view = _view(table, lambda text, stars: f"{typeset_text(text)}{stars}", typeset_text)
    return render_template(Path(template_dir) / "table.html.j2", view, autoescape=True)


def to_csv_frame(table: Table) -> pd.DataFrame:
    """The tidy cells for machines: numbers beside their printed text, one row per cell."""
    frame = table.cells.copy()
    frame.insert(0, "table", table.label)
    return frame.reset_index(drop=True)


def write_table(table: Table, path_without_ext: str | Path, template_dir: str | Path) -> list[Path]:
    """Write <path>.tex, <path>.html and <path>.csv (deterministic bytes)."""
    base = Path(path_without_ext)
    base.parent.mkdir(parents=True, exist_ok=True)
    tex, htm, csv = (Path(f"{base}.{ext}") for ext in ("tex", "html", "csv"))
    tex.write_text(to_latex(table, template_dir), encoding="utf-8")
    htm.write_text(to_html(table, template_dir), encoding="utf-8")
    write_csv(to_csv_frame(table), csv)
    return [tex, htm, csv]


__all__ = ["CELL_COLUMNS", "PRESETS", "Preset", "Table", "chapter10_table", "classification_table",
           "descriptive_table", "format_count", "format_number", "format_value", "get_preset", "latex_escape", "regression_table",
           "replication_check_table", "replication_notes", "se_description", "star_legend", "stars_for",
           "to_csv_frame", "to_html", "to_latex", "typeset_minus", "typeset_text", "write_table"]
