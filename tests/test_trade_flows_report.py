"""The user's own trade flows, all the way into the report and the paper (slow: a workflow run on a
copy of the shared default build, with config trade_flows on a small simulated BACI table)."""

import re
import shutil

import pandas as pd
import pytest
import yaml
from workflow_copy import copy_build, isolated_env, snakemake

from gvc_clusters.analysis.trade_flows_simulation import write_baci_flows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def with_flows(default_build, tmp_path_factory):
    workspace = copy_build(default_build, tmp_path_factory.mktemp("flows") / "built")
    write_baci_flows(workspace / "data/external/flows.parquet", 20_000, seed=5)
    override = workspace / "config/flows.yaml"
    override.write_text(yaml.safe_dump({"trade_flows": {"enabled": True, "input": "data/external/flows.parquet",
                                                        "periods": {"a": [1995, 2000], "b": [2015, 2020]}}}),
                        encoding="utf-8")
    run = snakemake(workspace, "--configfile", "config/config.yaml", "config/flows.yaml", timeout=1200,
                    env=isolated_env(workspace))
    assert run.returncode == 0, run.stderr[-4000:]
    return workspace


def test_the_report_and_the_paper_have_a_section_on_the_users_flows(with_flows):
    html = (with_flows / "results/report/index.html").read_text(encoding="utf-8")
    assert re.search(r'<h2>5\. Chapter 9 on your own trade data</h2>', html)
    assert 'id="fig-trade_flows_groups"' in html and 'id="tab-trade_flows_summary"' in html
    section = html.split('<section id="sec-trade_flows">')[1].split('<section id="sec-cases">')[0]
    facts = yaml.safe_load((with_flows / "results/trade_flows/facts.json").read_text(encoding="utf-8"))
    assert f"{facts['exporter_products']:,} exporter-product pairs" in section
    assert f"in {len(facts['groups'])} of the 21 HS sections" in section
    # one bar per group with data: no placeholder figures for the empty ones
    assert not (with_flows / "results/trade_flows/figures").exists()
    assert (with_flows / "results/report/figures/trade_flows_groups.svg").is_file()
    cells = pd.read_csv(with_flows / "results/report/tables/trade_flows_summary.csv", dtype=str)
    assert set(cells["panel"]) == set(facts["groups"])   # the groups with data, and only those
    paper = (with_flows / "results/report/paper.tex").read_text(encoding="utf-8")
    assert r"\section{Chapter 9 on your own trade data}\label{sec:trade_flows}" in paper
    assert r"\input{tables/trade_flows_summary.tex}" in paper
    if shutil.which("latexmk"):
        assert (with_flows / "results/report/paper.pdf").is_file()
