"""The paper and the report as one document: labels, the document plan, table layouts that fit the
page, and TeX's log read as a referee would (overfull boxes, floats too large, undefined references,
Type 3 fonts). The compile tests need latexmk and skip without it (CI installs TeX from Debian)."""

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from gvc_clusters.output.exhibits import report_exhibits
from gvc_clusters.output.paper import compile_pdf, layout_problems
from gvc_clusters.output.render import descriptive_table, regression_table, to_html, to_latex
from gvc_clusters.output.render.document import document_plan
from gvc_clusters.results import ModelResult, estimate_rows
from gvc_clusters.vocabulary import DEFAULT, Vocabulary, category_key, cutpoint_key, humanize

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "workflow" / "templates" / "tables"  # the table templates (a rule input)
ARTIFACTS = ROOT / "results" / "test-artifacts"
TEX = shutil.which("latexmk") is not None
needs_tex = pytest.mark.skipif(not TEX, reason="TeX is not installed (CI installs it from Debian packages)")


# ---- labels ---------------------------------------------------------------------------------------
def test_every_model_variable_and_outcome_has_a_label():
    from gvc_clusters.layout import MODEL_OUTCOMES, MODEL_REGRESSORS
    vocabulary = Vocabulary()
    for name in MODEL_REGRESSORS:
        vocabulary.variable(name)
    for name in MODEL_OUTCOMES:
        vocabulary.outcome(name)
    assert vocabulary.unlabelled == set()
    assert DEFAULT.variable("ce_low") == "Low CE degree"
    assert DEFAULT.variable("nafta_x_2001") == "NAFTA member × 2001 on"


def test_unknown_names_fall_back_readably_and_are_recorded():
    vocabulary = Vocabulary()
    assert vocabulary.variable("my_ce_x_size") == "My CE × size"
    assert vocabulary.unlabelled == {"my_ce_x_size"}
    assert humanize("log_us_imports") == "Log US imports"


def test_config_labels_override_and_reject_unknown_groups():
    vocabulary = DEFAULT.with_overrides({"variables": {"ce_level": "Collective efficiency"},
                                         "specs": {"mine": "My claim"}})
    assert vocabulary.variable("ce_level") == "Collective efficiency"
    assert vocabulary.spec("mine") == "My claim"
    assert DEFAULT.variable("ce_level") == "CE degree (1–3)"  # the default is untouched
    with pytest.raises(ValueError, match="unknown group 'varibles'"):
        DEFAULT.with_overrides({"varibles": {}})


def test_cutpoints_and_categories_sort_naturally():
    assert sorted(["2/2.5", "0/1", "10/11", "1/1.5", "1.5/2"], key=cutpoint_key) == \
        ["0/1", "1/1.5", "1.5/2", "2/2.5", "10/11"]
    assert sorted(["3", "0.5", "10", "1"], key=category_key) == ["0.5", "1", "3", "10"]


# ---- tables: what prints under a coefficient, and in which order ----------------------------------
def _ordered(outcome: str, cutpoints: list[str]) -> ModelResult:
    rows = [{"role": "coef", "term": "ce_level", "estimate": 0.5, "std_error": 0.1, "p_value": 0.04,
             "ci_low": 0.3, "ci_high": 0.7}]
    rows += [{"role": "cutpoint", "term": c, "estimate": float(k), "std_error": 0.2, "p_value": 0.01}
             for k, c in enumerate(cutpoints)]
    rows += [{"role": "ame", "term": "ce_level", "category": c, "estimate": 0.01, "std_error": 0.002,
              "p_value": 0.2} for c in ("2", "0", "1.5")]
    return ModelResult(model_id=f"m_{outcome}", kind="ordered_probit", outcome=outcome,
                       estimates=estimate_rows(rows), n_obs=34, se_type="robust (HC0)", converged=True)


def _printed_rows(table, panel):
    part = table.cells[table.cells["panel"] == panel]
    return list(dict.fromkeys(part.sort_values("row_id")["row"]))


def test_cutpoints_print_in_natural_order_across_models():
    table = regression_table([_ordered("product", ["1/1.5", "1.5/2"]), _ordered("functional", ["0/1", "1/1.5"])],
                             term_labels=DEFAULT.term_labels())
    assert _printed_rows(table, "cutpoint") == ["0/1", "1/1.5", "1.5/2"]
    ame = regression_table([_ordered("product", ["0/1"])], role="ame", cutpoints=False,
                           term_labels=DEFAULT.term_labels())
    assert _printed_rows(ame, "ame") == ["CE degree (1–3) (y = 0)", "CE degree (1–3) (y = 1.5)",
                                         "CE degree (1–3) (y = 2)"]


@pytest.mark.parametrize("under, text, note", [("se", "(0.100)", "Standard errors in parentheses."),
                                               ("ci", "[0.300, 0.700]", "95% confidence intervals in brackets."),
                                               ("p", "(p = 0.040)", "p-values in parentheses.")])
def test_config_chooses_what_prints_under_each_coefficient(under, text, note):
    table = regression_table([_ordered("product", ["0/1"])], under=under)
    below = table.cells[(table.cells["term"] == "ce_level") & (table.cells["line"] == "se")]
    assert below["text"].tolist() == [text]
    assert table.notes[0] == note
    with pytest.raises(ValueError, match="under must be one of"):
        regression_table([_ordered("product", ["0/1"])], under="t")


# ---- the document plan ----------------------------------------------------------------------------
def test_plan_numbers_tables_and_figures_in_reading_order():
    """Sections from the registry, a subsection per claim spec, numbers in reading order; a panel
    spec on a built-in panel goes where its registry entry says, whatever its name."""
    exhibits = report_exhibits({"a": {}}, {"p": {"table": "x.csv"}, "zz": {"panel": "trade_share_change"}},
                               Vocabulary())
    plan = document_plan(exhibits, Vocabulary())
    order = [(s.id, i.title, i.name) for s in plan for i in s.items]
    assert order == [
        ("chapter10", "Table 1", "table_10_2"), ("chapter10", "Figure 1", "governance_by_sector"),
        ("chapter10", "Table 2", "table_10_4"), ("chapter10", "Table 3", "table_10_5"),
        ("chapter10", "Table 4", "table_10_6"), ("chapter10", "Figure 2", "upgrading_by_sector_ce"),
        ("claims", "Table 5", "claims_verdicts"),
        ("claims", "Table 6", "ordinal_a"), ("claims", "Figure 3", "coefficients_a"),
        ("claims", "Table 7", "panel_p"), ("claims", "Figure 4", "coefficients_p"),
        ("chapter9", "Figure 5", "export_quadrants"), ("chapter9", "Table 8", "panel_zz"),
        ("cases", "Figure 6", "salmon"), ("cases", "Figure 7", "dairy"), ("cases", "Figure 8", "furniture"),
        ("robustness", "Figure 9", "reading_ranges"),
        ("appendix", "Table 9", "replication_check"), ("appendix", "Table 10", "classification"),
        ("appendix", "Table 11", "provenance"), ("appendix", "Table 12", "ordinal_a_ame"),
    ]
    claims = next(s for s in plan if s.id == "claims")
    assert [(b.number, b.title) for b in claims.blocks[1:]] == [("3.1", "A"), ("3.2", "P")]


# ---- TeX's log --------------------------------------------------------------------------------------
LOG = """Overfull \\hbox (0.5pt too wide) in paragraph at lines 3--4
Overfull \\hbox (23.1pt too wide) in alignment at lines 85--85
LaTeX Warning: Float too large for page by 44.0pt on input line 200.
LaTeX Warning: Reference `tab:x' on page 3 undefined on input line 12.
"""
FONTS = """name                                 type              encoding         emb sub uni object ID
------------------------------------ ----------------- ---------------- --- --- --- ---------
ABCDEF+LMRoman10-Regular             Type 1            Custom           yes yes no       4  0
[none]                               Type 3            Custom           yes no  no       9  0
"""


def test_layout_problems_read_from_the_log_and_fonts():
    problems = layout_problems(LOG, FONTS)
    assert [p.split(":")[0] for p in problems] == ["overfull box 23.1 pt", "float too large", "undefined",
                                                   "Type 3 font"]
    assert layout_problems("Overfull \\hbox (0.9pt too wide) in paragraph\n", "") == []


def _paper(tmp_path: Path, body: str) -> Path:
    """A minimal paper with the real template's preamble around ``body``."""
    template = (ROOT / "workflow/templates/paper.tex.j2").read_text(encoding="utf-8")
    preamble = template.split("\\input{numbers.tex}")[0].split("\n", 1)[1]
    tex = tmp_path / "report" / "paper.tex"
    tex.parent.mkdir(parents=True)
    tex.write_text(preamble + "\\begin{document}\n" + body + "\n\\end{document}\n", encoding="utf-8")
    return tex


@needs_tex
def test_wide_tall_and_long_tables_fit_the_page(tmp_path):
    wide = pd.DataFrame({"row": [f"Cluster number {i} with a long name" for i in range(5)],
                         **{f"Column with a long header {k}": [1234567.891 * k] * 5 for k in range(12)}})
    tall = pd.DataFrame({"row": [f"r{i}" for i in range(48)], "value": range(48)})
    long = pd.DataFrame({"row": [f"r{i}" for i in range(150)], "text": ["a long explanation " * 8] * 150})
    body = "\n".join([
        "Tables~\\ref{tab:wide}, \\ref{tab:tall} and \\ref{tab:long}.",
        to_latex(descriptive_table(wide, title="Wide", label="tab:wide", notes=["A note. " * 40]), TABLES),
        to_latex(descriptive_table(tall, title="Tall", label="tab:tall", notes=["A note."] * 6), TABLES),
        to_latex(descriptive_table(long, title="Long", label="tab:long", align={"text": "p{5cm}"}), TABLES),
    ])
    pdf = tmp_path / "paper.pdf"
    problems = compile_pdf(_paper(tmp_path, body), pdf, log=tmp_path / "paper.log")
    assert problems == []
    log = (tmp_path / "paper.log").read_text()
    assert "Output written" in log
    if shutil.which("pdfinfo"):  # poppler-utils (CI installs it)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages >= 3  # the long table runs across pages


@needs_tex
def test_the_check_catches_a_table_that_overflows(tmp_path):
    body = "\\begin{tabular}{l}" + "x" * 400 + "\\end{tabular}\n\\ref{nowhere}"
    problems = compile_pdf(_paper(tmp_path, body), tmp_path / "paper.pdf")
    assert any(p.startswith("overfull box") for p in problems)
    assert any(p.startswith("undefined") for p in problems)


def test_html_table_keeps_every_row():
    table = descriptive_table(pd.DataFrame({"row": ["a", "b"], "v": [1, 2]}), title="T", label="tab:t")
    assert to_html(table, TABLES).count("<tr") == 3
