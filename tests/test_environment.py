"""The three environment descriptions agree: requirements.lock, environment.yml, workflow/envs."""

import re

import yaml
from conftest import ROOT

# conda-forge names of the PyPI packages where they differ.
CONDA_NAME = {"snakemake": "snakemake-minimal", "jinja2": "jinja2", "pyyaml": "pyyaml"}


def lock():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        name, version = line.split("==")
        pins[name.lower()] = version
    return pins


def conda_pins(path):
    deps = yaml.safe_load(path.read_text())["dependencies"]
    return dict(re.match(r"^([\w.-]+)=(.+)$", d).groups() for d in deps if isinstance(d, str) and "=" in d)


def test_lock_pins_exact_versions_of_the_core():
    pins = lock()
    for core in ("statsmodels", "linearmodels", "pandas", "snakemake", "jinja2", "matplotlib", "pytest", "pandera"):
        assert core in pins


def test_conda_files_pin_the_lock_versions():
    pins = lock()
    for path in (ROOT / "environment.yml", ROOT / "workflow/envs/pipeline.yaml"):
        conda = conda_pins(path)
        for name, version in conda.items():
            if name == "python":
                assert version == "3.11"
                continue
            pypi = {v: k for k, v in CONDA_NAME.items()}.get(name, name)
            assert pins[pypi] == version, f"{path.name}: {name}={version} but requirements.lock has {pins[pypi]}"


def test_rule_environment_is_a_subset_of_environment_yml():
    rules = conda_pins(ROOT / "workflow/envs/pipeline.yaml")
    top = conda_pins(ROOT / "environment.yml")
    assert all(top[name] == version for name, version in rules.items())
