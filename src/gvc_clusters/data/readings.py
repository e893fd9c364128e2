"""The readings output (rule solve_readings): every table with printed checks solved under each
assumption, with what each printed checksum proves, from verified inputs.

``solve_tables`` runs the solver (gvc_clusters.data.readings_solver) and the checksum evidence
(gvc_clusters.data.checksum_evidence) over the manifest's checked tables; ``write_readings`` is the
rule's entry point. Beside both so that neither of them imports the other.
"""

from __future__ import annotations

import pandas as pd

from gvc_clusters.data.checksum_evidence import EVIDENCE_COLUMNS, check_evidence
from gvc_clusters.data.readings_solver import (
    ASSUMPTIONS,
    COUNT_COLUMNS,
    READING_COLUMNS,
    SCORE_TABLES,
    assumption_of,
    cell_evidence,
    raw_table_path,
    readings_frame,
    solve_problem,
    summary_row,
    table_problem,
)
from gvc_clusters.errors import InputError


def solve_tables(raw_dir, manifest: list[dict], log: pd.DataFrame, *, max_solutions: int, seed: int,
                 tables: list[str] | None = None, assumptions=None) -> tuple[pd.DataFrame, ...]:
    """Solve every table that declares checks, under each assumption (default: A and B).

    Returns the readings (long), the counts per table x assumption, the per-cell evidence, the
    checks each problem left out (dropped or excluded, with why) and, for the score tables, what
    each printed checksum proves (:func:`gvc_clusters.data.checksum_evidence.check_evidence`).
    ``raw_dir``: see :func:`raw_table_path`; ``assumptions``: Assumptions or built-in names.
    """
    from gvc_clusters.data.rawtable import read_raw_table

    rules = [assumption_of(a) for a in (assumptions or ASSUMPTIONS)]
    readings, counts, cells, notes, evidence = [], [], [], [], []
    for entry in manifest:
        if not entry.get("checks") or (tables is not None and entry["table"] not in tables):
            continue
        table = entry["table"]
        raw = read_raw_table(raw_table_path(raw_dir, entry["file"]))
        for rule in rules:
            problem = table_problem(table, raw, entry["checks"], log, rule, scale_max=SCORE_TABLES.get(table))
            total, solutions = solve_problem(problem, max_solutions=max_solutions, seed=seed)
            readings.append(readings_frame(problem, solutions))
            counts.append(summary_row(problem, total, solutions))
            cells.append(cell_evidence(problem))
            if table in SCORE_TABLES:
                evidence.append(check_evidence(problem))
            notes += [{"table": table, "assumption": rule.name, "status": "dropped", "check": d}
                      for d in problem.dropped]
            notes += [{"table": table, "assumption": rule.name, "status": "excluded", "check": d}
                      for d in problem.excluded]
    return (pd.concat(readings, ignore_index=True) if readings else pd.DataFrame(columns=READING_COLUMNS),
            pd.DataFrame(counts, columns=COUNT_COLUMNS),
            pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(),
            pd.DataFrame(notes, columns=["table", "assumption", "status", "check"]),
            pd.concat(evidence, ignore_index=True) if evidence else pd.DataFrame(columns=EVIDENCE_COLUMNS))


def write_readings(printed_tables: dict[str, str], manifest_path, log_path, output: dict, *, max_solutions: int,
                   seed: int, assumptions=None) -> None:
    """The pipeline's entry point: readings, counts, per-cell values, left-out checks, checksum evidence.
    ``printed_tables``: the manifest's file name (relative to sources.yaml) -> path, every table with checks.

    The inputs are verified first, as the cleaning jobs verify them: the signatures of the manifest
    and the decision log, and the SHA-256 of every printed table read (an unsigned edit of a raw
    table stops here too, instead of rewriting the readings from text the clean job refuses). A
    table whose checks no reading satisfies (:class:`NoSolution`) stops with the checks that
    conflict, named, as an InputError of the sources manifest."""
    from pathlib import Path

    from gvc_clusters.data.constraint_search import NoSolution
    from gvc_clusters.data.decisions import read_decision_log
    from gvc_clusters.data.sources import verify_checksums, verify_signatures
    from gvc_clusters.io import write_csv

    verify_signatures(Path(manifest_path).parent)
    manifest = verify_checksums(manifest_path, files=sorted(printed_tables), every_entry_present=False)
    log = read_decision_log(log_path, tables={e["table"] for e in manifest})
    try:
        readings, counts, cells, notes, evidence = solve_tables(printed_tables, manifest, log,
                                                                max_solutions=max_solutions, seed=seed,
                                                                assumptions=assumptions)
    except NoSolution as err:
        file = next((e["file"] for e in manifest if e["table"] == err.table), None)
        raise InputError(printed_tables.get(file, manifest_path), f"table {err.table}: no reading of the garbled "
                         f"cells satisfies the printed checks of {manifest_path}; these checks conflict: "
                         + "; ".join(err.conflict), column="checks", value=err.conflict,
                         expected="checks that the printed cells, with the decision log's readings, can all meet "
                                  f"(the edited cell, or a check, is wrong; see {log_path})") from None
    write_csv(readings, output["readings"])
    write_csv(counts, output["counts"])
    write_csv(cells, output["cells"])
    write_csv(notes, output["checks"])
    write_csv(evidence, output["evidence"])
