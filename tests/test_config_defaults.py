"""Config defaults live in the schema only (gvc_clusters.config_defaults fills them as Snakemake does),
and the built-in panels are one registry (gvc_clusters.models.book_panels)."""

import copy
import re

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from snakemake.utils import update_config, validate

from gvc_clusters.config_defaults import (
    defaults_of,
    schema,
    section_with_defaults,
    spec_with_defaults,
    with_defaults,
)
from gvc_clusters.models.book_panels import BUILTIN_PANELS, builtin_panel, readings_apply

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")
SRC = ROOT / "src" / "gvc_clusters"


def shipped(name="config.yaml"):
    return yaml.safe_load((ROOT / "config" / name).read_text(encoding="utf-8"))


def user_config():
    """The shipped config plus a user-table panel spec and a user-table ordinal spec (minimal)."""
    config = shipped()
    config["panel"]["specs"]["mine"] = {"table": "data/mine.csv", "entity": "firm", "time": "year", "outcome": "y",
                                        "regressors": ["x"]}
    config["ordinal"]["specs"]["firms"] = {"table": "data/firms.csv", "formula": "y ~ x"}
    return config


# ---------------------------------------------------------------------------- the helper = Snakemake


def scale_profile():
    """config/scale.yaml read on top of config/config.yaml, as ``--configfile`` merges it."""
    config = shipped()
    update_config(config, shipped("scale.yaml"))
    return config


@pytest.mark.parametrize("make", [shipped, user_config, scale_profile])
def test_helper_fills_exactly_what_snakemake_validate_fills(make):
    config = make()
    by_snakemake = copy.deepcopy(config)
    validate(by_snakemake, SCHEMA)
    assert with_defaults(config) == by_snakemake
    assert by_snakemake != config                           # there were defaults to fill


def test_defaults_are_filled_under_additional_properties_and_then_branches():
    """The spec maps (``additionalProperties``) get their defaults, and the upgrading panel's options
    only on an upgrading spec (``if``/``then``)."""
    filled = copy.deepcopy(user_config())
    validate(filled, SCHEMA)
    panel, ordinal = filled["panel"]["specs"], filled["ordinal"]["specs"]
    assert panel["upgrading_governance"]["chains"] == ["quasi_hierarchy"]
    assert panel["upgrading_governance"]["chain_threshold"] == 1
    for name in ("trade_share_change", "us_furniture_imports", "mine"):
        assert "chains" not in panel[name] and "chain_threshold" not in panel[name]
        assert panel[name]["readings"] is False and panel[name]["absorb"] == []
    assert panel["mine"]["estimator"] == "panel_ols" and panel["mine"]["se_type"] == "cluster_entity"
    assert ordinal["governance_types"]["interactions"] == [] and ordinal["governance_types"]["dataset"] == "book"
    assert ordinal["firms"]["links"] == ["probit"] and ordinal["firms"]["se_type"] == "model_based"
    assert filled["trade_flows"]["trim_ratio"] == 10 and filled["trade_flows"]["periods"]["b"] == [2015, 2020]
    # a value the user wrote is kept
    assert panel["trade_share_change"]["se_type"] == "robust"


def test_schema_defaults_are_not_mutated_by_filling():
    before = copy.deepcopy(schema())
    first = section_with_defaults("trade_flows", {})
    first["periods"]["a"][0] = 1900
    assert section_with_defaults("trade_flows", {})["periods"]["a"] == [1995, 2000]
    assert schema() == before


def test_an_invalid_spec_is_refused_naming_its_key():
    with pytest.raises(ValueError, match=r"panel.specs.<spec>.chain_threshold: 2 is not one of"):
        spec_with_defaults("panel", {"panel": "upgrading", "chain_threshold": 2})


# ---------------------------------------------------------------------------- the code sees the schema's defaults


def test_the_panel_enum_of_the_schema_is_the_registry():
    enum = schema()["properties"]["panel"]["properties"]["specs"]["additionalProperties"]["properties"]["panel"]["enum"]
    assert enum == list(BUILTIN_PANELS)


@pytest.fixture(scope="module")
def model_dataset():
    from gvc_clusters.data.families import build_family

    return build_family("clusters", ROOT / "data" / "raw").tables["model_dataset"]


def _estimates(fits):
    return pd.concat([f.estimates.assign(model_id=f.model_id) for f in fits], ignore_index=True)


def test_upgrading_panel_defaults_are_the_schemas(model_dataset):
    """A spec that writes only ``panel: upgrading`` fits what one writing the schema's defaults out
    fits, and another chain threshold fits something else (so the comparison can fail)."""
    from gvc_clusters.models.specs import run_panel_spec

    tables = {"model_dataset": model_dataset}
    explicit = {"panel": "upgrading", "chains": ["quasi_hierarchy"], "chain_threshold": 1,
                "se_type": "cluster_entity", "cluster_convention": "nested_not_counted"}
    assert {k: v for k, v in spec_with_defaults("panel", {"panel": "upgrading"}).items() if k in explicit} == explicit
    by_default = _estimates(run_panel_spec("u", spec_with_defaults("panel", {"panel": "upgrading"}), tables))
    written = _estimates(run_panel_spec("u", spec_with_defaults("panel", explicit), tables))
    pd.testing.assert_frame_equal(by_default, written)
    other = _estimates(run_panel_spec("u", spec_with_defaults("panel", {**explicit, "chain_threshold": 0}), tables))
    assert not other["estimate"].equals(by_default["estimate"])


def test_ordinal_defaults_are_the_schemas(model_dataset):
    from gvc_clusters.models.specs import run_ordinal_spec

    minimal = {"outcomes": ["product"], "regressors": ["ce_level", "quasi_hierarchy_global"]}
    defaults = defaults_of("ordinal")
    assert defaults["links"] == ["probit"] and defaults["se_type"] == "model_based"
    explicit = {**minimal, **defaults}
    kwargs = {"halves": "keep", "n_permutations": 0, "seed": 1}
    by_default = run_ordinal_spec("m", spec_with_defaults("ordinal", minimal), model_dataset, **kwargs)
    written = run_ordinal_spec("m", spec_with_defaults("ordinal", explicit), model_dataset, **kwargs)
    assert [f.model_id for f in by_default] == ["m__product__probit"]
    pd.testing.assert_frame_equal(_estimates(by_default), _estimates(written))
    robust = run_ordinal_spec("m", spec_with_defaults("ordinal", {**minimal, "se_type": "hc1"}), model_dataset, **kwargs)
    assert not _estimates(robust)["std_error"].equals(_estimates(by_default)["std_error"])


def test_code_without_a_filled_default_fails_rather_than_guessing():
    """The spec runner indexes the keys the schema fills: a spec that skipped the defaults is an error,
    not a silent second default."""
    from gvc_clusters.models.specs import panel_build

    with pytest.raises(KeyError, match="chains"):
        panel_build({"panel": "upgrading"}, {"model_dataset": pd.DataFrame()})


# Modules that receive config, a spec or an options section. preflight.py reads the raw config
# before validation (it must tolerate missing keys) and is left out on purpose.
SPEC_MODULES = ["models/specs.py", "models/reading_batch.py", "models/book_panels.py",
                "models/panel/fit.py", "analysis/trade_flows.py", "output/replication_readme.py", "jobs.py",
                "output/report.py", "analysis/cases.py", "analysis/scale.py"]
CONFIG_GET_WITH_DEFAULT = re.compile(r"\b(spec|config|options|settings|params|cfg)\w*(\[[^\]]+\])*\.get\(\s*['\"]\w+['\"]\s*,")


def test_no_config_default_is_written_in_the_package():
    found = []
    for name in SPEC_MODULES:
        for number, line in enumerate((SRC / name).read_text(encoding="utf-8").splitlines(), start=1):
            if CONFIG_GET_WITH_DEFAULT.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []
    assert CONFIG_GET_WITH_DEFAULT.search('se_type = spec.get("se_type", "cluster_entity")')   # the check can fail
    assert CONFIG_GET_WITH_DEFAULT.search('smk.config.get("fail_rules", [])')


# ---------------------------------------------------------------------------- the registry


def test_every_builtin_panel_has_its_builder_fitter_and_tables():
    for name, entry in BUILTIN_PANELS.items():
        assert entry.name == name and entry.tables and callable(entry.build) and callable(entry.fit)
        assert builtin_panel({"panel": name}) is entry
    assert builtin_panel({"table": "x.csv"}) is None
    assert [n for n, e in BUILTIN_PANELS.items() if e.has_readings] == ["upgrading"]
    assert readings_apply({"panel": "upgrading", "readings": True})
    assert not readings_apply({"panel": "trade_share_change", "readings": True})
    assert not readings_apply({"table": "x.csv", "readings": True})


def test_no_builtin_panel_name_is_spelled_out_in_the_spec_runner():
    """Logic about a built-in panel goes through the registry, not an if-chain on its name."""
    for name in ("models/specs.py", "models/reading_batch.py"):
        text = (SRC / name).read_text(encoding="utf-8")
        compared = [p for p in BUILTIN_PANELS
                    if re.search(rf"""([=!]=|\bin)\s*\(?['"]{p}['"]|['"]{p}['"]\s*[=!]=""", text)]
        assert compared == [], name
    assert re.search(r"""([=!]=|\bin)\s*\(?['"]upgrading['"]""", 'if spec.get("panel") != "upgrading":')


def test_domain_words_come_from_the_vocabulary():
    """models/ writes no list of chain types, upgrading types, CE degrees or sector groups of its own."""
    from gvc_clusters import vocabulary as v

    lists = {"chain types": v.CHAIN_TYPES, "upgrading types": v.UPGRADING_TYPES[:3], "CE degrees": v.CE_DEGREES,
             "sector groups": v.SECTOR_GROUPS[:2]}
    for path in sorted((SRC / "models").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for what, words in lists.items():
            spelled = re.compile(r"[\(\[\{]\s*" + r"\W{1,6}".join(f"['\"]{w}['\"]" for w in words))
            assert not spelled.search(text), f"{path.name} spells out the {what}"
