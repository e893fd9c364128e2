"""Assemble the report from the workflow's machine-readable results.

``write_report`` (rule render_report) writes ``index.html`` (one self-contained page: styles and SVG
figures inline, no network fetches), ``paper.tex`` and ``numbers.tex`` (every in-text number as a
LaTeX macro), laid out by the document plan of the exhibit registry (gvc_clusters.output.exhibits).
The model tables' contents (coefficients, effects, their notes) are built here too, for the drawers
of gvc_clusters.output.draw, which render_tables and render_figures call.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pandas as pd

from gvc_clusters.io import read_parquet
from gvc_clusters.models.book_panels import descriptive_panel, descriptive_table_note
from gvc_clusters.models.ordinal.separation import separated_terms
from gvc_clusters.models.reading_views import claim_ranges, read_summary, reading_sets
from gvc_clusters.output import front_matter as fm
from gvc_clusters.output.exhibits import Exhibit, of_kind
from gvc_clusters.output.render import document as doc
from gvc_clusters.output.render import tables as tab
from gvc_clusters.output.render.document import latex_macro_name
from gvc_clusters.results import ModelResult, load_results, read_estimates
from gvc_clusters.templating import render_template
from gvc_clusters.vocabulary import DEFAULT as DEFAULT_VOCABULARY
from gvc_clusters.vocabulary import Vocabulary

# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def load_spec_results(estimates: str | Path, models: str | Path) -> list[ModelResult]:
    return load_results(read_estimates(estimates), json.loads(Path(models).read_text(encoding="utf-8")))


def spec_term_labels(results: list[ModelResult], vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> dict[str, str]:
    """Printed labels of the results' terms, from the vocabulary given: for a user's spec, the one with
    its own ``labels:`` on top (``Vocabulary.with_spec_labels``); a name without a label is humanized,
    in the tables as in the text and the figures."""
    return vocabulary.term_labels(dict.fromkeys(t for r in results for t in r.estimates["term"]))


def ordinal_coefficient_table(results: list[ModelResult], preset: str, under: str = "se",
                              vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tab.Table:
    """Coefficients of every outcome × link, with the profile-likelihood intervals in a panel of their
    own under the coefficients (``profile_panel``)."""
    labels = [vocabulary.kind(r.kind) for r in results]  # the outcome is the renderer's own header row
    terms = spec_term_labels(results, vocabulary)
    table = tab.regression_table(results, preset=preset, term_labels=terms, column_labels=labels, p_column="p_value",
                                 under=under)
    return profile_panel(table, results, terms)


PROFILE_HEADING = "Profile-likelihood 95% confidence intervals"


def profile_panel(table: tab.Table, results: list[ModelResult], terms: dict[str, str]) -> tab.Table:
    """The profile-likelihood 95% CIs of the coefficients (models.json extra["profile_ci"], the
    small-sample standard of maximum likelihood) as a panel under the coefficients, each column's
    where computed, with a note that says which columns have them."""
    intervals = [dict(r.extra.get("profile_ci") or {}) for r in results]
    if not any(intervals):
        return table
    tab.add_interval_panel(table, intervals, key="profile", heading=PROFILE_HEADING, labels=terms)
    with_ci = [f"({k})" for k, ci in enumerate(intervals, start=1) if ci]
    without = [f"({k})" for k, ci in enumerate(intervals, start=1) if not ci]
    table.notes.append(f"{PROFILE_HEADING}: the values of each coefficient that the likelihood-ratio test does "
                       "not reject at 5%; computed in " + (", ".join(with_ci) if without else "every column")
                       + (f", not in {', '.join(without)}." if without else "."))
    return table


def ordinal_effects_table(results: list[ModelResult], preset: str, under: str = "se",
                          vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tab.Table:
    """Average marginal effects on every outcome category (the main link)."""
    terms = spec_term_labels(results, vocabulary)
    main = [r for r in results if r.kind == results[0].kind]
    return tab.regression_table(main, preset=preset, role="ame", terms=None, term_labels=terms, cutpoints=False,
                                under=under, notes=effect_notes(main, terms))


def effect_notes(results: list[ModelResult], terms: dict[str, str]) -> list[str]:
    """The definition of every effect row (discrete change / derivative, overall / conditional)."""
    from gvc_clusters.models.ordinal.effects import effect_text

    definitions = {}
    for r in results:
        ame = r.extra.get("ame")
        if isinstance(ame, dict):
            definitions.update(ame)
    if not definitions:
        return []
    label = functools.partial(_label, terms)
    text = "; ".join(f"{label(t)}: {effect_text(d, label) if isinstance(d, dict) else d}"
                     for t, d in definitions.items())
    notes = [f"Effects on P(y = c), delta-method SEs. {text}."]
    if any(r.extra.get("interactions") for r in results):
        notes.append("A product term has no marginal effect of its own in a nonlinear model (Ai and Norton 2003): "
                     "it moves with its components, and the effect of CE is reported overall and within each group.")
    return notes


def _label(terms: dict[str, str], name: str) -> str:
    """A name's printed label: the table's (vocabulary and config labels), else the name humanized."""
    from gvc_clusters.vocabulary import humanize

    return terms.get(name) or humanize(name)


def panel_table(results: list[ModelResult], preset: str, under: str = "se",
                vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tab.Table:
    """A panel spec's table; a descriptive built-in panel (models/book_panels.py ``descriptive``, known
    by the caveat its fits carry) says why in its note (its caption says so: the exhibit registry)."""
    labels = [tab.estimator_label(r, vocabulary.kind(r.kind)) for r in results]
    terms = spec_term_labels(results, vocabulary)
    entry = descriptive_panel(results)
    descriptive = [descriptive_table_note(entry, results)] if entry is not None else []
    notes = tab.estimation_notes(results, [f"({k})" for k in range(1, len(results) + 1)])
    return tab.regression_table(results, preset=preset, term_labels=terms, column_labels=labels, under=under,
                                notes=notes + descriptive)


def spec_files(names: list[str], estimates: list[str], models: list[str],
               reading_summary: str | list[str] | None = None) -> dict[str, tuple[str, ...]]:
    """spec -> (estimates.csv, models.json[, the readings summary]) from a rule's input lists (in the
    order of ``names``, the spec names of the rule's params). ``reading_summary``: the one readings
    output's summary (results/models/readings/reading_summary.csv), the same file for every spec."""
    if isinstance(reading_summary, str):
        reading_summary = [reading_summary] * len(names)
    columns = [estimates, models] + ([list(reading_summary)] if reading_summary is not None else [])
    if any(len(c) != len(names) for c in columns):
        raise ValueError(f"spec files: {len(names)} specs but {[len(c) for c in columns]} files per kind")
    return {name: tuple(c[k] for c in columns) for k, name in enumerate(names)}


# ----------------------------------------------------------------------------------------------
# The report: HTML page, LaTeX paper, numbers
# ----------------------------------------------------------------------------------------------

def report_numbers(*, replication_summary: str, agreement_summary: str, ordinal: dict, panel: dict,
                   dataset: str, decision_summary: str | None = None, raw_tables: int | None = None,
                   trade_flows_facts: str | None = None) -> dict[str, str]:
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
    draws, ordinal_n = None, []
    for spec, files in {**ordinal, **panel}.items():
        results = load_spec_results(*files[:2])
        for r in results:
            numbers[f"{r.model_id} N"] = str(r.n_obs)
            if spec in ordinal:
                ordinal_n.append(int(r.n_obs))
            for est in r.estimates[r.estimates["role"] == "coef"].itertuples():
                if est.term != "const":
                    numbers[f"{r.model_id} {est.term}"] = tab.format_number(est.estimate)
                    numbers[f"{r.model_id} {est.term} se"] = tab.format_number(est.std_error)
        numbers.update(doc.claim_numbers(results, _reading_ranges(files), tab.format_number))
        numbers.update(reading_set_numbers(files))
        draws = draws or doc.permutation_draws(results)
    if draws:
        numbers["permutation draws"] = f"{draws:,}"
    if ordinal_n:   # the clusters of the largest ordered model (the abstract's "at most ... in any one model")
        numbers["ordinal largest N"] = str(max(ordinal_n))
    if trade_flows_facts is not None:
        numbers.update(trade_flow_numbers(json.loads(Path(trade_flows_facts).read_text(encoding="utf-8"))))
    return dict(sorted(numbers.items()))


def statement_numbers(*, provenance: list[dict], replication_summary: str, agreement_summary: str, ordinal: dict,
                      panel: dict, readings_summary: str | None, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                      cases_estimates: str | None = None, cases_selected: tuple = ()) -> dict[str, str]:
    """The sentences the text states about the data and the robustness of the results, each from a
    named function of gvc_clusters.output.statements over the results it describes (keys "says …")."""
    from gvc_clusters.output import statements as say

    evidence = say.replication_evidence(pd.read_csv(replication_summary))
    out = {"says raw files": say.raw_files_sentence(provenance),
           "says replication": say.replication_sentence(evidence),
           "says replication abstract": say.replication_abstract(evidence)}
    fits = {spec: load_spec_results(*files[:2]) for spec, files in {**ordinal, **panel}.items()}

    def label(model_id: str, term: str) -> str:
        spec = next((s for s in sorted(fits, key=len, reverse=True) if model_id.startswith(s)), model_id)
        parts = model_id[len(spec):].strip("_").split("__")
        outcome = f", {vocabulary.outcome(parts[0]).lower()}" if parts[0] in vocabulary.outcomes else ""
        return f"{vocabulary.variable(term)} in {vocabulary.spec(spec)}{outcome}"

    main = {spec: doc.main_results(results) for spec, results in fits.items()}
    key_terms = [(r.model_id, t) for results in main.values() for r in results for t in doc.key_terms(r)]
    if readings_summary is not None:
        out["says readings"] = say.readings_sentence(read_summary(readings_summary), key_terms, label)
    pairs = []
    for spec in ordinal:
        by_outcome: dict[str, dict[str, ModelResult]] = {}
        for r in fits[spec]:
            by_outcome.setdefault(r.outcome, {})[r.kind] = r
        pairs += [(kinds["ordered_probit"], kinds["ordered_logit"]) for kinds in by_outcome.values()
                  if {"ordered_probit", "ordered_logit"} <= set(kinds)]
    out["says link"] = say.link_sentence(pairs, doc.key_terms, label)
    out["says se"] = say.se_sentence([r for s in ordinal for r in main[s]],
                                     [r for s in panel for r in fits[s] if r.extra.get("cluster_conventions")],
                                     doc.key_terms, label)
    with_without = pd.read_csv(cases_estimates) if cases_estimates else None
    out["says cases"] = say.cases_sentence(with_without, cases_selected)
    out["says chapter9"] = say.chapter9_sentence(pd.read_csv(agreement_summary),
                                                 vocabulary.categories.get("rule_variant", {}))
    return out


def trade_flow_numbers(facts: dict) -> dict[str, str]:
    """The numbers the section on the user's trade flows quotes, from the classification's facts."""
    from gvc_clusters.analysis.trade_flows import product_groups

    groups = facts["groups"]
    group_by = "chapter" if all(g.isdigit() for g in groups) else "section"
    first_rule = next(iter(facts["not_classifiable"]))
    return {"trade flows rows": f"{facts['rows_in_periods']:,}",
            "trade flows exporter products": f"{facts['exporter_products']:,}",
            "trade flows groups": f"{len(groups):,}", "trade flows groups total": f"{len(product_groups(group_by)):,}",
            "trade flows group kind": "HS sections" if group_by == "section" else "HS chapters",
            "trade flows period a": "–".join(map(str, facts["periods"]["a"])),
            "trade flows period b": "–".join(map(str, facts["periods"]["b"])),
            "trade flows not classifiable": f"{facts['not_classifiable'][first_rule]:,}",
            "trade flows undetermined": f"{facts['not_upgrading_subclass_undetermined'][first_rule]:,}",
            "trade flows trimmed": f"{facts['trimmed_unit_values']:,}"}


def _reading_ranges(files: tuple) -> pd.DataFrame | None:
    """The coefficients' ranges over the readings (models.reading_views.claim_ranges) from the
    readings summary, the third of a spec's files when the rule gives it."""
    return claim_ranges(read_summary(files[2])) if len(files) > 2 else None


def reading_set_numbers(files: tuple) -> dict[str, str]:
    """Per assumption of the readings summary (the third of ``files``): the exact size of its set
    ("readings A set") and, for a sampled one, the sample's size ("readings A sample")."""
    out: dict[str, str] = {}
    for s in (reading_sets(read_summary(files[2])) if len(files) > 2 else []):
        out[f"readings {s['name']} set"] = f"{s['set_size']:,}"
        if not s["enumerated"]:
            out[f"readings {s['name']} sample"] = f"{s['n_readings']:,}"
    return out


def claim_specs(*, ordinal: dict, panel: dict, plan: list, vocabulary: Vocabulary,
                spec_labels: dict | None = None) -> list[dict]:
    """The claims' subsections: spec name, its numbered tables, the facts its paragraphs state, caveats,
    and the vocabulary its paragraphs print names with (a user spec's own ``labels:`` on top)."""
    blocks = {b.spec: b for s in plan if s.id == "claims" for b in s.blocks if b.spec}
    out = []
    for spec, files in {**ordinal, **panel}.items():
        if spec not in blocks:
            continue
        results = load_spec_results(*files[:2])
        kind = "ordinal" if spec in ordinal else "panel"
        own = vocabulary.with_spec_labels((spec_labels or {}).get(spec))
        out.append({"labels": own,"name": spec, "tables": [i.name for i in blocks[spec].items if i.kind == "table"],
                    "figures": [i.name for i in blocks[spec].items if i.kind == "figure"],
                    "ame": f"{kind}_{spec}_ame" if f"{kind}_{spec}_ame" in plan_items(plan) else "",
                    "facts": doc.claim_facts(results, _reading_ranges(files)),
                    "caveats": claim_caveats(doc.main_results(results), own)})
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
    from gvc_clusters.output.statements import exclusion_phrase, listing

    excluded = [(r, exclusion_phrase(r)) for r in results]
    for phrase in dict.fromkeys(p for _, p in excluded if p):
        who = [vocabulary.outcome(r.outcome).lower() for r, p in excluded if p == phrase]
        caveats.append(phrase + (f" in the model{'s' if len(who) > 1 else ''} of {listing(who)}"
                                 if len(results) > 1 else ""))
    return caveats


def model_notes(results: list[ModelResult], vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> dict:
    """A spec's models side by side in a short structured list: one column per model (titled by
    outcome and estimator, never by internal id), one row per fact (N, exclusions, SE type,
    convergence, separation, permutation draws), then the models' notes, each once."""
    columns = [f"{vocabulary.outcome(r.outcome)}, {tab.estimator_label(r, vocabulary.kind(r.kind)).lower()}"
               for r in results]
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


def typeset_model_notes(view: dict) -> dict:
    """A spec's model notes (``model_notes``) as the page prints them: true minus signs and curly
    quotes in every heading, cell and note (render.tables.typeset_text)."""
    text = tab.typeset_text
    return {"columns": [text(c) for c in view["columns"]],
            "rows": [(text(key), [text(v) for v in values]) for key, values in view["rows"]],
            "notes": [text(n) for n in view["notes"]]}


def changes_view(changes, vocabulary: Vocabulary) -> dict:
    """The "what changed since the last run" section: the summary lines (``summary_lines`` with the
    report's labels) and every change row, estimates named by model (outcome, estimator) and term."""
    from gvc_clusters.output.changes import NOTHING_CHANGED, summary_lines

    if changes is None:
        return {"summary": [NOTHING_CHANGED], "rows": []}
    label = functools.partial(change_label, vocabulary=vocabulary)
    rows = [{**{k: tab.typeset_minus(v) if isinstance(v, str) else v for k, v in row.items()},
             "id": label(row["id"]) if row["what"] in ("estimate", "verdict") else row["id"]}
            for row in changes.rows.to_dict("records")]
    return {"summary": [tab.typeset_minus(line) for line in summary_lines(changes, label)],
            "rows": rows if changes.previous else []}


def change_label(estimate_id: str, vocabulary: Vocabulary) -> str:
    """An estimate's id (gvc_clusters.output.changes.estimate_id) in words: "Spec, outcome, estimator:
    role of term (y = c)"."""
    from gvc_clusters.output.changes import split_estimate_id

    key = split_estimate_id(estimate_id)
    term = vocabulary.variable(key["term"]) if key["role"] != "cutpoint" else f"cutpoint {key['term']}"
    if key["category"]:
        term += f" (y = {key['category']})"
    spec, *rest = str(key["model_id"]).split("__")
    model = vocabulary.spec(spec) + "".join(f", {vocabulary.outcome(p).lower() if p in vocabulary.outcomes else p}"
                                            for p in rest)
    role = vocabulary.categories.get("role", {}).get(key["role"], key["role"])
    return f"{model}: {role.lower()}, {term}"


def config_digest(config: dict) -> str:
    """SHA-256 of the configuration as canonical JSON: the same inputs give the same digest."""
    import hashlib
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


# The packages the report's footer names (the README lists more: replication_readme.KEY_PACKAGES).
FOOTER_PACKAGES = ["gvc_clusters", "numpy", "pandas", "statsmodels", "linearmodels", "matplotlib", "jinja2",
                   "snakemake"]


def footer_versions() -> list[tuple[str, str]]:
    """(name, version) of the footer's packages that are installed."""
    from gvc_clusters.output.replication_readme import package_versions

    return [(p["name"], p["version"]) for p in package_versions(FOOTER_PACKAGES) if p["version"] != "not installed"]


def provenance_table(provenance: list[dict]) -> tab.Table:
    frame = pd.DataFrame(provenance, columns=["file", "table", "chapter", "title", "lines"])
    table = tab.descriptive_table(frame, title="Raw tables: transcribed as printed, checked by SHA-256 before use",
                                  label="tab:provenance", columns={"table": "Table", "chapter": "Chapter",
                                                                   "title": "Title", "lines": "Seed lines"},
                                  stub="file", stub_header="File", digits=0, align={"title": "p{5cm}"})
    table.long = True
    return table


def write_report(*, exhibits: list[Exhibit], tables: dict[str, str], figures_svg: dict[str, str],
                 numbers: dict[str, str], notes: dict[str, dict], templates: dict[str, str], out_html: str,
                 out_tex: str, out_numbers: str, drawn: dict[str, tab.Table], ordinal: dict | None = None,
                 panel: dict | None = None, labels: dict | None = None, spec_labels: dict | None = None,
                 config: dict | None = None,
                 codebook: str = "", changes: dict | None = None, cases: str | Path | None = None,
                 claims: str | Path | None = None) -> None:
    """``exhibits``: the registry's exhibits of this report; ``tables``: table name -> its HTML file;
    ``figures_svg``: figure name -> its SVG file; ``templates``: report, paper, numbers, prose,
    table_html, table_tex -> template file (every path a rule input: nothing else is read). The
    paper's \\input of a table's .tex and its figures' PNGs are named beside them (build_paper reads
    those). ``drawn``: the tables this rule draws itself (the provenance table), by name. ``claims``: the
    claims' verdicts (results/claims/verdicts.csv), whose words follow the verdict table."""
    ordinal, panel = ordinal or {}, panel or {}
    tables_dir = Path(next(iter(tables.values()))).parent
    figures_dir = Path(next(iter(figures_svg.values()))).parent
    vocabulary = DEFAULT_VOCABULARY.with_overrides(labels)
    html_tables = {name: Path(path).read_text(encoding="utf-8") for name, path in tables.items()}
    tex_tables = {name: f"\\input{{{_relative(tables_dir, Path(out_tex).parent)}/{name}.tex}}" for name in tables}
    for name, table in drawn.items():
        html_tables[name] = tab.to_html(table, Path(templates["table_html"]).parent)
        tex_tables[name] = tab.to_latex(table, Path(templates["table_tex"]).parent)
    plan = doc.document_plan(exhibits, vocabulary)
    items = {i.name: i for s in plan for i in s.items}
    claim_blocks = claim_specs(ordinal=ordinal, panel=panel, plan=plan, vocabulary=vocabulary,
                               spec_labels=spec_labels)
    placed = {sid: [e for e in exhibits if e.section == sid and e.spec and not e.claim and e.kind == "table"]
              for sid in {e.section for e in exhibits}}
    summary = next((files[2] for files in {**ordinal, **panel}.values() if len(files) > 2), None)
    prose_context = {"sections": plan, "claim_specs": claim_blocks, "labels": vocabulary, "items": items,
                     "placed_specs": placed, "reading_sets": reading_sets(read_summary(summary)) if summary else [],
                     # the book's claims with their verdicts (results/claims/verdicts.csv): the words after the table
                     "claims_summary": claims_summary_texts(claims), "claim_paragraphs": claim_paragraph_texts(claims),
                     "conclusion_paragraphs": conclusion_texts(claims)}
    macros = {latex_macro_name(k): tab.latex_escape(v) for k, v in numbers.items()}
    prose_tex = doc.render_prose(Path(templates["prose"]), doc.Target("latex", numbers, items, tab.latex_escape),
                                 prose_context)
    prose_html = doc.render_prose(Path(templates["prose"]), doc.Target("html", numbers, items), prose_context)
    prose_tex = {k: fm.italic_titles(v, "latex") for k, v in prose_tex.items()}
    prose_html = {k: fm.italic_titles(v, "html") for k, v in prose_html.items()}
    versions = fm.installed_versions()
    front = {**fm.front_matter(config, versions), "book": fm.BOOK_TITLE}
    front_tex = {**{k: tab.latex_escape(v) for k, v in front.items()},
                 "title_tex": fm.italic_titles(tab.latex_escape(front["title"]), "latex")}
    figures = of_kind(exhibits, "figure")
    svg = {e.name: _inline_svg(Path(figures_svg[e.name]).read_text(encoding="utf-8"), f"svg-{e.name}")
           for e in figures}
    html_numbered = {name: _number_html_table(html_tables[name], items[name]) for name in html_tables if name in items}
    footer = {"digest": config_digest(config or {}), "versions": footer_versions()}
    context = {"tables": html_numbered, "figures": svg, "captions": {e.name: e.caption for e in figures},
               "numbers": numbers,
               "notes": {(f"ordinal_{k}" if k in ordinal else f"panel_{k}"): typeset_model_notes(v)
                         for k, v in notes.items()},
               "sections": plan, "prose": prose_html, "footer": footer,
               "codebook": Path(codebook).read_text(encoding="utf-8") if codebook else None,
               "cases_section": numbered_cases_section(Path(cases).read_text(encoding="utf-8"), plan) if cases else None,
               "cases_number": cases_section_number(plan), "changes": changes_view(changes, vocabulary),
               "front": front, "references": fm.references_html(versions),
               "conclusion_number": str(int(cases_section_number(plan)) + (1 if cases else 0)),
               "codebook_number": codebook_letter(plan)}
    Path(out_html).parent.mkdir(parents=True, exist_ok=True)
    Path(out_html).write_text(render_template(templates["report"], context, autoescape=True),
                              encoding="utf-8")
    Path(out_numbers).write_text(render_template(templates["numbers"], {"macros": macros}, latex=True),
                                 encoding="utf-8")
    tex_context = {"tables": tex_tables, "sections": plan, "prose": prose_tex, "macros": macros,
                   "figures_rel": _relative(figures_dir, Path(out_tex).parent),
                   "escape": tab.latex_escape, "footer": footer, "front": front_tex,
                   "references": fm.references_latex(versions, tab.latex_escape),
                   "codebook_rel": _relative(Path(codebook).with_suffix(".tex"), Path(out_tex).parent) if codebook else None,
                   "cases_rel": _relative(Path(cases).with_suffix(".tex"), Path(out_tex).parent) if cases else None}
    Path(out_tex).write_text(render_template(templates["paper"], tex_context, latex=True),
                             encoding="utf-8")


def codebook_letter(plan: list) -> str:
    """The codebook's appendix letter: the one after the appendix's, as LaTeX's \appendix numbers it."""
    appendix = next((s.number for s in plan if s.id == "appendix"), "A")
    return chr(ord(appendix) + 1)


def cases_section_number(plan: list) -> str:
    """The number of the "Cases beyond the book" section: after the last numbered section, before the
    appendix, where the paper inputs it too (LaTeX numbers it the same)."""
    return str(sum(section.number.isdigit() for section in plan) + 1)


def numbered_cases_section(fragment: str, plan: list) -> str:
    """The cases fragment with its heading numbered as in the table of contents."""
    return fragment.replace("<h2>", f"<h2>{cases_section_number(plan)}. ", 1)


def _number_html_table(html: str, item: doc.Item) -> str:
    """The table fragment with its number in the caption and its anchor as id (as in the paper)."""
    html = re.sub(r'(<table class="[^"]*") id="[^"]+"', rf'\1 id="{item.anchor}"', html, count=1)
    return html.replace("<caption>", f'<caption><span class="number">{item.title}.</span> ', 1)


def _inline_svg(text: str, prefix: str = "") -> str:
    """An SVG file's markup without its XML prolog and DOCTYPE, ready to sit inside HTML. With
    ``prefix`` (the figure's name) every element id of the SVG and every reference to one (href,
    xlink:href, url(#...)) gets ``<prefix>-`` in front: matplotlib names its glyphs, clip paths and
    groups the same in every figure (DejaVuSans-41, figure_1, ...), and one page may hold each id
    once. The same figure always gets the same ids."""
    start = text.find("<svg")
    svg = text[start:] if start >= 0 else text
    if not prefix:
        return svg
    ids = set(SVG_ID.findall(svg))
    if not ids:
        return svg
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    pattern = re.compile(rf'(\bid="|href="#|url\(#)({names})(?=[")])')
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


SVG_ID = re.compile(r'\bid="([^"]+)"')


def _relative(path: Path, start: Path) -> str:
    import os
    return os.path.relpath(path, start)


# ----------------------------------------------------------------------------------------------
# The book's claims (results/claims/verdicts.csv): the verdict table and the paragraphs after it
# ----------------------------------------------------------------------------------------------

def read_claim_verdicts(path: str | Path) -> pd.DataFrame:
    """results/claims/verdicts.csv as written by rule claim_verdicts (text cells stay text)."""
    return pd.read_csv(path, dtype={"also_stated_lines": str, "category": str, "note": str, "cases_entered": str,
                                    "quote": str}, keep_default_na=False, na_values=[""])


def claims_verdict_table(verdicts: pd.DataFrame, preset: str = "aer") -> tab.Table:
    """"Table 10-3, tested": one row per claim, panels by where the book makes it (every cell's words
    from gvc_clusters.output.claims_text). The readings behind the shares go in the header when every
    claim has the same (the cells otherwise)."""
    from gvc_clusters.output import claims_text as ct

    names = ct.assumptions(verdicts)
    common = {a: ct.readings_header(verdicts, a) for a in names}
    rows = [r for _, r in verdicts.iterrows()]
    frame = pd.DataFrame({
        "words": verdicts["words"], "group": verdicts["group"],
        "estimate": [ct.estimate_cell(r) for r in rows],
        "permutation": [ct.permutation_cell(r) for r in rows],
        **{f"readings_{a}": [ct.readings_cell(r, a, with_n=not common[a]) for r in rows] for a in names},
        "cases": [ct.cases_cell(r) for r in rows],
        "alternative": [ct.alternative_cell(r) for r in rows],
        "verdict": verdicts["verdict"]})
    columns = {"estimate": "Effect", "permutation": "Perm.", **{f"readings_{a}": f"Readings ({a})" for a in names},
               "cases": "Added", "alternative": "Other", "verdict": ""}
    alpha = float(verdicts["rule_alpha"].iloc[0])
    level = f"{100 * (1 - alpha):g}%"
    notes = [
        ("Effect: the average marginal effect on the probability of the top outcome category (a step of CE, or "
         "being in a quasi-hierarchical or market-based global chain), from the spec the claim names, main link "
         f"(ordered probit), with its {level} interval; for a printed series or group the computed change (per cent "
         "or index points); for chapter 9 whether the classification says what the claim says. Perm. p: "
         "randomization-inference p-value (within the sector group for an effect within a group). Readings (A), "
         "(B): share of the readings of the OCR's uncertain cells under each assumption where the claim holds "
         f"(predicted sign with p < {alpha:g}; for a claim of no relation, the equivalence), with the Monte Carlo SE "
         "of a sample in brackets; the header gives the readings behind the share (all of an enumerated set, or "
         "the draws of a sample). Added cases: the fit with the cases of config cases (– when it is empty). Other "
         "link: the ordered logit (chapter 9: the other rules). – : not computed or not testable."),
        ct.rule_sentence(verdicts),
    ]
    table = tab.descriptive_table(frame, preset=preset, columns=columns, stub="words", stub_header="The book says",
                                  panel="group", panel_labels={g: ct.group_heading(g) for g in frame["group"]},
                                  notes=notes)
    table.header_rows = [["", "Effect", "Perm.", *[f"Readings ({a})" for a in names], "Added", "Other", ""],
                         ["The book says", f"[{level} CI]", "p", *[common[a] for a in names], "cases", "link",
                          "Verdict"]]
    table.long = True
    return table


def claim_paragraph_texts(verdicts_path: str | Path | None) -> list[str]:
    """The paragraphs after the verdict table (gvc_clusters.output.claims_text.claim_paragraphs)."""
    from gvc_clusters.output import claims_text as ct

    if not verdicts_path:
        return []
    return ct.claim_paragraphs(read_claim_verdicts(verdicts_path))


def claims_summary_texts(verdicts_path: str | Path | None) -> dict[str, str]:
    """The sentences that introduce the verdict table: the verdicts counted, and the rule."""
    from gvc_clusters.output import claims_text as ct

    if not verdicts_path:
        return {}
    verdicts = read_claim_verdicts(verdicts_path)
    return {"counts": ct.summary_sentence(verdicts), "rule": ct.rule_sentence(verdicts)}


def conclusion_texts(verdicts_path: str | Path | None) -> list[str]:
    """The conclusion's paragraphs (gvc_clusters.output.claims_text.conclusion_paragraphs); none without
    the claims' verdicts (a report of other data)."""
    from gvc_clusters.output import claims_text as ct

    if not verdicts_path:
        return []
    return ct.conclusion_paragraphs(read_claim_verdicts(verdicts_path))
