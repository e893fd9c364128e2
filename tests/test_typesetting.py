"""What a typesetter checks on the page: true minus signs and curly quotes from one function, the
profile-likelihood intervals in their own panel, estimate and SE on one page, unique ids when the
figures are inlined, a codebook without hyphenated identifiers, Figure 6's labels apart, Figure 10's
rows per spec on the probability scale, the front matter and the reference list."""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from gvc_clusters.output import front_matter as fm
from gvc_clusters.output.render import tables as tab
from gvc_clusters.results import ModelResult, estimate_rows

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "workflow" / "templates" / "tables"
MINUS = "\u2212"
# A hyphen used as a number's sign: at the start of a cell or after a space or an opening bracket.
HYPHEN_SIGN = re.compile(r"(^|[\s(\[])-\.?\d")


def test_one_function_typesets_minus_signs_and_leaves_hyphens():
    assert tab.format_number(-1.0484) == f"{MINUS}1.048" and tab.format_number(-0.0001) == "0.000"
    assert tab.typeset_minus("ranges from -1.048 to -0.408 [-0.5, 0.3] (x -2)") == (
        f"ranges from {MINUS}1.048 to {MINUS}0.408 [{MINUS}0.5, 0.3] (x {MINUS}2)")
    kept = "Table 10-2, 1990-2000, scores 0-3, reading 10-2.A, --cores 8"
    assert tab.typeset_minus(kept) == kept
    assert tab.latex_escape("-0.5 and 10-2") == "$-$0.5 and 10-2"


def test_quotes_are_curly_and_one_letter_equations_do_not_break():
    assert tab.typeset_text("header 'Metalworking' (Puebla's)") == "header \u2018Metalworking\u2019 (Puebla\u2019s)"
    assert tab.typeset_text('a "word"') == "a \u201cword\u201d"
    assert tab.latex_escape("CE degree (y = 0)") == "CE degree (y~=~0)"
    assert tab.format_value(1.0) == "1" and tab.format_value(1.8666, 3) == "1.867" and tab.format_value(4.0, 2) == "4"


def _model(model_id="m__product__probit", kind="ordered_probit", profile=True) -> ModelResult:
    rows = [{"role": "coef", "term": "a", "estimate": -0.71, "std_error": 0.5, "p_value": 0.158},
            {"role": "coef", "term": "b", "estimate": 1.2, "std_error": 0.3, "p_value": 0.001},
            {"role": "cutpoint", "term": "0/1", "estimate": -0.4, "std_error": 0.2, "p_value": 0.04}]
    extra = {"profile_ci": {"a": [-1.726, 0.250], "b": [0.6, 1.9]}} if profile else {}
    return ModelResult(model_id=model_id, kind=kind, outcome="product", estimates=estimate_rows(rows), n_obs=34,
                       se_type="model-based", converged=True, extra=extra)


def _numeric_cells(markup: str, latex: bool) -> list[str]:
    if latex:
        rows = [line for line in markup.splitlines() if line.endswith(("\\\\", "\\\\*")) and "&" in line]
        return [c.strip().rstrip("\\*").strip() for line in rows for c in line.split("&")[1:]]
    return re.findall(r"<td[^>]*>([^<]*)</td>", markup)


def test_no_hyphen_minus_in_any_numeric_cell_of_a_table(tmp_path):
    from gvc_clusters.output.report import ordinal_coefficient_table

    table = ordinal_coefficient_table([_model(), _model("m__product__logit", "ordered_logit", profile=False)], "aer")
    html, latex = tab.to_html(table, TABLES), tab.to_latex(table, TABLES)
    cells = _numeric_cells(html, latex=False)
    assert any(c.startswith(MINUS) for c in cells) and not any(HYPHEN_SIGN.search(c) for c in cells)
    latex_cells = _numeric_cells(latex, latex=True)
    assert any(c.startswith("$-$") for c in latex_cells) and not any(HYPHEN_SIGN.search(c) for c in latex_cells)


def test_profile_intervals_sit_in_their_own_panel_under_the_coefficients():
    from gvc_clusters.output.report import PROFILE_HEADING, ordinal_coefficient_table

    table = ordinal_coefficient_table([_model(), _model("m__product__logit", "ordered_logit", profile=False)], "aer")
    assert [p for p, _ in table.panels][:3] == ["coef", "profile", "cutpoint"]
    assert dict(table.panels)["profile"] == PROFILE_HEADING
    rows = table.cells[table.cells["panel"] == "profile"]
    assert list(rows["text"]) == [f"[{MINUS}1.726, 0.250]", "[0.600, 1.900]"] and set(rows["column"]) == {"(1)"}
    assert any("computed in (1), not in (2)" in n for n in table.notes)
    assert not any("Profile-likelihood 95% confidence intervals: (1)" in n for n in table.notes)  # not a note any more


def test_a_long_table_never_breaks_between_an_estimate_and_its_se():
    models = [_model()]
    table = tab.regression_table(models, term_labels={})
    table.long = True
    latex = tab.to_latex(table, TABLES)
    lines = [line for line in latex.splitlines() if "&" in line and line.rstrip().endswith(("\\\\", "\\\\*"))]
    estimate_rows_ = [i for i, line in enumerate(lines) if line.startswith(("a &", "b &"))]
    assert estimate_rows_ and all(lines[i].endswith("\\\\*") for i in estimate_rows_)
    assert all(not line.endswith("\\\\*") for line in lines if line.startswith("Observations"))


def test_inlined_svgs_get_ids_of_their_own_and_keep_their_references():
    from gvc_clusters.output.report import _inline_svg

    svg = ('<?xml version="1.0"?>\n<svg><defs><path id="DejaVuSans-41" d="M0 0"/><clipPath id="p1"><rect/></clipPath>'
           '</defs><g id="figure_1"><use xlink:href="#DejaVuSans-41"/><g clip-path="url(#p1)"/></g></svg>')
    page = _inline_svg(svg, "svg-one") + _inline_svg(svg, "svg-two")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == 6 and len(set(ids)) == 6
    targets = re.findall(r'href="#([^"]+)"', page) + re.findall(r"url\(#([^)]+)\)", page)
    assert targets and set(targets) <= set(ids)
    assert _inline_svg(svg, "svg-one") == _inline_svg(svg, "svg-one")   # deterministic


def test_codebook_sets_identifiers_unhyphenated_and_patterns_in_typewriter():
    from gvc_clusters.output.codebook import IDENTIFIER, latex_fragment

    column = {"name": "sector_group", "type": "category", "field_type": "string", "unit": "none",
              "allowed": "one of traditional_manufacturing, complex_products",
              "constraints": {"enum": ["traditional_manufacturing", "complex_products"]},
              "missing": "never missing", "description": "Sector group (sector_group) of the book."}
    pattern = {**column, "name": "cluster_id", "type": "text", "allowed": "text matching ^[a-z0-9_]+$",
               "constraints": {"pattern": "[a-z0-9_]+"}, "missing": "cell printed empty"}
    tex = latex_fragment([{"name": "t", "csv": "f/t.csv", "description": "A table.", "rows": 2, "key": ["cluster_id"],
                           "columns": [column, pattern]}])
    body = re.sub(r"\\gvcid\{(?:[^{}]|\{\})*\}", "ID", tex)            # every identifier set as one
    plain = body.replace(r"\_\allowbreak{}", "_").replace(r"\_", "_")
    assert not IDENTIFIER.search(plain.split(r"\section", 1)[1].replace("f/t.csv", "")), plain
    assert r"\gvcid{\textasciicircum{}[a-z0-9\_\allowbreak{}]+\$}" in tex    # the caret a character, not an accent
    assert r"\hyphenchar\font=-1" in tex and r"\emph{Missing:} cell printed empty" in tex
    assert r">{\raggedright\arraybackslash}X" in tex                        # ragged right: no underfull boxes


def test_readable_titles_spell_the_ocrs_marks():
    from gvc_clusters.output.replication_readme import readable_title

    assert readable_title(r"Basic Balance Sheet Information on Segusino, 1995–2000 (US\$ millions)") == (
        "Basic Balance Sheet Information on Segusino, 1995–2000 (US$ millions)")
    assert "°" not in readable_title("Puebla's Exports of Wooden Furniture, 1993–99°")
    assert readable_title("Production, 1990–2000") == "Production, 1990–2000"


def test_front_matter_is_deterministic_and_the_book_is_in_italics():
    versions = {"gvc_clusters": "0.1.0", "statsmodels": "0.14.5"}
    front = fm.front_matter({"paper": {"pdf": "auto"}}, versions)
    assert front["date"] == "Replication package version 0.1.0" and front["author"] == fm.DEFAULT_AUTHOR
    assert fm.front_matter({"paper": {"date": "March 2026", "author": "A. B."}}, versions)["date"] == "March 2026"
    latex = fm.references_latex(versions, tab.latex_escape)
    assert latex.count(r"\bibitem") == len(fm.REFERENCES) and r"\emph{Upgrading to Compete: Global" in latex
    assert "Version 0.14.5 used here." in latex and "McCullagh" in latex and "Mölder" in latex
    html = fm.references_html(versions)
    assert html.count("<li id=\"ref-") == len(fm.REFERENCES) and "<em>Econometrica</em>" in html
    assert fm.italic_titles("the book Upgrading to Compete (IDB)", "html") == "the book <em>Upgrading to Compete</em> (IDB)"
    assert fm.italic_titles(r"\emph{Upgrading to Compete}", "latex") == r"\emph{Upgrading to Compete}"


def _cluster_frame(functional_missing=("b",)):
    rows = [("a", "traditional_manufacturing", "A", "X", 1.0), ("b", "traditional_manufacturing", "B", "Y", 2.0),
            ("c", "traditional_manufacturing", "C", "Z", 0.5), ("d", "complex_products", "D", "W", 3.0)]
    frame = pd.DataFrame(rows, columns=["cluster_id", "sector_group", "location", "country",
                                        "functional_upgrading_0to3"])
    frame.loc[frame["cluster_id"].isin(functional_missing), "functional_upgrading_0to3"] = np.nan
    return frame


def test_figure_2_says_what_its_means_leave_out():
    from gvc_clusters.output.render.figures import missing_score_note

    note = missing_score_note(_cluster_frame(), ["functional_upgrading_0to3"])
    assert "B (Y), functional upgrading" in note and "1.5/2 = 0.75" in note and "1.5/3 = 0.50" in note
    moved = missing_score_note(_cluster_frame(("c",)), ["functional_upgrading_0to3"])
    assert "C (Z)" in moved and "3/2 = 1.50" in moved and moved != note      # the note follows the data
    assert missing_score_note(_cluster_frame(()), ["functional_upgrading_0to3"]) == ""


def _label_boxes(figure):
    """Per panel with labels: the drawn extents (display units) of its point labels and its own."""
    renderer = figure.canvas.get_renderer()
    out = []
    for ax in figure.axes:
        if not ax.axison:
            continue
        labels = [t for t in ax.texts if t.get_text() and t.get_transform() is ax.transData]
        out.append((ax.get_window_extent(renderer), [(t.get_text(), t.get_window_extent(renderer)) for t in labels]))
    return out


def test_figure_6_labels_do_not_overlap_and_stay_inside_their_panel():
    """The label boxes as drawn (their text extents on the canvas): none overlaps another of its
    panel, none crosses its panel's edge (9-2 (a): Sweden and Germany sit almost on one point)."""
    from conftest import ensure_built

    from gvc_clusters.analysis.export_performance import classify_amighini
    from gvc_clusters.output.render.figures import POINT_LABEL_SIZE, figure_export_quadrants

    processed = ROOT / "data/processed/trade/export_performance.parquet"
    if not processed.exists():
        ensure_built()
    perf = pd.read_parquet(processed)
    figure = figure_export_quadrants(classify_amighini(perf), perf)
    panels = _label_boxes(figure)
    assert len(panels) == 7 and sum(len(labels) for _, labels in panels) > 30
    for panel, labels in panels:
        for k, (name, box) in enumerate(labels):
            assert panel.x0 - 1 <= box.x0 and box.x1 <= panel.x1 + 1 and panel.y0 - 1 <= box.y0 and box.y1 <= panel.y1 + 1, name
            for other, second in labels[k + 1:]:
                assert not box.overlaps(second), (name, other)
    assert figure.get_size_inches()[0] == 6.5 and POINT_LABEL_SIZE >= 7   # 7-point labels at the text width


def _reading_frame():
    from gvc_clusters.models.reading_views import DISTRIBUTION_COLUMNS

    rows = []
    for spec, outcome, role in (("ce", "product", "ame"), ("ce", "process", "ame"), ("types", "product", "ame"),
                                ("panel", "score", "coef")):
        for assumption, label, method in (("A", "glyph-consistent", "enumerated"), ("B", "checksums only", "sampled")):
            rows.append([spec, outcome, f"{spec}__{outcome}", role, "ce_level", assumption, label, method, 6912, 200,
                         201, 0.2, 0.05, -0.1, 0.1, 0.2, 0.25, 0.4])
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


def test_figure_10_is_one_block_per_spec_on_the_probability_scale_without_reading_ids():
    from gvc_clusters.output.draw import READING_SCALES, reading_assumption_labels
    from gvc_clusters.output.render.figures import figure_reading_distributions

    frame = _reading_frame()
    labels = reading_assumption_labels(frame)
    assert labels == {"A": "glyph-consistent (A): all 6,912 readings",
                      "B": "checksums only (B): 200 sampled of 6,912 readings"}
    figure = figure_reading_distributions(
        frame, spec_labels={"ce": "CE and governance", "types": "Types", "panel": "Panel"},
        outcome_labels={"product": "Product upgrading", "process": "Process upgrading", "score": "Score"},
        term_labels={"ce_level": "CE degree"}, scale_labels=READING_SCALES, assumption_labels=labels)
    titles = [sub._suptitle.get_text() for sub in figure.subfigs]
    assert titles == ["CE and governance", "Types", "Panel"]          # one block per spec, labelled by it
    assert [len(sub.axes) for sub in figure.subfigs] == [2, 1, 1]       # one panel per outcome of the spec
    assert figure.subfigs[0]._supxlabel.get_text() == READING_SCALES["ame"]
    assert "probability" in READING_SCALES["ame"]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert not any(re.search(r"\d+-\d+\.[A-Z]", t) for t in legend) and len(legend) == 3
    assert figure.get_size_inches()[0] == 6.5 and figure.get_size_inches()[1] < 9.0   # fits the text block


def test_model_notes_print_true_minus_signs_and_curly_quotes():
    from gvc_clusters.output.report import typeset_model_notes

    view = typeset_model_notes({"columns": ["Product, 'probit'"], "rows": [("Range", ["-0.711 to 0.2"])],
                                "notes": ["Product: origins x years [1992, 2001]; growth -0.711."]})
    assert view == {"columns": ["Product, \u2018probit\u2019"], "rows": [("Range", [f"{MINUS}0.711 to 0.2"])],
                    "notes": [f"Product: origins x years [1992, 2001]; growth {MINUS}0.711."]}
