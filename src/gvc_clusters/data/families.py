"""The table families: one registry, ``FAMILIES``, of what each family reads, writes and parses with.

Follow a raw table from the workflow to its parser:

1. ``gvc_clusters.layout.FAMILY_FILES[family]`` lists the raw files the family reads (relative to
   data/raw/); they are the inputs of the workflow rule ``clean_<family>`` (workflow/rules/clean.smk),
   and ``FAMILY_TABLES[family]`` the tables it writes.
2. ``FAMILIES[family]`` (below) is a ``Family``: those files and tables, plus the parser's ``build``
   function, imported by name from its module in ``gvc_clusters.data.parse``.
3. The parser module names each raw file it reads once (``salmon.FIRMS_FILE = "salmon/table_4_3.csv"``)
   and turns it into its tables (``tidy_firms_jobs`` -> ``salmon_firms_jobs``).

A family's ``build(raw: RawInputs) -> FamilyTables`` gets the verified inputs (only the declared
files can be read through ``raw.path``) and returns its tables, the printed tables with their
checksum results and, for error messages, where each processed cell was printed. ``extras``
(optional) builds costly derived tables after the main ones have passed their schemas.

``build_family`` adds what is common: checksum verification first, schema validation of every
output table (all failures of all tables collected, then raised once as InputErrors), and the
collected checksum results. It writes nothing, so a failure leaves every file already built
untouched, and it runs before any model: bad input never reaches an estimator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gvc_clusters.data.checks import CHECK_COLUMNS, require_registered
from gvc_clusters.data.decisions import read_decision_log
from gvc_clusters.data.parse import clusters, dairy, furniture, salmon, trade
from gvc_clusters.data.parse.common import FamilyTables, RawInputs
from gvc_clusters.data.schemas import all_schemas, validate
from gvc_clusters.data.sources import verify_checksums
from gvc_clusters.errors import InputError, InputErrors
from gvc_clusters.layout import FAMILY_FILES, FAMILY_TABLES


@dataclass(frozen=True)
class Family:
    """One table family: the raw files it reads, the tables it writes, and the functions that build them."""

    name: str
    build: Callable[[RawInputs], FamilyTables]
    extras: Callable[[RawInputs, dict[str, pd.DataFrame]], dict[str, pd.DataFrame]] | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """The raw files it reads, relative to data/raw/ (the inputs of the rule clean_<name>)."""
        return tuple(FAMILY_FILES[self.name])

    @property
    def tables(self) -> tuple[str, ...]:
        """The processed tables it writes (the outputs of the rule clean_<name>)."""
        return tuple(FAMILY_TABLES[self.name])


FAMILIES: dict[str, Family] = {
    "clusters": Family("clusters", clusters.build, extras=clusters.build_extras),
    "dairy": Family("dairy", dairy.build),
    "salmon": Family("salmon", salmon.build),
    "furniture": Family("furniture", furniture.build),
    "trade": Family("trade", trade.build),
}


@dataclass
class FamilyResult:
    """A built and validated family: its tables (all of ``Family.tables``) and its checksum results."""

    family: str
    tables: dict[str, pd.DataFrame]
    checks: pd.DataFrame


def family(name: str) -> Family:
    """The registered family ``name`` (InputError naming the known ones otherwise)."""
    if name not in FAMILIES:
        raise InputError("config", "unknown table family", value=name, expected=list(FAMILIES))
    return FAMILIES[name]


def raw_dir_of_inputs(name: str, tables: list[str], manifest: str | Path) -> Path:
    """The raw directory of a clean rule's inputs: the sources manifest's folder, once the rule's raw
    tables are checked to be exactly the family's declared files in it, in the layout's order."""
    fam = family(name)
    raw_dir = Path(manifest).parent
    expected = [raw_dir / f for f in fam.files]
    if [Path(t) for t in tables] != expected:
        raise InputError(f"rule clean_{name}", "the rule's raw inputs are not the family's declared files",
                         value=[str(t) for t in tables], expected=[str(e) for e in expected])
    return raw_dir


def _validate_all(family: str, tables: dict[str, pd.DataFrame], where_printed: Callable[[], dict]) -> None:
    """Validate every table in place; collect the failures of all tables and raise them once."""
    resolved = {}

    def origin_of(name):  # resolved only when a table fails its schema
        if "all" not in resolved:
            resolved["all"] = where_printed()
        return resolved["all"].get(name)

    schemas = all_schemas()
    errors, seen = [], set()
    for name, frame in tables.items():
        if name not in schemas:
            raise InputError(f"family {family}", "processed table has no pandera schema", value=name,
                             expected=f"an entry in gvc_clusters.data.schemas.{family}.SCHEMAS")
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


def build_family(name: str, raw_dir: str | Path = "data/raw") -> FamilyResult:
    """Verify, decide, parse and validate one family; write nothing.

    The family's ``extras`` (the cluster family's alternative readings) are built only after the main
    tables have passed their schemas, so bad input fails fast.
    """
    fam = family(name)
    raw_dir = Path(raw_dir)
    # its own files only: the clean job reads what its rule declares (every entry's file is checked
    # to exist when the workflow starts, gvc_clusters.preflight)
    manifest = verify_checksums(raw_dir / "sources.yaml", files=list(fam.files), every_entry_present=False)
    log = read_decision_log(raw_dir / "decision_log.csv", tables={e["table"] for e in manifest})
    raw = RawInputs(fam.name, raw_dir, fam.files, manifest, log)
    built = fam.build(raw)
    tables = built.tables
    _validate_all(fam.name, tables, built.origins)
    # After the schemas (whose errors name the bad cell more precisely): a printed checksum that
    # fails without a registered contradiction stops the build.
    errors = []
    for p in built.printed:
        try:
            require_registered(p.table, p.entry.get("checks", []), p.check_results, p.numbers, raw.log, p.path,
                               raw.decision_log_path)
        except InputErrors as err:
            errors += err.errors
    if errors:
        raise InputErrors(errors)
    if fam.extras is not None:
        more = fam.extras(raw, tables)
        _validate_all(fam.name, more, dict)
        tables.update(more)
    checks = [p.check_results for p in built.printed if len(p.check_results)]
    check_frame = pd.concat(checks, ignore_index=True) if checks else pd.DataFrame(columns=CHECK_COLUMNS)
    return FamilyResult(fam.name, tables, check_frame)


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
    from gvc_clusters.io import write_csv, write_json, write_parquet

    for parquet, csv in zip(output.parquet, output.csv):
        name = Path(parquet).stem
        write_parquet(result.tables[name], parquet)
        write_csv(result.tables[name], csv)
        logging.getLogger("job").info("wrote %s (%d rows)", name, len(result.tables[name]))
    write_csv(result.checks, output.checksums)
    write_json(validation_summary(result), output.summary)
