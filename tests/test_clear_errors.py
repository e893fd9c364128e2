"""Every failure a clear stop (issue 22, sections 2-4, the fast half): each adversarial case of the
issue reproduced, with the located message a user now sees instead of a traceback or a silent
acceptance. The workflow-level half (a failing job keeps the published outputs) is in
tests/test_staging_workflow.py.
"""

from __future__ import annotations

import errno
import inspect
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, corrupt, edit_cell, ensure_built, refresh

from gvc_clusters import jobs, preflight
from gvc_clusters.analysis import trade_flows as tf
from gvc_clusters.config_defaults import section_with_defaults, spec_with_defaults
from gvc_clusters.data import checks
from gvc_clusters.data.decisions import numeric_table, read_decision_log
from gvc_clusters.data.families import build_family
from gvc_clusters.data.publish import publish
from gvc_clusters.data.rawtable import parse_number
from gvc_clusters.data.readings import write_readings
from gvc_clusters.data.sources import load_manifest, read_signatures, verify_inputs, verify_signatures
from gvc_clusters.errors import InputError, ModelError
from gvc_clusters.models.specs import read_user_table, run_ordinal_spec, run_panel_spec


# ---- 3. check expressions: bounded nesting ---------------------------------------------------------
def test_a_deeply_nested_check_expression_is_refused_not_a_recursion_error(raw_copy):
    """Before: at workflow start (Snakemake's stack is deep) 249 nested parentheses were a 989-line
    RecursionError. Now the depth is bounded and said, with a stack as shallow as Snakemake leaves."""
    deep = "(" * 248 + "`T`" + ")" * 248
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 300)
    try:
        with pytest.raises(checks.ExpressionError, match=r"nests parentheses, signs or sum/mean more than 32 deep "
                                                         r"at position 33"):
            checks.parse_expression(deep)
        with pytest.raises(checks.ExpressionError, match="more than 32 deep"):
            checks.parse_expression("-" * 400 + "1")
    finally:
        sys.setrecursionlimit(limit)
    manifest = raw_copy / "sources.yaml"
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    check = next(c for e in entries for c in e.get("checks", []) if "expr" in c)
    check["expr"] = deep
    manifest.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    refresh(raw_copy)
    with pytest.raises(InputError, match=r"expression rejected: expression nests parentheses.*more than 32 deep"):
        verify_inputs(raw_copy)


# ---- 3. trade flows: each bad input located --------------------------------------------------------
DEFAULTS = section_with_defaults("trade_flows", {})
OPTIONS = {k: DEFAULTS[k] for k in ("layout", "memory_limit_mb", "threads")}
PERIODS = {"a": [2000, 2001], "b": [2010, 2011]}
ROWS = ["2000,32,76,010121,100,10", "2001,32,76,010121,150,15", "2010,32,76,010121,300,20",
        "2011,32,76,010121,300,20", "2000,76,32,010121,200,40", "2001,76,32,010121,200,NA",
        "2010,76,32,010121,250,50", "2011,76,32,010121,250,50"]


def _flows(path: Path, rows=ROWS, header="t,i,j,k,v,q", encoding="utf-8") -> str:
    path.write_bytes((header + "\n" + "\n".join(rows) + "\n").encode(encoding))
    return str(path)


def _with(index: int, row: str) -> list[str]:
    rows = list(ROWS)
    rows[index] = row
    return rows


def _trade_case(name: str, tmp_path: Path) -> tuple[list[str], dict]:
    """The issue's trade-flow inputs (before: tracebacks, a DuckDB Binder Error, or accepted)."""
    if name == "non-numeric k":
        return [_flows(tmp_path / "k.csv", _with(2, "2010,32,76,01A121,300,20"))], PERIODS
    if name == "7-digit HS code":
        return [_flows(tmp_path / "k7.csv", [r.replace("010121", "0101210") for r in ROWS])], PERIODS
    if name == "text in a numeric column":
        return [_flows(tmp_path / "text.csv", _with(3, "2011,32,76,010121,abc,20"))], PERIODS
    if name == "ragged row":
        return [_flows(tmp_path / "ragged.csv", _with(4, "2000,76,32,010121,200,40,99"))], PERIODS
    if name in ("inf value", "nan value"):
        return [_flows(tmp_path / "nonfinite.csv", _with(2, f"2010,32,76,010121,{name[:3]},20"))], PERIODS
    if name == "Latin-1 header":
        return [_flows(tmp_path / "latin.csv", [r + ",x" for r in ROWS], "t,i,j,k,v,q,año", "latin-1")], PERIODS
    if name == "fake .gz":
        path = tmp_path / "fake.csv.gz"
        _flows(path)
        return [str(path)], PERIODS
    if name == "truncated Parquet":
        path = tmp_path / "flows.parquet"
        pd.read_csv(_flows(tmp_path / "flows.csv"), dtype={"k": str}).to_parquet(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return [str(path)], PERIODS
    if name == "directory named .csv":
        (tmp_path / "dir.csv").mkdir()
        return [str(tmp_path / "dir.csv")], PERIODS
    raise AssertionError(name)


TRADE_CASES = {   # case -> (file, row, column, the message's words, value)
    "non-numeric k": ("k.csv", 4, "k", "not an HS code of 1-6 digits", "01A121"),
    "7-digit HS code": ("k7.csv", 2, "k", "not an HS code of 1-6 digits", "0101210"),
    "text in a numeric column": ("text.csv", 5, "v", "not a number", "abc"),
    "ragged row": ("ragged.csv", 6, None, "a row of 7 cells under a header of 6 (a ragged row)",
                   "2000,76,32,010121,200,40,99"),
    "inf value": ("nonfinite.csv", 4, "v", "not a finite number", "inf"),
    "nan value": ("nonfinite.csv", 4, "v", "not a finite number", "nan"),
    "Latin-1 header": ("latin.csv", 1, None, "file is not valid UTF-8 (Latin-1 or another encoding?): byte 0xF1",
                       None),
    "fake .gz": ("fake.csv.gz", None, None, "not a gzip file, although it is named .gz", None),
    "truncated Parquet": ("flows.parquet", None, None, "not a readable Parquet file (truncated", None),
    "directory named .csv": ("dir.csv", None, None, "the trade_flows input is a directory, not a file", None),
}


@pytest.mark.parametrize("engine", tf.ENGINES)
@pytest.mark.parametrize("case", sorted(TRADE_CASES))
def test_each_bad_trade_flow_input_is_a_located_error(tmp_path, case, engine):
    files, periods = _trade_case(case, tmp_path)
    file, row, column, words, value = TRADE_CASES[case]
    with pytest.raises(InputError) as info:
        tf.aggregate_flows(files, periods, engine=engine, **OPTIONS)
    err = info.value
    assert Path(err.file).name == file and err.row == row and err.column == column, str(err)
    assert words in str(err)
    if value is not None:
        assert err.value == value


@pytest.mark.parametrize("periods, words", [
    ({"a": [2001, 2000], "b": [2010, 2011]}, "with period a before period b"),
    ({"a": [2000, 2011], "b": [2010, 2012]}, "with period a before period b"),
    ({"a": [1900, 1901], "b": [2010, 2011]}, "periods may span at most 64 years, got 1900-2011 (112 years)"),
])
def test_bad_trade_flow_periods_are_named_at_preflight_and_in_the_job(tmp_path, periods, words):
    config = {"trade_flows": {"enabled": True, "input": "x.csv", "periods": periods}}
    (error,) = preflight.check_trade_flows(config)
    assert error.file == "config" and error.column == "trade_flows.periods" and words in str(error)
    with pytest.raises(InputError, match="trade_flows.periods"):
        tf.aggregate_flows([_flows(tmp_path / "ok.csv")], periods, engine="duckdb", **OPTIONS)
    assert preflight.check_trade_flows({"trade_flows": {"enabled": False, "periods": periods}}) == []


# ---- 3. user specs ----------------------------------------------------------------------------------
def test_an_infinite_regressor_is_named_not_a_linalg_error(tmp_path):
    """Before: LinAlgError ('SVD did not converge') from the ordinal fit, a bare linearmodels message
    from the panel fit."""
    table = tmp_path / "firms.csv"
    rows = "".join(f"{i % 4},{i / 10},{'ab'[i % 2]},{2000 + i % 3}\n" for i in range(40))
    table.write_text("y,x,g,t\n" + rows.replace("0,0.4,a,2001", "0,inf,a,2001"), encoding="utf-8")
    spec = spec_with_defaults("ordinal", {"table": str(table), "outcomes": ["y"], "regressors": ["x"],
                                          "links": ["probit"]})
    with pytest.raises(InputError) as err:
        run_ordinal_spec("firms", spec, None, halves="keep", n_permutations=0, seed=1, user_table=table)
    assert str(err.value) == (f"{table}, row 6, column 'x': an infinite number in a numeric column of the user table "
                              "(1 cell(s)) (got 'inf'; expected a finite number, or an empty cell for a missing value)")
    panel = tmp_path / "panel.parquet"
    pd.DataFrame({"g": ["a", "a", "b", "b"], "t": [1, 2, 1, 2], "y": [1.0, 2.0, 3.0, 4.0],
                  "x": [0.5, np.inf, 1.0, 2.0]}).to_parquet(panel)
    with pytest.raises(InputError, match=r"row 2, column 'x': an infinite number"):
        read_user_table(panel, ["g", "t", "y", "x"], ["y", "x"])


def test_missing_value_texts_in_a_user_table_are_refused_with_file_row_and_column(tmp_path):
    """The docs ask for empty cells; before, pandas read 'NA', 'nan', 'NULL' ... as missing values."""
    table = tmp_path / "panel.csv"
    table.write_text("firm,year,y,x\na,2000,1.0,2.0\na,2001,1.5,\nb,2000,2.0,nan\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_user_table(table, ["firm", "year", "y", "x"], ["y", "x"])
    assert str(err.value) == (f"{table}, row 4, column 'x': a missing-value text in the user table (1 cell(s) of "
                              "this column); a missing value must be an empty cell (got 'nan'; expected an empty "
                              "cell for a missing value, or a value)")
    table.write_text("firm,year,y,x\nNA,2000,1.0,2.0\n", encoding="utf-8")   # a text column too
    with pytest.raises(InputError, match=r"row 2, column 'firm': a missing-value text"):
        read_user_table(table, ["firm", "year", "y", "x"], ["y", "x"])
    table.write_text("firm,year,y,x\na,2000,1.0,2.0\na,2001,1.5,\n", encoding="utf-8")
    frame = read_user_table(table, ["firm", "year", "y", "x"], ["y", "x"])
    assert frame["x"].isna().tolist() == [False, True]


def test_an_absorbed_row_id_is_named_not_an_absorbing_effect_traceback(tmp_path):
    rng = np.random.default_rng(5)
    n = 60
    frame = pd.DataFrame({"country": np.repeat(list("abcdef"), 10), "year": np.tile(range(2000, 2010), 6),
                          "x": rng.normal(size=n), "row_id": np.arange(n)})
    frame["y"] = 0.5 * frame["x"] + rng.normal(size=n)
    table = tmp_path / "flows.csv"
    frame.to_csv(table, index=False)
    spec = spec_with_defaults("panel", {"table": str(table), "entity": "country", "time": "year", "outcome": "y",
                                        "regressors": ["x"], "absorb": ["row_id"], "se_type": "robust"})
    with pytest.raises(ModelError) as err:
        run_panel_spec("flows", spec, {}, user_table=table)
    assert str(err.value) == ("flows: the absorbed effect 'row_id' has a different value in every row (60 levels for "
                              "60 rows), like a row id: it absorbs every regressor and leaves nothing to estimate; "
                              "absorb a grouping column (exporter, product, year ...)")
    frame["country_level"] = frame["country"].map(dict(zip("abcdef", range(6)))).astype(float)
    frame.to_csv(table, index=False)
    spec = {**spec, "regressors": ["x", "country_level"], "absorb": ["country"]}
    with pytest.raises(ModelError, match=r"fully absorb, or leave collinear: .*country_level"):
        run_panel_spec("flows", spec, {}, user_table=table)


def _job(tmp_path: Path, rule: str, **config) -> SimpleNamespace:
    return SimpleNamespace(rule=rule, log=[str(tmp_path / "job.log")], config={"fail_rules": [], **config})


def test_a_full_disk_in_a_job_is_one_clear_line(tmp_path, capsys):
    """Before: an OSError traceback ([Errno 28] No space left on device) from the fit job."""
    def fit():
        raise OSError(errno.ENOSPC, "No space left on device", "data/interim/models/ordinal/x/estimates.csv")

    with pytest.raises(SystemExit) as code:
        jobs.run_job(_job(tmp_path, "fit_ordinal"), fit)
    assert code.value.code == 1
    assert capsys.readouterr().err == (
        "ERROR (file system) in rule fit_ordinal: data/interim/models/ordinal/x/estimates.csv: the disk is full (No "
        "space left on device); this job's published outputs are kept as they were; fix the file system and rerun\n"
        f"(log: {tmp_path / 'job.log'})\n")
    with pytest.raises(FileNotFoundError):   # other errors keep their traceback (a bug, not the file system)
        jobs.run_job(_job(tmp_path, "fit_ordinal"), lambda: (tmp_path / "nope").read_bytes())


def test_a_full_disk_during_publish_keeps_every_published_file_and_leaves_no_partial(tmp_path, monkeypatch, capsys):
    staged = [tmp_path / "stage" / f"{n}.csv" for n in ("estimates", "models")]
    published = [tmp_path / "results" / f"{n}.csv" for n in ("estimates", "models")]
    for s, p in zip(staged, published):
        s.parent.mkdir(exist_ok=True)
        p.parent.mkdir(exist_ok=True)
        s.write_text("new\n")
        p.write_text("last good\n")
    copy = shutil.copyfile
    calls = []

    def full_disk(source, target):
        calls.append(target)
        if len(calls) == 2:   # the second file: half written, then the disk is full
            Path(target).write_text("ne")
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return copy(source, target)

    monkeypatch.setattr(shutil, "copyfile", full_disk)
    with pytest.raises(SystemExit):
        jobs.run_job(_job(tmp_path, "publish_ordinal"), lambda: publish([str(s) for s in staged],
                                                                           [str(p) for p in published]))
    assert [p.read_text() for p in published] == ["last good\n", "last good\n"]
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["estimates.csv", "models.csv"]
    assert "ERROR (file system) in rule publish_ordinal: " in capsys.readouterr().err
    monkeypatch.setattr(shutil, "copyfile", copy)
    publish([str(s) for s in staged], [str(p) for p in published])
    assert [p.read_text() for p in published] == ["new\n", "new\n"]


# ---- 2. the report on a separated user spec; the reading analysis of a refused spec -----------------
def test_the_report_names_the_terms_of_a_separated_user_spec(tmp_path):
    """Before: render_report stopped with KeyError: 'term' (a "model" finding names its "terms")."""
    from gvc_clusters.output.report import claim_caveats
    from gvc_clusters.vocabulary import DEFAULT

    rng = np.random.default_rng(3)
    x = rng.normal(size=120)
    d = (rng.uniform(size=120) < 0.3).astype(int)
    y = np.clip(np.round(1 + x + rng.normal(size=120) * 0.7), 0, 2).astype(int)
    y[d == 1] = 2   # d = 1 only in the top category: quasi-complete separation
    table = tmp_path / "sep.csv"
    pd.DataFrame({"y": y, "x": x, "d": d}).to_csv(table, index=False)
    spec = spec_with_defaults("ordinal", {"table": str(table), "outcomes": ["y"], "regressors": ["x", "d"],
                                          "links": ["probit"]})
    results = run_ordinal_spec("sep", spec, None, halves="keep", n_permutations=0, seed=1, user_table=table)
    assert results[0].extra["separation"][0] == {"scope": "model", "type": "quasi-complete", "terms": ["d"],
                                                 "direction": {"d": 1.0}}
    caveats = claim_caveats(results, DEFAULT)
    assert "in the model of y some outcome splits are separated by D, X, so those coefficients are not well " \
           "identified" in caveats


def test_the_reading_analysis_refuses_a_spec_whose_fit_is_refused():
    """Before: a spec with a regressor constant in the sample (fit_ordinal: "constant regressor")
    got reading estimates of exactly 0 with converged = True."""
    from gvc_clusters.config_defaults import with_defaults
    from gvc_clusters.models.reading_batch import estimate_over_readings, reading_designs

    ensure_built()
    processed = ROOT / "data/processed/clusters"
    dataset = pd.read_parquet(processed / "model_dataset.parquet")
    spec = spec_with_defaults("ordinal", {"outcomes": ["product"], "regressors": ["ce_level", "sector_software"],
                                          "links": ["probit"], "readings": True})
    with pytest.raises(ModelError) as fit_error:
        run_ordinal_spec("bad", spec, dataset, halves="keep", n_permutations=0, seed=1)
    inputs = {"dataset": processed / "model_dataset.parquet", "upgrading": processed / "upgrading.parquet",
              "alternatives": processed / "model_dataset_readings.parquet",
              "readings": ROOT / "results/replication/readings/readings.csv",
              "counts": ROOT / "results/replication/readings/readings_counts.csv",
              "manifest": ROOT / "data/raw/sources.yaml", "decisions": ROOT / "data/raw/decision_log.csv"}
    readings = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))["readings"]
    _, designs, _ = reading_designs(inputs, readings_config=readings, seed=1)
    with pytest.raises(ModelError) as err:
        estimate_over_readings(dataset, designs[:1], {"bad": spec}, {}, halves="keep")
    assert "constant regressor(s) ['sector_software']" in str(fit_error.value)
    assert str(err.value).startswith("reading analysis of ordinal spec 'bad' (readings ")
    assert str(err.value).endswith("bad__product: constant "
                              "regressor(s) ['sector_software']: a constant is not identified separately from the "
                              "cutpoints (singular design)")


# ---- 2. the readings solver reads verified inputs and names conflicting checks ----------------------
def _solve(raw: Path, tmp_path: Path) -> None:
    tables = {e["file"]: str(raw / e["file"]) for e in load_manifest(raw / "sources.yaml") if e.get("checks")}
    out = {k: str(tmp_path / f"{k}.csv") for k in ("readings", "counts", "cells", "checks", "evidence")}
    write_readings(tables, raw / "sources.yaml", raw / "decision_log.csv", out, max_solutions=10, seed=1)


def test_the_readings_solver_refuses_an_unsigned_edit_and_names_conflicting_checks(raw_copy, tmp_path):
    """Before: an unsigned edit rewrote readings.csv although the clean job refused it; a signed edit
    that breaks a check was a NoSolution traceback."""
    edit_cell(raw_copy / "clusters/table_10_4.csv", 3, "Product upgrading", "3")
    with pytest.raises(InputError, match=r"table_10_4.csv, column 'sha256': checksum mismatch"):
        _solve(raw_copy, tmp_path)
    refresh(raw_copy)
    corrupt(raw_copy, "clusters/table_10_5.csv", 12, "Product upgrading", "99")   # the printed Total
    with pytest.raises(InputError) as err:
        _solve(raw_copy, tmp_path)
    assert str(err.value).startswith(
        f"{raw_copy / 'clusters/table_10_5.csv'}, column 'checks': table 10-5: no reading of the garbled cells "
        f"satisfies the printed checks of {raw_copy / 'sources.yaml'}; these checks conflict: "
        "column_sum#2 row 12 (Product upgrading)")
    assert not list(tmp_path.glob("*.csv"))


# ---- 4. the decision log, digits, signatures, the deposit's manifest ---------------------------------
def _add_decision(raw: Path, row: str) -> None:
    path = raw / "decision_log.csv"
    path.write_text(path.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    refresh(raw)


def test_a_decision_about_an_unknown_table_is_refused_at_workflow_start(raw_copy):
    _add_decision(raw_copy, "10-9,3,Wine,Product upgrading,2,2,default,glyph,high,a table the book does not have")
    with pytest.raises(InputError) as err:
        verify_inputs(raw_copy)
    assert "column 'table': table is not a table of the sources manifest (a decision about it would be ignored) " \
           "(got '10-9'" in str(err.value)
    with pytest.raises(InputError, match="'10-9'"):
        build_family("dairy", raw_copy)


@pytest.mark.parametrize("reading, words", [("default ", "did you mean 'default'?"),
                                            ("Default", "did you mean 'default'?"),
                                            ("10-4.A ", "neither 'default' nor an alternative id")])
def test_a_reading_id_with_a_space_or_another_case_is_refused(raw_copy, reading, words):
    _add_decision(raw_copy, f"10-4,3,Wine,Product upgrading,Μ,2,{reading},glyph,high,a reading id typed by hand")
    with pytest.raises(InputError) as err:
        read_decision_log(raw_copy / "decision_log.csv")
    assert "column 'reading': reading is neither 'default' nor an alternative id" in str(err.value)
    assert words in str(err.value) and repr(reading) in str(err.value)


def test_digits_of_other_scripts_are_not_numbers_in_cells_or_checks(raw_copy):
    """Before: '١٢' (Arabic-Indic) parsed as 12 in a cell and in a check expression."""
    assert parse_number("١٢") is None and parse_number("٣") is None and parse_number("12") == 12.0
    with pytest.raises(checks.ExpressionError, match="character '١' at position 9 is not allowed"):
        checks.parse_expression("`Total` ١٢")
    raw = pd.DataFrame({"a": ["1", "١٢"]}, index=pd.Index([1, 2], name="row"))
    log = read_decision_log(ROOT / "data/raw/decision_log.csv")
    with pytest.raises(InputError, match=r"row 2, column 'a': cell is not a number .*got '١٢'"):
        numeric_table(raw, ["a"], log, "none", "t.csv")
    corrupt(raw_copy, "dairy/table_2_1.csv", 1, "Large companies in Boaco-Chontales", "٥٤٠")
    with pytest.raises(InputError, match=r"table_2_1.csv, row 1, column 'Large companies in Boaco-Chontales': "):
        build_family("dairy", raw_copy)


def test_signatures_survive_a_crlf_checkout(tmp_path):
    """.gitattributes: a `core.autocrlf=true` checkout keeps the raw files' bytes (before: every
    signature failed)."""
    assert (ROOT / ".gitattributes").is_file(), "the repository has no .gitattributes"
    # A repository of its own with the project's .gitattributes and raw files (the test runs the same in
    # a git checkout and in the unpacked deposit archive, which has no .git), checked out with autocrlf.
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "data/raw", repo / "data/raw", ignore=shutil.ignore_patterns("_fragments"))
    shutil.copy2(ROOT / ".gitattributes", repo / ".gitattributes")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "raw"]):
        subprocess.run([*git, *args], cwd=repo, capture_output=True, check=True)
    archive = subprocess.run([*git, "-c", "core.autocrlf=true", "archive", "HEAD", "--", "data/raw"], cwd=repo,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path / "checkout", filter="data")
    verify_inputs(tmp_path / "checkout/data/raw")
    run = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=tmp_path / "checkout/data/raw",
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


SUMS = "e64f9c94da47d1ab525cd96839c77b5b42aeabd077a0a8b7a1c869ad6993bc20"


@pytest.mark.parametrize("variant", ["shipped", "duplicate same", "duplicate different", "dot slash", "binary mode",
                                     "extra file ok", "extra file changed", "extra file missing"])
def test_read_signatures_agrees_with_sha256sum_c(raw_copy, variant):
    path = raw_copy / "SHA256SUMS"
    lines = path.read_text(encoding="utf-8").splitlines()
    log_line = next(line for line in lines if line.endswith("decision_log.csv"))
    (raw_copy / "extra.txt").write_text("extra\n", encoding="utf-8")
    extra = subprocess.run(["sha256sum", "extra.txt"], cwd=raw_copy, capture_output=True, text=True,
                           check=True).stdout.strip()
    lines += {"shipped": [], "duplicate same": [log_line], "duplicate different": ["0" * 64 + "  decision_log.csv"],
              "dot slash": [log_line.replace("  ", "  ./")], "binary mode": [log_line.replace("  ", " *")],
              "extra file ok": [extra], "extra file changed": ["1" * 64 + "  extra.txt"],
              "extra file missing": [extra.replace("extra.txt", "gone.txt")]}[variant]
    if variant in ("dot slash", "binary mode"):
        lines = [line for line in lines if line != log_line] + lines[-1:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reference = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=raw_copy, capture_output=True,
                               text=True, check=False).returncode == 0
    try:
        verify_signatures(raw_copy)
        ours = True
    except InputError:
        ours = False
    assert ours == reference, (variant, path.read_text())
    if reference:
        assert read_signatures(raw_copy)["decision_log.csv"] == log_line.split()[0]


def test_a_signature_outside_the_raw_folder_is_refused(raw_copy):
    path = raw_copy / "SHA256SUMS"
    path.write_text(path.read_text(encoding="utf-8") + SUMS + "  ../outside.csv\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: a signed file outside the raw folder \(got '../outside.csv'"):
        verify_signatures(raw_copy)


@pytest.mark.parametrize("listed", ["../outside.txt", "/etc/hostname", "results/../../outside.txt"])
def test_the_deposit_refuses_a_manifest_path_outside_the_repository(tmp_path, listed):
    from gvc_clusters.output.package import verify_results

    (tmp_path / "results").mkdir()
    (tmp_path / "outside.txt").write_text("x")
    (tmp_path / "results/MANIFEST.sha256").write_text(f"{SUMS}  {listed}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        verify_results(tmp_path)
    assert f"row 1: a path outside the repository (got {listed!r}" in str(err.value)
