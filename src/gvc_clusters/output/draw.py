"""One drawing function per exhibit of the registry (gvc_clusters.output.exhibits), and the two rules'
entry points that call them: ``write_tables`` (render_tables) and ``write_figures`` (render_figures).

A drawer takes the exhibit's ``Sources`` (exactly the files its registry entry lists, by key, with the
vocabulary and the table options) and returns a matplotlib figure or a ``render.tables.Table``. A
drawer asking for a file its entry does not list fails, naming both: the registry, the rule's
declared inputs and what a drawer reads cannot drift apart.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gvc_clusters.io import read_parquet
from gvc_clusters.output import report
from gvc_clusters.output.exhibits import Exhibit, of_kind, spec_source
from gvc_clusters.output.render import document as doc
from gvc_clusters.output.render import figures as fig
from gvc_clusters.output.render import tables as tab
from gvc_clusters.results import ModelResult
from gvc_clusters.vocabulary import CHAPTER10_TABLES, DEFAULT, Vocabulary, table_file_stem


@dataclass
class Sources:
    """The files one exhibit is computed from (source key -> path), and how to print it."""
    exhibit: Exhibit
    paths: dict[str, str]
    vocabulary: Vocabulary = field(default_factory=lambda: DEFAULT)
    options: dict = field(default_factory=dict)   # tables: preset, under

    def path(self, key: str) -> str:
        if key not in self.exhibit.sources:
            raise KeyError(f"the drawer of {self.exhibit.name} reads {key!r}, which its registry entry "
                           f"(gvc_clusters.output.exhibits) does not list: {list(self.exhibit.sources)}")
        return self.paths[key]

    def parquet(self, key: str) -> pd.DataFrame:
        return read_parquet(self.path(key))

    def csv(self, key: str, **options) -> pd.DataFrame:
        return pd.read_csv(self.path(key), **options)

    def spec_results(self) -> list[ModelResult]:
        """The fitted models of the exhibit's spec (its estimates.csv and models.json)."""
        kind = "ordinal" if self.exhibit.draw.startswith("ordinal") else "panel"
        return report.load_spec_results(self.path(spec_source(kind, self.exhibit.spec, "estimates")),
                                        self.path(spec_source(kind, self.exhibit.spec, "models")))


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

def upgrading_by_sector_ce(src: Sources):
    return fig.figure_upgrading(src.parquet("model_dataset"))


def governance_by_sector(src: Sources):
    return fig.figure_governance(src.parquet("model_dataset"))


def export_quadrants(src: Sources):
    classified = src.csv("classification")
    default_rule = classified["rule_variant"].iloc[0]
    return fig.figure_export_quadrants(classified[classified["rule_variant"] == default_rule],
                                       src.parquet("export_performance"),
                                       legend_title=f"Outcome, {tab.VARIANT_LABELS.get(default_rule, default_rule)}")


def salmon(src: Sources):
    return fig.figure_salmon(src.parquet("salmon_production"))


def dairy(src: Sources):
    return fig.figure_dairy(src.parquet("dairy_milk"))


def furniture(src: Sources):
    return fig.figure_furniture(src.parquet("mexico_furniture_exports"), src.parquet("puebla_furniture_exports"))


# The readings figure's x axes: effects on a probability where the summary has them, else coefficients.
READING_SCALES = {"ame": "Effect on the probability of the top category (average marginal effect)",
                  "coef": "Coefficient, in the outcome's units"}


def reading_ranges(src: Sources):
    """Figure 10: the key estimates' distribution over the readings of each assumption, one block per
    spec, one panel per outcome, one row per term (models.reading_views.distribution_frame)."""
    from gvc_clusters.models.reading_views import distribution_frame, read_summary, within_group_rows

    frame = within_group_rows(distribution_frame(read_summary(src.path("reading_summary")),
                                                 src.csv("reading_estimates")))
    vocabulary = src.vocabulary
    return fig.figure_reading_distributions(
        frame, spec_labels={s: vocabulary.spec(s) for s in frame["spec"]},
        outcome_labels={o: vocabulary.outcome(o) for o in frame["outcome"]},
        # long labels (an effect within a sector group) on two lines, so every block's panels keep their width
        term_labels={t: textwrap.fill(vocabulary.variable(t), 32) for t in frame["term"]}, scale_labels=READING_SCALES,
        assumption_labels=reading_assumption_labels(frame))


def reading_assumption_labels(frame: pd.DataFrame) -> dict[str, str]:
    """assumption -> "glyph-consistent (A): all 6,912 readings" / "checksums only (B): 200 sampled of
    22,629,472,588,800 readings": what each colour is, and the readings behind it."""
    from gvc_clusters.models.reading_design import ENUMERATED

    out = {}
    for r in frame.drop_duplicates("assumption").itertuples(index=False):
        how = (f"all {int(r.set_size):,} readings" if r.method == ENUMERATED
               else f"{int(r.n_readings):,} sampled of {int(r.set_size):,} readings")
        out[str(r.assumption)] = f"{r.assumption_label} ({r.assumption}): {how}"
    return out


def ordinal_coefficients(src: Sources):
    """One ordinal spec: AMEs on the top category of each outcome (main link), outcomes as series."""
    results = doc.main_results(src.spec_results())
    top = []
    for r in _top_category_ames(results):  # the top category differs by outcome: one row per regressor
        estimates = r.estimates.copy()
        estimates.loc[estimates["role"] == "ame", "category"] = ""
        top.append(ModelResult(**{**r.__dict__, "estimates": estimates}))
    vocabulary = src.vocabulary
    terms = vocabulary.term_labels(t for r in top for t in r.estimates["term"])
    figure = fig.figure_coefficients(top, role="ame", term_labels=terms,
                                     model_labels=[vocabulary.outcome(r.outcome) for r in top])
    # Two lines: at 6.5 in wide one line overran the right edge of the long-labelled figure.
    user = any("user_table" in r.extra for r in results)
    figure.axes[0].set_xlabel("Average marginal effect on the probability\nof the top "
                              + ("category" if user else "upgrading category"))
    return figure


def panel_coefficients(src: Sources):
    """One panel spec: every estimator's coefficients on the claim's terms, estimators as series."""
    results = src.spec_results()
    terms = list(dict.fromkeys(t for r in results for t in doc.key_terms(r)))
    return fig.figure_coefficients(results, terms=terms, term_labels=src.vocabulary.term_labels(terms),
                                   model_labels=[src.vocabulary.kind(r.kind) for r in results])


def trade_flows_groups(src: Sources):
    """The user's trade flows: one bar per product group that has data, under the first rule."""
    summary = _trade_flow_summary(src)
    return fig.figure_trade_flow_groups(summary, summary["rule_variant"].iloc[0], _group_labels(summary))


def _trade_flow_summary(src: Sources) -> pd.DataFrame:
    return src.csv("trade_flows_summary", dtype={"group": str}, keep_default_na=False, na_values=[""])


def _group_labels(summary: pd.DataFrame) -> dict[str, str]:
    """group -> 'XI Textiles (1,234)': the groups with data, in HS order, with their exporter-products."""
    from gvc_clusters.analysis.trade_flows import HS_SECTIONS, product_groups

    group_by = "chapter" if summary["group"].str.fullmatch(r"\d{2}").all() else "section"
    first = summary[summary["rule_variant"] == summary["rule_variant"].iloc[0]]
    sizes = first.groupby("group")["exporter_products"].sum()
    names = {s: label for s, _, _, label in HS_SECTIONS} if group_by == "section" else {}
    return {g: (f"{g} {names[g]}" if names else f"HS chapter {g}") + f" ({int(sizes[g]):,})"
            for g in product_groups(group_by) if g in sizes.index}


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


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def chapter10_table(src: Sources) -> tab.Table:
    """Table 10-2, 10-4, 10-5 or 10-6 as reproduced, with its replication check in the notes."""
    table_id = next(t for t in CHAPTER10_TABLES if table_file_stem(t) == src.exhibit.name)
    return tab.chapter10_table(src.csv(src.exhibit.name), table_id,
                               check=src.csv("replication_check", dtype={"row": str}), preset=src.options["preset"])


def replication_check(src: Sources) -> tab.Table:
    return tab.replication_check_table(src.csv("replication_check", dtype={"row": str}), preset=src.options["preset"])


def classification(src: Sources) -> tab.Table:
    return tab.classification_table(src.csv("classification"), preset=src.options["preset"])


def ordinal_coefficients_table(src: Sources) -> tab.Table:
    return report.ordinal_coefficient_table(src.spec_results(), src.options["preset"], src.options["under"],
                                            src.vocabulary)


def ordinal_effects_table(src: Sources) -> tab.Table:
    return report.ordinal_effects_table(src.spec_results(), src.options["preset"], src.options["under"],
                                        src.vocabulary)


def panel_table(src: Sources) -> tab.Table:
    return report.panel_table(src.spec_results(), src.options["preset"], src.options["under"], src.vocabulary)


# The table's short headers and rule names (a note spells them out): eight columns fit the page.
TRADE_FLOW_HEADERS = {"upgrading": "Upgr.", "shift_to_higher_quality_segments": "Higher q.",
                      "downgrading_immiserizing_growth": "Downgr.", "withdrawal": "Withdr.", "ambiguous": "Ambig.",
                      "not_upgrading_subclass_undetermined": "Not upgr.", "not_classifiable": "n.c."}
TRADE_FLOW_RULES = {"text": "Text's rule", "printed": "Table 9-1 rule", "kaplinsky_readman": "Kaplinsky–Readman"}


def trade_flows_summary(src: Sources) -> tab.Table:
    """Per product group with data and rule: exporter-products and their shares by outcome class."""
    summary = _trade_flow_summary(src)
    labels = _group_labels(summary)
    summary = summary.assign(outcome_class=summary["outcome"].map(fig.trade_flow_class))
    shares = (summary.pivot_table(index=["group", "rule_variant"], columns="outcome_class", values="share_pct",
                                  aggfunc="sum", fill_value=0.0, sort=False)
              .reindex(columns=list(fig.TRADE_FLOW_CLASSES), fill_value=0.0))
    counts = summary.groupby(["group", "rule_variant"], sort=False)["exporter_products"].sum()
    frame = shares.assign(exporter_products=counts).reset_index()
    rules = list(dict.fromkeys(summary["rule_variant"]))
    frame["_g"] = frame["group"].map({g: n for n, g in enumerate(labels)})
    frame["_r"] = frame["rule_variant"].map({r: n for n, r in enumerate(rules)})
    frame = frame.sort_values(["_g", "_r"], kind="stable")
    frame["rule"] = frame["rule_variant"].map(lambda r: TRADE_FLOW_RULES.get(r, r))
    columns = {"exporter_products": "Pairs", **{cls: TRADE_FLOW_HEADERS[cls] for cls in fig.TRADE_FLOW_CLASSES}}
    spelled = "; ".join(f"{TRADE_FLOW_HEADERS[c]} {label}" for c, label in fig.TRADE_FLOW_CLASSES.items())
    note = (f"Pairs: exporter-products of the group (in brackets after its name). The other columns are the shares "
            f"(%) of the group's pairs by outcome class: {spelled}. The classes match the three schemes' outcomes as "
            "in chapter 9 (the text's rule, Table 9-1 as printed, Kaplinsky–Readman). Groups without "
            "exporter-products are left out.")
    return tab.descriptive_table(frame, preset=src.options["preset"], columns=columns, stub="rule", stub_header="Rule",
                                 panel="group", panel_labels=labels, notes=[note],
                                 digits={"exporter_products": 0, **dict.fromkeys(fig.TRADE_FLOW_CLASSES, 1)})


def claims_verdicts(src: Sources) -> tab.Table:
    """"Table 10-3, tested": the book's claims, one row each, with their verdicts."""
    return report.claims_verdict_table(report.read_claim_verdicts(src.path("claim_verdicts")), src.options["preset"])


def provenance(src: Sources) -> tab.Table:
    from gvc_clusters.output.replication_readme import raw_files

    return report.provenance_table(raw_files(src.path("sources_manifest")))


# ----------------------------------------------------------------------------------------------
# The rules' entry points
# ----------------------------------------------------------------------------------------------

def drawer(exhibit: Exhibit):
    """The function that draws an exhibit: its registry entry's ``draw``, a public function of this
    module (nothing else it imports or keeps privately can be named)."""
    function = globals().get(exhibit.draw)
    is_drawer = (inspect.isfunction(function) and function.__module__ == __name__
                 and not exhibit.draw.startswith("_") and exhibit.draw not in NOT_DRAWERS)
    if not is_drawer:
        raise LookupError(f"exhibit {exhibit.name}: no drawing function {exhibit.function}")
    return function


def draw_table(exhibit: Exhibit, inputs: dict[str, str], *, preset: str, under: str = "se",
               vocabulary: Vocabulary = DEFAULT, spec_labels: dict | None = None) -> tab.Table:
    """One table, with its caption and label from the registry (the one place they are written).
    ``spec_labels``: a user spec's own ``labels:`` by spec (config), on top of ``vocabulary``."""
    vocabulary = vocabulary.with_spec_labels((spec_labels or {}).get(exhibit.spec))
    table = drawer(exhibit)(Sources(exhibit, inputs, vocabulary, {"preset": preset, "under": under}))
    table.title, table.label = exhibit.caption, exhibit.label
    return table


def write_tables(*, exhibits: list[Exhibit], inputs: dict[str, str], out_dir: str, template_dir: str,
                 preset: str, under: str = "se", labels: dict | None = None, spec_labels: dict | None = None) -> None:
    """Every table render_tables writes, as LaTeX, HTML and CSV. ``inputs``: source key -> path (the
    rule's declared inputs); ``under``: what prints under each coefficient (se | ci | p); ``labels``:
    config ``labels:`` (overrides of the vocabulary); ``spec_labels``: each user spec's ``labels:``."""
    vocabulary = DEFAULT.with_overrides(labels)
    for exhibit in of_kind(exhibits, "table", rule="render_tables"):
        table = draw_table(exhibit, inputs, preset=preset, under=under, vocabulary=vocabulary,
                           spec_labels=spec_labels)
        tab.write_table(table, Path(out_dir) / exhibit.name, template_dir=Path(template_dir))


def write_figures(*, exhibits: list[Exhibit], inputs: dict[str, str], out_dir: str,
                  labels: dict | None = None, spec_labels: dict | None = None) -> None:
    """Every figure, as SVG and PNG. ``inputs``: source key -> path (the rule's declared inputs);
    ``labels``/``spec_labels``: as for ``write_tables``."""
    vocabulary = DEFAULT.with_overrides(labels)
    for exhibit in of_kind(exhibits, "figure"):
        own = vocabulary.with_spec_labels((spec_labels or {}).get(exhibit.spec))
        fig.save_figure(drawer(exhibit)(Sources(exhibit, inputs, own)), Path(out_dir) / exhibit.name)


NOT_DRAWERS = {"drawer", "draw_table", "write_tables", "write_figures"}   # this module's entry points
