"""One reading space: the decision log's alternatives as factors, exact counts per table and
assumption (recomputed by brute force on a small table), one default per cell, the config."""

import itertools

import pandas as pd
import pytest
from conftest import RAW

from gvc_clusters.data.decisions import LOG_COLUMNS, read_decision_log
from gvc_clusters.data.reading_space import (
    NO_CHECKS,
    alternative_factors,
    assumptions_from_config,
    reading_counts,
    set_size,
)
from gvc_clusters.data.readings import solve_tables
from gvc_clusters.data.readings_solver import NO_UNCERTAIN_CELLS, SOLVED, solve_problem, table_problem
from gvc_clusters.data.sources import load_manifest
from gvc_clusters.errors import InputError, InputErrors


@pytest.fixture(scope="module")
def book():
    log = read_decision_log(RAW / "decision_log.csv")
    manifest = load_manifest(RAW / "sources.yaml")
    _, solver_counts, _, _, _ = solve_tables(RAW, manifest, log, max_solutions=10, seed=1)
    return manifest, log, reading_counts(manifest, log, solver_counts, assumptions_from_config(None))


def test_alternatives_that_read_a_common_cell_are_options_of_one_factor():
    log = read_decision_log(RAW / "decision_log.csv")
    factors = {f.name: f.options for f in alternative_factors(log)}
    assert factors == {
        "1-2.A": ("default", "1-2.A"), "1-2.B": ("default", "1-2.B"), "1-2.C": ("default", "1-2.C"),
        "10-2.A": ("default", "10-2.A"),
        "10-2.B+10-2.J": ("default", "10-2.B", "10-2.J"),          # Espirito Santo metalworking: 2 or 3
        "10-2.C": ("default", "10-2.C"),
        "10-2.D+10-2.K": ("default", "10-2.D", "10-2.K"),          # Monterrey: 0 or 2
        "10-2.E+10-2.H": ("default", "10-2.E", "10-2.H"),          # Rio Pardo: additive or shifted
        "10-2.F": ("default", "10-2.F"), "10-2.G": ("default", "10-2.G"), "10-2.I": ("default", "10-2.I")}


def _log(entries):
    return pd.DataFrame([{"table": t, "row": str(r), "row_label": "x", "column": c, "printed_text": "0",
                          "value_used": v, "reading": rid, "kind": "ambiguous", "confidence": "low", "reason": "t"}
                         for t, r, c, v, rid in entries], columns=LOG_COLUMNS)


def test_factor_grouping_on_a_synthetic_log():
    # X.A and X.B share (1, Q), X.B and X.C share (2, P): one factor of four options; X.D is alone
    log = _log([("X", 1, "Q", "1", "X.A"), ("X", 1, "Q", "2", "X.B"), ("X", 2, "P", "1", "X.B"),
                ("X", 2, "P", "3", "X.C"), ("X", 5, "P", "1", "X.D")])
    factors = alternative_factors(log)
    assert [(f.name, f.options, f.size) for f in factors] == [
        ("X.A+X.B+X.C", ("default", "X.A", "X.B", "X.C"), 4), ("X.D", ("default", "X.D"), 2)]
    with pytest.raises(InputError, match="table with printed"):
        alternative_factors(log, checked_tables={"X"})


def test_counts_per_table_and_assumption_are_exact_integers(book, tmp_path):
    _, _, counts = book
    by = {(r.table, r.assumption): r for r in counts.itertuples()}
    for table in ("4-3", "5-1", "5-5", "5-6", "10-1", "1-3", "2-1"):
        assert by[(table, "B")].status == NO_UNCERTAIN_CELLS and by[(table, "B")].readings == 1, table
    assert by[("10-2", "A")].status == NO_CHECKS and by[("10-2", "A")].readings == 2 * 3 * 2 * 3 * 3 * 2 * 2 * 2
    assert by[("1-2", "B")].status == NO_CHECKS and by[("1-2", "B")].readings == 8
    assert by[("10-4", "B")].status == SOLVED and by[("10-4", "B")].readings == 3118038
    assert by[("10-5", "B")].readings == 1050 and by[("10-6", "B")].readings == 1
    assert set_size(counts, "A") == 864 * 8
    assert set_size(counts, "B") == 3118038 * 1050 * 864 * 8 == 22629472588800
    assert isinstance(set_size(counts, "B"), int)
    from gvc_clusters.io import write_csv

    write_csv(counts, tmp_path / "counts.csv")
    text = (tmp_path / "counts.csv").read_text(encoding="utf-8")
    assert ",22629472588800\n" in text and "e+" not in text and "22629472588800.0" not in text


def test_an_assumption_without_alternatives_counts_the_checks_only(book):
    manifest, log, _ = book
    rules = assumptions_from_config({"C": {"cells": "checksums_only", "alternatives": False}})
    _, solver_counts, _, _, _ = solve_tables(RAW, manifest, log, max_solutions=10, seed=1, assumptions=rules)
    counts = reading_counts(manifest, log, solver_counts, rules)
    assert set_size(counts, "C") == 3118038 * 1050
    assert counts[(counts["table"] == "10-2")]["readings"].iloc[0] == 1


def test_a_small_tables_count_equals_brute_force():
    """Every assignment of the garbled cells' domains, checked against every constraint by hand,
    under both assumptions: the solver's count and solutions are exactly those."""
    raw = pd.DataFrame([[1, "a", "m", "_", "4"], [2, "b", "_", "1.5", "9"], [3, "c", "m", "2", "2"],
                        [4, "Total", "7", "4.5", ""]], columns=["row", "Name", "P", "Q", "Sum"]).set_index("row")
    log = pd.DataFrame([{"table": "T", "row": str(r), "row_label": lab, "column": c, "printed_text": t,
                         "value_used": v, "reading": "default", "kind": "glyph", "confidence": "high", "reason": "t"}
                        for r, lab, c, t, v in [(1, "a", "P", "m", "3"), (1, "a", "Q", "_", "1"),
                                                (2, "b", "P", "_", "1"), (2, "b", "Sum", "9", "2.5"),
                                                (3, "c", "P", "m", "3"), (3, "c", "Sum", "2", "5")]],
                       columns=LOG_COLUMNS)
    checks = [{"type": "row_formula", "target": "Sum", "expr": "`P` + `Q`", "rows": [1, 2, 3], "why": "w"},
              {"type": "column_sum", "columns": ["P"], "total_row": 4, "rows": [1, 2, 3], "why": "w"}]
    for assumption in ("A", "B"):
        problem = table_problem("T", raw, checks, log, assumption)
        total, found = solve_problem(problem)
        names = sorted(problem.domains)
        brute = []
        for values in itertools.product(*(problem.domains[v] for v in names)):
            at = dict(zip(names, values))
            if all(abs(sum(a * at[v] for v, a in c.coefs.items()) + c.constant) <= c.tolerance + 1e-9
                   for c in problem.constraints):
                brute.append(at)
        assert total == len(brute) == {"A": 1, "B": total}[assumption] and len(brute) > 0, assumption
        as_cells = sorted(tuple(sorted((c, at[v]) for c, v in problem.cells.items())) for at in brute)
        assert sorted(tuple(sorted(s.items())) for s in found) == as_cells
    # (A): 'm' one digit for rows 1 and 3, '_' one digit; Sum '2' (row 3) is 2 or 5 like any '2' the log
    # re-reads in that column. (B): each garbled cell free in half steps.
    assert solve_problem(table_problem("T", raw, checks, log, "B"))[0] == 15   # P1 = 1..3 by halves, P2 + P3 = 7 - P1: 5+4+3+2+1
    a = table_problem("T", raw, checks, log, "A")
    assert a.domains[a.cells[(3, "Sum")]] == (2.0, 5.0) and a.cells[(1, "P")] == a.cells[(3, "P")] == "glyph m"


def test_one_default_per_cell(tmp_path):
    log = read_decision_log(RAW / "decision_log.csv")
    cells = log[(log["row"] != "*") & (log["column"] != "*") & (log["reading"] == "default")]
    for kind_rows in (cells[cells["kind"] == "contradiction"], cells[cells["kind"] != "contradiction"]):
        assert not kind_rows.duplicated(["table", "row", "column"]).any()
    monterrey = cells[(cells["table"] == "10-2") & (cells["row"] == "66")]
    assert len(monterrey) == 1 and monterrey["value_used"].iloc[0] == "3"
    # a second default contradiction row for one cell is refused, naming the line
    text = (RAW / "decision_log.csv").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("10-2,66,Monterrey (Mexico),Quasi-hierarchy,3,3,default"))
    bad = tmp_path / "decision_log.csv"
    bad.write_text(text + line.replace(",medium,", ",low,") + "\n", encoding="utf-8")
    with pytest.raises(InputErrors, match="one cell, one default"):
        read_decision_log(bad)


def test_the_alternatives_cite_the_seed_lines_that_support_them():
    """Section 3 of issue 23: each new or split alternative names the seed lines it rests on, and the
    contradicted half of the old 10-2.F is a contested contradiction without an alternative."""
    log = read_decision_log(RAW / "decision_log.csv")
    seed = (RAW.parents[2] / "shared" / "seeds")
    rows = {(r.table, r.row, r.column, r.reading): r.reason for r in log.itertuples()}
    assert "535" in rows[("10-2", "37", "Network", "10-2.F")]
    contested = rows[("10-2", "37", "Quasi-hierarchy", "default")]
    assert contested.startswith("contested") and "598" in contested and "3401" in contested
    assert ("10-2", "37", "Quasi-hierarchy", "10-2.F") not in rows
    assert ("10-2", "24", "Quasi-hierarchy", "10-2.H") in rows and ("10-2", "24", "Hierarchy", "10-2.H") in rows
    assert all(n in rows[("10-2", "19", "Quasi-hierarchy", "default")] for n in ("3330", "1667", "1754", "1619"))
    assert "3564" in rows[("10-2", "52", "Quasi-hierarchy", "10-2.J")]
    values = {(r.row, r.column, r.reading): r.value_used for r in log[log["table"] == "10-2"].itertuples()}
    assert values[("24", "Quasi-hierarchy", "10-2.H")] == "0" and values[("24", "Hierarchy", "10-2.H")] == "2"
    assert values[("19", "Quasi-hierarchy", "10-2.I")] == "3" and values[("52", "Quasi-hierarchy", "10-2.J")] == "3"
    files = sorted(seed.glob("001_*.txt")) if seed.is_dir() else []
    if files:   # where the seed text is at hand, the quoted words are on the lines cited
        lines = files[0].read_text(encoding="utf-8").splitlines()
        assert "export cheese directly" in lines[535 - 1]
        assert "quasi-hierarchical governing structures" in lines[598 - 1]
        assert lines[3330 - 1].startswith("Segusino/Chipilo (Mexico)\t3\t0\t1\t0")
        assert "essentially hierarchical" in lines[1667 - 1] and "quasi-hierarchical systems" in lines[1754 - 1]
        assert "indirectly part of global commodity chains" in lines[3564 - 1]


def test_config_readings_defaults_come_from_the_schema():
    from gvc_clusters.config_defaults import section_with_defaults

    section = section_with_defaults("readings", {})
    assert section["sample"] == {"size": 200, "stratify": "factors"}
    assert section["enumerate_up_to"] == 1000
    rules = assumptions_from_config(section["assumptions"])
    assert [(r.name, r.cells, r.half_points, r.alternatives) for r in rules] == [
        ("A", "glyph_consistent", True, True), ("B", "checksums_only", True, True)]
    with pytest.raises(ValueError, match="stratify"):
        section_with_defaults("readings", {"sample": {"stratify": "tables"}})


def test_a_sample_larger_than_the_solvers_listing_is_refused_before_any_job():
    from gvc_clusters.preflight import check_reading_sample

    ok = {"readings": {"sample": {"size": 200}}, "readings_solver": {"max_solutions": 1000}}
    assert check_reading_sample(ok) == []
    [error] = check_reading_sample({"readings": {"sample": {"size": 2000}}, "readings_solver": {"max_solutions": 1000}})
    assert error.column == "readings.sample.size" and error.value == 2000 and "1000" in str(error)
