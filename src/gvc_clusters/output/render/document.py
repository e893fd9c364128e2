"""The document both the paper (LaTeX) and the report (HTML) print: sections, numbered tables and
figures, the claims' facts and the prose.

One plan (``document_plan``) puts each exhibit of the registry (gvc_clusters.output.exhibits) in its
section and numbers them in reading order, so "Table 3" is the same table in the PDF and on the web
page. The prose is one
Jinja2 template (workflow/templates/prose.j2) rendered twice, with LaTeX or HTML helpers: ``n(key)``
prints a number (a macro from numbers.tex in LaTeX, the value in HTML), ``t(text)`` escapes text,
``ref(name)`` points to a numbered table or figure. Lines ``@@ key`` split the output into pieces
that the two page templates place.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gvc_clusters.models.reading_design import ENUMERATED
from gvc_clusters.models.reading_views import reading_numbers
from gvc_clusters.output.exhibits import OPTIONAL_SECTIONS, SECTIONS, Exhibit
from gvc_clusters.output.render.tables import typeset_minus, typeset_text
from gvc_clusters.results import ModelResult
from gvc_clusters.templating import environment
from gvc_clusters.vocabulary import Vocabulary


@dataclass
class Item:
    kind: str          # "table" | "figure"
    name: str          # file stem in results/report/{tables,figures}
    number: int
    caption: str
    label: str         # LaTeX label, also the HTML anchor (":" -> "-")

    @property
    def anchor(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "-", self.label)

    @property
    def title(self) -> str:
        return f"{'Table' if self.kind == 'table' else 'Figure'} {self.number}"


@dataclass
class Block:
    """A subsection (an empty title: the section's own body)."""
    id: str
    title: str
    items: list[Item] = field(default_factory=list)
    spec: str = ""
    number: str = ""


@dataclass
class Section:
    id: str
    title: str
    number: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [i for b in self.blocks for i in b.items]


def document_plan(exhibits: list[Exhibit], vocabulary: Vocabulary) -> list[Section]:
    """The sections of the document with their numbered exhibits (gvc_clusters.output.exhibits), in
    reading order: each section's exhibits in registry order, a claim spec's exhibits in a
    subsection of their own (titled by the spec's label). Tables and figures are numbered apart."""
    sections = {sid: Section(sid, title, "A" if sid == "appendix" else str(k + 1), [Block(sid, "")])
                for k, (sid, title) in enumerate(SECTIONS)}
    counters = {"table": 0, "figure": 0}
    claim_blocks: dict[tuple[str, str], Block] = {}
    for e in exhibits:   # subsections first, in the order their specs come
        if e.claim and (e.section, e.spec) not in claim_blocks:
            section = sections[e.section]
            block = Block(f"claim-{e.spec}", vocabulary.spec(e.spec), spec=e.spec,
                          number=f"{section.number}.{len(section.blocks)}")
            section.blocks.append(block)
            claim_blocks[(e.section, e.spec)] = block
    for sid, _ in SECTIONS:
        section = sections[sid]
        for block in section.blocks:
            for e in exhibits:
                in_block = claim_blocks.get((e.section, e.spec)) is block if e.claim else block is section.blocks[0]
                if e.section == sid and in_block:
                    counters[e.kind] += 1
                    block.items.append(Item(e.kind, e.name, counters[e.kind], e.caption, e.label))
    kept = [sections[sid] for sid, _ in SECTIONS if sid not in OPTIONAL_SECTIONS or sections[sid].items]
    for number, section in enumerate((s for s in kept if s.id != "appendix"), start=1):
        if section.number != str(number):   # an optional section left out: the later ones move up
            section.number = str(number)
            for block in section.blocks[1:]:
                block.number = f"{number}.{block.number.split('.', 1)[1]}"
    return kept


def numbered_exhibits(exhibits: list[Exhibit], *, scripts: dict[str, str], source_of, report: str,
                      vocabulary: Vocabulary) -> list[dict]:
    """The numbered tables and figures, for the replication README: number, name, caption, the
    rule, script and function that render each, its output files and the files it is computed from.
    ``scripts``: rule -> its script as the workflow declares it; ``source_of``: source key -> path.
    The numbers are the document plan's, so Table k here is Table k in the paper."""
    plan = document_plan(exhibits, vocabulary)
    numbered = {i.name: i for section in plan for block in section.blocks for i in block.items}
    by_name = {e.name: e for e in exhibits}
    out = []
    for item in sorted(numbered.values(), key=lambda i: (i.kind != "table", i.number)):
        e = by_name[item.name]
        if e.rule == "render_report":
            outputs = [f"{report}/index.html", f"{report}/paper.tex"]
        elif e.kind == "table":
            outputs = [f"{report}/tables/{e.name}.{ext}" for ext in ("tex", "html", "csv")]
        else:
            outputs = [f"{report}/figures/{e.name}.{ext}" for ext in ("svg", "png")]
        out.append({"number": item.title, "name": e.name, "title": e.caption, "rule": e.rule,
                    "script": scripts[e.rule], "function": e.function, "outputs": outputs,
                    "sources": [source_of(s) for s in e.sources]})
    return out



def exhibits_of(path: str, exhibits: list[dict]) -> list[str]:
    """The numbers of the numbered exhibits a file is (part of) or is computed into."""
    return [e["number"] for e in exhibits if path in e["outputs"] or path in e["sources"]]


# ------------------------------------------------------------------------------------------------
# The claims: the facts each claim's paragraph states
# ------------------------------------------------------------------------------------------------
def key_terms(result: ModelResult) -> list[str]:
    """The terms a claim is about: those with a permutation p-value, else interactions, else every
    non-constant coefficient except fixed-effect-like type dummies."""
    coef = result.estimates[result.estimates["role"] == "coef"]
    coef = coef[~coef["term"].isin(["const", "Intercept"])]
    permuted = coef[coef["p_value_permutation"].notna()]["term"].tolist()
    if permuted:
        return list(dict.fromkeys(permuted))
    interactions = [t for t in coef["term"] if "_x_" in t]
    return list(dict.fromkeys(interactions or [t for t in coef["term"] if not t.startswith("type_")]))


def main_results(results: list[ModelResult]) -> list[ModelResult]:
    """The results a claim's text is about: the first kind of the spec (probit before logit, FE before RE)."""
    first = results[0].kind if results else ""
    return [r for r in results if r.kind == first]


def claim_facts(results: list[ModelResult], ranges: pd.DataFrame | None) -> list[dict]:
    """One dict per (model, key term): the fact's flags and ``base``, the prefix of its keys in the numbers dict."""
    facts = []
    for r in main_results(results):
        for term in key_terms(r):
            row = r.estimates[(r.estimates["role"] == "coef") & (r.estimates["term"] == term)].iloc[0]
            base = f"{r.model_id} {term}"
            fact = {"model_id": r.model_id, "kind": r.kind, "outcome": r.outcome, "term": term, "base": base,
                    "has_ci": not _nan(row["ci_low"]), "has_permutation": not _nan(row["p_value_permutation"]),
                    "has_range": False, "readings": []}
            if ranges is not None and not ranges.empty:   # models.reading_views.claim_ranges: one row per assumption
                hit = ranges[(ranges["model_id"] == r.model_id) & (ranges["term"] == term)]
                fact["readings"] = [{"name": h.assumption, "label": h.assumption_label,
                                     "enumerated": h.method == ENUMERATED} for h in hit.itertuples()]
                fact["has_range"] = bool(fact["readings"])
            facts.append(fact)
    return facts


def claim_numbers(results: list[ModelResult], ranges: pd.DataFrame | None, fmt) -> dict[str, str]:
    """The numbers the claims' paragraphs quote, keyed as ``claim_facts`` names them."""
    out: dict[str, str] = {}
    for r in main_results(results):
        out[f"{r.model_id} N"] = f"{r.n_obs:,}"
        out[f"{r.model_id} excluded"] = f"{r.n_excluded:,}"
        if r.n_clusters:
            out[f"{r.model_id} clusters"] = f"{r.n_clusters:,}"
        for term in key_terms(r):
            row = r.estimates[(r.estimates["role"] == "coef") & (r.estimates["term"] == term)].iloc[0]
            base = f"{r.model_id} {term}"
            out[base] = fmt(row["estimate"])
            out[f"{base} se"] = fmt(row["std_error"])
            out[f"{base} p"] = p_relation(row["p_value"], fmt)
            if not _nan(row["ci_low"]):
                out[f"{base} ci low"], out[f"{base} ci high"] = fmt(row["ci_low"]), fmt(row["ci_high"])
            if not _nan(row["p_value_permutation"]):
                out[f"{base} permutation p"] = p_relation(row["p_value_permutation"], fmt)
            if ranges is not None and not ranges.empty:
                hit = ranges[(ranges["model_id"] == r.model_id) & (ranges["term"] == term)]
                for _, h in hit.iterrows():
                    out.update({f"{base} {h['assumption']} {k}": v for k, v in reading_numbers(h, fmt).items()})
    return out


def p_relation(p: float, fmt) -> str:
    """A p-value as the text prints it after "p": '= 0.034', or '< 0.001' (never '= 0.000')."""
    return "< 0.001" if float(p) < 0.001 else f"= {fmt(p)}"


def permutation_draws(results: list[ModelResult]) -> int | None:
    for r in results:
        draws = (r.extra.get("permutation") or {}).get("n_permutations")
        if draws:
            return int(draws)
    return None


def _nan(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


# ------------------------------------------------------------------------------------------------
# Prose: one template, two targets
# ------------------------------------------------------------------------------------------------
def latex_macro_name(key: str) -> str:
    """LaTeX macro names are letters only: 'agree_text' -> 'AgreeText', digits spelled out."""
    digits = {"0": "Zero", "1": "One", "2": "Two", "3": "Three", "4": "Four", "5": "Five", "6": "Six",
              "7": "Seven", "8": "Eight", "9": "Nine"}
    words = re.split(r"[^A-Za-z0-9]+", key)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return "".join(digits.get(ch, ch) for ch in name)


@dataclass
class Target:
    """How the prose prints in one output format."""
    name: str                      # "latex" | "html"
    numbers: dict[str, str]
    items: dict[str, Item]
    escape_latex: object = None    # the tables' latex_escape, passed in to avoid a cycle

    def n(self, key: str) -> str:
        if key not in self.numbers:
            raise KeyError(f"prose.j2 quotes the number {key!r}, which report_numbers did not compute")
        if self.name == "latex":
            return f"\\{latex_macro_name(key)}{{}}"
        return html.escape(typeset_minus(self.numbers[key]))

    def has(self, key: str) -> bool:
        return key in self.numbers

    def t(self, text: str) -> str:
        return self.escape_latex(str(text)) if self.name == "latex" else html.escape(typeset_text(str(text)))

    def ref(self, name: str) -> str:
        if name not in self.items:
            raise KeyError(f"prose.j2 refers to {name!r}, which is not a numbered table or figure")
        item = self.items[name]
        word = "Table" if item.kind == "table" else "Figure"
        if self.name == "latex":
            return f"{word}~\\ref{{{item.label}}}"
        return f'<a href="#{item.anchor}">{item.title}</a>'

    def sec(self, sid: str, sections: list[Section]) -> str:
        section = next(s for s in sections if s.id == sid)
        if self.name == "latex":
            return f"Section~\\ref{{sec:{sid}}}"
        return f'<a href="#sec-{sid}">Section {section.number}</a>'


def render_prose(template: Path, target: Target, context: dict) -> dict[str, str]:
    """The prose for one target, split at ``@@ key`` lines into {key: text}; paragraphs (blank-line
    separated) become <p> in HTML."""
    env = environment(template.parent)
    text = env.get_template(template.name).render(n=target.n, has=target.has, t=target.t, ref=target.ref,
                                                   sec=lambda sid: target.sec(sid, context["sections"]),
                                                   target=target.name, **context)
    pieces: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line.startswith("@@ "):
            key = line[3:].strip()
            pieces[key] = ""
        elif key is not None:
            pieces[key] += line + "\n"
    for key, body in pieces.items():
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
        pieces[key] = ("\n\n".join(paragraphs) if target.name == "latex"
                       else "\n".join(f"<p>{p}</p>" for p in paragraphs))
    return pieces
