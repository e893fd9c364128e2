"""The exhibit registry (gvc_clusters.output.exhibits): one entry says everything about a table or
figure, every drawer resolves and reads only what its entry lists, and a spec's exhibits go where
its built-in panel's entry says, whatever the spec is called."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.models.book_panels import BUILTIN_PANELS
from gvc_clusters.output import draw
from gvc_clusters.output.exhibits import (
    BOOK_EXHIBITS,
    CHAPTERS,
    SECTION_IDS,
    SOURCES,
    Exhibit,
    report_exhibits,
    spec_exhibits,
)
from gvc_clusters.output.render.document import document_plan
from gvc_clusters.vocabulary import DEFAULT
from gvc_clusters.workflow_plan import Plan


def default_config() -> dict:
    return with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))


def with_user_specs(cfg: dict) -> dict:
    cfg = copy.deepcopy(cfg)
    cfg["panel"]["specs"]["mine"] = {"table": "my.csv", "entity": "firm", "time": "year", "outcome": "y",
                                     "regressors": ["x"]}
    cfg["ordinal"]["specs"]["firms"] = {"table": "firms.csv", "outcomes": ["y"], "regressors": ["x"]}
    return with_defaults(cfg)


def test_every_exhibit_has_a_section_a_chapter_a_drawer_and_sources_that_resolve():
    plan = Plan(with_user_specs(default_config()))
    exhibits = plan.exhibits()
    assert len({e.name for e in exhibits}) == len(exhibits)
    for e in exhibits:
        assert e.section in SECTION_IDS and e.chapter in CHAPTERS.values(), e.name
        assert callable(draw.drawer(e)), e.name
        assert e.sources, e.name
        for key in e.sources:
            assert plan.source_path(key).startswith(("data/", "results/")), (e.name, key)
    assert {s for e in BOOK_EXHIBITS for s in e.sources if not s.startswith("*__")} <= set(SOURCES)


def test_an_exhibit_needs_a_known_section_and_a_drawer_must_exist():
    with pytest.raises(ValueError, match="unknown section 'nowhere'"):
        Exhibit("x", "figure", "X", CHAPTERS[10], "nowhere", ("model_dataset",), "salmon")
    ghost = Exhibit("x", "figure", "X", CHAPTERS[10], "appendix", ("model_dataset",), "no_such_drawer")
    with pytest.raises(LookupError, match="no drawing function gvc_clusters.output.draw.no_such_drawer"):
        draw.drawer(ghost)
    for not_a_drawer in ("write_figures", "pd", "_key_readings"):  # entry points, imports, helpers
        with pytest.raises(LookupError):
            draw.drawer(Exhibit("x", "figure", "X", CHAPTERS[10], "appendix", (), not_a_drawer))


def test_a_drawer_reads_only_the_sources_its_entry_lists():
    salmon = next(e for e in BOOK_EXHIBITS if e.name == "salmon")
    src = draw.Sources(salmon, {"salmon_production": "s.parquet", "model_dataset": "m.parquet"})
    assert src.path("salmon_production") == "s.parquet"
    with pytest.raises(KeyError, match="the drawer of salmon reads 'model_dataset'"):
        src.path("model_dataset")


def test_the_render_rules_declare_exactly_the_sources_of_their_exhibits():
    plan = Plan(default_config())
    figures = plan.exhibit_inputs("render_figures")
    assert set(figures) == {s for e in plan.exhibits() if e.kind == "figure" for s in e.sources}
    assert figures["salmon_production"] == "data/processed/salmon/salmon_production.parquet"
    assert figures["ordinal__ce_governance__models"] == "results/models/ordinal/ce_governance/models.json"
    # a descriptive panel has no figure: its result files are no input of render_figures
    assert not any("trade_share_change" in k or "us_furniture_imports" in k for k in figures if "readings" not in k)
    assert plan.exhibit_inputs("render_report") == {"sources_manifest": "data/raw/sources.yaml"}


def placement(exhibits, vocabulary=DEFAULT) -> list[tuple]:
    """Where each exhibit lands (section, block, number, chapter), by what it is, not by its name."""
    plan = document_plan(exhibits, vocabulary)
    by_name = {e.name: e for e in exhibits}
    out = []
    for section in plan:
        for block in section.blocks:
            for item in block.items:
                e = by_name[item.name]
                out.append((section.id, block.number, item.title, e.chapter, e.draw, e.claim))
    return out


def test_renaming_a_spec_or_adding_one_on_the_same_panel_moves_nothing():
    cfg = default_config()
    before = Plan(cfg).exhibits()
    renamed = copy.deepcopy(cfg)
    specs = renamed["panel"]["specs"]
    renamed["panel"]["specs"] = {("imports_renamed" if k == "us_furniture_imports" else k): v for k, v in specs.items()}
    after = Plan(renamed).exhibits()
    assert placement(after) == placement(before)
    moved = next(e for e in after if e.name == "panel_imports_renamed")
    assert (moved.section, moved.chapter, moved.claim) == ("cases", CHAPTERS[5], False)
    assert not any(e.name == "coefficients_imports_renamed" for e in after)   # descriptive: no figure
    # a second spec on the trade-share panel joins the first in chapter 9, with no figure and no claim
    twice = copy.deepcopy(cfg)
    twice["panel"]["specs"]["another_share_model"] = dict(cfg["panel"]["specs"]["trade_share_change"])
    extra = [e for e in Plan(twice).exhibits() if e.spec == "another_share_model"]
    assert [(e.name, e.section, e.chapter, e.claim) for e in extra] == [
        ("panel_another_share_model", "chapter9", CHAPTERS[9], False)]


def test_spec_exhibits_take_their_place_from_the_panel_entry():
    for name, entry in BUILTIN_PANELS.items():
        exhibits = spec_exhibits("panel", "x", {"panel": name})
        assert {e.section for e in exhibits} == {entry.section}
        assert all(e.chapter == CHAPTERS[entry.chapter] and e.claim == entry.claim for e in exhibits)
        assert [e.kind for e in exhibits] == (["table", "figure"] if entry.claim else ["table"])
    user = spec_exhibits("ordinal", "firms", {"table": "f.csv"})
    assert [(e.name, e.section) for e in user] == [("ordinal_firms", "claims"), ("ordinal_firms_ame", "appendix"),
                                                   ("coefficients_firms", "claims")]


def test_no_module_places_an_exhibit_by_a_spec_name():
    """Placement lives in the registry and the panel entries only (the issue behind it: renaming
    us_furniture_imports turned a descriptive panel into a claim)."""
    spec_names = set(default_config()["ordinal"]["specs"]) | set(default_config()["panel"]["specs"])
    pattern = re.compile("|".join(rf"['\"](panel_|ordinal_|coefficients_)?{n}['\"]" for n in spec_names))
    for path in [*(ROOT / "src/gvc_clusters/output").rglob("*.py"), *(ROOT / "workflow/templates").rglob("*.j2"),
                 ROOT / "src/gvc_clusters/workflow_plan.py"]:
        assert not pattern.search(Path(path).read_text(encoding="utf-8")), path


def test_records_round_trip_through_the_rule_params():
    exhibits = report_exhibits({"a": {}}, {"p": {"panel": "upgrading"}})
    assert [Exhibit(**e.record()) for e in exhibits] == exhibits
