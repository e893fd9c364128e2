"""gvc_clusters.workflow_plan: what the workflow builds, as functions of the validated config."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from gvc_clusters.layout import FAMILY_TABLES
from gvc_clusters.workflow_plan import Plan, expand_globs

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")
BOOK = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
SCRIPTS = {name: f"workflow/scripts/{name}.py" for name in (
    "replicate_chapter10", "solve_readings", "reading_analysis", "classify_exports", "classify_trade_flows",
    "fit_ordinal", "fit_panel", "render_tables", "render_figures", "render_report", "build_paper",
    "snapshot_estimates", "cases_coding", "cases_models", "cases_section", "codebook", "machine_facts", "claim_verdicts")}
SCRIPTS.update({f"clean_{f}": "workflow/scripts/clean_family.py" for f in FAMILY_TABLES})


def validated(config: dict) -> dict:
    config = copy.deepcopy(config)
    validate(config, SCHEMA)  # fills the schema's defaults, as common.smk does
    return config


def book(**changes) -> Plan:
    return Plan(validated({**BOOK, **changes}))


def test_validate_fills_nested_defaults_the_rules_index():
    config = copy.deepcopy(BOOK)
    for key in ("readings_solver", "readings", "labels", "cases", "trade_flows"):
        del config[key]
    del config["tables"]["under"]
    config = validated(config)
    assert config["readings_solver"] == {"max_solutions": 1000}
    assert config["readings"]["sample"] == {"size": 200, "stratify": "factors"}
    assert config["readings"]["enumerate_up_to"] == 1000 and sorted(config["readings"]["assumptions"]) == ["A", "B"]
    assert config["tables"]["under"] == "se" and config["labels"] == {} and config["cases"] == []
    assert config["trade_flows"]["enabled"] is False and config["trade_flows"]["group_by"] == "section"
    assert config["trade_flows"]["threads"] == 2 and config["trade_flows"]["memory_limit_mb"] == 3000
    # a section given in part gets the rest of its defaults
    partial = copy.deepcopy(BOOK)
    partial["readings"] = {"sample": {"size": 50}}
    assert validated(partial)["readings"]["sample"] == {"size": 50, "stratify": "factors"}


def test_the_books_specs_and_their_inputs_from_the_panel_registry():
    plan = book()
    assert plan.ordinal_specs() == ["ce_governance", "governance_types", "ce_by_sector", "buyers_by_sector"]
    assert plan.panel_specs() == ["upgrading_governance", "trade_share_change", "us_furniture_imports"]
    assert plan.panel_inputs("upgrading_governance") == {
        "model_dataset": "data/processed/clusters/model_dataset.parquet"}
    assert plan.panel_inputs("trade_share_change") == {
        "export_performance": "data/processed/trade/export_performance.parquet"}
    assert plan.ordinal_inputs("governance_types") == {
        "dataset": "data/processed/clusters/model_dataset.parquet"}
    # the estimates over the readings are one output of their own, which the report reads
    assert plan.reading_summary() == ["results/models/readings/reading_summary.csv"]
    assert plan.spec_files("panel", "estimates")["us_furniture_imports"] == \
        "results/models/panel/us_furniture_imports/estimates.csv"


def test_a_family_left_out_drops_its_specs_and_the_report():
    plan = book(families=["clusters", "furniture"])
    assert plan.panel_specs() == ["upgrading_governance", "us_furniture_imports"]
    assert plan.classification_outputs() == [] and plan.report_outputs() == []
    assert plan.exhibit_list(SCRIPTS) == []
    assert "results/replication/replication_check.md" in plan.final_outputs()
    no_clusters = book(families=["trade"])
    assert no_clusters.ordinal_specs() == [] and no_clusters.panel_specs() == ["trade_share_change"]
    assert no_clusters.replication_outputs() == [] and no_clusters.readings_outputs() == []


def by_output_kind(catalog: list[dict]) -> dict[str, str]:
    return {c["output"]: c["kind"] for c in catalog}


def test_every_output_is_in_the_catalog_once_with_its_rules_script():
    plan = book()
    catalog = plan.output_catalog(SCRIPTS)
    outputs = [c["output"] for c in catalog]
    assert len(outputs) == len(set(outputs))
    assert set(outputs) == set(plan.final_outputs()) | {"results/machine.json", "results/report/paper.pdf"}
    # the PDF is listed apart, with the reason, whether or not this machine's TeX builds it
    assert by_output_kind(catalog)["results/report/paper.pdf"] == "paper, where TeX is installed (not in the manifest)"
    assert "results/report/paper.pdf" not in plan.manifest_outputs()
    assert "results/README.md" in plan.manifest_outputs()
    assert "results/report/paper.pdf" not in [c["output"] for c in book(paper={"pdf": "off"}).output_catalog(SCRIPTS)]
    by_output = {c["output"]: c for c in catalog}
    assert by_output["results/report/figures/salmon.svg"] == {
        "output": "results/report/figures/salmon.svg", "rule": "render_figures",
        "script": "workflow/scripts/render_figures.py", "kind": "figure"}
    assert by_output["data/processed/dairy/dairy_milk.csv"]["script"] == "workflow/scripts/clean_family.py"
    assert by_output["results/models/panel/trade_share_change/models.json"]["rule"] == "fit_panel + publish_panel"
    assert by_output["results/last_build/inputs.csv"]["rule"] == "snapshot_estimates"
    exhibits = plan.exhibit_list(SCRIPTS)
    assert {(e["rule"], e["script"]) for e in exhibits} == {
        (rule, f"workflow/scripts/{rule}.py") for rule in ("render_tables", "render_figures", "render_report")}
    # the book's build: 163 results in the manifest (the PDF and machine.json are kept out of it)
    assert len(plan.manifest_outputs()) == 189


def test_cases_add_their_outputs_only_when_chosen():
    assert book().cases_outputs() == [] and book().cases_section_files() == []
    plan = book(cases=["leon_tanning"])
    assert plan.cases_section_files() == ["results/cases/cases_section.html", "results/cases/cases_section.tex"]
    assert len(plan.cases_outputs()) == 13
    scripts = {c["output"]: c["script"] for c in plan.output_catalog(SCRIPTS)}
    assert scripts["results/cases/samples.csv"] == "workflow/scripts/cases_models.py"


def test_scale_profile_builds_only_simulated_specs():
    scale = yaml.safe_load((ROOT / "config/scale.yaml").read_text(encoding="utf-8"))
    config = {**BOOK, **{k: v for k, v in scale.items() if k not in ("ordinal", "panel")}}
    config["ordinal"] = {**BOOK["ordinal"], **scale["ordinal"]}
    config["panel"] = {**BOOK["panel"], **scale["panel"]}
    plan = Plan(validated(config))
    assert plan.ordinal_specs() == ["scale_ce_governance"] and plan.panel_specs() == ["scale_two_way"]
    assert plan.panel_inputs("scale_two_way") == {"user": "data/processed/scale/trade_panel.parquet"}
    assert plan.ordinal_inputs("scale_ce_governance") == {"dataset": "data/simulated/cluster_cross_section.parquet"}
    assert plan.readme_outputs() == [] and plan.readings_outputs() == []
    assert plan.user_tables() == ["data/processed/scale/trade_panel.parquet"]
    assert plan.paper_pdf_outputs() == [] and plan.paper_pdf_catalogued() == []  # no report, no paper
    assert plan.manifest_outputs() == plan.final_outputs()
    assert "data/simulated/baci_flows.parquet" in plan.final_outputs()
    assert "results/scale/trade_flows/summary.csv" in plan.final_outputs()
    assert plan.claims_outputs() == [] and plan.claims_inputs() == {}   # no claims read, not even the registry


def test_the_claims_read_their_registry_and_a_missing_one_is_named():
    inputs = book().claims_inputs()
    assert inputs["registry"] == "data/claims/claims.yaml" and inputs["seed_lines"] == "data/claims/seed_lines.csv"
    assert inputs["patterns"] == "data/processed/clusters/sector_patterns.parquet"
    config = validated(BOOK)
    config["claims"]["registry"] = "data/claims/missing.yaml"
    with pytest.raises(ValueError, match="claims.registry: no such file 'data/claims/missing.yaml'"):
        Plan(config).claims_inputs()


def test_a_simulated_panel_spec_must_read_the_scale_panel():
    config = validated(BOOK)
    config["panel"]["specs"]["wrong"] = {"dataset": "simulated", "table": "elsewhere.parquet",
                                         "entity": "e", "time": "t", "outcome": "y", "regressors": ["x"]}
    with pytest.raises(ValueError, match=r"panel.specs.wrong: dataset simulated reads "
                                         r"data/processed/scale/trade_panel.parquet.*'elsewhere.parquet'"):
        Plan(config).check_simulated_panel_specs()


def test_trade_flows_globs_expand_sorted_and_must_match(tmp_path):
    for year in (2001, 1999):
        (tmp_path / f"BACI_Y{year}.csv").write_text("t\n", encoding="utf-8")
    assert expand_globs(str(tmp_path / "BACI_Y*.csv")) == [str(tmp_path / "BACI_Y1999.csv"),
                                                           str(tmp_path / "BACI_Y2001.csv")]
    assert expand_globs(["a.parquet"]) == ["a.parquet"]
    with pytest.raises(ValueError, match="trade_flows.input: no file matches"):
        expand_globs(str(tmp_path / "none_*.csv"))


def test_the_raw_inputs_are_the_files_the_build_reads_and_nothing_stray(monkeypatch, tmp_path):
    import shutil

    from gvc_clusters.data.sources import load_manifest

    monkeypatch.chdir(ROOT)
    raw = book().raw_inputs()
    listed = [f"data/raw/{e['file']}" for e in load_manifest("data/raw/sources.yaml")]
    editorial = ["data/raw/SHA256SUMS", "data/raw/decision_log.csv", "data/raw/sources.yaml"]
    assert raw == sorted(listed + editorial) and len(raw) == 25
    copy_of_raw = shutil.copytree(ROOT / "data/raw", tmp_path / "raw")
    (copy_of_raw / "clusters/table_10_4.csv~").write_text("an editor's backup\n", encoding="utf-8")
    in_copy = book(raw_dir=str(copy_of_raw)).raw_inputs()
    assert in_copy == [p.replace("data/raw", str(copy_of_raw), 1) for p in raw]
