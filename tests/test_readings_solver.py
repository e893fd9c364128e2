"""The readings solver: exact solution counts on synthetic tables, a clear conflict report, and the
book's upgrading tables under glyph consistency (A) and checksums only (B)."""

from pathlib import Path

import pandas as pd
import pytest

from gvc_clusters.data.constraint_search import Constraint, NoSolution, linear_form, solve
from gvc_clusters.data.decisions import LOG_COLUMNS, read_decision_log
from gvc_clusters.data.rawtable import read_raw_table
from gvc_clusters.data.readings import solve_tables
from gvc_clusters.data.readings_solver import (
    Assumption,
    solve_problem,
    table_problem,
)
from gvc_clusters.data.sources import load_manifest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def _raw(rows):
    frame = pd.DataFrame(rows, columns=["row", "Name", "P", "Q", "Sum"]).astype(str).replace("nan", "")
    frame["row"] = frame["row"].astype(int)
    return frame.set_index("row")


def _log(entries):
    recs = [{"table": "T", "row": str(r), "row_label": lab, "column": c, "printed_text": t, "value_used": v,
             "reading": "default", "kind": "glyph", "confidence": "high", "reason": "test"}
            for r, lab, c, t, v in entries]
    return pd.DataFrame(recs, columns=LOG_COLUMNS)


CHECKS = [{"type": "row_formula", "target": "Sum", "expr": "`P` + `Q`", "rows": [1, 2], "tolerance": 0, "why": "w"},
          {"type": "column_sum", "columns": ["P", "Q"], "total_row": 3, "rows": [1, 2], "tolerance": 0, "why": "w"}]


def test_solve_counts_a_known_synthetic_system():
    # x + y = 3, z + w = 3, x + z = 3 over 0..3: x free, the rest follow -> 4 solutions.
    domains = {v: (0.0, 1.0, 2.0, 3.0) for v in "xyzw"}
    cons = [Constraint("r1", {"x": 1, "y": 1}, -3, 0), Constraint("r2", {"z": 1, "w": 1}, -3, 0),
            Constraint("c1", {"x": 1, "z": 1}, -3, 0)]
    total, found = solve(domains, cons)
    assert total == 4
    assert sorted(s["x"] for s in found) == [0, 1, 2, 3]
    assert all(s["y"] == 3 - s["x"] and s["w"] == s["x"] for s in found)


def test_sample_above_the_cap_is_seeded_and_distinct():
    domains = {v: tuple(float(i) for i in range(7)) for v in "abc"}
    cons = [Constraint("sum", {"a": 1, "b": 1, "c": 1}, -6, 0)]  # 28 solutions
    total, first = solve(domains, cons, max_solutions=5, seed=3)
    _, again = solve(domains, cons, max_solutions=5, seed=3)
    assert total == 28 and len(first) == 5 and first == again
    assert len({tuple(s.values()) for s in first}) == 5
    assert all(s["a"] + s["b"] + s["c"] == 6 for s in first)


def test_no_solution_names_the_conflicting_checks_only():
    domains = {v: (0.0, 1.0, 2.0, 3.0) for v in "xy"}
    cons = [Constraint("row 1 sum", {"x": 1, "y": 1}, -2, 0), Constraint("harmless", {"x": 1}, -1, 1),
            Constraint("Total row", {"x": 1, "y": 1}, -5, 0)]
    with pytest.raises(NoSolution) as err:
        solve(domains, cons, table="X")
    assert err.value.conflict == ["row 1 sum", "Total row"]
    assert "table X" in str(err.value) and "row 1 sum; Total row" in str(err.value)


def test_table_problem_assumptions_on_a_synthetic_table():
    # Row 1 prints 'm' and '_' with Sum 4; row 2 prints '_' and 2 with Sum printed '9' (read 3);
    # Totals P = 4, Q = 3.
    raw = _raw([[1, "a", "m", "_", "4"], [2, "b", "_", "2", "9"], [3, "Total", "4", "3", ""]])
    log = _log([(1, "a", "P", "m", "3"), (1, "a", "Q", "_", "1"), (2, "b", "P", "_", "1"), (2, "b", "Sum", "9", "3")])
    a = table_problem("T", raw, CHECKS, log, "A")
    total_a, sols_a = solve_problem(a)
    # (A): '_' is one digit u, 'm' one digit m: m + u = 4 (row 1 and P total); the Q total
    # u + 2 = 3 gives u = 1, m = 3; row 2's Sum prints 9 or reads 3: u + 2 = 3. One solution.
    assert total_a == 1 and sols_a[0][(1, "P")] == 3 and sols_a[0][(2, "Sum")] == 3
    b = table_problem("T", raw, CHECKS, log, "B")
    total_b, sols_b = solve_problem(b)
    # (B): the Q total fixes Q1 = 1; then P1 = 3, P2 = 4 - 3 = 1, Sum2 = 3 (halves admitted, none fits).
    assert total_b == 1
    raw_half = _raw([[1, "a", "m", "_", "4"], [2, "b", "_", "1.5", "9"], [3, "Total", "4", "2.5", ""]])
    b = table_problem("T", raw_half, CHECKS, log, "B")
    total_b, sols_b = solve_problem(b)
    # halves admitted: Q1 = 1 (Q total), P1 = 3, P2 = 1 and the Sum 2.5: one solution again, but
    # dropping the Q total frees Q1, with P1 = 4 - Q1 <= 3 and P2 = 4 - P1 = Q1: Q1 in 1..3 by halves.
    assert total_b == 1 and sols_b[0][(2, "Sum")] == 2.5
    free = table_problem("T", raw_half, CHECKS[:1] + [{**CHECKS[1], "columns": ["P"]}], log, "B")
    total_free, sols_free = solve_problem(free)
    assert total_free == 5
    assert sorted(s[(1, "Q")] for s in sols_free) == [1, 1.5, 2, 2.5, 3]
    assert all(s[(2, "P")] == s[(1, "Q")] and s[(2, "Sum")] == s[(2, "P")] + 1.5 for s in sols_free)


def test_linear_form_parses_without_evaluating():
    assert linear_form("`A b` + 2 * `C` - `D` / 4") == ({"A b": 1.0, "C": 2.0, "D": -0.25}, 0.0)
    assert linear_form("0.5 * `E` + 0.5 * `J`") == ({"E": 0.5, "J": 0.5}, 0.0)
    with pytest.raises(ValueError):
        linear_form("`A` / `B`")
    with pytest.raises(ValueError):
        linear_form("__import__('os')")


@pytest.fixture(scope="module")
def book():
    log = read_decision_log(RAW / "decision_log.csv")
    manifest = load_manifest(RAW / "sources.yaml")
    return solve_tables(RAW, manifest, log, max_solutions=100, seed=1, tables=["10-4", "10-5", "10-6"])


def test_book_solution_counts(book):
    _, counts, _, _, _ = book
    got = {(r.table, r.assumption): r.solutions for r in counts.itertuples()}
    # (B) with one domain rule: Gamarra's printed Sum '2' is the glyph the log reads as 5 in five
    # other rows of the column, so it is free like them (190,233 when it was trusted), and half
    # points are admitted in all three score tables (Table 10-5 had 84 on whole numbers)
    assert got == {("10-4", "A"): 1, ("10-4", "B"): 3118038, ("10-5", "A"): 1, ("10-5", "B"): 1050,
                   ("10-6", "A"): 1, ("10-6", "B"): 1}
    assert counts["default_is_solution"].all()
    assert set(counts["status"]) == {"checked"}


def test_table_10_5_count_under_b_by_brute_force(book):
    """Table 10-5 under (B), recounted without the solver. Salmon's plain Sum 10 = M + c + 2 + 2
    forces both glyphs to 3; the other six Product glyphs must then add to 21 - 3 = 18, all 3. The
    seven other Process glyphs add to 28 - 6 - 3 = 19, and the two Intersectoral glyphs to
    4 - 2 = 2; every garbled Sum follows from its row. In half points (units of 0.5, 0..6):"""
    import itertools

    import numpy as np

    def tuples(n, total):   # half-step values 0..3 of n cells adding to ``total`` points, by brute force
        grid = np.array(list(itertools.product(range(7), repeat=n)), dtype=np.int16)
        return int((grid.sum(axis=1) == 2 * total).sum())

    assert tuples(2, 6) == 1                      # Salmon: M + c = 6
    assert tuples(6, 18) == 1                     # the other Product glyphs
    assert tuples(7, 19) == 210                   # the other Process glyphs
    assert tuples(2, 2) == 5                      # Intersectoral: Sugar + Copper
    _, counts, _, _, _ = book
    got = counts[(counts["table"] == "10-5") & (counts["assumption"] == "B")]["solutions"].iloc[0]
    assert got == 1 * 1 * 210 * 5


def test_glyph_domain_follows_the_glyph_not_the_row():
    """A printed number the log re-reads in a column makes every cell of the column printing it
    garbled, with the same domain: Gamarra's Sum '2' in Table 10-4 (2 or 5 under A, free under B)."""
    log = read_decision_log(RAW / "decision_log.csv")
    entry = next(e for e in load_manifest(RAW / "sources.yaml") if e["table"] == "10-4")
    raw = read_raw_table(RAW / entry["file"])
    a = table_problem("10-4", raw, entry["checks"], log, "A")
    b = table_problem("10-4", raw, entry["checks"], log, "B")
    sums = [(r, "Sum of upgrading") for r in (6, 7, 10, 11, 14, 18)]   # every '2' of the Sum column
    assert all(raw.at[c] == "2" for c in sums)
    assert {a.domains[a.cells[c]] for c in sums} == {(2.0, 5.0)}
    assert {b.domains[b.cells[c]][:3] for c in sums} == {(0.0, 0.5, 1.0)}
    assert a.default[(6, "Sum of upgrading")] == 2.0 and a.default[(7, "Sum of upgrading")] == 5.0
    # the rating columns' plain 2s are not re-read anywhere: they stay plain
    assert (2, "Product upgrading") not in a.cells and (10, "Product upgrading") not in b.cells


def test_half_points_follow_one_rule_in_every_score_table():
    log = read_decision_log(RAW / "decision_log.csv")
    for entry in load_manifest(RAW / "sources.yaml"):
        if entry["table"] in ("10-4", "10-5", "10-6"):
            raw = read_raw_table(RAW / entry["file"])
            b = table_problem(entry["table"], raw, entry["checks"], log, "B")
            ratings = [v for c, v in b.cells.items() if c[1] == "Product upgrading"]
            assert ratings and all(0.5 in b.domains[v] for v in ratings), entry["table"]
            whole = table_problem(entry["table"], raw, entry["checks"], log,
                                  Assumption("W", "checksums_only", half_points=False))
            assert all(0.5 not in d for d in whole.domains.values())


def test_book_cells_fixed_and_free(book):
    readings, _counts, cells, notes, _evidence = book
    b4 = cells[(cells["table"] == "10-4") & (cells["assumption"] == "B")].set_index(["row", "column"])
    # Itaji's Product/Process 'm' cells: under (B) not fixed; Campina Grande's Sum 'ĸ' = 1.5 + 1.5 is.
    assert b4.at[(12, "Sum of upgrading"), "values_allowed"] == "3"
    assert b4.at[(3, "Product upgrading"), "n_values"] > 1
    r5 = readings[(readings["table"] == "10-5") & (readings["assumption"] == "B")]
    first = r5.drop_duplicates("reading_id")
    assert len(first) == 101 and first["drawn"].sum() == 100  # a seeded sample of 100, plus the default
    assert bool(first.iloc[0]["is_default"]) and not bool(first.iloc[0]["drawn"])
    # every reading meets the printed Product Total 29: the plain cells give 4 x 2 = 8, the glyphs 21
    product = r5[r5["column"] == "Product upgrading"].groupby("reading_id")["value"].sum()
    assert (product == 21).all() and len(product) == 101
    assert r5.groupby("reading_id")["is_default"].first().sum() == 1
    assert set(notes.loc[notes["table"] == "10-5", "status"]) == {"dropped", "excluded"}


def test_real_table_with_a_broken_checksum_reports_the_conflict():
    log = read_decision_log(RAW / "decision_log.csv")
    entry = next(e for e in load_manifest(RAW / "sources.yaml") if e["table"] == "10-6")
    raw = read_raw_table(RAW / entry["file"]).copy()
    raw.at[10, "Product upgrading"] = "40"  # a Total no reading of the 0-3 cells can reach
    problem = table_problem("10-6", raw, entry["checks"], log, "B")
    with pytest.raises(NoSolution) as err:
        solve_problem(problem)
    assert err.value.conflict == ["column_sum#2 row 10 (Product upgrading)"]


def test_score_table_decisions_cite_their_evidence_and_confidence_follows(book):
    from gvc_clusters.data.checksum_evidence import EVIDENCE_MARK, decision_evidence

    _, _, cells, _, _ = book
    expected = decision_evidence(cells)
    log = read_decision_log(RAW / "decision_log.csv")
    glyphs = log[log["table"].isin(["10-4", "10-5", "10-6"]) & (log["reading"] == "default")
                 & log["kind"].isin(["glyph", "ambiguous"])]
    assert len(glyphs) == 77   # 76 glyphs and Gamarra's printed Sum '2', the same glyph as five of them
    for rec in glyphs.itertuples():
        confidence, text = expected[(rec.table, int(rec.row), rec.column)]
        assert rec.confidence == confidence, (rec.table, rec.row, rec.column)
        assert rec.reason.endswith(text) and text.startswith(EVIDENCE_MARK), (rec.table, rec.row, rec.column)
    # "high" only where the checksums alone fix the value; the rest name assumption (A)
    assert glyphs["confidence"].value_counts().to_dict() == {"medium": 43, "high": 34}
    medium = glyphs[glyphs["confidence"] == "medium"]
    assert medium["reason"].str.contains(r"needs (?:glyph consistency )?\(A\)").all()
    itaji = glyphs[(glyphs["table"] == "10-4") & (glyphs["row"] == "3") & (glyphs["column"] == "Product upgrading")]
    assert "allow 1 1.5 2 2.5 3" in itaji["reason"].iloc[0]


def test_decision_reasons_claim_no_more_than_the_solver_finds(book):
    """A reason that says a check holds "only" with the decoded value says so of glyph consistency
    (A) wherever the checksums alone (B) allow other values; no reason rests on Gamarra's printed
    Sum '2' as if it were not itself a re-read glyph."""
    _, _, cells, _, _ = book
    free_under_b = {(r.table, int(r.row), r.column) for r in cells[cells["assumption"] == "B"].itertuples()
                    if r.n_values > 1}
    log = read_decision_log(RAW / "decision_log.csv")
    score = log[log["table"].isin(["10-4", "10-5", "10-6"]) & (log["reading"] == "default") & (log["row"] != "*")]
    for rec in score.itertuples():
        claim = rec.reason.split(" Evidence (readings solver):")[0]
        assert "printed sum 2)" not in claim, (rec.table, rec.row, rec.column)
        if (rec.table, int(rec.row), rec.column) in free_under_b and " only " in claim:
            assert "glyph consistency (A)" in claim, (rec.table, rec.row, rec.column, claim)


def test_checksum_classes_from_0_1_programs_agree_with_the_search():
    """The evidence classes decide "fixed without this check" by a 0-1 program; on Tables 10-5 and
    10-6 (both assumptions) and a synthetic table every answer equals the exhaustive search's."""
    from gvc_clusters.data.checksum_evidence import _fixed_without
    from gvc_clusters.data.constraint_search import EPS, _Search

    def by_search(problem, name, cells):
        others = [c for c in problem.constraints if c.name != name]
        for cell in cells:
            var = problem.cells[cell]
            trial = {**problem.domains, var: tuple(x for x in problem.domains[var]
                                                   if abs(x - problem.default[cell]) > EPS)}
            if trial[var] and _Search(trial, others).exists():
                return False
        return True

    log = read_decision_log(RAW / "decision_log.csv")
    problems = []
    for entry in load_manifest(RAW / "sources.yaml"):
        if entry["table"] in ("10-5", "10-6"):
            raw = read_raw_table(RAW / entry["file"])
            problems += [table_problem(entry["table"], raw, entry["checks"], log, a) for a in ("A", "B")]
    raw = _raw([[1, "a", "m", "_", "4"], [2, "b", "_", "1.5", "9"], [3, "Total", "4", "2.5", ""]])
    synthetic = _log([(1, "a", "P", "m", "3"), (1, "a", "Q", "_", "1"), (2, "b", "P", "_", "1"),
                      (2, "b", "Sum", "9", "2.5")])
    problems += [table_problem("T", raw, CHECKS, synthetic, a) for a in ("A", "B")]
    answers = []
    for problem in problems:
        for name, (_, garbled) in problem.instances.items():
            cells = [c for c in garbled if c in problem.cells]
            if cells:
                answers.append(_fixed_without(problem, name, cells))
                assert answers[-1] == by_search(problem, name, cells), (problem.table, problem.assumption, name)
    assert True in answers and False in answers and len(answers) > 60
