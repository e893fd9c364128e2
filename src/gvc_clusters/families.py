"""The table families: what each one reads, and one function that builds and validates it.

A family module in ``gvc_clusters.parse`` exposes

    FILES: list[str]                    raw files it reads (relative to data/raw/)
    build(raw_dir, manifest, log) -> (tables: dict[name, DataFrame], printed: list[PrintedTable],
                                      origins: dict[name, Origin] or a function returning it)

``origins`` (optional; a function is called only when a table fails its schema) says where each processed cell was printed, so that a schema failure names
the raw file, printed row, column and text rather than a position in a processed table.

``build_family`` adds what is common: checksum verification first, schema validation of every
output table (all failures of all tables collected, then raised once as InputErrors), and the
collected checksum results. It writes nothing, so a failure leaves every file already built
untouched, and it runs before any model: bad input never reaches an estimator.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .checks import CHECK_COLUMNS, require_registered
from .decisions import read_decision_log
from .errors import InputError, InputErrors
from .schemas import all_schemas, validate
from .sources import verify_checksums

FAMILIES = ["clusters", "dairy", "salmon", "furniture", "trade"]


@dataclass
class FamilyResult:
    family: str
    tables: dict[str, pd.DataFrame]
    checks: pd.DataFrame


def family_module(family: str):
    if family not in FAMILIES:
        raise InputError("config", "unknown table family", value=family, expected=FAMILIES)
    return importlib.import_module(f"gvc_clusters.parse.{family}")


def _validate_all(family: str, tables: dict[str, pd.DataFrame], where_printed) -> None:
    """Validate every table in place; collect the failures of all tables and raise them once."""
    resolved = {}

    def origin_of(name):  # resolved only when a table fails its schema
        if "all" not in resolved:
            resolved["all"] = where_printed() if callable(where_printed) else (where_printed or {})
        return resolved["all"].get(name)

    schemas = all_schemas()
    errors, seen = [], set()
    for name, frame in tables.items():
        if name not in schemas:
            raise InputError(f"family {family}", "processed table has no pandera schema", value=name,
                             expected=f"an entry in gvc_clusters.schemas.{family}.SCHEMAS")
        try:
            tables[name] = validate(frame, schemas[name], name, lambda name=name: origin_of(name))
        except InputErrors as err:
            for e in err.errors:  # a bad cell feeds several tables: report it once
                key = (e.file, str(e.row), str(e.column), repr(e.value), str(e.expected))
                if key not in seen:
                    seen.add(key)
                    errors.append(e)
    if errors:
        raise InputErrors(errors)


def build_family(family: str, raw_dir: str | Path = "data/raw") -> FamilyResult:
    """Verify, decide, parse and validate one family; write nothing.

    A family module may define ``build_extras(raw_dir, manifest, log, tables) -> dict`` for derived
    tables that are costly (the cluster family's alternative readings): they are built only after the
    main tables have passed their schemas, so bad input fails fast.
    """
    raw_dir = Path(raw_dir)
    module = family_module(family)
    manifest = verify_checksums(raw_dir / "sources.yaml", files=list(module.FILES))
    log = read_decision_log(raw_dir / "decision_log.csv")
    tables, printed, *rest = module.build(raw_dir, manifest, log)
    _validate_all(family, tables, rest[0] if rest else {})
    # After the schemas (whose errors name the bad cell more precisely): a printed checksum that
    # fails without a registered contradiction stops the build.
    errors = []
    for p in printed:
        try:
            require_registered(p.table, p.entry.get("checks", []), p.check_results, p.numbers, log, p.path,
                               raw_dir / "decision_log.csv")
        except InputErrors as err:
            errors += err.errors
    if errors:
        raise InputErrors(errors)
    extras = getattr(module, "build_extras", None)
    if extras is not None:
        more = extras(raw_dir, manifest, log, tables)
        _validate_all(family, more, {})
        tables.update(more)
    checks = [p.check_results for p in printed if len(p.check_results)]
    check_frame = pd.concat(checks, ignore_index=True) if checks else pd.DataFrame(columns=CHECK_COLUMNS)
    return FamilyResult(family, tables, check_frame)


def validation_summary(result: FamilyResult) -> dict:
    """What the validation step found: table shapes and checksum outcomes (no timestamps)."""
    status = result.checks["status"].value_counts().sort_index() if len(result.checks) else {}
    return {"family": result.family,
            "tables": {name: {"rows": len(frame), "columns": list(frame.columns)}
                       for name, frame in sorted(result.tables.items())},
            "checksums": {str(k): int(v) for k, v in dict(status).items()}}


def write_family(result: FamilyResult, output) -> None:
    """Write the tables (Parquet + CSV), the checksum results and the validation summary.

    ``output`` has ``parquet`` and ``csv`` lists (one file per table, named after it), plus
    ``checksums`` and ``summary`` paths, as the workflow's clean rules declare them.
    """
    from .io import write_csv, write_json, write_parquet

    for parquet, csv in zip(output.parquet, output.csv):
        name = Path(parquet).stem
        write_parquet(result.tables[name], parquet)
        write_csv(result.tables[name], csv)
        logging.getLogger("job").info("wrote %s (%d rows)", name, len(result.tables[name]))
    write_csv(result.checks, output.checksums)
    write_json(validation_summary(result), output.summary)
