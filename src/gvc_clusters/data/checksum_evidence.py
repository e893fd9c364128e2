"""What each printed checksum of a score table proves about the readings, and what each decision of
the log may claim about its own evidence.

A printed total, row sum or average that names only plain cells is ``independent`` evidence: its
match with the recomputed value confirms the transcription. One that names garbled cells (see
:mod:`gvc_clusters.data.readings_solver`) falls in one of four classes under each assumption, by
what the solver finds:

``independent_given_A`` / ``independent_given_B``
    the *other* checks alone already fix every garbled cell it names at the log's value under that
    assumption: its match confirms the reading.
``decodes_its_cells``
    every garbled cell it names is fixed by the checks together, but not without this one: the
    cells are decoded (in part) from this very check, so its match holds by construction.
``cells_left_free``
    a garbled cell it names takes more than one value among the readings the checks allow: its
    match holds for the default reading, not for every reading.
``result_is_garbled``
    its printed result is itself a garbled cell that the assumption cannot pin down (a re-read
    average under checksums only: an average has no finite grid of values), so the check
    constrains nothing.

The glyph decisions of Tables 10-4/10-5/10-6 cite the solver's per-cell findings
(:func:`decision_evidence`, written into the log by :func:`apply_decision_evidence`).
"""

from __future__ import annotations

import pandas as pd

from gvc_clusters.data.constraint_search import EPS, _Search
from gvc_clusters.data.readings_solver import (
    SCORE_TABLES,
    Problem,
    allowed_values,
    assumption_of,
    printed_value,
    raw_table_path,
    table_problem,
)

EVIDENCE_COLUMNS = ["table", "row", "column", "check", "garbled_cells", "evidence", "assumption"]
INDEPENDENT = "independent"
DECODES_ITS_CELLS = "decodes_its_cells"
CELLS_LEFT_FREE = "cells_left_free"
RESULT_IS_GARBLED = "result_is_garbled"
# every class a check can fall in, in the order the replication check lists them
CHECK_CLASSES = [INDEPENDENT, "independent_given_A", "independent_given_B", DECODES_ITS_CELLS, CELLS_LEFT_FREE,
                 RESULT_IS_GARBLED]


def check_evidence(problem: Problem) -> pd.DataFrame:
    """One row per printed check of ``problem``: its class (see the module docstring)."""
    allowed = allowed_values(problem)
    fixed_by_all = {cell: allowed[cell] == [problem.default[cell]] for cell in problem.cells}
    recs = []
    for name, (target, garbled_cells) in problem.instances.items():
        cells = [c for c in garbled_cells if c in problem.cells]
        if not garbled_cells:
            evidence = INDEPENDENT
        elif not cells or (target in garbled_cells and target not in problem.cells):
            evidence = RESULT_IS_GARBLED
        elif not all(fixed_by_all[c] for c in cells):
            evidence = CELLS_LEFT_FREE
        elif _fixed_without(problem, name, cells):
            evidence = f"independent_given_{problem.assumption}"
        else:
            evidence = DECODES_ITS_CELLS
        recs.append([problem.table, target[0], target[1], name,
                     " ".join(f"r{r}:{c}" for r, c in garbled_cells), evidence, problem.assumption])
    return pd.DataFrame(recs, columns=EVIDENCE_COLUMNS)


def _fixed_without(problem: Problem, name: str, cells) -> bool:
    """Whether the checks other than ``name`` alone fix every one of ``cells`` at its default.

    Asked as a feasibility question: is there an assignment satisfying the other checks in which
    some cell of ``cells`` leaves its default? Each variable is one-hot over its domain, so the
    question is a small 0-1 linear program, which HiGHS (scipy.optimize.milp) settles in
    milliseconds, where enumerating the other checks' solutions (millions in Table 10-4 under (B))
    took seconds per check. A solution HiGHS reports is verified against the checks exactly; should
    it fail there (a tolerance edge), the depth-first search decides instead.
    """
    others = [c for c in problem.constraints if c.name != name]
    variables = sorted({problem.cells[c] for c in cells})
    defaults = {problem.cells[c]: problem.default[c] for c in cells}
    witness = _leaves_default(problem.domains, others, defaults)
    if witness is None:
        return True
    if all(abs(sum(a * witness[v] for v, a in c.coefs.items()) + c.constant) <= c.tolerance + EPS for c in others):
        return False
    domains = dict(problem.domains)
    for v in variables:   # fall back: search for an assignment with one of the variables off its default
        trial = {**domains, v: tuple(x for x in domains[v] if abs(x - defaults[v]) > EPS)}
        if trial[v] and _Search(trial, others).exists():
            return False
    return True


def _leaves_default(domains: dict[str, tuple[float, ...]], constraints, defaults: dict[str, float]
                    ) -> dict[str, float] | None:
    """An assignment of ``domains`` satisfying ``constraints`` in which at least one variable of
    ``defaults`` takes another value than its default, or None when there is none (0-1 program)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    names = sorted(domains)
    offset, position = {}, 0
    for v in names:
        offset[v] = position
        position += len(domains[v])
    rows, lower, upper = [], [], []
    for v in names:                      # one value per variable
        row = np.zeros(position)
        row[offset[v]:offset[v] + len(domains[v])] = 1.0
        rows.append(row), lower.append(1.0), upper.append(1.0)
    for c in constraints:                # -tol <= sum(a * value) + constant <= tol
        row = np.zeros(position)
        for v, a in c.coefs.items():
            row[offset[v]:offset[v] + len(domains[v])] += a * np.asarray(domains[v], float)
        rows.append(row), lower.append(-c.tolerance - c.constant - EPS), upper.append(c.tolerance - c.constant + EPS)
    row = np.zeros(position)             # at most all but one of the variables at their default
    for v, value in defaults.items():
        hits = [k for k, x in enumerate(domains[v]) if abs(x - value) <= EPS]
        row[offset[v] + hits[0]] = 1.0 if hits else 0.0
    rows.append(row), lower.append(-np.inf), upper.append(len(defaults) - 1.0)
    result = milp(np.zeros(position), constraints=LinearConstraint(np.array(rows), lower, upper),
                  integrality=np.ones(position), bounds=Bounds(0, 1))
    if result.status == 2:               # infeasible
        return None
    if result.status != 0:
        raise RuntimeError(f"checksum evidence: the 0-1 program did not settle ({result.message})")
    x = np.round(result.x)
    return {v: domains[v][int(np.argmax(x[offset[v]:offset[v] + len(domains[v])]))] for v in names}


def table_evidence(raw_dir, manifest: list[dict], log: pd.DataFrame, tables: list[str],
                   assumptions=("A", "B")) -> pd.DataFrame:
    """:func:`check_evidence` for each of ``tables`` under each assumption (``raw_dir``: see
    :func:`gvc_clusters.data.readings_solver.raw_table_path`)."""
    from gvc_clusters.data.rawtable import read_raw_table

    frames = []
    for entry in manifest:
        if entry["table"] in tables and entry.get("checks"):
            raw = read_raw_table(raw_table_path(raw_dir, entry["file"]))
            for assumption in assumptions:
                problem = table_problem(entry["table"], raw, entry["checks"], log, assumption_of(assumption),
                                        scale_max=SCORE_TABLES.get(entry["table"]))
                frames.append(check_evidence(problem))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EVIDENCE_COLUMNS)


# --------------------------------------------------------------------------- decisions cite their evidence

EVIDENCE_MARK = "Evidence (readings solver):"


def decision_evidence(cells: pd.DataFrame) -> dict[tuple[str, int, str], tuple[str, str]]:
    """Per garbled cell of a score table: the confidence its evidence supports and a sentence naming it.

    ``cells`` is the solver's per-cell frame (:func:`cell_evidence`, both assumptions). A value
    the printed checksums fix alone (B) is ``high``; one fixed only with glyph consistency (A)
    is ``medium`` and says so, with the values the checks alone would allow (those readings are
    counted in results/replication/readings/readings_counts.csv and listed, or uniformly sampled,
    in readings.csv). Only the built-in assumptions A and B of ``cells`` are read.
    """
    out = {}
    for (table, row, column), group in cells.groupby(["table", "row", "column"], sort=True):
        by = {r.assumption: r for r in group.itertuples()}
        a, b = by.get("A"), by.get("B")
        glyph = (a or b).printed_text
        if b is not None and b.fixed:
            out[(table, int(row), column)] = (
                "high", f"{EVIDENCE_MARK} fixed by the printed checksums alone, no glyph assumption (B): {b.checks}.")
        elif a is not None and a.fixed:
            as_glyph = printed_value(str(glyph)) is None
            assumption = (f"glyph consistency (A): every '{glyph}' of Table {table} is one digit" if as_glyph else
                          f"(A): the printed '{glyph}' is either what it prints or a value the log reads it as in "
                          "its column")
            if b is None:
                alone = ("under checksums only (B) this printed aggregate is itself garbled and constrains nothing, "
                         "so no check fixes it")
            else:
                alone = (f"under checksums only (B) the checks ({b.checks}) allow {b.values_allowed}; those "
                         "readings are counted in results/replication/readings/readings_counts.csv")
            out[(table, int(row), column)] = (
                "medium", f"{EVIDENCE_MARK} needs {assumption}; with it, fixed by {a.checks}. Without it, {alone}.")
    return out


def apply_decision_evidence(log_path, cells: pd.DataFrame) -> int:
    """Rewrite the confidence and evidence of the score tables' default glyph decisions in place
    (the raw decision log; the rest of each row, and every other row, is kept byte for byte).
    Returns the number of decisions whose confidence changed."""
    import csv
    import io
    from pathlib import Path

    path = Path(log_path)
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    head = records[0]
    col = {name: i for i, name in enumerate(head)}
    evidence = decision_evidence(cells)
    changed = 0
    for rec in records[1:]:
        if rec[col["reading"]] != "default" or rec[col["kind"]] not in ("glyph", "ambiguous") \
                or not rec[col["row"]].isdigit():
            continue
        key = (rec[col["table"]], int(rec[col["row"]]), rec[col["column"]])
        if key not in evidence:
            continue
        confidence, text = evidence[key]
        changed += rec[col["confidence"]] != confidence
        rec[col["confidence"]] = confidence
        reason = rec[col["reason"]].split(f" {EVIDENCE_MARK}")[0].rstrip(".")
        rec[col["reason"]] = f"{reason}. {text}"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return changed
