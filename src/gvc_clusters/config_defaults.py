"""The configuration's defaults, from the one place they are written: workflow/schemas/config.schema.yaml.

Snakemake's ``validate(config, schema)`` (set_default=True) fills every ``default`` of the schema
into the config while it validates: it extends the validator's ``properties`` keyword with
``instance.setdefault(key, default)``, so a default is filled wherever validation descends into a
``properties`` block - including the spec maps ``ordinal.specs.<name>`` and ``panel.specs.<name>``
(their ``additionalProperties`` subschema is validated with the same extended validator) and a
``then`` branch once its ``if`` holds. The package's code therefore indexes config keys and never
writes a default of its own.

Callers outside Snakemake (tests, benchmarks, scripts that write a spec by hand) get the same
filled config here, by the same mechanism on the same file, never a copy of the values:

* ``with_defaults(config)`` - a whole config, as the workflow sees it after ``validate``;
* ``spec_with_defaults("ordinal" | "panel", spec)`` - one model spec;
* ``section_with_defaults(name, value)`` - one top-level section (e.g. ``trade_flows``).

Light on purpose (jsonschema and yaml only).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
SPEC_KINDS = ("ordinal", "panel")


@cache
def _schema(path: str) -> dict:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: the config schema (workflow/schemas/config.schema.yaml) is not there; "
                                "gvc_clusters reads its defaults from the repository it runs in")
    return yaml.safe_load(file.read_text(encoding="utf-8"))


def schema(path: str | Path = SCHEMA) -> dict:
    """The config schema (parsed once per path; do not mutate it)."""
    return _schema(str(path))


def _filling_validator(subschema: dict):
    """Draft 2020-12 validator whose ``properties`` fills defaults, as snakemake.utils.validate does
    (the jsonschema FAQ recipe), except that a default is copied so the schema is never mutated."""
    from jsonschema import Draft202012Validator, validators

    validate_properties = Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(Draft202012Validator, {"properties": set_defaults})(subschema)


def fill_defaults(value, subschema: dict, *, where: str = "config", check: bool = True):
    """A deep copy of ``value`` with the defaults of ``subschema`` filled in. With ``check`` an
    invalid value raises ValueError naming the first problem (``where`` = its place in config)."""
    filled = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
    errors = sorted(_filling_validator(subschema).iter_errors(filled), key=lambda e: list(e.absolute_path))
    if check and errors:
        first = errors[0]
        at = ".".join([where, *(str(p) for p in first.absolute_path)])
        raise ValueError(f"{at}: {first.message} (workflow/schemas/config.schema.yaml)")
    return filled


def with_defaults(config: Mapping, *, check: bool = True, path: str | Path = SCHEMA) -> dict:
    """The whole config with the schema's defaults, as the workflow sees it after validation."""
    return fill_defaults(config, schema(path), check=check)


def section_schema(name: str, path: str | Path = SCHEMA) -> dict:
    """The subschema of a top-level config section (e.g. ``trade_flows``)."""
    try:
        return schema(path)["properties"][name]
    except KeyError:
        raise KeyError(f"config has no section {name!r}; expected one of {sorted(schema(path)['properties'])}") from None


def spec_schema(kind: str, path: str | Path = SCHEMA) -> dict:
    """The subschema of one model spec: ``ordinal.specs.<name>`` or ``panel.specs.<name>``."""
    if kind not in SPEC_KINDS:
        raise KeyError(f"spec kind {kind!r}; expected one of {list(SPEC_KINDS)}")
    return section_schema(kind, path)["properties"]["specs"]["additionalProperties"]


def section_with_defaults(name: str, value: Mapping, *, check: bool = True) -> dict:
    """One top-level section (e.g. ``trade_flows``) with its defaults filled."""
    return fill_defaults(value, section_schema(name), where=name, check=check)


def spec_with_defaults(kind: str, spec: Mapping, *, check: bool = True) -> dict:
    """One ``ordinal`` or ``panel`` spec with its defaults filled, as a rule receives it."""
    return fill_defaults(spec, spec_schema(kind), where=f"{kind}.specs.<spec>", check=check)


def defaults_of(kind: str) -> dict:
    """The defaults every spec of ``kind`` gets (those of the spec's own ``properties``)."""
    return {name: copy.deepcopy(sub["default"]) for name, sub in spec_schema(kind)["properties"].items()
            if "default" in sub}
