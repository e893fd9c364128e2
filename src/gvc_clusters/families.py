"""The table families: what each one reads, and one function that builds and validates it.

A family module in ``gvc_clusters.parse`` exposes

    FILES: list[str]                    raw files it reads (relative to data/raw/)
    build(raw_dir, manifest, log) -> (tables: dict[name, DataFrame], printed: list[PrintedTable])

``build_family`` adds what is common: checksum verification first, schema validation of every
output table, and the collected checksum results. It writes nothing, so a failure leaves every
file already built untouched.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .checks import CHECK_COLUMNS
from .decisions import read_decision_log
from .errors import InputError
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


def build_family(family: str, raw_dir: str | Path = "data/raw") -> FamilyResult:
    raw_dir = Path(raw_dir)
    module = family_module(family)
    manifest = verify_checksums(raw_dir / "sources.yaml", files=list(module.FILES))
    log = read_decision_log(raw_dir / "decision_log.csv")
    tables, printed = module.build(raw_dir, manifest, log)
    schemas = all_schemas()
    for name, frame in tables.items():
        if name not in schemas:
            raise InputError(f"family {family}", "processed table has no pandera schema", value=name)
        tables[name] = validate(frame, schemas[name], name)
    checks = [p.check_results for p in printed if len(p.check_results)]
    check_frame = pd.concat(checks, ignore_index=True) if checks else pd.DataFrame(columns=CHECK_COLUMNS)
    return FamilyResult(family, tables, check_frame)


def validation_summary(result: FamilyResult) -> dict:
    """What the validation step found: table shapes and checksum outcomes (no timestamps)."""
    status = result.checks["status"].value_counts().sort_index() if len(result.checks) else {}
    return {"family": result.family,
            "tables": {name: {"rows": int(len(frame)), "columns": list(frame.columns)}
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
        logging.info("wrote %s (%d rows)", name, len(result.tables[name]))
    write_csv(result.checks, output.checksums)
    write_json(validation_summary(result), output.summary)
