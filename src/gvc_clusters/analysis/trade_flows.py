"""Chapter 9's export-performance classification on bilateral trade flows (BACI layout), at scale.

The book applies Amighini's method (chapter 9, Table 9-1) to two printed tables. This module applies
the same classification to a user's own flows, e.g. CEPII's BACI (one CSV per year, columns
``t, i, j, k, v, q``: year, exporter, importer, HS-6 product, value in thousand US dollars, quantity in
tonnes; exporter and importer as ISO 3166 numeric codes; a quantity may be ``NA``).

Steps
-----
1. ``aggregate_flows`` (the only step that reads the big table; streaming): keep the years of the two
   periods and sum, per exporter x HS-6 x period, the value, the value and quantity of the flows with a
   positive quantity (the unit value's numerator and denominator), and count the flows, the flows with
   a missing quantity and those with a zero (or negative) quantity. Engines with the same results:
   ``"duckdb"`` (SQL over the files, memory-capped, spills to disk), ``"arrow"`` (pyarrow dataset
   record batches, partial group-bys merged as it goes) and ``"pandas"`` (the plain baseline: read
   everything, one groupby). An already aggregated exporter x product x year table (``t, i, k, v, q``)
   goes through the same step (layout ``"aggregated"``).
2. ``measures`` (small table, pandas): per exporter x HS-6:

   - export earnings X: the period average of annual exports (sum over the period's years divided by
     the number of years: a year without a flow is a year of zero exports, as BACI omits zero flows);
     ``export_earnings_growth_pct`` = 100 (X_b / X_a - 1), and the compound annual rate between the
     periods' mid-years ``export_earnings_cagr_pct``;
   - world demand W: the sum of X over all exporters of the product (world exports = world imports of
     the product in a bilateral table), its growth and CAGR;
   - market share M = 100 X / W in each period and its change in percentage points;
   - unit value UV = (value of flows with a positive quantity) / (their quantity), in thousand USD per
     tonne; the world unit value of the product = the same ratio over all exporters whose UV is not
     trimmed; ``unit_value_change_pct`` is the change of the exporter's *relative* unit value
     UV / world UV (the chapter reads its tables with a unit value relative to competitors), and
     ``own_unit_value_change_pct`` that of UV itself.

   Zero and missing quantities: a flow whose quantity is missing or not positive adds its value to X
   (and so to W and M) but not to the unit value; such flows are counted per exporter-product-period
   (``q_missing_*``, ``q_zero_*``) and in the run's facts. An exporter-period whose flows all lack a
   quantity has no unit value (reason ``no_quantity_*``).

   Trimming rule (``trim_ratio``, default 10): in each product and period, an exporter's unit value
   more than ``trim_ratio`` times above or below the median exporter unit value of that product and
   period is treated as a recording error: it is set missing (reason ``trimmed_*``), counted, and left
   out of the world unit value; its value still counts in X, W and M. With 10, a unit value must be
   off by more than an order of magnitude; ``trim_ratio: 0`` switches trimming off.
3. ``classify``: the signs of (ΔX, ΔQw, ΔM, ΔV) go through the book's own classifiers
   (``export_performance.classify_amighini`` under each market-share rule and
   ``classify_kaplinsky_readman``), called once per distinct sign pattern (at most 3^4 plus missing
   ones) and joined back, so the rules are exactly those of the book's tables. Deciding conditions:
   ``signs`` ("(dX,dQw,dM,dV)=(+,+,-,+)") and, per Amighini rule, the Table 9-1 condition met
   (``condition_text``: "1", "2" or "1+2").
4. ``summary`` (counts and export value per product group x rule x outcome, product group = HS
   section or HS-2 chapter); the report draws the groups that have data (gvc_clusters.output.draw).

``trade_flows_simulation.write_baci_flows`` simulates a BACI-shaped table with planted outcomes for
the scale profile and the tests.
"""

from __future__ import annotations

import glob
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from gvc_clusters.analysis import export_performance as ep
from gvc_clusters.analysis.trade_flows_input import check_periods, first_bad_row, read_header
from gvc_clusters.errors import InputError

__all__ = [
    "ENGINES",
    "HS_SECTIONS",
    "LAYOUT_COLUMNS",
    "aggregate_flows",
    "classify",
    "group_title",
    "input_files",
    "measures",
    "product_groups",
    "run",
    "summary",
]

ENGINES = ("duckdb", "arrow", "pandas")
LAYOUT_COLUMNS = {"flows": ("t", "i", "j", "k", "v", "q"), "aggregated": ("t", "i", "k", "v", "q")}
PERIODS = ("a", "b")
CELL_COLUMNS = ["i", "k", "period", "value", "uv_value", "quantity", "flows", "q_missing", "q_zero"]

# HS sections (World Customs Organization nomenclature): first and last HS-2 chapter, short name.
HS_SECTIONS = [
    ("I", 1, 5, "Live animals, animal products"), ("II", 6, 14, "Vegetable products"),
    ("III", 15, 15, "Fats and oils"), ("IV", 16, 24, "Prepared foodstuffs"), ("V", 25, 27, "Mineral products"),
    ("VI", 28, 38, "Chemicals"), ("VII", 39, 40, "Plastics and rubber"), ("VIII", 41, 43, "Hides and leather"),
    ("IX", 44, 46, "Wood"), ("X", 47, 49, "Pulp and paper"), ("XI", 50, 63, "Textiles"),
    ("XII", 64, 67, "Footwear and headgear"), ("XIII", 68, 70, "Stone, ceramics, glass"),
    ("XIV", 71, 71, "Pearls and precious metals"), ("XV", 72, 83, "Base metals"),
    ("XVI", 84, 85, "Machinery and electrical"), ("XVII", 86, 89, "Vehicles and transport"),
    ("XVIII", 90, 92, "Instruments"), ("XIX", 93, 93, "Arms"), ("XX", 94, 96, "Miscellaneous manufactures"),
    ("XXI", 97, 99, "Works of art and other"),
]


# ----------------------------------------------------------------------------------------------
# Input
# ----------------------------------------------------------------------------------------------

def input_files(pattern: str | Sequence[str]) -> list[str]:
    """The files a config ``input`` names: a path, a glob (BACI ships one CSV per year) or a list."""
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    files: list[str] = []
    for p in patterns:
        found = sorted(glob.glob(p)) if any(c in p for c in "*?[") else [p]
        if not found:
            raise InputError(p, "no file matches the trade_flows input pattern",
                             expected="a BACI CSV/Parquet file or a glob such as data/external/baci/BACI_*.csv")
        files += found
    for f in files:
        if not Path(f).exists():
            raise InputError(f, "the trade_flows input file does not exist")
        if _kind(f) is None:
            raise InputError(f, "unknown file type", expected="a .csv, .csv.gz or .parquet file")
    return files


def _kind(path: str) -> str | None:
    name = path.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    return None


def _header(path: str) -> list[str]:
    """The file's column names; a directory, a fake .gz, a truncated Parquet file or a header that is
    not UTF-8 is an InputError naming it (trade_flows_input.read_header)."""
    return read_header(path)


def check_columns(files: Sequence[str], layout: str) -> None:
    """Every file has the layout's columns (extra columns are ignored)."""
    if layout not in LAYOUT_COLUMNS:
        raise ValueError(f"layout must be one of {sorted(LAYOUT_COLUMNS)}, got {layout!r}")
    needed = LAYOUT_COLUMNS[layout]
    kinds = {_kind(f) for f in files}
    if len(kinds) > 1:
        raise InputError(files[0], "mixed CSV and Parquet inputs", value=sorted(kinds), expected="one file type")
    for f in files:
        header = _header(f)
        missing = [c for c in needed if c not in header]
        if missing:
            raise InputError(f, f"the {layout} table lacks column(s)", column=missing[0], value=header,
                             expected=", ".join(needed) + " (BACI names: t year, i exporter, j importer, k HS-6"
                                                          " product, v value in thousand USD, q quantity in tonnes)")


_check_periods = check_periods   # (trade_flows_input: light enough for preflight)


# ----------------------------------------------------------------------------------------------
# Step 1: the streaming aggregation
# ----------------------------------------------------------------------------------------------

def aggregate_flows(files: Sequence[str], periods: Mapping[str, Sequence[int]], *, layout: str, engine: str,
                    memory_limit_mb: int, threads: int, temp_dir: str | Path | None = None,
                    batch_rows: int = 1_000_000) -> tuple[pd.DataFrame, dict]:
    """Exporter x product x period sums (``CELL_COLUMNS``) and the run's facts (row counts, years found).

    ``layout``, ``engine``, ``memory_limit_mb`` and ``threads`` are config ``trade_flows`` options:
    their defaults are the config schema's (``gvc_clusters.config_defaults``), not written here.

    ``k`` is returned as a 6-character zero-padded string whatever its type in the file ("10121" and
    10121 both become "010121"). Bad rows (missing year, exporter, product or value, negative value)
    raise ``InputError`` naming the file, column and an offending value. Every year of both periods
    must be present in the input (a missing year would silently count as zero exports).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    files = list(files)
    check_columns(files, layout)
    (a0, a1), (b0, b1) = _check_periods(periods)
    bounds = (a0, a1, b0, b1)
    run = {"duckdb": _aggregate_duckdb, "arrow": _aggregate_arrow, "pandas": _aggregate_pandas}[engine]
    if engine == "pandas":   # the small-table baseline reads everything anyway: check every row first
        _raise_bad_row(files, layout, bounds, None)
    try:
        cells, facts = run(files, bounds, memory_limit_mb=memory_limit_mb, threads=threads,
                           temp_dir=temp_dir, batch_rows=batch_rows)
    except InputError:
        raise
    except Exception as err:   # the engine's own error (DuckDB Binder Error, ArrowInvalid, ...): located
        _raise_bad_row(files, layout, None, None)
        raise InputError(files[0], f"could not read the trade table ({type(err).__name__}: {err})",
                         expected="a BACI-layout CSV or Parquet table") from err
    if facts["bad_rows"]:
        _raise_bad_row(files, layout, bounds, facts["bad_rows"])
        raise InputError(files[0], f"{facts['bad_rows']:,} row(s) with a missing key or value, or a negative, "
                         "infinite or unreadable number", expected="t, i, k and v present, k of 1-6 digits, "
                         "v >= 0 and finite, q finite or NA")
    years = set(facts.pop("years"))
    missing = [y for y in (*range(a0, a1 + 1), *range(b0, b1 + 1)) if y not in years]
    if missing:
        raise InputError(files[0], "the input has no flow in year(s) of the configured periods", column="t",
                         value=missing, expected=f"every year of {a0}-{a1} and {b0}-{b1} (check the files/glob)")
    cells = _normalise_cells(cells)
    facts.update(engine=engine, layout=layout, files=len(files), cells=len(cells),
                 q_missing_rows=int(cells["q_missing"].sum()), q_zero_rows=int(cells["q_zero"].sum()))
    return cells, facts


def _raise_bad_row(files: Sequence[str], layout: str, bounds, count: int | None) -> None:
    """Raise the located InputError of the first bad row, if the files have one."""
    bad = first_bad_row(files, LAYOUT_COLUMNS[layout], bounds)
    if bad is not None:
        raise bad.error(count, "of the periods cannot be used") from None


def _normalise_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """k as a 6-digit string, integer counts, sorted; re-summed in case two spellings of k met."""
    k = cells["k"]
    if pd.api.types.is_float_dtype(k):
        k = k.astype("int64")
    cells = cells.assign(k=k.astype(str).str.strip().str.zfill(6), i=cells["i"].astype("int64"),
                         period=cells["period"].astype("int64").map({0: "a", 1: "b"}))
    sums = ["value", "uv_value", "quantity", "flows", "q_missing", "q_zero"]
    cells[sums] = cells[sums].fillna(0)
    cells = cells.groupby(["i", "k", "period"], as_index=False, sort=True)[sums].sum()
    for c in ("flows", "q_missing", "q_zero"):
        cells[c] = cells[c].astype("int64")
    return cells[CELL_COLUMNS]


SQL_CELLS = """
WITH src AS (
  SELECT CAST(t AS INTEGER) AS t, i, k, CAST(v AS DOUBLE) AS v, {q} AS q FROM {relation}
  WHERE t IS NULL OR t BETWEEN {a0} AND {a1} OR t BETWEEN {b0} AND {b1}
)
SELECT i, k, CASE WHEN t <= {a1} THEN 0 WHEN t >= {b0} THEN 1 END AS period,
       sum(v) FILTER (WHERE v >= 0) AS value, sum(v) FILTER (WHERE v >= 0 AND q > 0) AS uv_value,
       sum(q) FILTER (WHERE v >= 0 AND q > 0) AS quantity, count(*) FILTER (WHERE v >= 0) AS flows,
       count(*) FILTER (WHERE v >= 0 AND q IS NULL) AS q_missing,
       count(*) FILTER (WHERE v >= 0 AND q <= 0) AS q_zero,
       count(*) AS n_rows,
       count(*) FILTER (WHERE v IS NULL OR v < 0 OR NOT isfinite(v) OR NOT isfinite(coalesce(q, 0))) AS bad_v,
       bit_or(CAST(1 AS UBIGINT) << CAST(t - {a0} AS UBIGINT)) FILTER (WHERE v >= 0) AS year_bits
FROM src GROUP BY ALL
"""


def _check_facts(groups: pd.DataFrame, first_year: int) -> dict:
    """Facts from the one scan's groups: rows read, bad rows (a group with a missing key, or rows
    with a missing, negative, infinite or unreadable number or a bad HS code: aggregate_flows
    locates the first) and the years found (bit i = first_year + i)."""
    null_key = groups["i"].isna() | groups["k"].isna() | groups["period"].isna()
    # k is a group key: its HS-code check runs once per exporter x product x period, not per row
    bad_key = null_key | (~null_key & ~_hs_code_text(groups["k"]).str.fullmatch(r"[0-9]{1,6}").fillna(False))
    bad_rows = groups["n_rows"].where(bad_key, groups["bad_v"])
    bad = int(bad_rows.sum())
    bits = 0
    for value in groups.loc[~null_key, "year_bits"].dropna():
        bits |= int(value)
    years = [first_year + n for n in range(64) if bits >> n & 1]
    return {"rows_in_periods": int(groups["n_rows"].sum()), "bad_rows": bad, "years": years}


def _hs_code_text(k: pd.Series) -> pd.Series:
    """HS codes as written: integers (a float column of whole numbers too) without a decimal part."""
    if pd.api.types.is_float_dtype(k):
        return k.map(lambda x: str(int(x)) if pd.notna(x) and float(x).is_integer() else str(x))
    return k.astype(str).str.strip()


def _duckdb_relation(files: Sequence[str]) -> tuple[str, str]:
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    if _kind(files[0]) == "parquet":
        return f"read_parquet({listing})", "CAST(q AS DOUBLE)"
    # BACI writes a missing quantity as "NA", padded with spaces: read q as text, then convert. A
    # cell that is no number stops the query (a DuckDB conversion error): aggregate_flows locates it.
    relation = (f"read_csv({listing}, header = true, all_varchar = true)")
    q = "CASE WHEN trim(q) IN ('NA', '') THEN NULL ELSE CAST(trim(q) AS DOUBLE) END"
    return relation, q


def _aggregate_duckdb(files, bounds, *, memory_limit_mb, threads, temp_dir, batch_rows):
    import duckdb

    a0, a1, b0, b1 = bounds
    relation, q = _duckdb_relation(files)
    if _kind(files[0]) == "csv":
        relation = f"(SELECT CAST(t AS INTEGER) AS t, CAST(i AS BIGINT) AS i, trim(k) AS k, v, q FROM {relation})"
    con = duckdb.connect(config={"memory_limit": f"{int(memory_limit_mb)}MB", "threads": int(threads),
                                 "preserve_insertion_order": False})
    try:
        if temp_dir is not None:
            Path(temp_dir).mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory = '{Path(temp_dir).as_posix()}'")
        try:
            result = con.execute(SQL_CELLS.format(relation=relation, q=q, a0=a0, a1=a1, b0=b0, b1=b1)).df()
        except duckdb.Error as exc:  # e.g. a ragged row: located by aggregate_flows
            raise RuntimeError(f"DuckDB: {exc}") from exc
    finally:
        con.close()
    ok = result["i"].notna() & result["k"].notna() & result["period"].notna() & (result["flows"] > 0)
    return result.loc[ok, CELL_COLUMNS].reset_index(drop=True), _check_facts(result, a0)


def _arrow_dataset(files):
    if _kind(files[0]) == "parquet":
        return ds.dataset(list(files), format="parquet")
    from pyarrow import csv
    fmt = ds.CsvFileFormat(convert_options=csv.ConvertOptions(
        column_types={"q": pa.string(), "k": pa.string()}, strings_can_be_null=False))
    return ds.dataset(list(files), format=fmt)


def _to_float(array: pa.Array) -> pa.Array:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        trimmed = pc.utf8_trim_whitespace(array)
        na = pc.or_(pc.equal(trimmed, "NA"), pc.equal(trimmed, ""))
        return pc.cast(pc.if_else(na, pa.scalar(None, pa.string()), trimmed), pa.float64())
    return pc.cast(array, pa.float64())


def _aggregate_arrow(files, bounds, *, memory_limit_mb, threads, temp_dir, batch_rows):
    a0, a1, b0, b1 = bounds
    pa.set_cpu_count(max(1, int(threads)))
    pa.set_io_thread_count(max(1, int(threads)))
    dataset = _arrow_dataset(files)
    partials: list[pa.Table] = []
    held = 0
    rows = bad = 0
    years: set[int] = set()
    aggs = [("value", "sum"), ("uv_value", "sum"), ("quantity", "sum"), ("flows", "sum"), ("q_missing", "sum"),
            ("q_zero", "sum")]
    for batch in dataset.to_batches(columns=["t", "i", "k", "v", "q"], batch_size=batch_rows):
        n = batch.num_rows
        t = pc.cast(batch.column("t"), pa.int32())
        i, k = batch.column("i"), batch.column("k")
        if pa.types.is_string(k.type):
            k = pc.utf8_trim_whitespace(k)
        v = _to_float(batch.column("v"))
        q = _to_float(batch.column("q"))
        in_a = pc.fill_null(pc.and_(pc.greater_equal(t, a0), pc.less_equal(t, a1)), False)
        in_b = pc.fill_null(pc.and_(pc.greater_equal(t, b0), pc.less_equal(t, b1)), False)
        relevant = pc.or_(pc.or_(in_a, in_b), pc.is_null(t))      # rows of the periods (and year-less ones)
        invalid = pc.or_kleene(pc.or_kleene(pc.is_null(t), pc.is_null(i)),
                               pc.or_kleene(pc.is_null(k), pc.or_kleene(pc.is_null(v), pc.less(v, 0.0))))
        # not finite (nan, inf) values or quantities, and HS codes that are not 1-6 digits
        invalid = pc.or_kleene(invalid, pc.or_kleene(pc.invert(pc.is_finite(v)),
                                                     pc.invert(pc.fill_null(pc.is_finite(q), True))))
        invalid = pc.or_kleene(invalid, _bad_hs_codes(k))
        invalid = pc.and_(pc.fill_null(invalid, True), relevant)
        rows += pc.sum(relevant).as_py() or 0
        bad += pc.sum(invalid).as_py() or 0
        keep = pc.and_(pc.or_(in_a, in_b), pc.invert(invalid))
        years.update(y for y in pc.unique(pc.filter(t, keep)).to_pylist() if y is not None)
        positive = pc.fill_null(pc.greater(q, 0.0), False)
        table = pa.table({
            "i": i, "k": k, "period": pc.cast(in_b, pa.int8()),
            "value": v, "uv_value": pc.if_else(positive, v, 0.0), "quantity": pc.if_else(positive, q, 0.0),
            "flows": pa.array(np.ones(n, dtype=np.int64)),
            "q_missing": pc.cast(pc.is_null(q), pa.int64()),
            "q_zero": pc.cast(pc.fill_null(pc.less_equal(q, 0.0), False), pa.int64()),
        }).filter(keep)
        part = table.group_by(["i", "k", "period"], use_threads=True).aggregate(aggs)
        part = part.rename_columns([c.removesuffix("_sum") for c in part.column_names])
        partials.append(part)
        held += part.num_rows
        if held > 4 * batch_rows and len(partials) > 1:   # merge partial sums: memory ~ number of cells
            partials = [_merge(partials, aggs)]
            held = partials[0].num_rows
    merged = _merge(partials, aggs) if partials else pa.table({c: [] for c in CELL_COLUMNS})
    return merged.to_pandas(), {"rows_in_periods": int(rows), "bad_rows": int(bad),
                                "years": sorted(years)}


def _bad_hs_codes(k: pa.Array) -> pa.Array:
    """True where an HS code is not 1-6 digits (text) or not in 0..999999 (integer)."""
    if pa.types.is_string(k.type) or pa.types.is_large_string(k.type):
        return pc.invert(pc.match_substring_regex(k, r"^[0-9]{1,6}$"))
    if pa.types.is_integer(k.type):
        return pc.or_(pc.less(k, 0), pc.greater(k, 999_999))
    return pc.invert(pc.equal(pc.floor(pc.cast(k, pa.float64())), pc.cast(k, pa.float64())))


def _merge(partials: list[pa.Table], aggs) -> pa.Table:
    table = pa.concat_tables(partials, promote_options="default")
    merged = table.group_by(["i", "k", "period"], use_threads=True).aggregate(aggs)
    return merged.rename_columns([c.removesuffix("_sum") for c in merged.column_names])


def _aggregate_pandas(files, bounds, *, memory_limit_mb, threads, temp_dir, batch_rows):
    """The plain-pandas baseline: read every row into one frame, one groupby."""
    a0, a1, b0, b1 = bounds
    if _kind(files[0]) == "parquet":
        frame = pd.concat([pd.read_parquet(f, columns=["t", "i", "k", "v", "q"]) for f in files], ignore_index=True)
    else:
        frame = pd.concat([pd.read_csv(f, usecols=["t", "i", "k", "v", "q"], dtype={"k": str}, keep_default_na=False,
                                       na_values={"q": ["NA", ""]}, skipinitialspace=True) for f in files],
                          ignore_index=True)
        frame["k"] = frame["k"].str.strip()
    frame["q"] = pd.to_numeric(frame["q"], errors="raise").astype(float)
    t = frame["t"]
    in_a, in_b = t.between(a0, a1), t.between(b0, b1)
    frame = frame[in_a | in_b | t.isna()]
    invalid = frame[["t", "i", "k", "v"]].isna().any(axis=1) | (frame["v"] < 0)
    bad = int(invalid.sum())
    n_rows = len(frame)
    frame = frame[~invalid]
    years = sorted(int(y) for y in frame["t"].unique())
    positive = frame["q"] > 0
    frame = frame.assign(period=frame["t"].between(b0, b1).astype("int8"), uv_value=frame["v"].where(positive, 0.0),
                         quantity=frame["q"].where(positive, 0.0), flows=1,
                         q_missing=frame["q"].isna().astype("int64"), q_zero=(frame["q"] <= 0).astype("int64"))
    cells = (frame.groupby(["i", "k", "period"], as_index=False, sort=False)
             .agg(value=("v", "sum"), uv_value=("uv_value", "sum"), quantity=("quantity", "sum"),
                  flows=("flows", "sum"), q_missing=("q_missing", "sum"), q_zero=("q_zero", "sum")))
    return cells, {"rows_in_periods": int(n_rows), "bad_rows": bad, "years": years}


# ----------------------------------------------------------------------------------------------
# Step 2: measures per exporter x product
# ----------------------------------------------------------------------------------------------

def hs_section(hs2: pd.Series) -> pd.Series:
    """The HS section (Roman numeral) of each HS-2 chapter number."""
    out = pd.Series(pd.NA, index=hs2.index, dtype="object")
    for name, first, last, _ in HS_SECTIONS:
        out[(hs2 >= first) & (hs2 <= last)] = name
    return out


def measures(cells: pd.DataFrame, periods: Mapping[str, Sequence[int]], *, trim_ratio: float) -> pd.DataFrame:
    """One row per exporter x HS-6 product with the chapter's four measured quantities (module doc).
    ``trim_ratio`` is config ``trade_flows.trim_ratio`` (its default is the config schema's)."""
    (a0, a1), (b0, b1) = _check_periods(periods)
    years = {"a": a1 - a0 + 1, "b": b1 - b0 + 1}
    gap = (b0 + b1) / 2 - (a0 + a1) / 2
    wide = cells.pivot_table(index=["i", "k"], columns="period",
                             values=["value", "uv_value", "quantity", "flows", "q_missing", "q_zero"],
                             aggfunc="sum", fill_value=0, sort=True)
    wide.columns = [f"{name}_{p}" for name, p in wide.columns]
    for name in ("value", "uv_value", "quantity", "flows", "q_missing", "q_zero"):
        for p in PERIODS:
            if f"{name}_{p}" not in wide.columns:
                wide[f"{name}_{p}"] = 0
    out = wide.reset_index().rename(columns={"i": "exporter", "k": "hs6"})
    out["hs2"] = out["hs6"].str[:2].astype(int)
    out["section"] = hs_section(out["hs2"])
    out["period_a"], out["period_b"] = f"{a0}-{a1}", f"{b0}-{b1}"
    for p in PERIODS:
        out[f"export_value_{p}"] = out[f"value_{p}"] / years[p]
        out[f"world_demand_{p}"] = out.groupby("hs6")[f"export_value_{p}"].transform("sum")
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"market_share_{p}_pct"] = np.where(out[f"world_demand_{p}"] > 0,
                                                    100 * out[f"export_value_{p}"] / out[f"world_demand_{p}"], np.nan)
            uv = np.where(out[f"quantity_{p}"] > 0, out[f"uv_value_{p}"] / out[f"quantity_{p}"], np.nan)
        out[f"unit_value_{p}"] = uv
        median = out.groupby("hs6")[f"unit_value_{p}"].transform("median")
        trimmed = (trim_ratio > 0) & ((out[f"unit_value_{p}"] > trim_ratio * median)
                                      | (out[f"unit_value_{p}"] < median / trim_ratio)) if trim_ratio else \
            pd.Series(False, index=out.index)
        out[f"uv_trimmed_{p}"] = trimmed.fillna(False).astype(bool)
        out.loc[out[f"uv_trimmed_{p}"], f"unit_value_{p}"] = np.nan
        kept = out[f"unit_value_{p}"].notna()
        num = out["hs6"].map(out[kept].groupby("hs6")[f"uv_value_{p}"].sum())
        den = out["hs6"].map(out[kept].groupby("hs6")[f"quantity_{p}"].sum())
        out[f"world_unit_value_{p}"] = num / den
        out[f"relative_unit_value_{p}"] = out[f"unit_value_{p}"] / out[f"world_unit_value_{p}"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_x = out["export_value_b"] / out["export_value_a"]
        ratio_w = out["world_demand_b"] / out["world_demand_a"]
        out["export_earnings_growth_pct"] = 100 * (ratio_x - 1)
        out["export_earnings_cagr_pct"] = 100 * (ratio_x ** (1 / gap) - 1)
        out["world_demand_growth_pct"] = 100 * (ratio_w - 1)
        out["world_demand_cagr_pct"] = 100 * (ratio_w ** (1 / gap) - 1)
    out["market_share_change_pp"] = out["market_share_b_pct"] - out["market_share_a_pct"]
    out["unit_value_change_pct"] = 100 * (out["relative_unit_value_b"] / out["relative_unit_value_a"] - 1)
    out["own_unit_value_change_pct"] = 100 * (out["unit_value_b"] / out["unit_value_a"] - 1)
    out["reason"] = _reasons(out)
    for p in PERIODS:
        out[f"flows_{p}"] = out[f"flows_{p}"].astype("int64")
        out[f"q_missing_{p}"] = out[f"q_missing_{p}"].astype("int64")
        out[f"q_zero_{p}"] = out[f"q_zero_{p}"].astype("int64")
    return out


def _reasons(out: pd.DataFrame) -> pd.Series:
    """Why a row's measures are incomplete ("" when all four are known): ';'-joined codes."""
    parts = []
    for p in PERIODS:
        parts.append(np.where(out[f"export_value_{p}"] == 0, f"no_exports_{p}", ""))
        parts.append(np.where((out[f"export_value_{p}"] > 0) & (out[f"quantity_{p}"] == 0), f"no_quantity_{p}", ""))
        parts.append(np.where(out[f"uv_trimmed_{p}"], f"trimmed_{p}", ""))
    joined = pd.Series([";".join(x for x in row if x) for row in zip(*parts)], index=out.index, dtype=object)
    return joined


# ----------------------------------------------------------------------------------------------
# Step 3: classification by the book's own rules
# ----------------------------------------------------------------------------------------------

SIGN_NAMES = {"sign_dX": "export_earnings_growth_pct", "sign_dQw": "world_demand_growth_pct",
              "sign_dM": "market_share_change_pp", "sign_dV": "unit_value_change_pct"}


def _sign_text(signs) -> str:
    """"(dX,dQw,dM,dV)=(+,+,-,?)": "?" where a sign is missing (the book's notation for the signs)."""
    marks = {1: "+", 0: "0", -1: "-"}
    return "(dX,dQw,dM,dV)=(" + ",".join("?" if pd.isna(x) else marks[int(x)] for x in signs) + ")"


def classify(table: pd.DataFrame, market_share_rules: Sequence[str] = (ep.TEXT_RULE, ep.PRINTED_RULE)) -> pd.DataFrame:
    """Add the signs, ``signs`` text, and per rule ``outcome_<rule>`` (+ ``condition_<rule>`` for
    Amighini rules): ``export_performance``'s classifiers run once per distinct sign pattern."""
    out = table.copy()
    for name, column in SIGN_NAMES.items():
        out[name] = ep.sign(out[column])
    patterns = out[list(SIGN_NAMES)].drop_duplicates().reset_index(drop=True)
    # One book-shaped row per pattern: the classifiers read the signs of these printed-table columns.
    perf = pd.DataFrame({
        "source_table": "trade_flows", "product_code": patterns.index.astype(str), "country": "pattern",
        "product": "pattern", "export_earnings_cagr_pct": patterns["sign_dX"].astype("Float64").astype(float),
        "market_share_1990_pct": 0.0, "market_share_2000_pct": patterns["sign_dM"].astype("Float64").astype(float),
        "unit_value_change_pct": patterns["sign_dV"].astype("Float64").astype(float),
        "world_demand_cagr_pct": patterns["sign_dQw"].astype("Float64").astype(float)})
    patterns = patterns.assign(pattern=np.arange(len(patterns)))
    for rule in market_share_rules:
        got = ep.classify_amighini(perf, rule).set_index("product_code")
        patterns[f"outcome_{rule}"] = patterns["pattern"].astype(str).map(got["outcome"])
        patterns[f"condition_{rule}"] = patterns["pattern"].astype(str).map(got["upgrading_condition"])
    got = ep.classify_kaplinsky_readman(perf).set_index("product_code")
    patterns[f"outcome_{ep.KR_VARIANT}"] = patterns["pattern"].astype(str).map(got["outcome"])
    patterns["signs"] = [_sign_text(row) for row in patterns[list(SIGN_NAMES)].itertuples(index=False)]
    keys = list(SIGN_NAMES)
    merged = out.merge(patterns.drop(columns="pattern"), on=keys, how="left", validate="many_to_one")
    merged.index = out.index
    return merged


OUTPUT_COLUMNS = [
    "exporter", "hs6", "hs2", "section", "period_a", "period_b",
    "export_value_a", "export_value_b", "export_earnings_growth_pct", "export_earnings_cagr_pct",
    "world_demand_a", "world_demand_b", "world_demand_growth_pct", "world_demand_cagr_pct",
    "market_share_a_pct", "market_share_b_pct", "market_share_change_pp",
    "unit_value_a", "unit_value_b", "world_unit_value_a", "world_unit_value_b", "relative_unit_value_a",
    "relative_unit_value_b", "unit_value_change_pct", "own_unit_value_change_pct",
    "flows_a", "flows_b", "q_missing_a", "q_missing_b", "q_zero_a", "q_zero_b", "uv_trimmed_a", "uv_trimmed_b",
    "reason", *SIGN_NAMES, "signs",
]


def _output_columns(rules: Sequence[str]) -> list[str]:
    cols = list(OUTPUT_COLUMNS)
    for rule in rules:
        cols += [f"outcome_{rule}", f"condition_{rule}"]
    return cols + [f"outcome_{ep.KR_VARIANT}"]


# ----------------------------------------------------------------------------------------------
# Step 4: summary (the report draws it: gvc_clusters.output.draw, trade_flows_*)
# ----------------------------------------------------------------------------------------------

def summary(classified: pd.DataFrame, rules: Sequence[str], group_by: str = "section") -> pd.DataFrame:
    """Per product group x rule x outcome: exporter-products, their share of the group's, and their
    export value in period b (thousand USD, period average)."""
    group = "section" if group_by == "section" else "hs2"
    frames = []
    for rule in [*rules, ep.KR_VARIANT]:
        col = f"outcome_{rule}"
        g = (classified.groupby([group, col], dropna=False)
             .agg(exporter_products=("exporter", "size"), export_value_b=("export_value_b", "sum"))
             .reset_index().rename(columns={col: "outcome", group: "group"}))
        g["share_pct"] = 100 * g["exporter_products"] / g.groupby("group")["exporter_products"].transform("sum")
        g.insert(1, "rule_variant", rule)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["group"] = out["group"].astype(str)
    order = {name: n for n, (name, *_) in enumerate(HS_SECTIONS)}
    if group == "hs2":
        out["group"] = out["group"].astype(int).map("{:02d}".format)
    out["_g"] = out["group"].map(order) if group == "section" else out["group"].astype(int)
    variants = {v: n for n, v in enumerate([*rules, ep.KR_VARIANT])}
    out["_v"] = out["rule_variant"].map(variants)
    out = out.sort_values(["_g", "_v", "outcome"], kind="stable").drop(columns=["_g", "_v"])
    return out[["group", "rule_variant", "outcome", "exporter_products", "share_pct", "export_value_b"]] \
        .reset_index(drop=True)


HS_CHAPTERS = [f"{c:02d}" for c in range(1, 98) if c != 77]     # 77 is reserved in the HS


def product_groups(group_by: str = "section") -> list[str]:
    """Every product group's name, data or not, in HS order."""
    if group_by == "section":
        return [name for name, *_ in HS_SECTIONS]
    if group_by == "chapter":
        return list(HS_CHAPTERS)
    raise ValueError(f"group_by must be 'section' or 'chapter', got {group_by!r}")


def group_title(group: str, group_by: str, n: int) -> str:
    if group_by == "section":
        name = {s: f"HS section {s}: {label}" for s, _, _, label in HS_SECTIONS}.get(group, group)
    else:
        name = f"HS chapter {group}"
    return f"{name} ({n:,} exporter-products)"


# ----------------------------------------------------------------------------------------------
# The workflow's entry point
# ----------------------------------------------------------------------------------------------

def run(options: Mapping, output: Mapping[str, str | Path], *, market_share_rules: Sequence[str],
        files: Sequence[str] | None = None, temp_dir: str | Path | None = None) -> dict:
    """Read the configured input (``files``, or ``options["input"]`` expanded), write the classified
    Parquet, the summary CSV and the facts JSON (the report draws the product groups that have data). ``options`` is config ``trade_flows``, validated with the schema's
    defaults filled (outside Snakemake: ``gvc_clusters.config_defaults.section_with_defaults``).
    Returns the facts."""
    from gvc_clusters.io import write_csv, write_json, write_parquet

    files = input_files(options["input"]) if files is None else list(files)
    periods = options["periods"]
    cells, facts = aggregate_flows(files, periods, layout=options["layout"], engine=options["engine"],
                                   memory_limit_mb=options["memory_limit_mb"], threads=options["threads"],
                                   temp_dir=temp_dir)
    table = classify(measures(cells, periods, trim_ratio=options["trim_ratio"]), market_share_rules)
    table = table[_output_columns(market_share_rules)].sort_values(["hs6", "exporter"], kind="stable") \
        .reset_index(drop=True)
    write_parquet(table, output["classified"])
    group_by = options["group_by"]
    summ = summary(table, market_share_rules, group_by)
    write_csv(summ, output["summary"])
    sizes = summ[summ["rule_variant"] == market_share_rules[0]].groupby("group")["exporter_products"].sum()
    facts.update(exporter_products=len(table),
                 trimmed_unit_values=int(table["uv_trimmed_a"].sum() + table["uv_trimmed_b"].sum()),
                 not_classifiable={r: int((table[f"outcome_{r}"] == ep.NOT_CLASSIFIABLE).sum())
                                   for r in [*market_share_rules, ep.KR_VARIANT]},
                 not_upgrading_subclass_undetermined={
                     r: int((table[f"outcome_{r}"] == ep.NOT_UPGRADING_UNDETERMINED).sum())
                     for r in [*market_share_rules, ep.KR_VARIANT]},
                 periods={p: list(periods[p]) for p in PERIODS}, trim_ratio=options["trim_ratio"],
                 groups={g: int(sizes[g]) for g in product_groups(group_by) if g in sizes.index})
    write_json(facts, output["facts"])
    return facts
