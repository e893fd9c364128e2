"""End to end with `cases:` set: the cases rules run, the report numbers the section and lists it in
its contents, the paper inputs it before the appendix (marked slow; the default build has no cases)."""

import re

import pandas as pd
import pytest
from workflow_copy import copy_build, snakemake

pytestmark = pytest.mark.slow
CASES = "cases=[brickmaking_mexico,leon_tanning,michoacan_ceramics,jalisco_mezcal]"


@pytest.fixture(scope="module")
def with_cases(default_build, tmp_path_factory):
    workspace = copy_build(default_build, tmp_path_factory.mktemp("cases") / "built")
    run = snakemake(workspace, "--config", CASES, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    return workspace


def test_cases_rules_write_their_results(with_cases):
    results = with_cases / "results/cases"
    samples = pd.read_csv(results / "samples.csv", keep_default_na=False)
    entered = samples.set_index("model_id")["cases_entered"]
    assert entered["ce_governance__product__probit"] == "brickmaking_mexico, michoacan_ceramics"
    assert entered["ce_governance__functional__probit"] == "michoacan_ceramics"
    fits = pd.read_csv(results / "sensitivity.csv", keep_default_na=False)
    assert {"book", "all", "only", "without", "protocol"} == set(fits["kind"])
    assert set(fits.loc[fits["kind"] == "protocol", "rule"]) == {"lasting_level", "export_own_output"}
    pooled = pd.read_csv(results / "agreement_pooled.csv").iloc[0]
    assert (pooled["n_units_all"], pooled["n_agree_all"]) == (36, 29)


def test_report_numbers_the_section_and_lists_it_in_the_contents(with_cases):
    html = (with_cases / "results/report/index.html").read_text(encoding="utf-8")
    assert '<a href="#cases-beyond-the-book">7. Cases beyond the book</a>' in html
    assert "<h2>7. Cases beyond the book</h2>" in html
    assert html.index('id="cases-beyond-the-book"') < html.index('id="sec-appendix"')
    assert "p-values are asymptotic" in html and re.search(r"\(\d+ units?\)", html)
    tex = (with_cases / "results/report/paper.tex").read_text(encoding="utf-8")
    assert tex.index(r"\input{../cases/cases_section.tex}") < tex.index(r"\appendix")
    section = (with_cases / "results/cases/cases_section.tex").read_text(encoding="utf-8")
    assert "p-values are asymptotic" in section
