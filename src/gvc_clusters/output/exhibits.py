"""The report's tables and figures: one registry, read by every place that needs to know about one.

An ``Exhibit`` says everything about one table or figure: its name (the file stem under
results/report/{tables,figures}), its kind, caption and LaTeX label, the chapter ``snakemake --report``
files it under, the document section it goes in, the sources it is computed from (keys of
``SOURCES`` or of one spec's result files), the function of gvc_clusters/output/draw.py that draws it
and the rule that writes it. Who reads the registry:

* the workflow plan (gvc_clusters.workflow_plan): what render_tables, render_figures and render_report
  declare as inputs and outputs, and the README's catalog of numbered exhibits;
* the renderers (gvc_clusters.output.draw ``write_tables`` / ``write_figures``): one drawer per exhibit,
  handed exactly the files the exhibit lists;
* the document plan (gvc_clusters.output.render.document ``document_plan``): sections and numbering,
  the same in the paper and on the web page.

The book's own exhibits are ``BOOK_EXHIBITS``, in reading order. A model spec's exhibits come from
``spec_exhibits``: where they go (chapter, section, whether the spec states one of the book's claims)
is its built-in panel's registry entry (models/book_panels.py: ``chapter``, ``section``, ``claim``), or, for an
ordered model or a user's own table, the claims section; never the spec's name, so renaming a spec
or adding a second spec on a built-in panel moves nothing.

Adding a figure: one entry in ``BOOK_EXHIBITS`` and its drawing function in output/draw.py. Adding a
table: the same (a drawer that returns a ``render.tables.Table``).

Light on purpose (no pandas): the workflow imports it when it builds its DAG.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from gvc_clusters.layout import processed_file
from gvc_clusters.vocabulary import CHAPTER10_TABLES, DEFAULT, Vocabulary, table_file_stem

# The document's sections, in reading order (id, title); the appendix last.
SECTIONS = (
    ("data", "Data and transcription"),
    ("chapter10", "Chapter 10: upgrading and governance in the clusters"),
    ("claims", "The book's claims, estimated"),
    ("chapter9", "Chapter 9: export performance"),
    ("trade_flows", "Chapter 9 on your own trade data"),
    ("cases", "The case studies of chapters 2, 4 and 5"),
    ("robustness", "Robustness"),
    ("appendix", "Appendix: full tables"),
)
SECTION_IDS = tuple(sid for sid, _ in SECTIONS)
# Sections printed only when an exhibit is placed in them (the user's trade flows: config trade_flows).
OPTIONAL_SECTIONS = {"trade_flows"}

# snakemake --report groups exhibits by the chapter whose evidence they show. Chapter numbers are
# zero-padded: Snakemake's report menu sorts categories as text, and "Chapter 02" must come first.
CHAPTERS = {2: "Chapter 02: Nicaraguan dairy", 4: "Chapter 04: Chilean salmon", 5: "Chapter 05: Mexican furniture",
            9: "Chapter 09: export performance", 10: "Chapter 10: clusters"}
CHAPTER_2, CHAPTER_4, CHAPTER_5, CHAPTER_9, CHAPTER_10 = CHAPTERS.values()

# The files a book exhibit may be computed from: key -> (root, path under it). Roots are the
# config's folders: "processed" (processed_dir), "results" (results_dir), "raw" (raw_dir).
SOURCES = {
    **{table: ("processed", processed_file(table)) for table in (
        "model_dataset", "export_performance", "salmon_production", "dairy_milk", "mexico_furniture_exports",
        "puebla_furniture_exports")},
    "classification": ("results", "classification/classification.csv"),
    "replication_check": ("results", "replication/replication_check.csv"),
    **{table_file_stem(t): ("results", f"replication/{table_file_stem(t)}.csv") for t in CHAPTER10_TABLES},
    "sources_manifest": ("raw", "sources.yaml"),
    "trade_flows_summary": ("results", "trade_flows/summary.csv"),
    "reading_summary": ("results", "models/readings/reading_summary.csv"),
    "claim_verdicts": ("results", "claims/verdicts.csv"),
    "reading_estimates": ("results", "models/readings/reading_estimates.csv"),
}
# A spec's result files an exhibit may read (the source key is "<kind>__<spec>__<file>").
SPEC_FILES = ("estimates", "models")

RENDERING_RULE = {"table": "render_tables", "figure": "render_figures"}


@dataclass(frozen=True)
class Exhibit:
    name: str                             # file stem under results/report/{tables,figures}
    kind: Literal["table", "figure"]
    caption: str
    chapter: str                          # snakemake --report category
    section: str                          # one of SECTION_IDS
    sources: tuple[str, ...]              # keys of SOURCES, or "<kind>__<spec>__<file>"
    draw: str                             # its function in gvc_clusters/output/draw.py
    spec: str = ""                        # the model spec it shows
    claim: bool = False                   # one of the book's claims: a subsection of its own
    label: str = ""                       # LaTeX label and HTML anchor; default tab:<name> / fig:<name>
    rule: str = ""                        # the rule that writes it; default by kind (RENDERING_RULE)
    describes: str = ""                   # what it shows, as its section's text cites it (spec tables)

    def __post_init__(self):
        object.__setattr__(self, "sources", tuple(self.sources))   # a record's list comes back a tuple
        if self.section not in SECTION_IDS:
            raise ValueError(f"exhibit {self.name}: unknown section {self.section!r}; expected one of {SECTION_IDS}")
        if not self.label:
            object.__setattr__(self, "label", f"{'tab' if self.kind == 'table' else 'fig'}:{self.name}")
        if not self.rule:
            object.__setattr__(self, "rule", RENDERING_RULE[self.kind])

    @property
    def function(self) -> str:
        """The drawing function's full name (for the replication README)."""
        return f"gvc_clusters.output.draw.{self.draw}"

    def record(self) -> dict:
        """Plain data (a rule's params; ``Exhibit(**record)`` gives it back)."""
        return {**asdict(self), "sources": list(self.sources)}


def _book_table(number: str, caption: str, section: str = "chapter10") -> Exhibit:
    name = table_file_stem(number)
    return Exhibit(name, "table", caption, CHAPTER_10, section, (name, "replication_check"), "chapter10_table",
                   label=f"tab:{number}")


# The book's exhibits, in reading order within each section.
BOOK_EXHIBITS: tuple[Exhibit, ...] = (
    _book_table("10-2", "Governance of the clusters' value chains (Table 10-2, reproduced)"),
    Exhibit("governance_by_sector", "figure", "Value-chain governance by sector (Table 10-2)", CHAPTER_10,
            "chapter10", ("model_dataset",), "governance_by_sector"),
    _book_table("10-4", "Upgrading in traditional manufacturing clusters (Table 10-4, reproduced)"),
    _book_table("10-5", "Upgrading in natural-resource-based clusters (Table 10-5, reproduced)"),
    _book_table("10-6", "Upgrading in complex-product clusters (Table 10-6, reproduced)"),
    Exhibit("upgrading_by_sector_ce", "figure", "Mean upgrading scores by sector group and CE degree, over the "
            "clusters with each score (Tables 10-4–10-6)",
            CHAPTER_10, "chapter10", ("model_dataset",), "upgrading_by_sector_ce"),
    Exhibit("claims_verdicts", "table", "Table 10-3, tested: the book's claims and their verdicts", CHAPTER_10,
            "claims", ("claim_verdicts",), "claims_verdicts", label="tab:claims-verdicts"),
    Exhibit("export_quadrants", "figure", "Chapter 9: market-share change vs unit-value change", CHAPTER_9,
            "chapter9", ("classification", "export_performance"), "export_quadrants"),
    Exhibit("salmon", "figure", "Chilean salmon: production and exports (Table 4-1)", CHAPTER_4, "cases",
            ("salmon_production",), "salmon"),
    Exhibit("dairy", "figure", "Nicaragua: milk production, collection and pasteurization (Table 2-2)", CHAPTER_2,
            "cases", ("dairy_milk",), "dairy"),
    Exhibit("furniture", "figure", "Mexican and Puebla furniture exports (Tables 5-1, 5-2)", CHAPTER_5, "cases",
            ("mexico_furniture_exports", "puebla_furniture_exports"), "furniture"),
    Exhibit("reading_ranges", "figure", "Key estimates over the readings of the OCR's uncertain cells, by assumption: "
            "the ordered models' effects on the probability of the top upgrading category and the panel's "
            "coefficients. Per assumption a box (the middle half of its readings, weighted as the shares), a line "
            "(the median) and whiskers (smallest to largest); the default reading a black diamond, its 95% "
            "interval a grey bar",
            CHAPTER_10, "robustness", ("reading_summary", "reading_estimates"), "reading_ranges"),
    Exhibit("replication_check", "table", "Replication check: printed and reproduced numbers", CHAPTER_10,
            "appendix", ("replication_check",), "replication_check", label="tab:replication-check"),
    Exhibit("classification", "table", "Export performance classified (Tables 9-2 and 9-4)", CHAPTER_9,
            "appendix", ("classification",), "classification", label="tab:chapter9-classification"),
    Exhibit("provenance", "table", "Raw tables: transcribed as printed, checked by SHA-256 before use", CHAPTER_10,
            "appendix", ("sources_manifest",), "provenance", rule="render_report"),
)


# Chapter 9 on the user's own trade flows (config trade_flows.enabled): a summary and one figure of
# the product groups that have data.
TRADE_FLOWS_EXHIBITS: tuple[Exhibit, ...] = (
    Exhibit("trade_flows_groups", "figure",
            "Your trade flows: exporter-products by outcome and product group (chapter 9's text rule)", CHAPTER_9,
            "trade_flows", ("trade_flows_summary",), "trade_flows_groups"),
    Exhibit("trade_flows_summary", "table", "Your trade flows classified, by product group and rule", CHAPTER_9,
            "trade_flows", ("trade_flows_summary",), "trade_flows_summary"),
)


@dataclass(frozen=True)
class Placement:
    """Where a spec's exhibits go (each built-in panel's registry entry says where its go)."""
    chapter: str
    section: str
    claim: bool


CLAIM = Placement(CHAPTER_10, "claims", True)   # ordered models and users' own tables


def spec_source(kind: str, spec: str, file: str) -> str:
    return f"{kind}__{spec}__{file}"


def spec_exhibits(kind: Literal["ordinal", "panel"], name: str, spec: dict,
                  vocabulary: Vocabulary = DEFAULT) -> list[Exhibit]:
    """The exhibits of one model spec: its table (an ordinal spec's effects table too, in the
    appendix) and, for a claim, its coefficient figure. Placement comes from its built-in panel's
    registry entry (never from its name)."""
    from gvc_clusters.models.book_panels import builtin_panel

    entry = builtin_panel(spec) if kind == "panel" else None
    where = Placement(CHAPTERS[entry.chapter], entry.section, entry.claim) if entry is not None else CLAIM
    files = (spec_source(kind, name, "estimates"), spec_source(kind, name, "models"))
    words = spec_wording(kind, spec, vocabulary.with_spec_labels(spec.get("labels")))
    label = vocabulary.spec(name)
    common = {"chapter": where.chapter, "spec": name, "claim": where.claim}
    if kind == "ordinal":
        out = [Exhibit(f"ordinal_{name}", "table", f"Ordered models of {words['outcome']}: {label}",
                       section=where.section, sources=files, draw="ordinal_coefficients_table", **common),
               Exhibit(f"ordinal_{name}_ame", "table", f"Average marginal effects on each {words['category']}: {label}",
                       section="appendix", sources=files, draw="ordinal_effects_table",
                       **{**common, "claim": False})]
        caption = (f"{label}: average marginal effects on the top {words['category']} "
                   f"(ordered {words['link']}, 95% intervals)")
        figure = (caption, "ordinal_coefficients")
    else:
        descriptive = entry is not None and entry.descriptive is not None
        out = [Exhibit(f"panel_{name}", "table", f"Panel models: {label}" + (" (descriptive)" if descriptive else ""),
                       section=where.section, sources=files, draw="panel_table",
                       describes=entry.describes if entry is not None else "", **common)]
        figure = (f"{label}: coefficients with 95% intervals", "panel_coefficients")
    if where.claim:
        out.append(Exhibit(f"coefficients_{name}", "figure", figure[0], section=where.section, sources=files,
                           draw=figure[1], **common))
    return out


# The book's wording of its ordered models (its specs model upgrading scores).
BOOK_WORDING = {"outcome": "upgrading", "category": "upgrading category", "link": "probit"}


def spec_wording(kind: str, spec: dict, vocabulary: Vocabulary) -> dict[str, str]:
    """How captions name a spec's outcome: the book's wording for the book's specs; a user table's
    outcome labels (its own ``labels:`` first) and its first link otherwise."""
    if "table" not in spec:
        return dict(BOOK_WORDING)
    outcomes = spec_outcomes(kind, spec)
    named = " and ".join(vocabulary.outcome(o).lower() if o not in (spec.get("labels") or {}) else
                         vocabulary.outcome(o) for o in outcomes) or "the outcome"
    return {"outcome": named, "category": f"category of {named}", "link": (spec.get("links") or ["probit"])[0]}


def spec_outcomes(kind: str, spec: dict) -> list[str]:
    """The outcome columns a user's spec names (or its formula's left-hand side)."""
    if "formula" in spec:
        return [spec["formula"].split("~", 1)[0].strip()]
    return list(spec.get("outcomes") or []) if kind == "ordinal" else [spec["outcome"]] if "outcome" in spec else []


def report_exhibits(ordinal: dict[str, dict], panel: dict[str, dict], vocabulary: Vocabulary = DEFAULT, *,
                    trade_flows: bool = False) -> list[Exhibit]:
    """Every exhibit of the report: the book's, then each spec's (ordinal specs first), then the user's
    trade flows' when ``trade_flows``. ``ordinal``/``panel``: spec name -> its (validated) config."""
    own = [e for kind, specs_ in (("ordinal", ordinal), ("panel", panel)) for name, spec in specs_.items()
           for e in spec_exhibits(kind, name, spec, vocabulary)]
    return [*BOOK_EXHIBITS, *own, *(TRADE_FLOWS_EXHIBITS if trade_flows else ())]


def of_kind(exhibits: list[Exhibit], kind: str, rule: str | None = None) -> list[Exhibit]:
    """The exhibits of one kind (and, if given, written by one rule), in registry order."""
    return [e for e in exhibits if e.kind == kind and (rule is None or e.rule == rule)]


def source_path(key: str, folders: dict[str, str], model_file) -> str:
    """The path of a source key. ``folders``: root -> folder (processed, results, raw);
    ``model_file(kind, spec, file)``: a spec's result file."""
    if key in SOURCES:
        root, path = SOURCES[key]
        return f"{folders[root]}/{path}"
    kind, rest = key.split("__", 1)
    spec, file = rest.rsplit("__", 1)
    return model_file(kind, spec, file)
