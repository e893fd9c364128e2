"""Trust boundaries (issue 14): no code from data or config, signed inputs, clear errors before any job.

Each test plants one hostile or careless input and asserts the exact, located message a user sees.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DEVELOPER_README, ROOT, edit_cell, refresh
from workflow_copy import SNAKEMAKE, isolated_env, make_workspace

from gvc_clusters import preflight
from gvc_clusters.data import checks
from gvc_clusters.data.checks import ExpressionError, evaluate_expression, parse_expression
from gvc_clusters.data.decisions import read_decision_log
from gvc_clusters.data.families import build_family
from gvc_clusters.data.publish import manifest_lines, publish
from gvc_clusters.data.sources import (
    MAX_RAW_BYTES,
    RESIGN_COMMAND,
    load_manifest,
    verify_checksums,
    verify_inputs,
    verify_signatures,
)
from gvc_clusters.errors import InputError
from gvc_clusters.models.specs import read_user_table

CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))


def _config(**changes) -> dict:
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    config.update(changes)
    return config


# ---- 1. no code from data ------------------------------------------------------------------------
def test_whitelist_grammar_computes_the_shipped_formulas():
    row = {"a": 2.0, "b x": 3.0, "c": 4.0}
    assert evaluate_expression("`a` + `b x`", row) == 5.0
    assert evaluate_expression("100 * `a` / (`c` - `a`)", row) == 100.0
    assert evaluate_expression("0.5 * `a` + 0.5 * `c`", row) == 3.0
    assert evaluate_expression("sum(`a`, `b x`, `c`) − mean(`a`, `c`)", row) == 6.0
    assert evaluate_expression("-`a` × 2 ÷ 4", row) == -1.0
    assert evaluate_expression("`a` / 0", row) != evaluate_expression("`a` / 0", row)  # NaN: not checkable
    # every expression shipped in data/raw/sources.yaml parses
    shipped = [c["expr"] for e in load_manifest(ROOT / "data/raw/sources.yaml") for c in e.get("checks", [])
               if "expr" in c]
    assert len(shipped) >= 19
    for expr in shipped:
        parse_expression(expr)


@pytest.mark.parametrize("payload, message", [
    ("`Total`.__class__", "character '.' at position 8 is not allowed"),
    ("__import__('os').system('touch pwned')", "name '__import__' at position 1 is not allowed"),
    ("@pd.io.common.os.system('touch pwned')", "character '@' at position 1 is not allowed"),
    ("`Total`[0]", "character '[' at position 8 is not allowed"),
    ("open(`Total`)", "name 'open' at position 1 is not allowed"),
    ("`Total` +", "expected a number, a `column`, sum(...), mean(...) or '(' at position 10"),
    ("`Total` `Total`", "expected an operator or the end of the expression at position 9"),
])
def test_attribute_access_and_calls_are_rejected(payload, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse_expression(payload)


def test_payload_planted_in_sources_yaml_is_rejected_before_any_table_is_read(raw_copy, tmp_path):
    marker = tmp_path / "pwned"
    path = raw_copy / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    payload = f"@pd.io.common.os.system('touch {marker}')"
    text = text.replace("expr: '`Number of independent firms`'", f"expr: \"{payload}\"", 1)
    path.write_text(text, encoding="utf-8")
    refresh(raw_copy)  # even re-signed
    with pytest.raises(InputError) as err:
        load_manifest(path)
    assert "entry 'salmon/table_4_3.csv': expression rejected: character '@' at position 1 is not allowed" \
        in str(err.value)
    assert "column 'expr'" in str(err.value)
    with pytest.raises(InputError):
        build_family("salmon", raw_copy)
    assert not marker.exists()


def test_no_code_path_evaluates_text():
    """Nothing in the package or the workflow calls eval/query/DataFrame.eval or a shell."""
    pattern = re.compile(r"\.eval\(|\.query\(|(?<![\w.])eval\(|(?<![\w.])exec\(|shell=True|os\.system|^\s*shell:",
                         re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for folder in ("src", "workflow") for p in (ROOT / folder).rglob("*")
                 if p.suffix in (".py", ".smk") and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_check_reading_a_column_the_table_lacks_is_named():
    numbers = pd.DataFrame({"a": [1.0], "t": [1.0]}, index=pd.Index([1], name="row"))
    bad = [{"type": "row_formula", "target": "t", "expr": "`a` + `zzz`", "why": "x"}]
    with pytest.raises(InputError, match="column 'zzz': column named in the expression of check row_formula#1"):
        checks.verify_references(bad, numbers, "t.csv")


def test_paths_with_a_space_or_shell_characters_are_rejected():
    errors = preflight.check_paths(_config(processed_dir="data/pro cessed", results_dir="res$(touch pwned)"))
    assert [str(e) for e in errors] == [
        ("config, column 'processed_dir': path has a space at position 9, which the workflow does not accept "
         "(paths are passed to Snakemake, logs and sha256sum as plain words) (got 'data/pro cessed'; "
         "expected letters, digits and . _ - + / only, not starting with '-')"),
        ("config, column 'results_dir': path has the character '$' at position 4, which the workflow does not "
         "accept (paths are passed to Snakemake, logs and sha256sum as plain words) (got 'res$(touch pwned)'; "
         "expected letters, digits and . _ - + / only, not starting with '-')"),
    ]
    assert preflight.check_paths(CONFIG) == []
    import jsonschema

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(_config(processed_dir="data/pro cessed"), schema)


def test_shell_metacharacters_in_processed_dir_stop_snakemake_before_any_job(tmp_path):
    workspace = make_workspace(tmp_path / "ws")
    stub = workspace / ".test_bin" / "scontrol"  # no SLURM controller: fail at once (see test_reliability)
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    stub.chmod(0o755)
    env = isolated_env(workspace)
    env["PATH"] = f"{stub.parent}{os.pathsep}{env['PATH']}"
    run = subprocess.run([SNAKEMAKE, "--cores", "1", "--config", "processed_dir=out$(touch pwned)x"],
                         cwd=workspace, capture_output=True, text=True, check=False, timeout=300, env=env)
    assert run.returncode != 0
    assert "column 'processed_dir': path has the character '$' at position 4" in run.stderr + run.stdout
    assert not (workspace / "pwned").exists() and not (workspace / "logs").exists()


def test_publish_and_manifest_are_python_and_handle_any_path(tmp_path):
    staged = tmp_path / "a dir $(x)" / "t.csv"
    staged.parent.mkdir()
    staged.write_text("1,2\n", encoding="utf-8")
    target = tmp_path / "out dir;rm -rf ~" / "t.csv"
    publish([str(staged)], [str(target)])
    assert target.read_text(encoding="utf-8") == "1,2\n"
    other = tmp_path / "B.txt"
    other.write_text("b", encoding="utf-8")
    text = manifest_lines([str(target), str(other)])
    digest = hashlib.sha256(b"1,2\n").hexdigest()
    assert text.splitlines()[1] == f"{digest}  {target}"  # C-locale order: '/tmp/.../B.txt' < '/tmp/.../out dir'
    # the workflow no longer has a shell rule that interpolates a path
    for rules in (ROOT / "workflow/rules").glob("*.smk"):
        assert "shell:" not in rules.read_text(encoding="utf-8"), rules


def test_pipeline_sh_never_removes_a_venv_path_outside_the_repository(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious", encoding="utf-8")
    (victim / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")  # looks like a venv
    run = subprocess.run(["bash", str(ROOT / "pipeline.sh"), "test"], env={**os.environ, "VENV": str(victim)},
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 2
    assert f"refusing to remove VENV={victim}" in run.stderr and "not a folder inside the repository" in run.stderr
    assert (victim / "keep.txt").read_text(encoding="utf-8") == "precious"


def test_pipeline_sh_never_removes_a_repository_folder_that_is_not_a_venv():
    run = subprocess.run(["bash", str(ROOT / "pipeline.sh"), "test"], env={**os.environ, "VENV": "src"},
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 2
    assert "refusing to remove VENV=src" in run.stderr and "not a virtual environment (no pyvenv.cfg)" in run.stderr
    assert (ROOT / "src/gvc_clusters/__init__.py").is_file()
    assert not (ROOT / "src.create-lock").exists()  # nothing written beside the refused VENV


# ---- 2. signed inputs -----------------------------------------------------------------------------
def test_shipped_signatures_verify():
    verify_inputs(ROOT / "data/raw")
    run = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=ROOT / "data/raw", capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "decision_log.csv: OK" in run.stdout and "sources.yaml: OK" in run.stdout


def test_edited_decision_log_value_stops_the_build(raw_copy):
    path = raw_copy / "decision_log.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Exports 1996,480.0,480.0", "Exports 1996,480.0,490.0", 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        verify_signatures(raw_copy)
    message = str(err.value)
    assert f"{path}, column 'sha256': signature mismatch: the file changed since it was signed in " \
           f"{raw_copy / 'SHA256SUMS'}; after an intentional edit run {RESIGN_COMMAND}" in message


def test_edited_sources_manifest_stops_the_build(raw_copy):
    path = raw_copy / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("tolerance: 0.5", "tolerance: 5", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"sources.yaml, column 'sha256': signature mismatch"):
        verify_inputs(raw_copy)


def test_resign_command_runs_exactly_as_the_readme_prints_it(tmp_path):
    readme = DEVELOPER_README.read_text(encoding="utf-8")
    (printed,) = set(re.findall(r"^\s+(\.venv/bin/python -m gvc_clusters\.data\.sources --update \S+)$", readme, re.MULTILINE))
    assert printed == f".venv/bin/python {RESIGN_COMMAND[len('python '):]}"
    assert f"`{RESIGN_COMMAND}`" in (ROOT / "data/raw/README.md").read_text(encoding="utf-8")
    workspace = make_workspace(tmp_path / "ws")
    (workspace / ".venv").symlink_to(Path(sys.executable).parents[1])  # the test's own venv as .venv
    table = workspace / "data/raw/salmon/table_4_1.csv"
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a harmless edit
    log = workspace / "data/raw/decision_log.csv"
    log.write_text(log.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(InputError):
        verify_signatures(workspace / "data/raw")
    run = subprocess.run(shlex.split(printed), cwd=workspace, capture_output=True, text=True, check=False, timeout=120,
                         env=isolated_env(workspace))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ("1 raw-file checksum(s) updated in data/raw/sources.yaml; signed decision_log.csv, "
                          "sources.yaml in data/raw/SHA256SUMS\n")
    verify_inputs(workspace / "data/raw")
    verify_checksums(workspace / "data/raw/sources.yaml", files=["salmon/table_4_1.csv"])


def test_resigned_edit_that_breaks_a_printed_total_stops_the_build(raw_copy):
    edit_cell(raw_copy / "salmon/table_4_3.csv", 1, "Number of independent firms", "6")  # printed 5
    refresh(raw_copy)
    with pytest.raises(InputError) as err:
        build_family("salmon", raw_copy)
    message = str(err.value)
    assert message.startswith("2 problem(s):")
    assert (f"{raw_copy / 'salmon/table_4_3.csv'}, row 5, column 'Number of independent firms': table 4-3: printed "
            "checksum column_sum#1 fails and no contradiction is registered for it in "
            f"{raw_copy / 'decision_log.csv'}") in message
    assert "(got 'printed 30, recomputed 31'; expected agreement within 0.5" in message
    assert "row 1, column 'Total': table 4-3: printed checksum row_formula#4 fails" in message
    assert "(got 'printed 24, recomputed 25'" in message


def test_registered_contradiction_keeps_passing(raw_copy):
    edit_cell(raw_copy / "salmon/table_4_3.csv", 1, "Number of independent firms", "6")
    with open(raw_copy / "decision_log.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(
            ["4-3", "1", "Core of production chain", "Number of independent firms", "6", "6", "default",
             "contradiction", "low", "test: the printed row disagrees with the printed subtotal"])
    refresh(raw_copy)
    result = build_family("salmon", raw_copy)
    found = result.checks[(result.checks["table"] == "4-3") & (result.checks["status"] == "mismatch")]
    assert sorted(zip(found["check"], found["row"], found["printed"], found["recomputed"])) == [
        ("column_sum#1", 5, 30.0, 31.0), ("row_formula#4", 1, 24.0, 25.0)]


def test_shipped_contradictions_still_pass():
    # the book's known inconsistencies (e.g. Table 10-1 CE index rows 1-4) stay findings, not errors
    result = build_family("clusters", ROOT / "data/raw")
    mismatches = result.checks[result.checks["status"] == "mismatch"]
    assert {("10-1", 1), ("10-1", 4), ("10-5", 13), ("10-6", 11)} <= set(zip(mismatches["table"], mismatches["row"]))


# ---- 4. clear errors for documented usage --------------------------------------------------------
def test_cluster_se_without_or_with_unknown_cluster_by():
    config = _config()
    specs = config["ordinal"]["specs"]
    specs["ce_governance"]["se_type"] = "cluster"
    specs["governance_types"].update(se_type="cluster", cluster_by="country")
    messages = [str(e) for e in preflight.check_ordinal_specs(config)]
    assert messages[0] == ("config, column 'ordinal.specs.ce_governance.cluster_by': se_type: cluster needs "
                           f"cluster_by, the column whose groups are the clusters (expected one of "
                           f"{preflight.ORDINAL_CLUSTER_BY})")
    assert messages[1].startswith("config, column 'ordinal.specs.governance_types.cluster_by': cluster_by is not a "
                                  "column of the ordinal models' data (got 'country'; expected one of ['cluster_id'")
    specs["governance_types"]["cluster_by"] = "sector_group"
    assert len(preflight.check_ordinal_specs(config)) == 1


def _user_spec(table: Path, **extra) -> dict:
    config = _config()
    config["panel"]["specs"] = {"mine": {"table": str(table), "entity": "firm", "time": "year",
                                         "outcome": "y", "regressors": ["x1", "x2"], **extra}}
    return config


def test_user_table_regressors_not_in_the_header_are_caught_at_config_validation(tmp_path):
    table = tmp_path / "panel.csv"
    table.write_text("firm,year,y,x1,x_2\na,2000,1.0,2.0,3.0\n", encoding="utf-8")
    (error,) = preflight.check_user_tables(_user_spec(table))
    assert str(error) == (f"{table}, column 'x2': column named by panel.specs.mine.regressors is not in the table's "
                          "header (did you mean 'x_2'?) (got 'x2'; expected one of ['firm', 'year', 'y', 'x1', 'x_2'])")
    missing = tmp_path / "nope.csv"
    (error,) = preflight.check_user_tables(_user_spec(missing))
    assert "column 'panel.specs.mine.table': the panel table named in config does not exist" in str(error)


def test_header_only_files_are_named(tmp_path, raw_copy):
    table = tmp_path / "panel.csv"
    table.write_text("firm,year,y,x1,x2\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{table}, row 1: the panel table has a header but no rows")):
        read_user_table(table, ["firm", "year", "y", "x1", "x2"], ["y", "x1", "x2"])
    log = raw_copy / "decision_log.csv"
    kept = log.read_bytes()
    log.write_text(log.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{log}, row 1: decision log has a header but no rows")):
        read_decision_log(log)
    log.write_bytes(kept)
    key = raw_copy / "clusters/cluster_key.csv"
    key.write_text(key.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    refresh(raw_copy)
    with pytest.raises(InputError, match=re.escape(f"{key}, row 1: cluster key has a header but no rows")):
        build_family("clusters", raw_copy)


def test_text_in_a_numeric_column_of_a_user_table_names_row_and_value(tmp_path):
    table = tmp_path / "panel.csv"
    table.write_text("firm,year,y,x1,x2\na,2000,1.0,2.0,3.0\na,2001,1.5,,3.5\nb,2000,2.0,n.a.,1.0\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_user_table(table, ["firm", "year", "y", "x1", "x2"], ["y", "x1", "x2"])
    assert str(err.value) == (f"{table}, row 4, column 'x1': text in a numeric column of the panel table (1 cell(s); "
                              "missing values must be empty cells) (got 'n.a.'; expected a number, or an empty cell "
                              "for a missing value)")


def test_a_very_large_file_in_place_of_a_raw_table_fails_fast(raw_copy):
    path = raw_copy / "dairy/table_2_1.csv"
    with open(path, "ab") as fh:
        fh.truncate(MAX_RAW_BYTES + 1)  # sparse: no time spent writing it
    with pytest.raises(InputError) as err:
        verify_checksums(raw_copy / "sources.yaml", files=["dairy/table_2_1.csv"])
    assert str(err.value).splitlines()[1] == (f"  - {path}: raw table file is 2,000,001 bytes, far larger than a printed table (a "
                              "different file copied in its place?); refused before reading it (got '2,000,001 "
                              "bytes'; expected at most 2,000,000 bytes)")
    from gvc_clusters.data.rawtable import read_raw_table

    with pytest.raises(InputError, match="raw table file is 2,000,001 bytes"):
        read_raw_table(path)


def test_permutation_draws_that_would_run_for_hours_are_refused_with_an_estimate():
    from gvc_clusters.models.cost import ITERATIONS, SECONDS_PER_UNIT

    assert preflight.check_permutations(CONFIG) == []  # the book's 4999 batched draws: seconds
    book = preflight.permutation_seconds(preflight.BOOK_CLUSTERS, 4999, 2, 4, 3, 1)
    assert 5 < book < 60
    # one cost model: the batched fit's, with regressors + interactions + at most 7 cutpoints
    assert preflight.permutation_seconds(1_000_000, 1, 1, 5) == pytest.approx(
        SECONDS_PER_UNIT * 1_000_000 * (5 + 7) ** 2 * ITERATIONS)
    config = _config()
    config["ordinal"]["specs"]["ce_governance"]["dataset"] = "simulated"
    (error,) = preflight.check_permutations(config)
    assert str(error) == ("config, column 'ordinal.n_permutations': spec 'ce_governance': 4999 permutation draws x 2 "
                          "term(s) x 3 outcome(s) = 29,994 refits of 1,000,000 rows would take about 144.0 h; refused "
                          "(got 4999; expected at most about 60 min (fewer draws or terms, or n_permutations: 0 at "
                          "scale; cost model in gvc_clusters/models/cost.py))")


def test_mistyped_key_in_a_profile_is_named(tmp_path):
    options = preflight.snakemake_options()
    for profile in (ROOT / "profiles").glob("*/config.yaml"):
        assert preflight.check_profile(profile, options) == [], profile
    bad = tmp_path / "config.yaml"
    bad.write_text((ROOT / "profiles/default/config.yaml").read_text(encoding="utf-8")
                   .replace("rerun-incomplete:", "rerun-incomplet:"), encoding="utf-8")
    (error,) = preflight.check_profile(bad, options)
    assert str(error) == (f"{bad}, row 4, column 'rerun-incomplet': unknown snakemake option in a profile (did you "
                          "mean 'rerun-incomplete'?) (got 'rerun-incomplet'; expected a long option of `snakemake "
                          "--help` without its dashes)")
    run = subprocess.run([sys.executable, "-m", "gvc_clusters.preflight", str(bad)], capture_output=True, text=True, check=False,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert run.returncode == 1 and "did you mean 'rerun-incomplete'?" in run.stderr


def test_mistyped_key_in_the_scale_profile_is_named():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    config = _config()
    config["scale"]["cross_section_row"] = 20_000
    config["ordinal"]["specs"]["ce_governance"]["se_typ"] = "cluster"
    assert [str(e) for e in preflight.check_keys(config, schema)] == [
        ("config, column 'ordinal.specs.ce_governance.se_typ': unknown config key (did you mean 'se_type'?) (got "
         "'se_typ'; expected one of ['categoricals', 'cluster_by', 'dataset', 'formula', 'halves', 'interactions', 'labels', "
         "'links', 'outcomes', 'permutation_by_group', 'permutation_strata', 'permutation_terms', "
         "'readings', 'reference', 'regressors', 'se_type', 'table'])"),
        ("config, column 'scale.cross_section_row': unknown config key (did you mean 'cross_section_rows'?) (got "
         "'cross_section_row'; expected one of ['baci_rows', 'cross_section_rows', 'enabled', 'panel_entities', 'panel_years'])"),
    ]
    assert preflight.check_keys(_config(), schema) == []


def test_shipped_configs_pass_preflight():
    preflight.preflight(CONFIG)
    from snakemake.utils import update_config

    scale = _config()
    update_config(scale, yaml.safe_load((ROOT / "config/scale.yaml").read_text(encoding="utf-8")))
    preflight.preflight(scale)
