"""One reading space: every way of reading the book's uncertain cells, counted exactly.

A *reading* is one choice for every uncertain cell of every printed table. The choices come in
independent *factors*:

* a table with printed checks (data/raw/sources.yaml) is one factor whose options are the readings
  of its garbled cells that the checks allow (:mod:`gvc_clusters.data.readings_solver`);
* in a table without checks, the decision log's alternative readings are the options: each
  alternative id is one joint reading of its cells, and ids that read a common cell are options of
  one factor (they cannot combine: a cell has one value per reading), beside the default.

An :class:`~gvc_clusters.data.readings_solver.Assumption` defines one set of readings: the cell
rule of the checked tables (glyph-consistent, A; checksums only, B), half points, and whether the
decision log's alternatives belong to the set. The set is the product of its factors, and its
size is the product of their sizes: an exact integer (:func:`reading_counts`), per table and
overall, never a float. A table with no uncertain cell says so, as does one whose uncertain cells
no printed check constrains; neither is "1 solution".

An alternative of a cell in a *checked* table is refused: there the printed checks decide
among readings (log the cell as ``glyph``/``ambiguous`` with its default instead).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from gvc_clusters.data.decisions import DEFAULT
from gvc_clusters.data.readings_solver import ASSUMPTIONS, NO_UNCERTAIN_CELLS, Assumption
from gvc_clusters.errors import InputError

NO_CHECKS = "no checks"      # uncertain cells whose options are the decision log's alternatives only
PRINTED_TABLE = re.compile(r"^\d+-\d+$")  # a table of the book (not the cluster key or the verdict list)
COUNT_COLUMNS = ["table", "assumption", "status", "checks", "uncertain_cells", "factors", "readings"]
ALL_TABLES = "all"


@dataclass(frozen=True)
class Factor:
    """One independent choice of the reading space. ``options[0]`` is the default reading: for an
    alternatives factor ``"default"`` then the alternative ids, for a checked table its solutions'
    ids. ``size`` is the number of options (exact)."""

    name: str
    table: str
    kind: str                       # "alternatives" | "checks"
    options: tuple[str, ...]
    cells: tuple[tuple[int, str], ...] = ()
    size_override: int | None = None   # a checked table's exact count when its options are a listed sample

    @property
    def size(self) -> int:
        return self.size_override if self.size_override is not None else len(self.options)


def assumptions_from_config(section: dict | None) -> list[Assumption]:
    """The assumptions of config ``readings.assumptions`` (name -> {cells, half_points,
    alternatives, label}); the built-in A and B when the section gives none."""
    if not section:
        return list(ASSUMPTIONS.values())
    out = []
    for name, spec in section.items():
        out.append(Assumption(name, spec["cells"], half_points=bool(spec.get("half_points", True)),
                              alternatives=bool(spec.get("alternatives", True)),
                              label=spec.get("label") or ASSUMPTIONS.get(name, Assumption(name, spec["cells"])).label
                              or name))
    return out


def alternative_factors(log: pd.DataFrame, checked_tables: set[str] = frozenset()) -> list[Factor]:
    """The decision log's alternative readings grouped into factors: ids that read a common cell are
    options of one factor (with the default), the others independent factors. Ordered by table and
    first id. Raises InputError for an alternative in a table with printed checks."""
    cells = log[(log["reading"] != DEFAULT) & (log["row"] != "*") & (log["column"] != "*")]
    by_id: dict[str, tuple[str, set]] = {}
    for rec in cells.itertuples():
        if rec.table in checked_tables:
            raise InputError("data/raw/decision_log.csv", "an alternative reading of a cell in a table with printed "
                             "checks: the checks decide among its readings (readings solver)", row=rec.Index + 2,
                             column="reading", value=rec.reading,
                             expected="a glyph/ambiguous default decision for the cell, without an alternative id")
        table, seen = by_id.setdefault(rec.reading, (rec.table, set()))
        seen.add((int(rec.row), rec.column))
    groups: list[tuple[str, list[str], set]] = []
    for rid in sorted(by_id, key=_id_key):
        table, seen = by_id[rid]
        joined = [g for g in groups if g[0] == table and g[2] & seen]
        merged = (table, [i for g in joined for i in g[1]] + [rid], set(seen).union(*(g[2] for g in joined)))
        groups = [g for g in groups if g not in joined] + [merged]
    factors = [Factor("+".join(ids), table, "alternatives", (DEFAULT, *ids), tuple(sorted(seen)))
               for table, ids, seen in groups]
    return sorted(factors, key=lambda f: (_table_key(f.table), _id_key(f.options[1])))


def _table_key(table: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[-.]", table))


def _id_key(rid: str) -> tuple:
    return (*_table_key(rid.rsplit(".", 1)[0]), rid.rsplit(".", 1)[-1])


def reading_counts(manifest: list[dict], log: pd.DataFrame, solver_counts: pd.DataFrame,
                   assumptions: list[Assumption]) -> pd.DataFrame:
    """Per printed table and assumption: status, declared checks, uncertain cells, factors and the
    exact number of readings (a Python int); then one row per assumption for all tables (their
    product). ``solver_counts``: the readings solver's counts (readings_counts.csv) of every table
    with checks under every assumption."""
    tables = [e for e in manifest if PRINTED_TABLE.match(str(e["table"]))]
    checked = {str(e["table"]) for e in tables if e.get("checks")}
    factors = alternative_factors(log, checked)
    solved = {(str(r.table), r.assumption): r for r in solver_counts.itertuples()}
    rows = []
    for rule in assumptions:
        total = 1
        for entry in sorted(tables, key=lambda e: _table_key(str(e["table"]))):
            table = str(entry["table"])
            if table in checked:
                if (table, rule.name) not in solved:
                    raise KeyError(f"table {table}: no readings-solver count under assumption {rule.name}")
                r = solved[(table, rule.name)]
                row = {"status": r.status, "checks": len(entry["checks"]), "uncertain_cells": int(r.uncertain_cells),
                       "factors": int(r.status != NO_UNCERTAIN_CELLS), "readings": int(r.solutions)}
            else:
                own = [f for f in factors if f.table == table] if rule.alternatives else []
                uncertain = len({c for f in factors if f.table == table for c in f.cells})
                row = {"status": NO_CHECKS if uncertain else NO_UNCERTAIN_CELLS, "checks": 0,
                       "uncertain_cells": uncertain, "factors": len(own),
                       "readings": math.prod(f.size for f in own)}
            total *= row["readings"]
            rows.append({"table": table, "assumption": rule.name, **row})
        rows.append({"table": ALL_TABLES, "assumption": rule.name, "status": "product of the tables",
                     "checks": sum(r["checks"] for r in rows if r["assumption"] == rule.name),
                     "uncertain_cells": sum(r["uncertain_cells"] for r in rows if r["assumption"] == rule.name),
                     "factors": sum(r["factors"] for r in rows if r["assumption"] == rule.name),
                     "readings": total})
    out = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    out["readings"] = out["readings"].astype(object)   # exact integers, beyond int64 if need be
    return out


def set_size(counts: pd.DataFrame, assumption: str) -> int:
    """The exact number of readings in the set of ``assumption`` (the product over the tables)."""
    hit = counts[(counts["table"] == ALL_TABLES) & (counts["assumption"] == assumption)]
    return int(hit["readings"].iloc[0])
