"""Assemble the report from the workflow's machine-readable results.

Three steps, one rule each (workflow/rules/report.smk):
- ``write_tables``: every model and book table as LaTeX/HTML/CSV (results/report/tables/);
- ``write_figures``: every figure as SVG and PNG (results/report/figures/);
- ``write_report``: ``index.html`` (one self-contained page: styles and SVG figures inline, no
  network fetches), ``paper.tex`` and ``numbers.tex`` (every in-text number as a LaTeX macro).

The names of the tables and figures are fixed here (``table_names``, ``FIGURES``) so the workflow
knows every output before any job runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .io import read_parquet
from .layout import BOOK_TABLES, FIGURES, table_names  # noqa: F401 (re-exported)
from .render import figures as fig
from .render import tables as tab
from .results import ModelResult, load_results, read_estimates
from .templating import render_template

TERM_LABELS = {
    "ce_level": "CE degree (1–3)", "quasi_hierarchy_global": "Global quasi-hierarchy",
    "sector_natural_resource": "Natural-resource sector", "sector_complex_products": "Complex products",
    "ce_x_complex": "CE × complex products (precomputed)", "market_global": "Global market chain",
    "ce_level:sector_complex_products": "CE × complex products",
    "ce_level | sector_complex_products=1": "CE degree, within complex-products clusters",
    "ce_level | sector_complex_products=0": "CE degree, within the other clusters",
    "network_any": "Network chain", "hierarchy_any": "Hierarchy chain",
    "quasi_hierarchy_x_product": "Quasi-hierarchy × product", "quasi_hierarchy_x_process": "Quasi-hierarchy × process",
    "dlog_unit_value": "Δ log unit value", "const": "Constant",
}


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def load_spec_results(estimates: str | Path, models: str | Path) -> list[ModelResult]:
    return load_results(read_estimates(estimates), json.loads(Path(models).read_text(encoding="utf-8")))


def spec_term_labels(results: list[ModelResult]) -> dict[str, str]:
    """The book's term labels, plus a user spec's own (config ``labels:``, kept in extra["term_labels"])."""
    labels = dict(TERM_LABELS)
    for r in results:
        labels.update(r.extra.get("term_labels") or {})
    return labels


def ordinal_tables(spec: str, results: list[ModelResult], preset: str) -> dict[str, tab.Table]:
    """Coefficients of every outcome × link, and AMEs (main link) on the top category."""
    labels = [r.kind.split("_")[1] for r in results]  # the outcome is the renderer's own header row
    term_labels = spec_term_labels(results)
    coef = tab.regression_table(results, preset=preset, term_labels=term_labels, column_labels=labels,
                                title=f"Ordered models of upgrading: {spec.replace('_', ' ')}",
                                label=f"tab:ordinal_{spec}", p_column="p_value")
    coef.notes += profile_notes(results)
    main = [r for r in results if r.kind == results[0].kind]
    ame = tab.regression_table(main, preset=preset, role="ame", terms=None, term_labels=term_labels,
                               cutpoints=False,
                               title=f"Average marginal effects on each upgrading category: {spec.replace('_', ' ')}",
                               label=f"tab:ordinal_{spec}_ame", notes=effect_notes(main))
    return {f"ordinal_{spec}": coef, f"ordinal_{spec}_ame": ame}


def effect_notes(results: list[ModelResult]) -> list[str]:
    """The definition of every effect row (discrete change / derivative, overall / conditional)."""
    definitions = {}
    for r in results:
        ame = r.extra.get("ame")
        if isinstance(ame, dict):
            definitions.update(ame)
    if not definitions:
        return []
    text = "; ".join(f"{TERM_LABELS.get(t, t)}: {d}" for t, d in definitions.items())
    notes = [f"Effects on P(y = c), delta-method SEs. {text}."]
    if any(r.extra.get("interactions") for r in results):
        notes.append("A product term has no marginal effect of its own in a nonlinear model (Ai and Norton 2003): "
                     "it moves with its components, and the effect of CE is reported overall and within each group.")
    return notes


def profile_notes(results: list[ModelResult]) -> list[str]:
    """Profile-likelihood 95% CIs of the coefficients (the small-sample ML standard)."""
    parts = []
    for column, r in enumerate(results, start=1):
        ci = r.extra.get("profile_ci")
        if not ci:
            continue
        terms = ", ".join(f"{TERM_LABELS.get(t, t)} [{tab.format_number(lo)}, {tab.format_number(hi)}]"
                          for t, (lo, hi) in ci.items())
        parts.append(f"({column}) {terms}")
    return ["Profile-likelihood 95% confidence intervals: " + "; ".join(parts) + "."] if parts else []


DESCRIPTIVE_PANELS = {
    "trade_share_change": "Descriptive association, not a causal effect: share and unit value come from the "
                          "same trade flows, so part of the relation is mechanical.",
    "us_imports": "Descriptive: N = 20 with 12 parameters on a top-10 sample selected on the outcome.",
}


def panel_table(spec: str, results: list[ModelResult], preset: str) -> tab.Table:
    labels = [r.kind.replace("_", " ").replace("panel ols", "PanelOLS").replace("random effects", "RandomEffects")
              for r in results]
    kind = next((r.model_id for r in results if r.extra.get("interpretation") == "descriptive"), None)
    descriptive = None
    if kind is not None:
        us = any("furniture" in str(r.outcome) or "import" in str(r.outcome) or r.fixed_effects.get("Origin")
                 for r in results)
        descriptive = DESCRIPTIVE_PANELS["us_imports" if us else "trade_share_change"]
    title = f"Panel models: {spec.replace('_', ' ')}" + (" (descriptive)" if descriptive else "")
    return tab.regression_table(results, preset=preset, term_labels=spec_term_labels(results), column_labels=labels,
                                title=title, label=f"tab:panel_{spec}", notes=[descriptive] if descriptive else [])


def book_tables(replication_dir: str | Path, classification: str | Path, preset: str) -> dict[str, tab.Table]:
    replication_dir = Path(replication_dir)
    check = pd.read_csv(replication_dir / "replication_check.csv", dtype={"row": str})
    out = {}
    for table_id in ("10-2", "10-4", "10-5", "10-6"):
        frame = pd.read_csv(replication_dir / f"table_{table_id.replace('-', '_')}.csv")
        out[f"table_{table_id.replace('-', '_')}"] = tab.chapter10_table(frame, table_id, check=check, preset=preset)
    out["replication_check"] = tab.replication_check_table(check, preset=preset)
    out["classification"] = tab.classification_table(pd.read_csv(classification), preset=preset)
    return out


def write_tables(*, ordinal: dict[str, tuple[str, str]], panel: dict[str, tuple[str, str]], replication_dir: str,
                 classification: str, preset: str, out_dir: str, template_dir: str) -> None:
    """``ordinal``/``panel``: spec -> (estimates.csv, models.json)."""
    tables = book_tables(replication_dir, classification, preset)
    for spec, files in ordinal.items():
        tables.update(ordinal_tables(spec, load_spec_results(*files), preset))
    for spec, files in panel.items():
        tables[f"panel_{spec}"] = panel_table(spec, load_spec_results(*files), preset)
    for name, table in tables.items():
        tab.write_table(table, Path(out_dir) / name, template_dir=Path(template_dir))


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

def write_figures(*, processed_dir: str, classification: str, ordinal: dict, panel: dict,
                  readings: list[str], out_dir: str) -> None:
    processed = Path(processed_dir)
    dataset = read_parquet(processed / "clusters/model_dataset.parquet")
    ordinal_results = [r for files in ordinal.values() for r in load_spec_results(*files)]
    panel_results = [r for files in panel.values() for r in load_spec_results(*files)]
    # the book's figure: a user's table (extra["user_table"]) has its own tables, not this figure
    main_ordinal = [r for r in ordinal_results if r.kind == "ordered_probit" and "user_table" not in r.extra]
    top = _top_category_ames(main_ordinal)
    interactions = [t for r in panel_results for t in r.estimates["term"] if "_x_" in t]
    classified = pd.read_csv(classification)
    default_rule = classified["rule_variant"].iloc[0]
    reading_frame = pd.concat([pd.read_csv(p) for p in readings], ignore_index=True) if readings else pd.DataFrame()
    built = {
        "upgrading_by_sector_ce": lambda: fig.figure_upgrading(dataset),
        "governance_by_sector": lambda: fig.figure_governance(dataset),
        "ordinal_ame": lambda: fig.figure_coefficients(top, role="ame", term_labels=TERM_LABELS),
        "panel_interactions": lambda: fig.figure_coefficients(
            [r for r in panel_results if r.kind in ("panel_ols", "random_effects")],
            terms=sorted(set(interactions)), term_labels=TERM_LABELS),
        "export_quadrants": lambda: fig.figure_export_quadrants(
            classified[classified["rule_variant"] == default_rule],
            read_parquet(processed / "trade/export_performance.parquet")),
        "salmon": lambda: fig.figure_salmon(read_parquet(processed / "salmon/salmon_production.parquet")),
        "dairy": lambda: fig.figure_dairy(read_parquet(processed / "dairy/dairy_milk.parquet")),
        "furniture": lambda: fig.figure_furniture(
            read_parquet(processed / "furniture/mexico_furniture_exports.parquet"),
            read_parquet(processed / "furniture/puebla_furniture_exports.parquet")),
        "reading_ranges": lambda: fig.figure_reading_ranges(_key_readings(reading_frame), term_labels=TERM_LABELS),
    }
    for name in FIGURES:
        fig.save_figure(built[name](), Path(out_dir) / name)


def _top_category_ames(results: list[ModelResult]) -> list[ModelResult]:
    """AMEs on the highest upgrading category only: one readable row per regressor and outcome."""
    out = []
    for r in results:
        ame = r.estimates[r.estimates["role"] == "ame"]
        if ame.empty:
            continue
        top = max(ame["category"].unique(), key=float)
        kept = pd.concat([r.estimates[r.estimates["role"] != "ame"], ame[ame["category"] == top]])
        out.append(ModelResult(**{**r.__dict__, "estimates": kept}))
    return out


def _key_readings(readings: pd.DataFrame) -> pd.DataFrame:
    """Probit and FE-panel key terms across readings (the figure's rows)."""
    if readings.empty:
        return readings
    keep = readings["model_id"].str.endswith(("__probit", "_fe")) & (readings["term"] != "const")
    frame = readings[keep].copy()
    frame["term"] = frame["model_id"].str.replace("__probit", "", regex=False) + ": " + frame["term"]
    return frame


# ----------------------------------------------------------------------------------------------
# The report: HTML page, LaTeX paper, numbers
# ----------------------------------------------------------------------------------------------

def latex_macro_name(key: str) -> str:
    """LaTeX macro names are letters only: 'agree_text' -> 'AgreeText', digits spelled out."""
    digits = {"0": "Zero", "1": "One", "2": "Two", "3": "Three", "4": "Four", "5": "Five", "6": "Six",
              "7": "Seven", "8": "Eight", "9": "Nine"}
    words = re.split(r"[^A-Za-z0-9]+", key)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return "".join(digits.get(ch, ch) for ch in name)


def report_numbers(*, replication_summary: str, agreement_summary: str, ordinal: dict, panel: dict,
                   dataset: str) -> dict[str, str]:
    """Every number the report's text quotes, formatted once (HTML and LaTeX print the same)."""
    numbers: dict[str, str] = {}
    data = read_parquet(dataset)
    numbers["clusters"] = str(len(data))
    numbers["clusters with upgrading data"] = str(int(data["has_upgrading_data"].sum()))
    summary = pd.read_csv(replication_summary)
    for row in summary.itertuples(index=False):
        values = row._asdict()
        key = " ".join(str(v) for k, v in values.items() if k != "count" and isinstance(v, str))
        if "count" in values:
            numbers[f"replication {key}"] = str(values["count"])
    for row in pd.read_csv(agreement_summary).itertuples():
        for status in ("agree", "disagree", "not_comparable", "ambiguous", "total"):
            if hasattr(row, status):
                numbers[f"verdicts {row.rule_variant} {status}"] = str(getattr(row, status))
    for spec, files in {**ordinal, **panel}.items():
        for r in load_spec_results(*files):
            numbers[f"{r.model_id} N"] = str(r.n_obs)
            for est in r.estimates[r.estimates["role"] == "coef"].itertuples():
                if est.term != "const":
                    numbers[f"{r.model_id} {est.term}"] = tab.format_number(est.estimate)
                    numbers[f"{r.model_id} {est.term} se"] = tab.format_number(est.std_error)
    return dict(sorted(numbers.items()))


def write_report(*, tables_dir: str, figures_dir: str, table_list: list[str], numbers: dict[str, str],
                 notes: dict[str, list[str]], template_dir: str, out_html: str, out_tex: str,
                 out_numbers: str, provenance: list[dict], codebook: str | Path | None = None) -> None:
    """``codebook``: the codebook's HTML fragment (rule codebook); its LaTeX twin, ``codebook.tex``
    beside it, becomes the paper's appendix."""
    tables_dir, figures_dir, template_dir = Path(tables_dir), Path(figures_dir), Path(template_dir)
    html_tables = {name: (tables_dir / f"{name}.html").read_text(encoding="utf-8") for name in table_list}
    svg = {name: _inline_svg((figures_dir / f"{name}.svg").read_text(encoding="utf-8")) for name in FIGURES}
    context = {"tables": html_tables, "figures": svg, "captions": FIGURES, "numbers": numbers, "notes": notes,
               "provenance": provenance, "table_list": table_list,
               "codebook": Path(codebook).read_text(encoding="utf-8") if codebook else None}
    Path(out_html).parent.mkdir(parents=True, exist_ok=True)
    Path(out_html).write_text(render_template(template_dir / "report.html.j2", context, autoescape=True),
                              encoding="utf-8")
    macros = {latex_macro_name(k): tab.latex_escape(v) for k, v in numbers.items()}
    Path(out_numbers).write_text(render_template(template_dir / "numbers.tex.j2", {"macros": macros}, latex=True),
                                 encoding="utf-8")
    tex_context = {"tables": table_list, "figures": FIGURES, "macros": macros,
                   "tables_rel": _relative(tables_dir, Path(out_tex).parent),
                   "figures_rel": _relative(figures_dir, Path(out_tex).parent),
                   "codebook_rel": _relative(Path(codebook).with_suffix(".tex"), Path(out_tex).parent) if codebook else None}
    Path(out_tex).write_text(render_template(template_dir / "paper.tex.j2", tex_context, latex=True),
                             encoding="utf-8")


def _inline_svg(text: str) -> str:
    """An SVG file's markup without its XML prolog and DOCTYPE, ready to sit inside HTML."""
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _relative(path: Path, start: Path) -> str:
    import os
    return os.path.relpath(path, start)


def model_notes(results: list[ModelResult]) -> list[str]:
    """One honest line per model: N, exclusions, SE type, convergence, separation, caveats."""
    lines = []
    for r in results:
        head = (f"{r.model_id}: N = {r.n_obs}" + (f" ({r.n_excluded} excluded)" if r.n_excluded else "")
                + f"; SE {r.se_type}; " + ("converged" if r.converged else "DID NOT CONVERGE"))
        if r.n_clusters:
            head += f"; {r.n_clusters} clusters"
        separation = r.extra.get("separation") or []
        if separation:
            head += f"; separation flagged ({len(separation)} finding(s))"
        lines.append(head + ". " + " ".join(n.rstrip(".") + "." for n in r.notes))
    return lines
