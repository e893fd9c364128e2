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

import functools
import json
import re
from pathlib import Path

import pandas as pd

from gvc_clusters.io import read_parquet
from gvc_clusters.layout import BOOK_TABLES, FIGURES, table_names  # noqa: F401 (re-exported)
from gvc_clusters.models.ordinal.separation import separated_terms
from gvc_clusters.models.panels import descriptive_panel, descriptive_table_note
from gvc_clusters.output.render import document as doc
from gvc_clusters.output.render import figures as fig
from gvc_clusters.output.render import tables as tab
from gvc_clusters.results import ModelResult, load_results, read_estimates
from gvc_clusters.templating import render_template
from gvc_clusters.vocabulary import DEFAULT as DEFAULT_VOCABULARY
from gvc_clusters.vocabulary import Vocabulary

TERM_LABELS = DEFAULT_VOCABULARY.term_labels()  # variables and outcomes; config ``labels:`` extends them


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def load_spec_results(estimates: str | Path, models: str | Path) -> list[ModelResult]:
    return load_results(read_estimates(estimates), json.loads(Path(models).read_text(encoding="utf-8")))


def spec_term_labels(results: list[ModelResult], vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> dict[str, str]:
    """Printed labels of the results' terms. The book's specs: the vocabulary. A user spec (a table
    of the user's): its config ``labels:`` (kept in extra["term_labels"]), then the vocabulary, then
    the raw name; a product term 'a:b' joins its parts' labels."""
    terms = list(dict.fromkeys(t for r in results for t in r.estimates["term"]))
    if not any("user_table" in r.extra for r in results):
        return vocabulary.term_labels(terms)
    user: dict[str, str] = {}
    for r in results:
        user.update(r.extra.get("term_labels") or {})
    known = {**vocabulary.outcomes, **vocabulary.variables}

    def label(term: str) -> str:
        if term in user or term in known:
            return user.get(term, known.get(term))
        if ":" in term and " | " not in term:
            return " × ".join(label(part) for part in term.split(":"))
        if " | " in term:
            variable, _, condition = term.partition(" | ")
            moderator, _, value = condition.partition("=")
            return f"{label(variable)}, where {label(moderator)} = {value}"
        return term

    return {**known, **{t: label(t) for t in terms}}


def ordinal_tables(spec: str, results: list[ModelResult], preset: str, under: str = "se",
                   vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> dict[str, tab.Table]:
    """Coefficients of every outcome × link, and AMEs (main link) on every outcome category."""
    labels = [vocabulary.kind(r.kind) for r in results]  # the outcome is the renderer's own header row
    terms = spec_term_labels(results, vocabulary)
    coef = tab.regression_table(results, preset=preset, term_labels=terms, column_labels=labels,
                                title=f"Ordered models of upgrading: {vocabulary.spec(spec)}",
                                label=f"tab:ordinal_{spec}", p_column="p_value", under=under)
    coef.notes += profile_notes(results, terms)
    main = [r for r in results if r.kind == results[0].kind]
    ame = tab.regression_table(main, preset=preset, role="ame", terms=None, term_labels=terms,
                               cutpoints=False, under=under,
                               title=f"Average marginal effects on each upgrading category: {vocabulary.spec(spec)}",
                               label=f"tab:ordinal_{spec}_ame", notes=effect_notes(main, terms))
    return {f"ordinal_{spec}": coef, f"ordinal_{spec}_ame": ame}


def effect_notes(results: list[ModelResult], terms: dict[str, str]) -> list[str]:
    """The definition of every effect row (discrete change / derivative, overall / conditional)."""
    definitions = {}
    for r in results:
        ame = r.extra.get("ame")
        if isinstance(ame, dict):
            definitions.update(ame)
    if not definitions:
        return []
    text = "; ".join(f"{terms.get(t, t)}: {d}" for t, d in definitions.items())
    notes = [f"Effects on P(y = c), delta-method SEs. {text}."]
    if any(r.extra.get("interactions") for r in results):
        notes.append("A product term has no marginal effect of its own in a nonlinear model (Ai and Norton 2003): "
                     "it moves with its components, and the effect of CE is reported overall and within each group.")
    return notes


def profile_notes(results: list[ModelResult], terms: dict[str, str]) -> list[str]:
    """Profile-likelihood 95% CIs of the coefficients (the small-sample ML standard)."""
    parts = []
    for column, r in enumerate(results, start=1):
        ci = r.extra.get("profile_ci")
        if not ci:
            continue
        cis = ", ".join(f"{terms.get(t, t)} [{tab.format_number(lo)}, {tab.format_number(hi)}]"
                        for t, (lo, hi) in ci.items())
        parts.append(f"({column}) {cis}")
    return ["Profile-likelihood 95% confidence intervals: " + "; ".join(parts) + "."] if parts else []


def panel_table(spec: str, results: list[ModelResult], preset: str, under: str = "se",
                vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tab.Table:
    """A panel spec's table; a descriptive built-in panel (models/panels.py ``descriptive``, known by
    the caveat its fits carry) says so in the title and in its note."""
    labels = [vocabulary.kind(r.kind) for r in results]
    terms = spec_term_labels(results, vocabulary)
    entry = descriptive_panel(results)
    descriptive = descriptive_table_note(entry, results) if entry is not None else None
    title = f"Panel models: {vocabulary.spec(spec)}" + (" (descriptive)" if descriptive else "")
    return tab.regression_table(results, preset=preset, term_labels=terms, column_labels=labels, under=under,
                                title=title, label=f"tab:panel_{spec}", notes=[descriptive] if descriptive else [])


def spec_files(names: list[str], estimates: list[str], models: list[str],
               reading_ranges: list[str] | None = None) -> dict[str, tuple[str, ...]]:
    """spec -> (estimates.csv, models.json[, reading_ranges.csv]) from a rule's input lists (in the
    order of ``names``, the spec names of the rule's params)."""
    columns = [estimates, models] + ([reading_ranges] if reading_ranges is not None else [])
    if any(len(c) != len(names) for c in columns):
        raise ValueError(f"spec files: {len(names)} specs but {[len(c) for c in columns]} files per kind")
    return {name: tuple(c[k] for c in columns) for k, name in enumerate(names)}


def book_tables(replication: dict[str, str], classification: str | Path, preset: str) -> dict[str, tab.Table]:
    """``replication``: file stem -> path of the replication's outputs (replication_check, table_10_2 ...)."""
    check = pd.read_csv(replication["replication_check"], dtype={"row": str})
    out = {}
    for table_id in ("10-2", "10-4", "10-5", "10-6"):
        name = f"table_{table_id.replace('-', '_')}"
        out[name] = tab.chapter10_table(pd.read_csv(replication[name]), table_id, check=check, preset=preset)
    out["replication_check"] = tab.replication_check_table(check, preset=preset)
    out["classification"] = tab.classification_table(pd.read_csv(classification), preset=preset)
    return out


def write_tables(*, ordinal: dict[str, tuple[str, str]], panel: dict[str, tuple[str, str]],
                 replication: dict[str, str], classification: str, preset: str, out_dir: str,
                 template_dir: str, under: str = "se", labels: dict | None = None) -> None:
    """``ordinal``/``panel``: spec -> (estimates.csv, models.json); ``replication``: see
    :func:`book_tables`; ``template_dir``: the folder of the table templates; ``under``: what prints
    under each coefficient (se | ci | p); ``labels``: config ``labels:`` (overrides of the vocabulary)."""
    vocabulary = DEFAULT_VOCABULARY.with_overrides(labels)
    tables = book_tables(replication, classification, preset)
    for spec, files in ordinal.items():
        tables.update(ordinal_tables(spec, load_spec_results(*files[:2]), preset, under, vocabulary))
    for spec, files in panel.items():
        tables[f"panel_{spec}"] = panel_table(spec, load_spec_results(*files[:2]), preset, under, vocabulary)
    for name, table in tables.items():
        tab.write_table(table, Path(out_dir) / name, template_dir=Path(template_dir))


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

def write_figures(*, tables: dict[str, str], classification: str, ordinal: dict, panel: dict,
                  readings: list[str], out_dir: str, figures: dict[str, str] | None = None,
                  labels: dict | None = None) -> None:
    """Every figure named in ``figures`` (default: the fixed ones plus one coefficient figure per
    claim spec, gvc_clusters.layout.figure_names). ``tables``: the processed tables the figures draw,
    by name (model_dataset, export_performance, salmon_production, dairy_milk,
    mexico_furniture_exports, puebla_furniture_exports: gvc_clusters.workflow_plan.FIGURE_TABLES)."""
    from gvc_clusters.layout import figure_names
    vocabulary = DEFAULT_VOCABULARY.with_overrides(labels)
    figures = figures or figure_names(list(ordinal), list(panel))
    dataset = read_parquet(tables["model_dataset"])
    classified = pd.read_csv(classification)
    default_rule = classified["rule_variant"].iloc[0]
    reading_frame = pd.concat([pd.read_csv(p) for p in readings], ignore_index=True) if readings else pd.DataFrame()
    built = {
        "upgrading_by_sector_ce": lambda: fig.figure_upgrading(dataset),
        "governance_by_sector": lambda: fig.figure_governance(dataset),
        "export_quadrants": lambda: fig.figure_export_quadrants(
            classified[classified["rule_variant"] == default_rule],
            read_parquet(tables["export_performance"])),
        "salmon": lambda: fig.figure_salmon(read_parquet(tables["salmon_production"])),
        "dairy": lambda: fig.figure_dairy(read_parquet(tables["dairy_milk"])),
        "furniture": lambda: fig.figure_furniture(read_parquet(tables["mexico_furniture_exports"]),
                                                  read_parquet(tables["puebla_furniture_exports"])),
        "reading_ranges": lambda: fig.figure_reading_ranges(_key_readings(reading_frame, vocabulary),
                                                            term_labels=vocabulary.term_labels()),
    }
    for spec, files in ordinal.items():
        built[f"coefficients_{spec}"] = functools.partial(_ordinal_figure, files, vocabulary)
    for spec, files in panel.items():
        built[f"coefficients_{spec}"] = functools.partial(_panel_figure, files, vocabulary)
    for name in figures:
        fig.save_figure(built[name](), Path(out_dir) / name)


def _ordinal_figure(files, vocabulary: Vocabulary):
    """One ordinal spec: AMEs on the top category of each outcome (main link), outcomes as series."""
    results = doc.main_results(load_spec_results(*files[:2]))
    top = []
    for r in _top_category_ames(results):  # the top category differs by outcome: one row per regressor
        estimates = r.estimates.copy()
        estimates.loc[estimates["role"] == "ame", "category"] = ""
        top.append(ModelResult(**{**r.__dict__, "estimates": estimates}))
    terms = vocabulary.term_labels(t for r in top for t in r.estimates["term"])
    figure = fig.figure_coefficients(top, role="ame", term_labels=terms,
                                     model_labels=[vocabulary.outcome(r.outcome) for r in top])
    # Two lines: at 6.5 in wide one line overran the right edge of the long-labelled figure.
    figure.axes[0].set_xlabel("Average marginal effect on the probability\nof the top upgrading category")
    return figure


def _panel_figure(files, vocabulary: Vocabulary):
    """One panel spec: every estimator's coefficients on the claim's terms, estimators as series."""
    results = load_spec_results(*files[:2])
    terms = [t for r in results for t in doc.key_terms(r)]
    return fig.figure_coefficients(results, terms=list(dict.fromkeys(terms)),
                                   term_labels=vocabulary.term_labels(terms),
                                   model_labels=[vocabulary.kind(r.kind) for r in results])


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


def _key_readings(readings: pd.DataFrame, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> pd.DataFrame:
    """Probit and FE-panel key terms across readings (the figure's rows), labelled by outcome and
    variable (never by internal model id)."""
    if readings.empty:
        return readings
    keep = readings["model_id"].str.endswith(("__probit", "_fe")) & (readings["term"] != "const")
    frame = readings[keep].copy()
    outcome = frame["model_id"].str.extract(r"__([a-z]+)__probit$")[0]
    frame["term"] = [(vocabulary.outcome(o) + ": " if isinstance(o, str) else "Upgrading score: ")
                     + vocabulary.variable(t) for o, t in zip(outcome, frame["term"])]
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
                   dataset: str, decision_summary: str | None = None, raw_tables: int | None = None) -> dict[str, str]:
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
    chapter10 = summary[summary["what"] == "chapter 10 replication"]
    counts = chapter10.groupby("status")["count"].sum()
    numbers["check cells"] = f"{int(counts.sum()):,}"
    numbers["check cells match"] = f"{int(counts.get('match', 0)):,}"
    numbers["check cells truncated"] = f"{int(counts.get('match_truncated', 0)):,}"
    numbers["check cells other"] = f"{int(counts.sum() - counts.get('match', 0) - counts.get('match_truncated', 0)):,}"
    for row in pd.read_csv(agreement_summary).itertuples():
        for status in ("agree", "disagree", "not_comparable", "ambiguous", "total"):
            if hasattr(row, status):
                numbers[f"verdicts {row.rule_variant} {status}"] = str(getattr(row, status))
        numbers[f"verdicts {row.rule_variant} comparable"] = str(row.agree + row.disagree)
    if decision_summary is not None:
        decisions = pd.read_csv(decision_summary, dtype={"table": str})
        total = decisions[decisions["table"] == "all"]
        total = total.iloc[0] if not total.empty else decisions.drop(columns="table").sum()
        for column, key in (("glyph_cells_decided", "glyph"), ("missing_cells", "missing"),
                            ("ambiguous_cells", "ambiguous"), ("alternative_readings", "alternative"),
                            ("contradictions", "contradictions")):
            numbers[f"decisions {key}"] = f"{int(total[column]):,}"
    if raw_tables is not None:
        numbers["raw tables"] = str(raw_tables)
    draws = None
    for files in {**ordinal, **panel}.values():
        results = load_spec_results(*files[:2])
        for r in results:
            numbers[f"{r.model_id} N"] = str(r.n_obs)
            for est in r.estimates[r.estimates["role"] == "coef"].itertuples():
                if est.term != "const":
                    numbers[f"{r.model_id} {est.term}"] = tab.format_number(est.estimate)
                    numbers[f"{r.model_id} {est.term} se"] = tab.format_number(est.std_error)
        numbers.update(doc.claim_numbers(results, _reading_ranges(files), tab.format_number))
        draws = draws or doc.permutation_draws(results)
    if draws:
        numbers["permutation draws"] = f"{draws:,}"
    return dict(sorted(numbers.items()))


def _reading_ranges(files: tuple) -> pd.DataFrame | None:
    """The spec's reading_ranges.csv, the third of its files when the rule gives it."""
    return pd.read_csv(files[2]) if len(files) > 2 else None


def claim_specs(*, ordinal: dict, panel: dict, plan: list, vocabulary: Vocabulary) -> list[dict]:
    """The claims' subsections: spec name, its numbered tables, the facts its paragraphs state, caveats."""
    blocks = {b.spec: b for s in plan if s.id == "claims" for b in s.blocks if b.spec}
    out = []
    for spec, files in {**ordinal, **panel}.items():
        if spec not in blocks:
            continue
        results = load_spec_results(*files[:2])
        kind = "ordinal" if spec in ordinal else "panel"
        out.append({"name": spec, "tables": [i.name for i in blocks[spec].items if i.kind == "table"],
                    "figures": [i.name for i in blocks[spec].items if i.kind == "figure"],
                    "ame": f"{kind}_{spec}_ame" if f"{kind}_{spec}_ame" in plan_items(plan) else "",
                    "facts": doc.claim_facts(results, _reading_ranges(files)),
                    "caveats": claim_caveats(doc.main_results(results), vocabulary)})
    return out


def plan_items(plan: list) -> dict:
    return {i.name: i for s in plan for i in s.items}


def claim_caveats(results: list[ModelResult], vocabulary: Vocabulary) -> list[str]:
    """Separation, non-convergence and exclusions, named by outcome (never by internal id)."""
    caveats = []
    for r in results:
        who = vocabulary.outcome(r.outcome).lower()  # outcome labels are plain words
        if not r.converged:
            caveats.append(f"the model of {who} did not converge")
        separated = separated_terms(r.extra.get("separation"))   # "model" findings name "terms"
        if separated:
            caveats.append(f"in the model of {who} some outcome splits are separated by "
                           + ", ".join(vocabulary.variable(t) for t in separated)
                           + ", so those coefficients are not well identified")
    excluded = {r.n_excluded for r in results if r.n_excluded}
    if excluded:
        caveats.append(f"{' or '.join(str(e) for e in sorted(excluded))} clusters are excluded for missing "
                       "upgrading scores or regressors")
    return caveats


def model_notes(results: list[ModelResult], vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> dict:
    """A spec's models side by side in a short structured list: one column per model (titled by
    outcome and estimator, never by internal id), one row per fact (N, exclusions, SE type,
    convergence, separation, permutation draws), then the models' notes, each once."""
    columns = [f"{vocabulary.outcome(r.outcome)}, {vocabulary.kind(r.kind).lower()}" for r in results]
    facts: dict[str, list[str]] = {}

    def put(key: str, k: int, value: str) -> None:
        facts.setdefault(key, [""] * len(results))[k] = value

    notes: list[str] = []
    for k, r in enumerate(results):
        put("N", k, f"{r.n_obs:,}")
        excluded = r.extra.get("excluded_clusters") or {}
        if isinstance(excluded, dict) and excluded:
            put("Excluded", k, "; ".join(f"{len(v)} {key.replace('_', ' ')}" for key, v in excluded.items()))
        elif r.n_excluded:
            put("Excluded", k, f"{r.n_excluded:,}")
        put("Standard errors", k, tab.se_description(r))
        iterations = r.extra.get("iterations")
        put("Convergence", k, ("yes" + (f" ({iterations} iterations)" if iterations else "")) if r.converged
            else "NO: estimates are where the optimiser stopped")
        if "separation" in r.extra:
            separation = r.extra.get("separation") or []
            put("Separation", k, f"{len(separation)} split(s) flagged" if separation else "none")
        permutation = r.extra.get("permutation") or {}
        if permutation.get("n_permutations"):
            put("Permutation draws", k, f"{permutation['n_permutations']:,}")
        for note in r.notes:
            text = f"{columns[k]}: {vocabulary.relabel(note).rstrip('.')}."
            notes.append(text)
    return {"columns": columns, "rows": list(facts.items()), "notes": list(dict.fromkeys(notes))}


def changes_view(changes: dict | None, vocabulary: Vocabulary) -> dict:
    """The "what changed since the last run" list with labels: model (outcome, estimator), term."""
    if not changes:
        return {"previous": False, "inputs": [], "moved": []}
    moved = []
    for row in changes["moved"]:
        term = vocabulary.variable(row["term"]) if row["role"] != "cutpoint" else f"cutpoint {row['term']}"
        if row.get("category"):
            term += f" (y = {row['category']})"
        spec, *rest = str(row["model_id"]).split("__")
        model = vocabulary.spec(spec) + "".join(f", {vocabulary.outcome(p).lower() if p in vocabulary.outcomes else p}"
                                                for p in rest)
        moved.append({"model": model, "role": vocabulary.categories.get("role", {}).get(row["role"], row["role"]),
                      "term": term, "status": row["status"],
                      "previous": tab.format_number(row["previous"], 4) or "n.a.",
                      "current": tab.format_number(row["current"], 4) or "n.a.",
                      "change": tab.format_number(row["change"], 4) if row["status"] == "moved" else ""})
    return {"previous": changes["previous"], "inputs": changes["inputs"], "moved": moved}


def config_digest(config: dict) -> str:
    """SHA-256 of the configuration as canonical JSON: the same inputs give the same digest."""
    import hashlib
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def package_versions(names=("gvc_clusters", "numpy", "pandas", "statsmodels", "linearmodels", "matplotlib",
                            "jinja2", "snakemake")) -> list[tuple[str, str]]:
    from importlib import metadata
    out = []
    for name in names:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return out


def provenance_table(provenance: list[dict]) -> tab.Table:
    frame = pd.DataFrame(provenance, columns=["file", "table", "chapter", "title", "lines"])
    table = tab.descriptive_table(frame, title="Raw tables: transcribed as printed, checked by SHA-256 before use",
                                  label="tab:provenance", columns={"table": "Table", "chapter": "Chapter",
                                                                   "title": "Title", "lines": "Seed lines"},
                                  stub="file", stub_header="File", digits=0, align={"title": "p{5cm}"})
    table.long = True
    return table


def write_report(*, tables: dict[str, str], figures_svg: dict[str, str], numbers: dict[str, str],
                 notes: dict[str, dict], templates: dict[str, str], out_html: str, out_tex: str,
                 out_numbers: str, provenance: list[dict], ordinal: dict | None = None, panel: dict | None = None,
                 labels: dict | None = None, config: dict | None = None, codebook: str = "",
                 figures: dict[str, str] | None = None, changes: dict | None = None,
                 cases: str | Path | None = None) -> None:
    """``tables``: table name -> its HTML file (in the report's order); ``figures_svg``: figure name ->
    its SVG file; ``templates``: report, paper, numbers, prose, table_html, table_tex -> template file
    (every path a rule input: nothing else is read). The paper's \\input of a table's .tex and its
    figures' PNGs are named beside them (build_paper reads those)."""
    ordinal, panel = ordinal or {}, panel or {}
    from gvc_clusters.layout import figure_names
    figures = figures or figure_names(list(ordinal), list(panel))
    table_list = list(tables)
    tables_dir = Path(next(iter(tables.values()))).parent
    figures_dir = Path(next(iter(figures_svg.values()))).parent
    vocabulary = DEFAULT_VOCABULARY.with_overrides(labels)
    html_tables = {name: Path(tables[name]).read_text(encoding="utf-8") for name in table_list}
    tex_tables = {name: f"\\input{{{_relative(tables_dir, Path(out_tex).parent)}/{name}.tex}}" for name in table_list}
    provenance_tab = provenance_table(provenance)
    html_tables["provenance"] = tab.to_html(provenance_tab, Path(templates["table_html"]).parent)
    tex_tables["provenance"] = tab.to_latex(provenance_tab, Path(templates["table_tex"]).parent)
    captions = {name: _caption_of(html_tables[name]) for name in table_list}
    captions["provenance"] = provenance_tab.title
    labels_of = {name: _label_of(html_tables[name]) for name in table_list}
    labels_of["provenance"] = provenance_tab.label
    plan = doc.document_plan(tables={n: (captions[n], labels_of[n]) for n in [*table_list, "provenance"]},
                             figures=figures, ordinal_specs=list(ordinal), panel_specs=list(panel),
                             vocabulary=vocabulary)
    items = {i.name: i for s in plan for i in s.items}
    claims = claim_specs(ordinal=ordinal, panel=panel, plan=plan, vocabulary=vocabulary)
    prose_context = {"sections": plan, "claim_specs": claims, "labels": vocabulary, "items": items}
    macros = {latex_macro_name(k): tab.latex_escape(v) for k, v in numbers.items()}
    prose_tex = doc.render_prose(Path(templates["prose"]), doc.Target("latex", numbers, items, tab.latex_escape),
                                 prose_context)
    prose_html = doc.render_prose(Path(templates["prose"]), doc.Target("html", numbers, items), prose_context)
    svg = {name: _inline_svg(Path(figures_svg[name]).read_text(encoding="utf-8")) for name in figures}
    html_numbered = {name: _number_html_table(html_tables[name], items[name]) for name in html_tables if name in items}
    footer = {"digest": config_digest(config or {}), "versions": package_versions()}
    context = {"tables": html_numbered, "figures": svg, "captions": figures, "numbers": numbers,
               "notes": {(f"ordinal_{k}" if k in ordinal else f"panel_{k}"): v for k, v in notes.items()}, "sections": plan, "prose": prose_html,
               "footer": footer,
               "codebook": Path(codebook).read_text(encoding="utf-8") if codebook else None,
               "cases_section": Path(cases).read_text(encoding="utf-8") if cases else None, "changes": changes_view(changes, vocabulary)}
    Path(out_html).parent.mkdir(parents=True, exist_ok=True)
    Path(out_html).write_text(render_template(templates["report"], context, autoescape=True),
                              encoding="utf-8")
    Path(out_numbers).write_text(render_template(templates["numbers"], {"macros": macros}, latex=True),
                                 encoding="utf-8")
    tex_context = {"tables": tex_tables, "sections": plan, "prose": prose_tex, "macros": macros,
                   "figures_rel": _relative(figures_dir, Path(out_tex).parent),
                   "escape": tab.latex_escape, "footer": footer,
                   "codebook_rel": _relative(Path(codebook).with_suffix(".tex"), Path(out_tex).parent) if codebook else None,
                   "cases_rel": _relative(Path(cases).with_suffix(".tex"), Path(out_tex).parent) if cases else None}
    Path(out_tex).write_text(render_template(templates["paper"], tex_context, latex=True),
                             encoding="utf-8")


def _caption_of(html: str) -> str:
    import html as html_lib
    match = re.search(r"<caption>(.*?)</caption>", html, flags=re.DOTALL)
    return html_lib.unescape(match.group(1).strip()) if match else ""


def _label_of(html: str) -> str:
    match = re.search(r'<table class="[^"]*" id="([^"]+)"', html)
    return match.group(1) if match else ""


def _number_html_table(html: str, item: doc.Item) -> str:
    """The table fragment with its number in the caption and its anchor as id (as in the paper)."""
    html = re.sub(r'(<table class="[^"]*") id="[^"]+"', rf'\1 id="{item.anchor}"', html, count=1)
    return html.replace("<caption>", f'<caption><span class="number">{item.title}.</span> ', 1)


def _inline_svg(text: str) -> str:
    """An SVG file's markup without its XML prolog and DOCTYPE, ready to sit inside HTML."""
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _relative(path: Path, start: Path) -> str:
    import os
    return os.path.relpath(path, start)
