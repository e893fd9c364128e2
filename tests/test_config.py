"""config/config.yaml is validated against workflow/schemas/config.schema.yaml (snakemake.utils.validate)."""

import copy

import pytest
import yaml
from conftest import ROOT
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config/config.yaml").read_text())


def test_shipped_config_is_valid(config):
    validate(copy.deepcopy(config), SCHEMA)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.update(raw_dri="data/raw"), "Additional properties are not allowed"),
        (lambda c: c.update(seed="42"), "'42' is not of type 'integer'"),
        (lambda c: c.update(seed=-1), "-1 is less than the minimum of 0"),
        (lambda c: c.update(families=["clusters", "coffee"]), "'coffee' is not one of"),
        (lambda c: c.pop("raw_dir"), "'raw_dir' is a required property"),
        # model specs: a regressor the data do not have, an unknown option, a bad link or SE type
        (lambda c: c["ordinal"]["specs"]["ce_governance"]["regressors"].append("ce_levle"),
         "'ce_levle' is not one of"),
        (lambda c: c["ordinal"]["specs"]["ce_governance"].update(robust=True), "Additional properties"),
        (lambda c: c["ordinal"]["specs"]["ce_governance"].update(links=["cloglog"]), "'cloglog' is not one of"),
        (lambda c: c["ordinal"].update(halves="round"), "'round' is not one of"),
        (lambda c: c["panel"]["specs"]["upgrading_governance"].update(se_type="hc3"), "'hc3' is not one of"),
        (lambda c: c["panel"]["specs"]["upgrading_governance"].update(panel="wages"), "'wages' is not one of"),
        (lambda c: c["panel"]["specs"].update(mine={"table": "x.parquet", "entity": "e"}),
         "is not valid under any"),
        (lambda c: c["ordinal"]["specs"].update({"Bad-Name": {"outcomes": ["product"], "regressors": ["ce_level"]}}),
         "does not match"),
        (lambda c: c["tables"].update(style="booktabs"), "'booktabs' is not one of"),
    ],
)
def test_bad_config_is_rejected_with_the_offending_key(config, change, message):
    change(config)
    with pytest.raises(WorkflowError, match=message):
        validate(config, SCHEMA)


def test_scale_profile_config_is_valid(config):
    """config/scale.yaml read on top of config/config.yaml (snakemake merges nested keys)."""
    from snakemake.utils import update_config

    update_config(config, yaml.safe_load((ROOT / "config/scale.yaml").read_text()))
    validate(config, SCHEMA)
    assert config["scale"]["enabled"] and "scale_ce_governance" in config["ordinal"]["specs"]


def test_unknown_regressor_stops_the_workflow_before_any_job(tmp_path):
    """The same check through snakemake itself: a dry run fails naming the key, nothing runs."""
    import subprocess

    # snakemake next to the interpreter, whatever the interpreter's file name (python, python3, python3.11)
    from workflow_copy import SNAKEMAKE

    bad = tmp_path / "bad.yaml"
    bad.write_text("ordinal:\n  specs:\n    ce_governance:\n      regressors: [ce_level, gdp]\n")
    run = subprocess.run([SNAKEMAKE, "-n", "--configfile", str(ROOT / "config/config.yaml"), str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode != 0
    assert "'gdp' is not one of" in run.stderr + run.stdout


def _dry_run(*args):
    import subprocess

    from workflow_copy import SNAKEMAKE

    return subprocess.run([SNAKEMAKE, "-n", "--quiet", "rules", "--configfile", str(ROOT / "config/config.yaml"),
                           str(ROOT / "config/scale.yaml"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_scale_specs_are_chosen_by_their_dataset_flag():
    """The scale profile fits the specs marked `dataset: simulated`, found by the flag (not by a path prefix)."""
    run = _dry_run()
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    assert "fit_panel" in out and "fit_ordinal" in out and "clean_scale_trade" in out
    assert "replicate_chapter10" not in out and "render_report" not in out          # nothing of the book


def test_scale_panel_table_must_follow_processed_dir(tmp_path):
    """Moving processed_dir no longer drops the scale panel silently: the stale table is named (by the
    preflight when the old file is absent, by common.smk when a stale copy is still there)."""
    run = _dry_run("--config", f"processed_dir={tmp_path / 'processed'}")
    assert run.returncode != 0
    assert "panel.specs.scale_two_way" in run.stderr + run.stdout
