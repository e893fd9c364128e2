"""config/config.yaml is validated against workflow/schemas/config.schema.yaml (snakemake.utils.validate)."""

import copy

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from conftest import ROOT

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
    ],
)
def test_bad_config_is_rejected_with_the_offending_key(config, change, message):
    change(config)
    with pytest.raises(WorkflowError, match=message):
        validate(config, SCHEMA)
