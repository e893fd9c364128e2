"""The replication README's content (issue 15 §1-2): machine-independent, honest rights, every
input with provenance, the numbered tables and figures, and the machine facts outside the manifest."""

import json
import re
import shutil
import subprocess

import pytest
from conftest import ROOT

from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.output import replication_readme as rr
from gvc_clusters.output.render.document import exhibits_of
from gvc_clusters.workflow_plan import Plan

TEMPLATE = ROOT / "workflow/templates/replication_readme.md.j2"
ORDINAL, PANEL = ["ce_governance", "governance_types"], ["upgrading_governance", "us_furniture_imports"]


def config(**extra):
    import yaml

    cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    cfg["panel"]["specs"].update(extra)
    return cfg


def plan() -> Plan:
    """The default config's plan with this test's specs (no trade_share_change panel)."""
    cfg = with_defaults(config())
    cfg["panel"]["specs"] = {name: cfg["panel"]["specs"][name] for name in PANEL}
    cfg["ordinal"]["specs"] = {name: cfg["ordinal"]["specs"][name] for name in ORDINAL}
    return Plan(cfg)


def exhibits():
    scripts = {rule: f"workflow/scripts/{rule}.py" for rule in ("render_tables", "render_figures", "render_report")}
    return plan().exhibit_list(scripts)


def catalog():
    ex = exhibits()
    rows = [{"output": o, "rule": e["rule"], "script": e["script"], "kind": "table" if "tables" in o else "figure"}
            for e in ex for o in e["outputs"]]
    rows += [{"output": "results/replication/table_10_2.csv", "rule": "replicate_chapter10",
              "script": "workflow/scripts/replicate_chapter10.py", "kind": "table"},
             {"output": "results/validation/dairy.json", "rule": "clean_<family>",
              "script": "workflow/scripts/clean_family.py", "kind": "check"}]
    return rows


def render(tmp_path, cfg=None, name="README.md"):
    out = tmp_path / name
    rr.write_readme(str(TEMPLATE), str(out), config=cfg or config(), manifest="data/raw/sources.yaml",
                    decision_log="data/raw/decision_log.csv", catalog=catalog(),
                    lock="requirements.lock", exhibits=exhibits(), configfiles=["config/config.yaml"],
                    version="0.1.0", root=ROOT)
    return out.read_text(encoding="utf-8")


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # config/config.yaml is read relative to the repository


def test_readme_sections_rights_and_licences(tmp_path, in_root):
    readme = render(tmp_path)
    headings = re.findall(r"^#{2,3} (.+)$", readme, flags=re.MULTILINE)
    assert headings == [
        "Overview", "Data availability and provenance statements", "Statement about rights", "License for Data",
        "Summary of availability", "Details on each data source", "Dataset list", "Every input the build reads",
        "Computational requirements", "Software requirements", "Controlled randomness",
        "Memory, runtime, storage requirements", "Description of programs/code", "License for code",
        "Instructions to replicators", "List of tables, figures and programs", "How to cite", "References"]
    rights = readme.split("### Statement about rights", 1)[1].split("###", 1)[0]
    assert rights.count("- [ ] I certify") == 2 and "- [x]" not in rights  # no document held: not ticked
    assert "no written permission from the publisher" in rights
    assert "CC BY 4.0" in readme and "`LICENSE-DATA.md`" in readme and "MIT" in readme
    assert "if any" not in readme  # the old "licence file, if any"
    assert "`CITATION.cff`" in readme.split("## How to cite", 1)[1]
    assert "seed: 20060215" in readme and "`fit_ordinal`" in readme and "`reading_analysis`" in readme
    assert "results/machine.json" in readme and "excludes it" in readme
    references = readme.split("## References", 1)[1]
    for cited in ("Pietrobelli, C., and R. Rabellotti", "McKelvey, R. D., and W. Zavoina", "Mundlak, Y. 1978",
                  "Cameron, A. C., and D. L. Miller", "Driscoll, J. C., and A. C. Kraay", "Krippendorff, K."):
        assert cited in references
    pins = dict(line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line)
    assert f"*Proceedings of the 9th Python in Science Conference*, 92–96. Version {pins['statsmodels']}." in references
    assert f"Version {pins['linearmodels']}." in references and f"Version {pins['snakemake']}." in references


def test_a_rights_box_is_ticked_only_when_the_package_holds_its_document(tmp_path, monkeypatch):
    monkeypatch.setattr(rr, "RIGHTS", [{"text": "permission", "document": "PERMISSION.pdf", "status": "held"}])
    assert [r["ticked"] for r in rr.rights_statements(tmp_path)] == [False]
    (tmp_path / "PERMISSION.pdf").write_bytes(b"%PDF")
    assert [r["ticked"] for r in rr.rights_statements(tmp_path)] == [True]


def test_every_input_is_listed_with_provenance_and_user_inputs_are_marked(tmp_path, in_root):
    user_table = tmp_path / "my_panel.csv"
    user_table.write_text("entity,time,y,x\na,1,1.0,2.0\n", encoding="utf-8")
    cfg = config(mine={"table": str(user_table), "entity": "entity", "time": "time", "outcome": "y",
                       "regressors": ["x"]})
    readme = render(tmp_path, cfg)
    import hashlib

    digest = hashlib.sha256(user_table.read_bytes()).hexdigest()[:12]
    assert f"| `{user_table}` | added by the user through config `panel.specs.mine.table` | `{digest}` | user |" in readme
    assert "were added by the user of this build" in readme
    assert "| `data/raw/clusters/table_10_4.csv` | the book, Table 10-4 (chapter 10)" in readme
    assert "| `data/raw/decision_log.csv` | the project's decision log |" in readme
    assert "| `config/config.yaml` | configuration |" in readme
    plain = render(tmp_path, config(), "plain.md")
    assert "No user-supplied input" in plain and "| user |" not in plain
    assert "- [x] All data **are** publicly available (in the published book)" in plain


def test_every_kind_of_user_input_is_listed_and_the_book_only_box_is_unticked(tmp_path, in_root):
    """An ordinal table, a panel table and trade flows (a glob of two files): all listed, hashed,
    and the "all data are in the published book" box unticked, naming them."""
    firms, panel = tmp_path / "firms.csv", tmp_path / "panel.csv"
    firms.write_text("y,x\n1,2\n", encoding="utf-8")
    panel.write_text("entity,time,y,x\na,1,1.0,2.0\n", encoding="utf-8")
    for year in (2000, 2001):
        (tmp_path / f"BACI_Y{year}.csv").write_text("t,i,j,k,v,q\n", encoding="utf-8")
    cfg = config(mine={"table": str(panel), "entity": "entity", "time": "time", "outcome": "y", "regressors": ["x"]})
    cfg["ordinal"]["specs"]["firms"] = {"table": str(firms), "outcomes": ["y"], "regressors": ["x"]}
    cfg["trade_flows"] = {**cfg.get("trade_flows", {}), "enabled": True, "input": str(tmp_path / "BACI_Y*.csv")}
    readme = render(tmp_path, cfg)
    settings = {"ordinal.specs.firms.table": firms, "panel.specs.mine.table": panel,
                "trade_flows.input": tmp_path / "BACI_Y2000.csv"}
    for setting, path in settings.items():
        assert f"| `{path}` | added by the user through config `{setting}` |" in readme
    assert f"| `{tmp_path / 'BACI_Y2001.csv'}` | added by the user through config `trade_flows.input` |" in readme
    availability = readme.split("### Summary of availability", 1)[1].split("###", 1)[0]
    assert "- [ ] All data **are** publicly available" in availability and "[x]" not in availability
    assert "read 4 data file(s) added by its user" in availability and f"`{firms}`" in availability


def test_exhibits_are_numbered_in_report_order_and_every_result_maps_to_one_or_is_supporting():
    ex = exhibits()
    tables = [e for e in ex if e["number"].startswith("Table ")]
    figures = [e for e in ex if e["number"].startswith("Figure ")]
    # the document plan's numbering, the one the paper and the HTML report print
    assert [e["name"] for e in tables] == [
        "table_10_2", "table_10_4", "table_10_5", "table_10_6", "claims_verdicts", "ordinal_ce_governance",
        "ordinal_governance_types", "panel_upgrading_governance",
        "panel_us_furniture_imports", "replication_check", "classification", "provenance",
        "ordinal_ce_governance_ame", "ordinal_governance_types_ame"]
    assert sorted(e["name"] for e in tables if e["name"] != "provenance") == sorted(plan().report_tables())
    assert [e["name"] for e in figures] == [
        "governance_by_sector", "upgrading_by_sector_ce", "coefficients_ce_governance",
        "coefficients_governance_types", "coefficients_upgrading_governance", "export_quadrants", "salmon",
        "dairy", "furniture", "reading_ranges"]  # (this test's specs: no trade_share_change panel)
    assert [e["number"] for e in tables] == [f"Table {k}" for k in range(1, len(tables) + 1)]
    assert tables[0]["number"] == "Table 1" and tables[0]["name"] == "table_10_2"
    assert tables[0]["function"] == "gvc_clusters.output.draw.chapter10_table"
    assert "results/replication/table_10_2.csv" in tables[0]["sources"]
    assert figures[-1]["number"] == f"Figure {len(figures)}"
    assert exhibits_of("results/replication/table_10_2.csv", ex) == ["Table 1"]
    assert exhibits_of("results/report/figures/salmon.png", ex) == ["Figure 7"]
    assert exhibits_of("results/validation/dairy.json", ex) == []


def test_readme_maps_files_to_exhibits(tmp_path, in_root):
    readme = render(tmp_path)
    assert "| Table 1 | Governance of the clusters' value chains (Table 10-2, reproduced) | `render_tables` |" in readme
    assert "| `results/validation/dairy.json` | check | `clean_<family>` | `workflow/scripts/clean_family.py` | " \
           "supporting output |" in readme
    assert "| `results/replication/table_10_2.csv` | table | `replicate_chapter10` | " \
           "`workflow/scripts/replicate_chapter10.py` | Table 1 |" in readme


def test_seeded_rules_are_exactly_the_rules_that_take_the_seed():
    seeded = set()
    for path in (ROOT / "workflow/rules").glob("*.smk"):
        for block in re.split(r"\nrule ", "\n" + path.read_text(encoding="utf-8"))[1:]:
            if 'seed=config["seed"]' in block:
                seeded.add(block.split(":", 1)[0].strip())
    assert seeded == set(rr.SEEDED_RULES)


PLATFORM_A = {"os": "Linux 6.1 (Debian 12)", "cpu_model": "Intel Xeon", "cores": 2, "memory_gib": 7.7}
PLATFORM_B = {"os": "Darwin 23.4", "cpu_model": "Apple M2", "architecture": "arm64", "cores": 8,
              "memory_gib": 16.0, "python": "3.11.9", "build_compute_seconds": 999.0}


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")
def test_the_manifest_verifies_on_a_machine_with_another_platform_description(tmp_path, in_root):
    """Issue 14 §5: build the README and machine facts as machine A, write the manifest as the rule
    results_manifest does, then rebuild as machine B: the manifest still verifies, and only the
    excluded results/machine.json differs."""
    bench = tmp_path / "bench.tsv"
    bench.write_text("s\th:m:s\n12.5\t0:00:12\n", encoding="utf-8")
    site = tmp_path / "site"
    (site / "results").mkdir(parents=True)

    def build(facts):
        readme = render(tmp_path, name="built.md")
        (site / "results/README.md").write_text(readme, encoding="utf-8")
        rr.write_machine(str(site / "results/machine.json"), benchmarks=[str(bench)], **facts)

    build(PLATFORM_A)
    command = "printf '%s\\n' results/README.md | LC_ALL=C sort | xargs sha256sum > results/MANIFEST.sha256"
    subprocess.run(["bash", "-c", command], cwd=site, check=True)
    machine_a = json.loads((site / "results/machine.json").read_text())
    build(PLATFORM_B)
    machine_b = json.loads((site / "results/machine.json").read_text())
    check = subprocess.run(["sha256sum", "-c", "results/MANIFEST.sha256"], cwd=site, capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "machine.json" not in (site / "results/MANIFEST.sha256").read_text()
    assert machine_a["cpu_model"] == "Intel Xeon" and machine_b["cpu_model"] == "Apple M2"
    assert machine_a["build_compute_seconds"] == 12.5 and machine_a["build_runtime"] == "less than 10 minutes"


def test_machine_facts_read_this_machine():
    cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\n"
    assert rr.cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert rr.memory_gib("MemTotal:       16318480 kB\n") == 15.6
    assert rr.os_name('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n').endswith(
        "(Debian GNU/Linux 12 (bookworm))")
    facts = rr.machine_facts(benchmarks=[])
    assert facts["cores"] >= 1 and facts["python"].startswith("3.")
    assert facts["environment_creation_seconds"] is None and "environment.py" in facts["environment_note"]
    table = rr.machine_table(facts)
    assert "| CPU model |" in table and "| Time to create the environment (s) | not measured |" in table
