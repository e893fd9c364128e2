"""Enumerate every reading of a table's garbled cells that the printed checksums allow.

A *garbled* cell is one whose printed text the decision log re-reads (kind ``glyph`` or
``ambiguous``, default reading): an OCR glyph such as ``m`` or ``_``, or a printed digit the log
re-reads (an upside-down ``9`` read as 6, a ``2`` read as 5). A glyph's domain depends on the glyph,
never on the row: where the log re-reads a printed number in one cell of a column, every cell of
that column printing the same text is garbled too, with the same domain (Table 10-4's Sum column
prints ``2`` for Gamarra, where 2 = 1 + 1, beside five ``2`` cells the log reads as 5: all six are
one glyph of that column, each either 2 or 5 under (A), free under (B)). The rating columns'
plain digits are not re-read anywhere, and their column totals add up as printed.

Instead of keeping one decoded value, :func:`table_problem` turns the table and its declared checks
(data/raw/sources.yaml) into linear constraints over the garbled cells, and
:func:`constraint_search.solve` counts and lists every assignment that satisfies all of them. The
rule for the cells is the assumption's (:class:`Assumption`; ``cells``):

``glyph_consistent`` (assumption A)
    within a table one glyph stands for one digit: every cell printing the same non-numeric glyph
    takes the same value, a whole digit 0-9 inside the cell's range (one glyph cannot print
    "1.5"). A *printed digit* the log re-reads is either what it prints or a value the log reads
    that text as in its column: a printed digit is not a glyph class (the OCR misreads a digit
    now and then; it does not substitute one for it throughout).
``checksums_only`` (assumption B)
    every garbled cell is any value of the table's domain: a score 0-3, a sum or total within the
    bounds its parts allow. One rule for half points in the three score tables (10-4, 10-5,
    10-6): with ``half_points`` (the default) every garbled score may be a half step. Their notes
    are the same ("3 = high; 2 = medium; 1 = low; 0 = absent", seed lines 3471, 3526, 3552) and
    Tables 10-4 and 10-6 print halves under that note (1.5, 2.5, 10.5, 8.5), so the note does not
    exclude them; that Table 10-5 happens to print none among its plain cells is no evidence
    that its garbled cells have none. A garbled *average* has no finite grid of values, so under
    (B) its check constrains nothing and is dropped (and reported as such).

A printed aggregate the log records as a ``contradiction`` (a book inconsistency no reading of the
column reproduces, e.g. Table 10-5's Intersectoral average 0.60 against Total 4 / 11 clusters)
is left out of the constraints and reported in ``Problem.excluded``.

The solver is plain depth-first enumeration with interval pruning and a memo of completion counts
(constraint_search): the upgrading tables have at most a few dozen unknowns with 4-7 values each.
When no assignment satisfies the checks, :class:`constraint_search.NoSolution` names a minimal set
of checks that conflict (a deletion filter over the constraints). What each printed check proves
about the readings is in :mod:`gvc_clusters.data.checksum_evidence`.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from gvc_clusters.data.constraint_search import (
    EPS,
    Constraint,
    NotLinear,
    _Search,
    linear_form,
    solve,
)
from gvc_clusters.data.rawtable import parse_number

CELL_RULES = ("glyph_consistent", "checksums_only")


@dataclass(frozen=True)
class Assumption:
    """One set of readings: how the garbled cells of a checked table may be read (``cells``: one of
    CELL_RULES), whether a garbled score may be a half point under ``checksums_only``, and whether
    the decision log's alternative readings of other cells belong to the set (``alternatives``)."""

    name: str
    cells: str
    half_points: bool = True
    alternatives: bool = True
    label: str = ""

    def __post_init__(self):
        if self.cells not in CELL_RULES:
            raise ValueError(f"assumption {self.name!r}: cells must be one of {CELL_RULES}, got {self.cells!r}")


# The two built-in assumptions (config ``readings.assumptions`` may add others).
ASSUMPTIONS = {"A": Assumption("A", "glyph_consistent", label="glyph-consistent"),
               "B": Assumption("B", "checksums_only", label="checksums only")}


def assumption_of(assumption: str | Assumption) -> Assumption:
    """An Assumption, or the built-in one of that name ("A", "B")."""
    if isinstance(assumption, Assumption):
        return assumption
    if assumption not in ASSUMPTIONS:
        raise ValueError(f"assumption must be one of {tuple(ASSUMPTIONS)} or an Assumption, got {assumption!r}")
    return ASSUMPTIONS[assumption]


READING_COLUMNS = ["reading_id", "table", "row", "row_label", "column", "printed_text", "value", "assumption",
                   "is_default", "drawn"]
COUNT_COLUMNS = ["table", "assumption", "status", "unknown_cells", "uncertain_cells", "variables", "constraints",
                 "dropped_checks", "excluded_checks", "solutions", "listed", "default_is_solution", "cells_fixed",
                 "cells_free"]
# status of a checked table: its garbled cells have more than one candidate value, or none has
SOLVED, NO_UNCERTAIN_CELLS = "checked", "no uncertain cells"


@dataclass
class Problem:
    table: str
    assumption: str
    domains: dict[str, tuple[float, ...]]      # variable -> allowed values
    cells: dict[tuple[int, str], str]          # garbled cell -> its variable
    constraints: list[Constraint]
    default: dict[tuple[int, str], float]      # the decision log's value of each garbled cell
    printed: dict[tuple[int, str], str] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)   # checks that constrain nothing under this assumption
    excluded: list[str] = field(default_factory=list)  # printed aggregates logged as book contradictions
    # every check instance: name -> (printed result cell, garbled cells it names), kept or not
    instances: dict[str, tuple[tuple[int, str], list[tuple[int, str]]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- tables -> problems

def _grid(low: float, high: float, step: float) -> tuple[float, ...]:
    n = math.floor((high - low) / step + EPS)
    return tuple(round(low + i * step, 6) for i in range(n + 1))


def check_rows(check: dict, index) -> list[int]:
    if "rows" in check:
        return list(check["rows"])
    if "range" in check:
        first, last = check["range"]
        return list(range(first, last + 1))
    return list(index)


def _instances(checks: list[dict], columns) -> list[dict]:
    """Each declared check expanded into one linear relation per row (row_formula) or column."""
    out = []
    for i, check in enumerate(checks, start=1):
        label = f"{check['type']}#{i}"
        tol = float(check.get("tolerance", 0.0))
        na_zero = bool(check.get("na_as_zero"))
        rows = check_rows(check, [])
        if check["type"] == "row_formula":
            try:
                coefs, const = linear_form(check["expr"])
            except NotLinear:
                out.append({"name": f"{label} ({check['target']})", "nonlinear": True})
                continue
            for row in rows:
                out.append({"name": f"{label} row {row} ({check['target']})", "kind": "row", "na_zero": na_zero,
                            "terms": {(row, c): a for c, a in coefs.items()}, "const": const,
                            "target": (row, check["target"]), "tol": tol})
        elif check["type"] in ("column_sum", "column_mean"):
            result_row = check.get("total_row", check.get("mean_row"))
            for col in check["columns"]:
                out.append({"name": f"{label} row {result_row} ({col})", "kind": check["type"], "na_zero": na_zero,
                            "terms": {(r, col): 1.0 for r in rows}, "const": 0.0,
                            "target": (result_row, col), "tol": tol})
    return out


def _bounds(instances, known, garbled, scale_max):
    """Interval bounds of every cell: data cells [0, scale_max]; a target the bounds of its parts."""
    bounds: dict[tuple[int, str], tuple[float, float]] = {}
    for inst in instances:
        for cell in inst.get("terms", {}):
            if cell in garbled:
                bounds.setdefault(cell, (0.0, scale_max))
    for _ in range(3):
        for inst in instances:
            if inst.get("nonlinear") or inst["target"] not in garbled or inst["kind"] == "column_mean":
                continue
            lo = hi = inst["const"]
            for cell, a in inst["terms"].items():
                b = bounds.get(cell) or ((known[cell], known[cell]) if not _isnan(known.get(cell)) else (0.0, 0.0))
                lo += min(a * b[0], a * b[1])
                hi += max(a * b[0], a * b[1])
            bounds[inst["target"]] = (max(lo, 0.0), hi)
    return bounds


def printed_value(text: str) -> float | None:
    """What a printed cell says, as a *reading hypothesis*: a plain number, or a digit of another
    script ("٣", which the OCR printed for a 3 of Table 10-5) read as that digit, so that under (A)
    it is "what it prints or the log's re-reading", as the decision log's evidence says. Never a
    cell value: ``parse_number`` takes ASCII digits only, so such a cell needs its decision."""
    value = parse_number(text)
    if value is None and text and all(unicodedata.decimal(ch, None) is not None for ch in text):
        return float("".join(str(unicodedata.decimal(ch)) for ch in text))
    return value


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def table_problem(table: str, raw: pd.DataFrame, checks: list[dict], log: pd.DataFrame,
                  assumption: str | Assumption, *, scale_max: float | None = 3.0,
                  step: float | None = None) -> Problem:
    """The garbled cells of ``table`` as variables and its checks as linear constraints.

    ``raw`` is the printed table (strings, indexed by printed row), ``log`` the decision log,
    ``assumption`` an :class:`Assumption` or a built-in one's name. ``step`` is the grid of a
    garbled score under ``checksums_only``: by default 0.5 when the assumption admits half points,
    else 1. ``scale_max=None`` is for tables that are not scores (counts, money, ratios): there a
    garbled cell is either what it prints, when that is a plain number (``1.898``), or a value the
    log reads it as (``1898``), under every assumption.
    """
    rule = assumption_of(assumption)
    from gvc_clusters.data.decisions import cell_values

    instances = _instances(checks, raw.columns)
    garbled, contradictions, rereads = _logged_cells(log, table)
    garbled.update(_same_glyph_cells(raw, garbled, rereads))
    known = _known_cells(raw, instances, garbled, cell_values(log, table))
    if step is None:
        step = 0.5 if rule.half_points else 1.0
    bounds = _bounds(instances, known, garbled, scale_max if scale_max is not None else math.inf)
    mean_targets = {inst["target"] for inst in instances if inst.get("kind") == "column_mean"}
    printed = {cell: raw.at[cell] if cell[0] in raw.index else "" for cell in garbled}
    domains, cell_var = _cell_domains(raw, garbled, printed, rereads, bounds, mean_targets, rule.cells, scale_max,
                                      step)

    constraints: list[Constraint] = []
    dropped: list[str] = []
    excluded: list[str] = []
    free_means = {v for v, d in domains.items() if d == ()}
    named: dict[str, tuple[tuple[int, str], list[tuple[int, str]]]] = {}
    for inst in instances:
        if inst.get("nonlinear"):
            dropped.append(f"{inst['name']}: not a linear relation")
            continue
        target = inst["target"]
        named[inst["name"]] = (target, [c for c in [*inst["terms"], target] if c in garbled])
        if target in contradictions and target not in garbled:
            excluded.append(f"{inst['name']}: printed value logged as a contradiction of the book")
            continue
        constraint, why_dropped, why_excluded = _check_constraint(inst, cell_var, known, free_means)
        if constraint is not None:
            constraints.append(constraint)
        dropped += [why_dropped] if why_dropped else []
        excluded += [why_excluded] if why_excluded else []
    domains = {v: d for v, d in domains.items() if v not in free_means}
    cell_var = {c: v for c, v in cell_var.items() if v not in free_means}
    labels = {int(r): raw.at[r, raw.columns[0]] for r in raw.index}
    return Problem(table, rule.name, domains, cell_var, constraints,
                   {c: garbled[c] for c in cell_var}, {c: printed[c] for c in cell_var}, labels, dropped, excluded,
                   named)


def _logged_cells(log: pd.DataFrame, table: str):
    """The decision log's garbled cells of ``table`` (cell -> decoded value), the cells it logs as
    contradictions of the book, and per (column, printed number) every value the log re-reads that
    printed number as in that column."""
    rows = log[(log["table"] == table) & (log["reading"] == "default") & (log["row"] != "*")
               & (log["column"] != "*")]
    garbled_rows = rows[rows["kind"].isin(["glyph", "ambiguous"]) & (rows["value_used"] != "NA")]
    garbled = {(int(r), c): float(v) for r, c, v in zip(garbled_rows["row"], garbled_rows["column"],
                                                          garbled_rows["value_used"].map(parse_number))}
    contradictions = {(int(r), c) for r, c in zip(rows.loc[rows["kind"] == "contradiction", "row"],
                                                   rows.loc[rows["kind"] == "contradiction", "column"])}
    rereads: dict[tuple[str, str], set[float]] = {}
    for text, column, value in zip(garbled_rows["printed_text"], garbled_rows["column"],
                                   garbled_rows["value_used"].map(parse_number)):
        as_printed = printed_value(text)
        if as_printed is not None and abs(as_printed - value) > EPS:
            rereads.setdefault((column, text), set()).add(float(value))
    return garbled, contradictions, rereads


def _same_glyph_cells(raw: pd.DataFrame, garbled, rereads) -> dict[tuple[int, str], float]:
    """Cells the log does not name that print a number the log re-reads elsewhere in their column:
    the same glyph, so garbled too; their default is the value they print (the log keeps it)."""
    out = {}
    for (column, text) in sorted(rereads):
        if column not in raw.columns:
            continue
        for row in raw.index:
            if raw.at[row, column] == text and (int(row), column) not in garbled:
                out[(int(row), column)] = printed_value(text)
    return out


def _known_cells(raw: pd.DataFrame, instances: list[dict], garbled, decided) -> dict[tuple[int, str], float]:
    """The value of every plain (not garbled) cell a check names: the log's decision, else as printed."""
    cells = {cell for inst in instances for cell in [*inst.get("terms", {}), inst.get("target")] if cell}
    known: dict[tuple[int, str], float] = {}
    for cell in cells:
        row, col = cell
        if cell in garbled or row not in raw.index or col not in raw.columns:
            continue
        if cell in decided:
            known[cell] = decided[cell]
        else:
            text = raw.at[row, col]
            value = printed_value(text) if text else math.nan
            known[cell] = math.nan if value is None else value
    return known


def _cell_domains(raw, garbled, printed, rereads, bounds, mean_targets, rule, scale_max, step):
    """(variable -> allowed values, garbled cell -> its variable) under the cell rule ``rule``."""
    domains: dict[str, tuple[float, ...]] = {}
    cell_var: dict[tuple[int, str], str] = {}
    for cell in sorted(garbled, key=lambda c: (c[0], list(raw.columns).index(c[1]) if c[1] in raw.columns else 0)):
        text = printed[cell]
        lo, hi = bounds.get(cell, (0.0, scale_max))
        as_printed = printed_value(text)
        # what the log reads this text as in this column (one glyph, one domain), and its own value
        read_as = rereads.get((cell[1], text), set()) | {garbled[cell]}
        if scale_max is None:  # no score scale: the cell is what it prints (if a number) or a value the log reads
            var = f"{cell[0]}|{cell[1]}"
            domains[var] = tuple(sorted(read_as | ({as_printed} if as_printed is not None else set())))
        elif rule == "glyph_consistent":
            if as_printed is not None:  # a printed digit re-read by the log: as printed, or as the log reads it
                var = f"{cell[0]}|{cell[1]}"
                domains[var] = tuple(sorted({as_printed} | read_as))
            else:  # a glyph class: one digit for the whole table
                var = f"glyph {text}"
                digits = tuple(float(d) for d in range(10) if lo - EPS <= d <= hi + EPS)
                domains[var] = tuple(d for d in domains.get(var, digits) if d in digits)
        else:
            var = f"{cell[0]}|{cell[1]}"
            if cell in mean_targets:
                domains[var] = ()  # unbounded: the check it closes is dropped below
            else:
                domains[var] = _grid(0.0, hi, step)
        cell_var[cell] = var
    return domains, cell_var


def _check_constraint(inst: dict, cell_var, known, free_means) -> tuple[Constraint | None, str | None, str | None]:
    """One check instance as a linear constraint over the garbled cells' variables: (constraint,
    why it was dropped, why it was excluded), at most one of them set."""
    target = inst["target"]
    n_terms = 0
    coefs: dict[str, float] = {}
    const = inst["const"]
    for cell, a in dict(inst["terms"]).items():
        if cell in cell_var:
            coefs[cell_var[cell]] = coefs.get(cell_var[cell], 0.0) + a
            n_terms += 1
            continue
        v = known.get(cell, math.nan)
        if _isnan(v):
            if inst["na_zero"]:
                v = 0.0
                n_terms += 1
            elif inst["kind"] == "row":  # an NA term: the check cannot be evaluated (as in checks.evaluate)
                return None, f"{inst['name']}: a term is not available", None
            else:
                continue  # column sums and means skip NA cells
        else:
            n_terms += 1
        const += a * v
    scale = n_terms if inst["kind"] == "column_mean" else 1
    tol = inst["tol"] * scale
    if target in cell_var:
        coefs[cell_var[target]] = coefs.get(cell_var[target], 0.0) - scale
    else:
        v = known.get(target, math.nan)
        if _isnan(v):
            return None, f"{inst['name']}: printed result not available", None
        const -= scale * v
    if any(v in free_means for v in coefs):
        return None, f"{inst['name']}: its printed result is itself garbled (an average has no grid)", None
    coefs = {v: a for v, a in coefs.items() if abs(a) > EPS}
    if not coefs:  # no garbled cell in it: it holds or fails whatever the reading (checksum report)
        if abs(const) > tol + EPS:
            return None, None, (f"{inst['name']}: names no garbled cell and fails as printed (a book "
                                "inconsistency of the checksum report, independent of any reading)")
        return None, None, None
    return Constraint(inst["name"], coefs, const, tol), None, None


def solve_problem(problem: Problem, max_solutions: int | None = None,
                  seed: int = 0) -> tuple[int, list[dict[tuple[int, str], float]]]:
    """The number of solutions, and the solutions (all, or a seeded sample above ``max_solutions``)
    as cell -> value. The default reading comes first when it is a solution (it is added to a
    sample that missed it; ``problem.default_added`` then says so, and the listing marks it as not
    drawn, so that the drawn ones stay a uniform sample)."""
    total, found = solve(problem.domains, problem.constraints, table=problem.table,
                         max_solutions=max_solutions, seed=seed, search=_search_of(problem))
    out = [{cell: s[var] for cell, var in problem.cells.items()} for s in found]
    default = problem.default
    is_default = [all(abs(s[c] - default[c]) <= EPS for c in s) for s in out]
    if any(is_default):
        i = is_default.index(True)
        out.insert(0, out.pop(i))
    elif _satisfies(problem, default):
        out.insert(0, dict(default))
        problem.default_added = True
    return total, out


def _satisfies(problem: Problem, cells: dict[tuple[int, str], float]) -> bool:
    by_var = {problem.cells[c]: v for c, v in cells.items() if c in problem.cells}
    return all(abs(sum(a * by_var[v] for v, a in c.coefs.items()) + c.constant) <= c.tolerance + EPS
               for c in problem.constraints)


def _search_of(problem: Problem) -> _Search:
    """One search per problem, so that counting, sampling and the evidence share its memo."""
    if getattr(problem, "_search", None) is None:
        problem._search = _Search(problem.domains, problem.constraints)
    return problem._search


def allowed_values(problem: Problem) -> dict[tuple[int, str], list[float]]:
    """Per garbled cell, every value it takes in at least one solution (exact, also when the
    readings listed are a sample)."""
    if getattr(problem, "_allowed", None) is None:
        by_var = _search_of(problem).values_allowed()
        problem._allowed = {cell: sorted(by_var[var]) for cell, var in problem.cells.items()}
    return problem._allowed


def readings_frame(problem: Problem, solutions: list[dict]) -> pd.DataFrame:
    """The long readings file: one row per solution and garbled cell. ``drawn``: the solution is
    one of all the solutions, or of the uniform sample of them (False only for a default reading
    added to a sample that missed it)."""
    recs = []
    for k, sol in enumerate(solutions, start=1):
        is_default = all(abs(sol[c] - problem.default[c]) <= EPS for c in sol)
        drawn = not (k == 1 and getattr(problem, "default_added", False))
        rid = f"{problem.table}.{problem.assumption}.{k:05d}"
        for (row, col), value in sorted(sol.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            recs.append([rid, problem.table, row, problem.labels.get(row, ""), col, problem.printed[(row, col)],
                         value, problem.assumption, is_default, drawn])
    return pd.DataFrame(recs, columns=READING_COLUMNS)


def summary_row(problem: Problem, total: int, solutions: list[dict]) -> dict:
    """Counts for the replication check and the reading space: ``uncertain_cells`` have more than
    one candidate value before the checks (status "no uncertain cells" when none has);
    ``cells_fixed`` take one value in every solution."""
    default_in = _satisfies(problem, problem.default)
    allowed = allowed_values(problem)
    fixed = [c for c in problem.cells if len(allowed[c]) == 1]
    uncertain = uncertain_cells(problem)
    return {"table": problem.table, "assumption": problem.assumption,
            "status": SOLVED if uncertain else NO_UNCERTAIN_CELLS, "unknown_cells": len(problem.cells),
            "uncertain_cells": len(uncertain), "variables": len(problem.domains),
            "constraints": len(problem.constraints), "dropped_checks": len(problem.dropped),
            "excluded_checks": len(problem.excluded), "solutions": int(total), "listed": len(solutions),
            "default_is_solution": default_in, "cells_fixed": len(fixed), "cells_free": len(problem.cells) - len(fixed)}


def uncertain_cells(problem: Problem) -> list[tuple[int, str]]:
    """The garbled cells with more than one candidate value before any check (their domain)."""
    return [c for c, v in problem.cells.items() if len(problem.domains[v]) > 1]


def cell_evidence(problem: Problem, solutions: list[dict] | None = None) -> pd.DataFrame:
    """Per garbled cell: the values the checks allow and the checks that name it."""
    recs = []
    allowed = allowed_values(problem)
    for cell, var in problem.cells.items():
        values = allowed[cell]
        checks = [c.name for c in problem.constraints if var in c.coefs]
        recs.append({"table": problem.table, "row": cell[0], "column": cell[1], "printed_text": problem.printed[cell],
                     "assumption": problem.assumption, "default_value": problem.default[cell],
                     "values_allowed": " ".join(f"{v:g}" for v in values), "n_values": len(values),
                     "fixed": len(values) == 1 and abs(values[0] - problem.default[cell]) <= EPS,
                     "variable": var, "checks": "; ".join(checks)})
    return pd.DataFrame(recs)


def raw_table_path(raw, file: str):
    """Where the manifest's ``file`` is: ``raw`` is the folder of sources.yaml, or a mapping of the
    manifest's file names to paths (the rule's declared inputs: nothing else is read)."""
    from collections.abc import Mapping
    from pathlib import Path

    if isinstance(raw, Mapping):
        if file not in raw:
            raise KeyError(f"{file}: a printed table with checks in sources.yaml that is not among the inputs "
                           f"given ({', '.join(sorted(raw)) or 'none'})")
        return raw[file]
    return Path(raw) / file


# --------------------------------------------------------------------------- every table of the book

SCORE_TABLES = {"10-4": 3.0, "10-5": 3.0, "10-6": 3.0}  # tables of 0-3 upgrading scores
