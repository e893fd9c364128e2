"""The user's own data, all the way into the report and the paper (slow: one workflow run on a copy
of the shared default build, with config trade_flows on a small simulated BACI table and a user
ordinal spec with its own labels; then a label edit that must redraw the report without a refit)."""

import re
import shutil

import pandas as pd
import pytest
import yaml
from test_user_ordinal import simulated_firms
from workflow_copy import copy_build, isolated_env, snakemake

from gvc_clusters.analysis.trade_flows_simulation import write_baci_flows

pytestmark = pytest.mark.slow
FIRMS = {"table": "data/external/firms.csv", "formula": "upgrading ~ x + C(sector)", "links": ["probit"],
         "labels": {"upgrading": "Firm upgrading", "x": "Export share", "sector[b]": "Sector b (vs a)"}}


def _override(workspace, firms: dict) -> None:
    (workspace / "config/user.yaml").write_text(yaml.safe_dump({
        "trade_flows": {"enabled": True, "input": "data/external/flows.parquet",
                        "periods": {"a": [1995, 2000], "b": [2015, 2020]}},
        "ordinal": {"specs": {"firms": firms}}}), encoding="utf-8")


def run(workspace, *args):
    return snakemake(workspace, "--configfile", "config/config.yaml", "config/user.yaml", *args, timeout=1200,
                     env=isolated_env(workspace))


@pytest.fixture(scope="module")
def with_user_data(default_build, tmp_path_factory):
    workspace = copy_build(default_build, tmp_path_factory.mktemp("user-data") / "built")
    write_baci_flows(workspace / "data/external/flows.parquet", 20_000, seed=5)
    simulated_firms(n=600).to_csv(workspace / "data/external/firms.csv", index=False)
    _override(workspace, FIRMS)
    done = run(workspace)
    assert done.returncode == 0, done.stderr[-4000:]
    return workspace


def test_the_report_and_the_paper_have_a_section_on_the_users_flows(with_user_data):
    html = (with_user_data / "results/report/index.html").read_text(encoding="utf-8")
    assert re.search(r'<h2>5\. Chapter 9 on your own trade data</h2>', html)
    assert 'id="fig-trade_flows_groups"' in html and 'id="tab-trade_flows_summary"' in html
    section = html.split('<section id="sec-trade_flows">')[1].split('<section id="sec-cases">')[0]
    facts = yaml.safe_load((with_user_data / "results/trade_flows/facts.json").read_text(encoding="utf-8"))
    assert f"{facts['exporter_products']:,} exporter-product pairs" in section
    assert f"in {len(facts['groups'])} of the 21 HS sections" in section
    # one bar per group with data: no placeholder figures for the empty ones
    assert not (with_user_data / "results/trade_flows/figures").exists()
    assert (with_user_data / "results/report/figures/trade_flows_groups.svg").is_file()
    cells = pd.read_csv(with_user_data / "results/report/tables/trade_flows_summary.csv", dtype=str)
    assert set(cells["panel"]) == set(facts["groups"])   # the groups with data, and only those
    paper = (with_user_data / "results/report/paper.tex").read_text(encoding="utf-8")
    assert r"\section{Chapter 9 on your own trade data}\label{sec:trade_flows}" in paper
    assert r"\input{tables/trade_flows_summary.tex}" in paper
    if shutil.which("latexmk"):
        assert (with_user_data / "results/report/paper.pdf").is_file()


def test_a_user_specs_labels_and_outcome_reach_every_place(with_user_data):
    html = (with_user_data / "results/report/index.html").read_text(encoding="utf-8")
    assert "Ordered models of Firm upgrading: Firms" in html                          # table caption
    assert "top category of Firm upgrading (ordered probit" in html                   # figure caption
    claim = html.split('<section id="sec-claim-firms">')[1].split("</section>")[0]
    assert "Firm upgrading (Ordered probit): the coefficient on Export share" in claim  # prose
    table = (with_user_data / "results/report/tables/ordinal_firms.html").read_text(encoding="utf-8")
    assert "Export share" in table and "Sector b (vs a)" in table and "Sector[c]" in table  # labelled / humanized
    assert "upgrading category" not in html.split('<section id="sec-claim-firms">')[1].split("</section>")[0]


def test_a_new_label_redraws_the_report_without_a_refit(with_user_data):
    _override(with_user_data, {**FIRMS, "labels": {**FIRMS["labels"], "x": "Share of exports"}})
    plan = run(with_user_data, "-n", "--quiet", "rules")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "render_tables" in plan.stdout and "fit_ordinal" not in plan.stdout
    done = run(with_user_data)
    assert done.returncode == 0, done.stderr[-3000:]
    table = (with_user_data / "results/report/tables/ordinal_firms.html").read_text(encoding="utf-8")
    assert "Share of exports" in table and "Export share" not in table
