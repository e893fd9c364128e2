"""Tables and figures: one renderer over the result record, deterministic bytes, the book's tables."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ensure_built

from gvc_clusters.output.render import (
    chapter10_table,
    classification_table,
    descriptive_table,
    figure_coefficients,
    figure_dairy,
    figure_export_quadrants,
    figure_furniture,
    figure_governance,
    figure_reading_distributions,
    figure_salmon,
    figure_upgrading,
    get_preset,
    regression_table,
    replication_check_table,
    save_figure,
    to_csv_frame,
    to_html,
    to_latex,
    write_table,
)
from gvc_clusters.output.render.tables import format_count, format_number, latex_escape, stars_for
from gvc_clusters.results import ModelResult, estimate_rows

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "workflow" / "templates" / "tables"  # the table templates (a rule input)
PROCESSED = ROOT / "data" / "processed"
REPLICATION = ROOT / "results" / "replication"
P_VALUES = {"a": 0.11, "b": 0.09, "c": 0.04, "d": 0.009}


def _ordered(model_id="probit", se_type="robust (HC0)", n_clusters=None) -> ModelResult:
    rows = [{"role": "coef", "term": t, "estimate": 0.5, "std_error": 0.1, "statistic": 5.0, "p_value": p,
             "ci_low": 0.3, "ci_high": 0.7} for t, p in P_VALUES.items()]
    rows += [{"role": "cutpoint", "term": "0/1", "estimate": -0.25, "std_error": 0.2, "p_value": 0.001},
             {"role": "cutpoint", "term": "1/2", "estimate": 1.25, "std_error": 0.3, "p_value": 0.001},
             {"role": "ame", "term": "a", "category": "2", "estimate": 0.01, "std_error": 0.002, "p_value": 0.2}]
    return ModelResult(model_id=model_id, kind="ordered_probit", outcome="product", estimates=estimate_rows(rows),
                       n_obs=12345, se_type=se_type, n_clusters=n_clusters, converged=True, loglik=-30.5,
                       loglik_null=-40.0, pseudo_r2=0.2376)


def _panel(model_id="fe", kind="panel_ols", fe=True) -> ModelResult:
    rows = [{"role": "coef", "term": "a", "estimate": -0.00001, "std_error": 0.05, "statistic": -0.0002,
             "p_value": 0.99},
            {"role": "coef", "term": "const", "estimate": 1.8, "std_error": 0.15, "p_value": 1e-9}]
    return ModelResult(model_id=model_id, kind=kind, outcome="score", estimates=estimate_rows(rows), n_obs=101,
                       se_type="clustered by cluster_id", n_clusters=34, converged=True, statistic_name="t",
                       r2=0.01, r2_within=0.02, fixed_effects={"Cluster": fe, "Type": fe})


def _table(preset="aer"):
    return regression_table([_ordered(), _panel(), _panel("re", "random_effects", fe=False)], preset=preset,
                            title="Upgrading & governance", label="tab:test")


def _lines(latex: str) -> list[str]:
    return latex.splitlines()


def _estimate_cells(table, term):
    cells = table.cells
    return cells[(cells["term"] == term) & (cells["line"] == "estimate")]


# ------------------------------------------------------------------------------------------------
# LaTeX
# ------------------------------------------------------------------------------------------------
def test_latex_is_booktabs_without_vertical_rules():
    latex = to_latex(_table(), TABLES)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in latex
    spec = re.search(r"\\begin\{tabular\}\{@\{\}(.*)@\{\}\}$", latex, flags=re.MULTILINE).group(1)
    assert spec == "lccc" and "|" not in spec
    assert r"\hline" not in latex


def test_standard_error_in_parentheses_under_its_coefficient():
    lines = _lines(to_latex(_table(), TABLES))
    i = next(k for k, line in enumerate(lines) if line.startswith("a & 0.500"))
    assert lines[i + 1].startswith(" & (0.100)")   # the SE (0.1), not the z-statistic (5.0)
    assert "(5.000)" not in "\n".join(lines)


def test_stars_only_in_the_starred_preset_with_the_right_thresholds():
    starred, aer = _table("stars"), _table("aer")
    got = {t: _estimate_cells(starred, t).iloc[0]["stars"] for t in P_VALUES}
    assert got == {"a": "", "b": "*", "c": "**", "d": "***"}
    assert (aer.cells["stars"] == "").all()
    latex_stars, latex_aer = to_latex(starred, TABLES), to_latex(aer, TABLES)
    assert r"0.500$^{***}$" in latex_stars and r"0.500$^{**}$" in latex_stars
    assert "$^{*" not in latex_aer and "p $<$ 0.10" not in latex_aer
    assert r"* p $<$ 0.10, ** p $<$ 0.05, *** p $<$ 0.01" in latex_stars
    assert "0.500***" in to_html(starred, TABLES) and "***" not in to_html(aer, TABLES)


def test_star_thresholds_are_strict():
    preset = get_preset("stars")
    assert [stars_for(p, preset) for p in (0.10, 0.0999, 0.05, 0.01, 0.0099, np.nan)] == ["", "*", "*", "**", "***",
                                                                                            ""]


def test_cutpoints_sit_in_their_own_panel_after_the_coefficients():
    table = _table("stars")
    assert [p for p, _ in table.panels] == ["coef", "cutpoint", "fixed_effects", "statistics"]
    assert dict(table.panels)["cutpoint"] == "Cutpoints"
    cut = table.cells[table.cells["panel"] == "cutpoint"]
    assert set(cut["term"]) == {"0/1", "1/2"} and (cut["stars"] == "").all()
    lines = _lines(to_latex(table, TABLES))
    heading = lines.index(r"\multicolumn{4}{@{}l}{\textit{Cutpoints}} \\*")
    assert lines[heading - 1] == r"\midrule"
    assert any(line.startswith("0/1 & $-$0.250") for line in lines[heading:])
    assert all(not line.startswith("0/1") for line in lines[:heading])


def test_no_panel_headings_without_cutpoints():
    table = regression_table([_panel()], preset="aer")
    assert all(heading == "" for _, heading in table.panels)
    assert r"\textit" not in to_latex(table, TABLES)


def test_fixed_effect_rows_say_yes_or_no():
    fe = _table().cells.query("line == 'fe'")
    cluster = fe[fe["term"] == "fe_Cluster"].set_index("column")["text"].to_dict()
    assert cluster == {"(1)": "No", "(2)": "Yes", "(3)": "No"}   # an ordered model has no fixed effects
    assert r"Cluster fixed effects & No & Yes & No \\" in to_latex(_table(), TABLES)


def test_statistics_rows_and_number_formats():
    stats = _table().cells.query("line == 'stat'").set_index(["term", "column"])["text"]
    assert stats[("n_obs", "(1)")] == "12,345" and stats[("n_obs", "(2)")] == "101"
    assert stats[("pseudo_r2", "(1)")] == "0.238" and stats[("pseudo_r2", "(2)")] == ""
    # each R² row one meaning: PanelOLS's R² is net of its effects, RandomEffects' quasi-demeaned
    assert stats[("r2_net_of_effects", "(2)")] == "0.010" and stats[("r2_net_of_effects", "(3)")] == ""
    assert stats[("r2_quasi_demeaned", "(3)")] == "0.010" and stats[("r2_quasi_demeaned", "(2)")] == ""
    assert _estimate_cells(_table(), "a").set_index("column").loc["(2)", "text"] == "0.000"   # no negative zero
    assert format_number(-1234.5678, 2) == "\u22121,234.57" and format_count(1234567) == "1,234,567"  # a true minus


def test_note_names_se_type_and_cluster_count():
    table = regression_table([_ordered(se_type="clustered by cluster_id", n_clusters=1234), _panel()])
    note = " ".join(table.notes)
    assert "clustered by cluster_id, 1,234 clusters" in note and "34 clusters" in note
    assert "robust" not in note
    already = regression_table([_panel()]).notes
    fe_stated = _panel()
    fe_stated.se_type = "clustered by cluster_id (34 clusters)"
    assert " ".join(regression_table([fe_stated]).notes).count("34 clusters") == 1
    assert "Standard errors: clustered by cluster_id, 34 clusters." in already


def test_one_se_note_per_group_of_columns():
    table = regression_table([_ordered(), _ordered("logit"), _panel()])
    assert "Standard errors: (1)–(2) robust (HC0); (3) clustered by cluster_id, 34 clusters." in table.notes


def test_constant_last_and_term_labels():
    table = regression_table([_panel()], term_labels={"a": "Quasi-hierarchy × product"})
    rows = table.cells.query("line == 'estimate'")["row"].tolist()
    assert rows == ["Quasi-hierarchy × product", "Constant"]


def test_average_marginal_effects_as_the_main_panel():
    table = regression_table([_ordered()], role="ame", cutpoints=False)
    assert table.cells.query("line == 'estimate'")["row"].tolist() == ["a (y = 2)"]


def test_non_converged_model_is_flagged_in_the_notes():
    bad = _ordered()
    bad.converged = False
    assert any("(1) did not converge" in n for n in regression_table([bad]).notes)


def test_unknown_preset_fails_loudly():
    with pytest.raises(ValueError, match="unknown table preset"):
        regression_table([_panel()], preset="fancy")


def test_latex_escapes_special_characters():
    assert latex_escape("R&D_share 5% #1 {x} ~ ^") == r"R\&D\_share 5\% \#1 \{x\} \textasciitilde{} \textasciicircum{}"
    table = regression_table([_panel()], term_labels={"a": "R&D_share %#"}, title="A & B_c", label="tab:x")
    latex = to_latex(table, TABLES)
    assert r"R\&D\_share \%\#" in latex and r"\caption{A \& B\_c}" in latex and r"\label{tab:x}" in latex


# ------------------------------------------------------------------------------------------------
# HTML and CSV
# ------------------------------------------------------------------------------------------------
class _TagBalance(HTMLParser):
    """Every opened tag is closed, in order (html.parser does not check it by itself)."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def _assert_well_formed(markup: str) -> ET.Element:
    root = ET.fromstring(markup)        # XML parser: raises on any unclosed tag or raw '&'/'<'
    checker = _TagBalance()
    checker.feed(markup)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return root


def test_html_is_well_formed_and_escaped():
    table = regression_table([_panel()], term_labels={"a": "x < y & z"}, title="A & <B>", preset="stars")
    markup = to_html(table, TABLES)
    root = _assert_well_formed(markup)
    assert root.tag == "table" and root.find("caption").text == "A & <B>"
    assert "x &lt; y &amp; z" in markup
    body = [[c.text or "" for c in tr] for tbody in root.findall("tbody") for tr in tbody]
    assert ["Constant", "1.800***"] in body and ["", "(0.150)"] in body
    notes = ["".join(td.itertext()) for td in root.find("tfoot").iter("td")]
    assert any("34 clusters" in n for n in notes)


def test_csv_frame_keeps_numbers_beside_text():
    frame = to_csv_frame(_table("stars"))
    est = frame[(frame["term"] == "d") & (frame["line"] == "estimate") & (frame["column"] == "(1)")].iloc[0]
    assert est["text"] == "0.500" and est["stars"] == "***" and est["value"] == 0.5 and est["p_value"] == 0.009
    assert est["column_id"] == "probit" and est["table"] == "tab:test"
    assert list(frame["row_id"]) == sorted(frame["row_id"])


def test_write_table_is_byte_stable(tmp_path):
    first = [p.read_bytes() for p in write_table(_table("stars"), tmp_path / "a" / "t", TABLES)]
    second = [p.read_bytes() for p in write_table(_table("stars"), tmp_path / "b" / "t", TABLES)]
    assert first == second and len(first) == 3


def test_descriptive_table_formats_and_panels():
    frame = pd.DataFrame({"name": ["A_1", "B & C", "D"], "group": ["g1", "g1", "g2"], "n": [1000, 2, 3],
                          "share": [0.5, np.nan, 1 / 3], "flag": [True, False, True]})
    table = descriptive_table(frame, panel="group", panel_labels={"g1": "First", "g2": ""}, preset="stars",
                              notes=["50% of 100"])
    latex = to_latex(table, TABLES)
    assert r"A\_1 & 1,000 & 0.50 & Yes \\" in latex and r"B \& C & 2 & n.a. & No \\" in latex
    assert r"\textit{First}" in latex and latex.count(r"\midrule") == 2 and r"50\% of 100" in latex
    assert re.search(r"\\begin\{tabular\}\{@\{\}(.*)@\{\}\}$", latex, flags=re.MULTILINE).group(1) == "lrrl"
    _assert_well_formed(to_html(table, TABLES))


# ------------------------------------------------------------------------------------------------
# Real fits and the book's tables
# ------------------------------------------------------------------------------------------------
def test_renders_records_from_real_fits():
    from gvc_clusters.models.ordinal import fit as ordinal
    from gvc_clusters.models.panel import fit as panel
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"x1": rng.normal(size=120), "x2": rng.integers(0, 2, size=120).astype(float)})
    y = pd.Series(np.digitize(0.8 * x["x1"] + 0.5 * x["x2"] + rng.normal(size=120), [-0.5, 0.5]), name="y")
    probit = ordinal.fit_ordered(y, x, model_id="probit", distr="probit")
    long = pd.DataFrame({"entity": np.repeat(np.arange(20), 3), "time": np.tile([1, 2, 3], 20),
                         "x1": rng.normal(size=60)})
    long["y"] = 0.3 * long["x1"] + rng.normal(size=60)
    fe = panel.fit_panel(long, entity="entity", time="time", outcome="y", regressors=["x1"], model_id="fe",
                         entity_effects=True, se_type="cluster_entity")
    table = regression_table([probit, fe], preset="stars")
    assert {"coef", "cutpoint", "fixed_effects", "statistics"} <= {p for p, _ in table.panels}
    x1 = _estimate_cells(table, "x1").set_index("column")
    coefs = probit.estimates[probit.estimates["role"] == "coef"].set_index("term")
    assert x1.loc["(1)", "value"] == pytest.approx(coefs.loc["x1", "estimate"])
    assert any("20 clusters" in n for n in table.notes)
    _assert_well_formed(to_html(table, TABLES))


def test_renders_saved_model_outputs():
    folder = ROOT / "results" / "models" / "panel" / "upgrading_governance"
    if not (folder / "models.json").exists():
        ensure_built()
    from gvc_clusters.results import load_results
    estimates = pd.read_csv(folder / "estimates.csv", dtype={"category": "str"})
    results = load_results(estimates, json.loads((folder / "models.json").read_text()))
    table = regression_table(results, preset="aer")
    latex = to_latex(table, TABLES)
    assert "PanelOLS & RandomEffects" in latex and r"Cluster fixed effects & Yes & No \\" in latex


def _replication(name: str) -> pd.DataFrame:
    path = REPLICATION / name
    if not path.exists():
        ensure_built()
    return pd.read_csv(path)


@pytest.mark.parametrize("table_id", ["10-2", "10-4", "10-5", "10-6"])
def test_chapter10_tables_with_the_replication_check(table_id):
    frame = _replication(f"table_{table_id.replace('-', '_')}.csv")
    check = _replication("replication_check.csv")
    for preset in ("aer", "stars"):
        table = chapter10_table(frame, table_id, check=check, preset=preset)
        latex = to_latex(table, TABLES)
        assert r"\toprule" in latex and "|" not in re.search(r"\\begin\{tabular\}\{([^}]*)\}", latex).group(1)
        assert any(n.startswith("Replication check") for n in table.notes)
        _assert_well_formed(to_html(table, TABLES))
    if table_id == "10-6":
        assert any("printed 2.70, reproduced 2.667 (mismatch)" in n for n in table.notes)
        assert r"Average &  &  & 2.44 & 2.67 & 0.94 & 0 & 6.06 \\" in latex
        assert r"Caixa do Sul, Rio Grande do Sul & Automotive & Medium & 1.5 & 2.5 & 0 & 0 & 4 \\" in latex


def test_replication_check_table():
    check = _replication("replication_check.csv")
    table = replication_check_table(check)
    assert "match" not in set(table.cells.loc[table.cells["column"] == "status", "text"])
    assert r">{\raggedright\arraybackslash}X" in to_latex(table, TABLES)  # the explanation wraps (xltabular)
    _assert_well_formed(to_html(table, TABLES))


def _processed(relative: str) -> pd.DataFrame:
    path = PROCESSED / relative
    if not path.exists():
        ensure_built()
    return pd.read_parquet(path)


def test_chapter9_classification_table():
    from gvc_clusters.analysis.export_performance import classify_all
    table = classification_table(classify_all(_processed("trade/export_performance.parquet")), preset="stars")
    latex = to_latex(table, TABLES)
    assert r"$\Delta$M (pp)" in latex and "Kaplinsky--Readman" in latex
    assert len(table.panels) == 7
    _assert_well_formed(to_html(table, TABLES))


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------
def _reading_frame() -> pd.DataFrame:
    """Figure 10's rows (models.reading_views.distribution_frame) for one spec, outcome and term."""
    from gvc_clusters.models.reading_views import DISTRIBUTION_COLUMNS

    rows = [["s", "product", "s__product__probit", "ame", "a", a, label, method, 6912, 200, 201, 0.2, 0.05, -0.1, 0.1,
             0.2, 0.25, 0.4] for a, label, method in (("A", "glyph-consistent", "enumerated"),
                                                      ("B", "checksums only", "sampled"))]
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


def _figure_cases():
    def quadrants():
        from gvc_clusters.analysis.export_performance import classify_amighini
        perf = _processed("trade/export_performance.parquet")
        return figure_export_quadrants(classify_amighini(perf), perf)

    def ranges():
        return figure_reading_distributions(_reading_frame(), spec_labels={"s": "Spec S"},
                                            outcome_labels={"product": "Product"}, term_labels={"a": "A"},
                                            scale_labels={"ame": "Effect"}, assumption_labels={"A": "A", "B": "B"})

    return {
        "upgrading": lambda: figure_upgrading(_processed("clusters/model_dataset.parquet")),
        "governance": lambda: figure_governance(_processed("clusters/model_dataset.parquet")),
        "coefficients": lambda: figure_coefficients([_ordered(), _panel()], term_labels={"a": "Quasi-hierarchy"}),
        "ame": lambda: figure_coefficients([_ordered()], role="ame"),
        "quadrants": quadrants,
        "salmon": lambda: figure_salmon(_processed("salmon/salmon_production.parquet")),
        "dairy": lambda: figure_dairy(_processed("dairy/dairy_milk.parquet")),
        "furniture": lambda: figure_furniture(_processed("furniture/mexico_furniture_exports.parquet"),
                                              _processed("furniture/puebla_furniture_exports.parquet")),
        "reading_ranges": ranges,
    }


@pytest.mark.parametrize("name", list(_figure_cases()))
def test_figures_are_byte_identical_across_renders(name, tmp_path):
    build = _figure_cases()[name]
    first = save_figure(build(), tmp_path / "one" / name)
    second = save_figure(build(), tmp_path / "two" / name)
    assert [p.suffix for p in first] == [".svg", ".png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between renders"
    svg = first[0].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"Software" not in first[1].read_bytes()[:2000]


def test_figure_inputs_are_checked():
    with pytest.raises(ValueError, match="unit_value_change_pct"):
        figure_export_quadrants(pd.DataFrame(columns=["source_table", "product_code", "country", "product",
                                                      "delta_M_pp", "outcome"]))
    with pytest.raises(ValueError, match="role"):
        figure_coefficients([_panel()], role="cutpoint")


def test_hashed_svg_ids_are_renumbered_so_a_last_bit_change_keeps_the_bytes():
    """Matplotlib names a clip path by a hash of its floats' repr: two drawings whose clip rectangles
    differ in the last bit (numpy's SIMD sums) print the same coordinates under different ids. After
    stable_svg_ids they are the same bytes; glyph and element ids are left alone."""
    from gvc_clusters.io import stable_svg_ids

    def drawing(clip: str, marker: str) -> str:
        return (f'<g id="line2d_76"><path d="M 1 2" clip-path="url(#{clip})"/><use xlink:href="#{marker}" '
                f'x="3"/><use xlink:href="#DejaVuSans-41"/></g><defs><clipPath id="{clip}"><rect/></clipPath>'
                f'<path id="{marker}" d="M 0 0"/></defs><g clip-path="url(#{clip})"/>')

    first, second = drawing("p6fd8fc073d", "m0123456789"), drawing("p103c92847f", "mabcdefabcd")
    assert first != second and stable_svg_ids(first) == stable_svg_ids(second)
    assert stable_svg_ids(first) == drawing("p1", "m1")
    assert stable_svg_ids(stable_svg_ids(first)) == stable_svg_ids(first)
    assert 'id="line2d_76"' in stable_svg_ids(first) and "#DejaVuSans-41" in stable_svg_ids(first)
