"""Simulated data at user scale, with known coefficients, and a streaming clean of a long trade table.

The scale configuration replaces the book's 40 clusters and its small trade tables by seeded,
simulated data of any size, so that the same model rules run on a million clusters or ten million
trade rows and a test can check that the known coefficients come back:

``simulate_cluster_cross_section``
    One row per (simulated) cluster with exactly the columns of
    ``data/processed/clusters/model_dataset.parquet``: ``coding.model_variables`` and
    ``models.specs.run_ordinal_spec`` run on it unchanged. The four upgrading scores (0-3
    integers) come from ordered probits ``y* = x'b + e`` (e standard normal, cut at known
    cutpoints) on the coding's regressors; ``TRUE_ORDINAL`` holds b and the cutpoints. The
    ``ce_governance`` spec of config/config.yaml has exactly these regressors, so it estimates
    the true model; other specs (e.g. ``governance_types``) leave out true regressors, so their
    estimates are not the true ones (they still run).

``write_trade_panel`` / ``simulate_trade_panel``
    A long exporter x product x year trade table (country, product, year, value_usd, quantity,
    x1, x2), balanced, sorted by product, country, year, generated and written in row-group
    chunks (memory bounded by one chunk). The log unit value follows a two-way fixed-effects
    model ``log(value/quantity) = b1 x1 + b2 x2 + a_i + g_t + e`` with entity = country x
    product; x1 is correlated with a_i and x2 with g_t, so leaving either effect out biases the
    estimates. ``TRUE_PANEL`` holds b1, b2. The data do not depend on the chunk size (each block
    of ``BLOCK_ENTITIES`` entities has its own generator derived from the seed).

``clean_trade_table``
    Long trade table -> unit value, log unit value, each country's market share (percent) in
    its product-year, and an integer entity id (country x product) for panel models. Two engines
    with the same results: ``"arrow"`` streams the Parquet file in record batches with pyarrow,
    reading only the key and value columns in a first pass (product-year totals) and writing
    batch by batch in a second; ``"pandas"`` is the plain-pandas baseline (read everything,
    ``groupby().transform("sum")``). Bad rows (missing keys or numbers, quantity <= 0, negative
    value) raise ``InputError`` with the file, row index (0-based position in the file), column,
    value and what was expected.

Everything random draws from ``numpy.random.default_rng`` seeded by the caller; the same seed
gives byte-identical Parquet files (pyarrow writes no timestamps).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gvc_clusters.analysis.coding import model_variables
from gvc_clusters.errors import InputError
from gvc_clusters.io import write_parquet
from gvc_clusters.vocabulary import CE_DEGREES, SECTOR_GROUPS, UPGRADING_TYPES
from gvc_clusters.vocabulary import CHAIN_TYPES as CHAINS

__all__ = ["BLOCK_ENTITIES", "ORDINAL_REGRESSORS", "PANEL_REGRESSORS", "TRUE_ORDINAL", "TRUE_PANEL", "clean_trade_table",
           "empty_readings", "recovery", "simulate_cluster_cross_section", "simulate_trade_panel",
           "trade_panel_schema", "true_coefficients", "write_cluster_cross_section", "write_trade_panel"]

# ----------------------------------------------------------------------------------------------
# Known coefficients
# ----------------------------------------------------------------------------------------------

# The regressors of the ``ce_governance`` spec (config/config.yaml), in the coding's vocabulary, with
# its declared interaction as the precomputed product column (a user-style spec).
ORDINAL_REGRESSORS = ("ce_level", "quasi_hierarchy_global", "sector_natural_resource",
                      "sector_complex_products", "ce_x_complex")

# Ordered probit of each upgrading score (0, 1, 2, 3) on the coding's regressors: latent
# y* = x'b + e, e ~ N(0, 1), y = number of cutpoints below y*. The signs follow the book's
# argument: more collective efficiency (ce_level 1-3) and global quasi-hierarchical chains go with
# more product/process upgrading and less functional upgrading (chains block it); CE matters less
# in complex-products clusters (ce_x_complex < 0). Cutpoints put every category at 5-50 %.
TRUE_ORDINAL: dict[str, dict] = {
    "product": {"coef": {"ce_level": 0.45, "quasi_hierarchy_global": 0.35, "sector_natural_resource": -0.25,
                         "sector_complex_products": 0.50, "ce_x_complex": -0.30},
                "cutpoints": (0.0, 0.9, 1.7)},
    "process": {"coef": {"ce_level": 0.40, "quasi_hierarchy_global": 0.50, "sector_natural_resource": 0.20,
                         "sector_complex_products": 0.30, "ce_x_complex": -0.20},
                "cutpoints": (-0.1, 0.8, 1.8)},
    "functional": {"coef": {"ce_level": 0.30, "quasi_hierarchy_global": -0.40, "sector_natural_resource": -0.30,
                            "sector_complex_products": 0.40, "ce_x_complex": -0.15},
                   "cutpoints": (0.3, 1.2, 2.0)},
    "intersectoral": {"coef": {"ce_level": 0.20, "quasi_hierarchy_global": -0.20, "sector_natural_resource": 0.10,
                               "sector_complex_products": 0.60, "ce_x_complex": -0.10},
                      "cutpoints": (0.9, 1.6, 2.3)},
}
# Errors of the four latent scores share a common factor (correlation ERROR_CORRELATION between
# any two): upgrading types go together, as in the book; each marginal model stays a probit.
ERROR_CORRELATION = 0.3

# Two-way FE model of the log unit value in the trade panel.
PANEL_REGRESSORS = ("x1", "x2")
TRUE_PANEL: dict[str, float] = {"x1": 0.6, "x2": -0.4}
PANEL_NOISE_SD = 0.5                # SD of the idiosyncratic error e
BLOCK_ENTITIES = 1_000              # entities per generator block (chunk sizes are multiples of it)
TRADE_KEYS = ("country", "product", "year")
TRADE_NUMBERS = ("value_usd", "quantity")
CLEAN_COLUMNS = ("entity", "unit_value", "log_unit_value", "market_share_pct")

# The simulated cross-section: category frequencies (by sector where they differ).
SECTOR_CATEGORIES = SECTOR_GROUPS    # the book's dtype (software has no data)
SECTOR_P = (0.40, 0.35, 0.25)
CE_P_BY_SECTOR = ((0.25, 0.50, 0.25), (0.20, 0.55, 0.25), (0.35, 0.45, 0.20))
CHAIN_P = {"market": (0.30, 0.40, 0.15, 0.15), "network": (0.65, 0.25, 0.08, 0.02),
           "hierarchy": (0.85, 0.05, 0.08, 0.02)}
QUASI_HIERARCHY_P_BY_SECTOR = ((0.40, 0.10, 0.40, 0.10), (0.45, 0.15, 0.30, 0.10), (0.25, 0.05, 0.50, 0.20))
PRODUCTS_BY_SECTOR = (("Textiles", "Apparel", "Shoes", "Furniture", "Metalworking"),
                      ("Salmon", "Dairy", "Wine", "Fruit", "Sugar"),
                      ("Autoparts", "Aircraft", "Electronics", "Software services"))
COUNTRIES = ("Brazil", "Mexico", "Colombia", "Peru", "Chile", "Nicaragua", "Costa Rica")
N_LOCATIONS = 500


# ----------------------------------------------------------------------------------------------
# Cluster cross-section for the ordered probits
# ----------------------------------------------------------------------------------------------

def simulate_cluster_cross_section(n_rows: int, seed: int,
                                   coefficients: Mapping[str, Mapping] = TRUE_ORDINAL) -> pd.DataFrame:
    """``n_rows`` simulated clusters with the columns and dtypes of the processed model dataset.

    ``coefficients`` maps an upgrading type (product, process, functional, intersectoral) to
    ``{"coef": {regressor: b}, "cutpoints": (a0, a1, a2)}``; regressors are any names
    ``coding.model_variables`` builds. A type left out gets a missing score. Every cluster has
    upgrading data; the scores are integers 0-3.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be positive, got {n_rows}")
    unknown = set(coefficients) - set(UPGRADING_TYPES)
    if unknown:
        raise ValueError(f"coefficients for unknown upgrading types {sorted(unknown)}; expected {UPGRADING_TYPES}")
    rng = np.random.default_rng(seed)
    sector = _draw(rng, np.asarray(SECTOR_P), n_rows)
    ce = _draw_by(rng, np.asarray(CE_P_BY_SECTOR), sector)
    chains = {}
    for chain in CHAINS:
        if chain == "quasi_hierarchy":
            chains[chain] = _draw_by(rng, np.asarray(QUASI_HIERARCHY_P_BY_SECTOR), sector)
        else:
            chains[chain] = _draw(rng, np.asarray(CHAIN_P[chain]), n_rows)
    product_pick = rng.integers(0, 60, size=n_rows)         # a product of the cluster's sector
    country = rng.integers(0, len(COUNTRIES), size=n_rows)
    location = rng.integers(0, N_LOCATIONS, size=n_rows)
    common = rng.standard_normal(n_rows)
    noise = {kind: rng.standard_normal(n_rows) for kind in UPGRADING_TYPES}   # always drawn: stable streams

    width = max(7, len(str(n_rows - 1)))
    ids = pd.Series(np.arange(n_rows)).astype(str).str.zfill(width)
    products = np.concatenate([np.asarray(p, dtype=object) for p in PRODUCTS_BY_SECTOR])
    offsets = np.cumsum([0] + [len(p) for p in PRODUCTS_BY_SECTOR])[:-1]
    sizes = np.array([len(p) for p in PRODUCTS_BY_SECTOR])
    product = products[offsets[sector] + product_pick % sizes[sector]]
    location_labels = np.array([f"Simulated location {k:03d}" for k in range(N_LOCATIONS)], dtype=object)
    frame = pd.DataFrame({
        "cluster_id": ("sim_" + ids).astype("str"),
        "sector_group": pd.Categorical.from_codes(sector, categories=list(SECTOR_CATEGORIES)),
        "product": pd.array(product, dtype="str"),
        "location": pd.array(location_labels[location], dtype="str"),
        "country": pd.array(np.asarray(COUNTRIES, dtype=object)[country], dtype="str"),
        "ce_degree": pd.Categorical.from_codes(ce, categories=list(CE_DEGREES), ordered=True),
        "has_upgrading_data": np.ones(n_rows, dtype=bool),
    })
    for kind in UPGRADING_TYPES:
        frame[f"{kind}_upgrading_0to3"] = np.nan
    for chain in CHAINS:
        frame[f"{chain}_chain_0to3"] = pd.array(chains[chain], dtype="Int64")

    variables = model_variables(frame)
    if not np.array_equal(variables["cluster_id"].to_numpy(), frame["cluster_id"].to_numpy()):
        raise AssertionError("model_variables reordered the simulated clusters")   # ids are zero-padded
    load, own = math.sqrt(ERROR_CORRELATION), math.sqrt(1.0 - ERROR_CORRELATION)
    for kind, truth in coefficients.items():
        cuts = np.asarray(truth["cutpoints"], dtype=float)
        if cuts.size != 3 or np.any(np.diff(cuts) <= 0):
            raise ValueError(f"{kind}: three increasing cutpoints needed for scores 0-3, got {tuple(cuts)}")
        missing = [name for name in truth["coef"] if name not in variables.columns]
        if missing:
            raise ValueError(f"{kind}: unknown regressors {missing}; model_variables builds {list(variables.columns)}")
        latent = load * common + own * noise[kind]
        for name, beta in truth["coef"].items():
            latent += beta * variables[name].to_numpy(dtype=float)
        frame[f"{kind}_upgrading_0to3"] = np.searchsorted(cuts, latent, side="left").astype(float)
    return frame


def write_cluster_cross_section(path: str | Path, n_rows: int, seed: int, *,
                                coefficients: Mapping[str, Mapping] = TRUE_ORDINAL,
                                readings_path: str | Path | None = None) -> None:
    """Simulate and write the cross-section (io.write_parquet: byte-identical for a seed). With
    ``readings_path``, also write an empty alternative-readings table (the ordinal rule's second
    input): simulated data have no OCR readings."""
    write_parquet(simulate_cluster_cross_section(n_rows, seed, coefficients), path)
    if readings_path is not None:
        write_parquet(empty_readings(), readings_path)


def empty_readings() -> pd.DataFrame:
    """The alternative-readings table with no readings (columns and dtypes of the book's)."""
    return pd.DataFrame({"reading": pd.Series([], dtype="str"), "cluster_id": pd.Series([], dtype="str"),
                         "variable": pd.Series([], dtype="str"), "default_value": pd.Series([], dtype=float),
                         "reading_value": pd.Series([], dtype=float)})


def _draw(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """n category codes with probabilities p (inverse CDF of one uniform each)."""
    return np.searchsorted(np.cumsum(p)[:-1], rng.random(n), side="right").astype(np.int8)


def _draw_by(rng: np.random.Generator, p_by_group: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category code per row with the probabilities of its group's row of ``p_by_group``."""
    cum = np.cumsum(p_by_group, axis=1)[:, :-1]           # (groups, categories - 1)
    u = rng.random(group.size)
    return (u[:, None] >= cum[group]).sum(axis=1).astype(np.int8)


# ----------------------------------------------------------------------------------------------
# Long trade panel with two-way effects
# ----------------------------------------------------------------------------------------------

def trade_panel_schema() -> pa.Schema:
    """Columns of the simulated trade table: keys as dictionary-encoded strings, numbers float64."""
    label = pa.dictionary(pa.int32(), pa.string())
    return pa.schema([("country", label), ("product", label), ("year", pa.int32()),
                      ("value_usd", pa.float64()), ("quantity", pa.float64()),
                      ("x1", pa.float64()), ("x2", pa.float64())])


def simulate_trade_panel(n_entities: int, n_years: int, seed: int, *, n_countries: int = 200,
                         first_year: int = 2000, coefficients: Mapping[str, float] = TRUE_PANEL,
                         chunk_entities: int = 100_000) -> pa.Table:
    """The whole trade panel in memory (small sizes; use ``write_trade_panel`` at scale)."""
    chunks = list(_trade_chunks(n_entities, n_years, seed, n_countries, first_year, coefficients, chunk_entities))
    return pa.concat_tables(chunks)


def write_trade_panel(path: str | Path, n_entities: int, n_years: int, seed: int, *, n_countries: int = 200,
                      first_year: int = 2000, coefficients: Mapping[str, float] = TRUE_PANEL,
                      chunk_entities: int = 100_000) -> dict:
    """Generate the trade panel chunk by chunk straight into Parquet (one row group per chunk of
    ``chunk_entities`` entities, zstd); memory is bounded by one chunk. Returns its size facts.

    Entity e (0 <= e < n_entities) is product ``e // n_countries`` exported by country
    ``e % n_countries``; each has ``n_years`` rows, so rows = n_entities x n_years.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, groups = 0, 0
    with pq.ParquetWriter(path, trade_panel_schema(), compression="zstd") as writer:
        for chunk in _trade_chunks(n_entities, n_years, seed, n_countries, first_year, coefficients, chunk_entities):
            writer.write_table(chunk, row_group_size=chunk.num_rows)
            rows, groups = rows + chunk.num_rows, groups + 1
    return {"rows": rows, "row_groups": groups, "entities": n_entities, "years": n_years,
            "countries": min(n_countries, n_entities), "products": -(-n_entities // n_countries)}


def _trade_chunks(n_entities: int, n_years: int, seed: int, n_countries: int, first_year: int,
                  coefficients: Mapping[str, float], chunk_entities: int) -> Iterator[pa.Table]:
    if n_entities < 1 or n_years < 1 or n_countries < 1:
        raise ValueError(f"n_entities, n_years and n_countries must be positive "
                         f"(got {n_entities}, {n_years}, {n_countries})")
    if chunk_entities < 1 or (chunk_entities % BLOCK_ENTITIES and chunk_entities < n_entities):
        raise ValueError(f"chunk_entities must be a multiple of {BLOCK_ENTITIES} (got {chunk_entities})")
    unknown = set(coefficients) - set(PANEL_REGRESSORS)
    if unknown:
        raise ValueError(f"coefficients for unknown regressors {sorted(unknown)}; expected {PANEL_REGRESSORS}")
    b1, b2 = (float(coefficients.get(name, 0.0)) for name in PANEL_REGRESSORS)
    n_products = -(-n_entities // n_countries)
    # Effects that several blocks share come from the main generator, drawn once.
    rng = np.random.default_rng(seed)
    year_effect = 0.05 * np.arange(n_years) + 0.3 * rng.standard_normal(n_years)
    x2_trend = rng.standard_normal(n_years)                 # x2 moves with the year effects
    product_price = rng.normal(3.0, 1.0, size=n_products)   # log unit value level of a product
    product_volume = rng.normal(6.0, 1.0, size=n_products)  # log quantity level
    country_volume = rng.normal(0.0, 1.0, size=n_countries)
    country_labels = pa.array([f"C{c:03d}" for c in range(n_countries)], pa.string())
    product_width = max(5, len(str(n_products - 1)))
    years = np.arange(first_year, first_year + n_years, dtype=np.int32)
    schema = trade_panel_schema()

    for start in range(0, n_entities, chunk_entities):
        stop = min(start + chunk_entities, n_entities)
        parts = [_trade_block(seed, block, block * BLOCK_ENTITIES, min((block + 1) * BLOCK_ENTITIES, stop),
                              n_years, n_countries, year_effect, x2_trend, product_price, product_volume,
                              country_volume, b1, b2)
                 for block in range(start // BLOCK_ENTITIES, -(-stop // BLOCK_ENTITIES))]
        entity = np.arange(start, stop, dtype=np.int64)
        product = entity // n_countries
        first_product = int(product[0])
        local_products = pa.array([f"P{p:0{product_width}d}" for p in range(first_product, int(product[-1]) + 1)],
                                  pa.string())
        country_idx = np.repeat((entity % n_countries).astype(np.int32), n_years)
        product_idx = np.repeat((product - first_product).astype(np.int32), n_years)
        columns = [pa.DictionaryArray.from_arrays(pa.array(country_idx), country_labels),
                   pa.DictionaryArray.from_arrays(pa.array(product_idx), local_products),
                   pa.array(np.tile(years, stop - start))]
        columns += [pa.array(np.concatenate([part[k] for part in parts])) for k in range(4)]
        yield pa.Table.from_arrays(columns, schema=schema)


def _trade_block(seed, block, start, stop, n_years, n_countries, year_effect, x2_trend, product_price,
                 product_volume, country_volume, b1, b2) -> tuple[np.ndarray, ...]:
    """value_usd, quantity, x1, x2 of entities [start, stop): one generator per block of
    BLOCK_ENTITIES entities, so the data do not depend on how blocks are grouped into chunks."""
    rng = np.random.default_rng([seed, 1, block])
    n_ent = stop - start
    entity = np.arange(start, stop)
    product, country = entity // n_countries, entity % n_countries
    alpha = product_price[product] + 0.5 * rng.standard_normal(n_ent)          # entity effect a_i
    size = product_volume[product] + country_volume[country] + 0.5 * rng.standard_normal(n_ent)
    shape = (n_ent, n_years)
    x1 = 0.8 * (alpha - product_price[product])[:, None] + rng.standard_normal(shape)
    x2 = x2_trend[None, :] + rng.standard_normal(shape)
    log_uv = b1 * x1 + b2 * x2 + alpha[:, None] + year_effect[None, :] + PANEL_NOISE_SD * rng.standard_normal(shape)
    quantity = np.exp(size[:, None] + 0.3 * rng.standard_normal(shape))
    value = quantity * np.exp(log_uv)
    return value.ravel(), quantity.ravel(), x1.ravel(), x2.ravel()


# ----------------------------------------------------------------------------------------------
# Cleaning the long trade table: unit values and market shares per product-year
# ----------------------------------------------------------------------------------------------

ENGINES = ("arrow", "pandas")


def clean_trade_table(path: str | Path, out_path: str | Path, engine: str = "arrow", *,
                      batch_rows: int = 1_000_000) -> dict:
    """Add ``entity``, ``unit_value``, ``log_unit_value`` and ``market_share_pct`` to a long trade
    table (country, product, year, value_usd, quantity, any other columns kept) and write it.

    unit_value = value_usd / quantity; log_unit_value = its log (missing where the value is 0);
    market_share_pct = 100 x value_usd / (sum of value_usd over the product-year), missing where that
    sum is 0; entity = product index x number of countries + country index, indexes in the sorted
    labels of the whole file (product-major: a table sorted by product, country, year is sorted by
    entity, year). ``engine="arrow"`` streams ``batch_rows`` rows at a time (two passes, the first
    on the five columns it needs); ``"pandas"`` reads the whole file. Both write the same schema
    in batches of ``batch_rows`` and return the same facts (no timings: the dict is reproducible).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    path, out_path = Path(path), Path(out_path)
    if not path.exists():
        raise InputError(path, "the trade table does not exist")
    schema = pq.read_schema(path)
    missing = [c for c in (*TRADE_KEYS, *TRADE_NUMBERS) if c not in schema.names]
    if missing:
        raise InputError(path, "the trade table lacks column(s)", column=missing[0], value=schema.names,
                         expected=", ".join((*TRADE_KEYS, *TRADE_NUMBERS)))
    taken = [c for c in CLEAN_COLUMNS if c in schema.names]
    if taken:
        raise InputError(path, "the trade table already has a column the cleaning adds", column=taken[0],
                         expected=f"none of {', '.join(CLEAN_COLUMNS)}")
    out_schema = _clean_schema(schema)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    clean = _clean_arrow if engine == "arrow" else _clean_pandas
    stats = clean(path, out_path, out_schema, batch_rows)
    stats["engine"] = engine
    return stats


def _clean_schema(schema: pa.Schema) -> pa.Schema:
    fields = [schema.field(name) for name in schema.names]
    fields += [pa.field("entity", pa.int64()), pa.field("unit_value", pa.float64()),
               pa.field("log_unit_value", pa.float64()), pa.field("market_share_pct", pa.float64())]
    return pa.schema(fields)


def _check_rows(path, offset: int, columns: Mapping[str, np.ndarray | pa.Array]) -> None:
    """Raise InputError at the first bad row (file order): a missing key or number, a value < 0, a
    quantity <= 0. ``offset`` is the row index of the first row of these arrays in the file."""
    bad_rows = []
    for name, values in columns.items():
        if name in TRADE_NUMBERS:
            values = np.asarray(values, dtype=float)
            ok = (values >= 0) if name == "value_usd" else (values > 0)
            ok &= np.isfinite(values)
            if not ok.all():
                bad_rows.append((int(np.argmin(ok)), name, values))
        else:
            nulls = _null_mask(values)
            if nulls is not None and nulls.any():
                bad_rows.append((int(np.argmax(nulls)), name, None))
    if not bad_rows:
        return
    row, name, values = min(bad_rows, key=lambda item: (item[0], list(columns).index(item[1])))
    if values is None:
        raise InputError(path, "missing key", row=offset + row, column=name, value=None,
                         expected=f"a {name} label")
    value = float(values[row])
    if math.isnan(value):
        raise InputError(path, "missing number", row=offset + row, column=name, value=value, expected="a number")
    expected = "a value >= 0 (US dollars)" if name == "value_usd" else "a quantity > 0"
    raise InputError(path, f"impossible {name.replace('_usd', '')}", row=offset + row, column=name, value=value,
                     expected=expected)


def _null_mask(values) -> np.ndarray | None:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return None if values.null_count == 0 else np.asarray(pc.is_null(values))
    return np.asarray(pd.isna(values))


def _labels_of(array: pa.Array) -> pa.Array:
    """The distinct labels of a key column batch (for a dictionary column: the dictionary values
    its indices use, counted with one bincount instead of hashing the rows)."""
    if pa.types.is_dictionary(array.type):
        used = np.bincount(np.asarray(array.indices, dtype=np.int64), minlength=len(array.dictionary)) > 0
        return array.dictionary if used.all() else array.dictionary.filter(pa.array(used))
    return pc.unique(array)


def _positions(array: pa.Array, labels: pa.Array) -> np.ndarray:
    """Each element's index in ``labels`` (which holds every label of the column)."""
    if pa.types.is_dictionary(array.type):
        lookup = np.asarray(pc.index_in(array.dictionary, value_set=labels).fill_null(-1), dtype=np.int64)
        return lookup[np.asarray(array.indices, dtype=np.int64)]
    return np.asarray(pc.index_in(array, value_set=labels).fill_null(-1), dtype=np.int64)


def _sorted_unique(parts: list[pa.Array], value_type: pa.DataType) -> pa.Array:
    if not parts:
        return pa.array([], value_type)
    values = pc.unique(pa.chunked_array(parts, value_type))
    return values.take(pc.sort_indices(values))


def _clean_arrow(path: Path, out_path: Path, out_schema: pa.Schema, batch_rows: int) -> dict:
    source = pq.ParquetFile(path)
    key_type = {name: _value_type(source.schema_arrow.field(name).type) for name in ("country", "product")}
    # Pass 1: only keys and numbers. Per batch, product-year sums over the batch's own labels.
    countries, products, partial_products, partial_years, partial_sums = [], [], [], [], []
    offset = 0
    for batch in source.iter_batches(batch_size=batch_rows, columns=[*TRADE_KEYS, *TRADE_NUMBERS]):
        cols = {name: batch.column(name) for name in (*TRADE_KEYS, *TRADE_NUMBERS)}
        numbers = {name: cols[name].to_numpy(zero_copy_only=False) for name in TRADE_NUMBERS}
        _check_rows(path, offset, {"country": cols["country"], "product": cols["product"], "year": cols["year"],
                                   **numbers})
        countries.append(_labels_of(cols["country"]))
        local_products = _labels_of(cols["product"])
        products.append(local_products)
        product_pos = _positions(cols["product"], local_products)
        year = np.asarray(cols["year"].to_numpy(zero_copy_only=False), dtype=np.int64)
        year_min, year_span = int(year.min()), int(year.max() - year.min()) + 1
        cell = product_pos * year_span + (year - year_min)
        sums = np.bincount(cell, weights=numbers["value_usd"], minlength=len(local_products) * year_span)
        present = np.flatnonzero(np.bincount(cell, minlength=sums.size))      # cells with rows
        partial_products.append(local_products.take(pa.array(present // year_span)))
        partial_years.append(present % year_span + year_min)
        partial_sums.append(sums[present])
        offset += batch.num_rows
    country_labels = _sorted_unique(countries, key_type["country"])
    product_labels = _sorted_unique(products, key_type["product"])
    year_labels = np.unique(np.concatenate(partial_years)) if partial_years else np.array([], dtype=np.int64)
    totals = np.zeros((len(product_labels), max(len(year_labels), 1)))
    present = np.zeros(totals.shape, dtype=bool)
    for prods, years, sums in zip(partial_products, partial_years, partial_sums):
        where = (_positions(prods, product_labels), np.searchsorted(year_labels, years))
        np.add.at(totals, where, sums)
        present[where] = True

    # Pass 2: every column, batch by batch, each written as it is done.
    n_countries, offset, zero_value = len(country_labels), 0, 0
    with pq.ParquetWriter(out_path, out_schema, compression="zstd") as writer:
        for batch in source.iter_batches(batch_size=batch_rows):
            product_pos = _positions(batch.column("product"), product_labels)
            country_pos = _positions(batch.column("country"), country_labels)
            year = np.asarray(batch.column("year").to_numpy(zero_copy_only=False), dtype=np.int64)
            value = batch.column("value_usd").to_numpy(zero_copy_only=False)
            quantity = batch.column("quantity").to_numpy(zero_copy_only=False)
            total = totals[product_pos, np.searchsorted(year_labels, year)]
            entity, unit_value, log_uv, share = _derived(value, quantity, total, product_pos, country_pos, n_countries)
            zero_value += int((value == 0).sum())
            arrays = [batch.column(name) for name in batch.schema.names]
            arrays += [pa.array(entity), pa.array(unit_value), pa.array(log_uv), pa.array(share)]
            table = pa.Table.from_arrays(arrays, schema=out_schema)
            writer.write_table(table, row_group_size=table.num_rows)
            offset += batch.num_rows
    return _facts(offset, n_countries, len(product_labels), len(year_labels), int(present.sum()),
                  float(totals.sum()), zero_value, source.metadata.num_row_groups)


def _clean_pandas(path: Path, out_path: Path, out_schema: pa.Schema, batch_rows: int) -> dict:
    frame = pd.read_parquet(path)
    _check_rows(path, 0, {"country": frame["country"].to_numpy(), "product": frame["product"].to_numpy(),
                          "year": frame["year"].to_numpy(), "value_usd": frame["value_usd"].to_numpy(dtype=float),
                          "quantity": frame["quantity"].to_numpy(dtype=float)})
    product_pos, product_labels = _sorted_codes(frame["product"])
    country_pos, country_labels = _sorted_codes(frame["country"])
    total = frame.groupby(["product", "year"], observed=True, sort=False)["value_usd"].transform("sum")
    entity, unit_value, log_uv, share = _derived(frame["value_usd"].to_numpy(), frame["quantity"].to_numpy(),
                                                 total.to_numpy(), product_pos.astype(np.int64),
                                                 country_pos.astype(np.int64), len(country_labels))
    frame["entity"], frame["unit_value"], frame["log_unit_value"], frame["market_share_pct"] = (
        entity, unit_value, log_uv, share)
    cells = frame.groupby(["product", "year"], observed=True)["value_usd"].sum()
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    table = table.cast(out_schema)
    pq.write_table(table, out_path, row_group_size=batch_rows, compression="zstd")
    num_row_groups = pq.ParquetFile(path).metadata.num_row_groups
    return _facts(len(frame), len(country_labels), len(product_labels), frame["year"].nunique(), len(cells),
                  float(cells.sum()), int((frame["value_usd"] == 0).sum()), num_row_groups)


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of a key column by its sorted distinct labels (a categorical's unused categories
    dropped and its categories sorted: category order is the file's, not the labels')."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cat = column.cat.remove_unused_categories()
        labels = cat.cat.categories
        order = np.argsort(np.asarray(labels), kind="stable")
        rank = np.empty(len(labels), dtype=np.int64)
        rank[order] = np.arange(len(labels))
        return rank[cat.cat.codes.to_numpy()], labels[order]
    codes, labels = pd.factorize(column, sort=True)
    return codes.astype(np.int64), labels


def _derived(value, quantity, total, product_pos, country_pos, n_countries):
    """entity, unit value, log unit value, market share (percent): the arithmetic both engines share."""
    entity = product_pos * n_countries + country_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_value = value / quantity
        log_uv = np.log(np.where(unit_value > 0, unit_value, np.nan))
        share = np.where(total > 0, 100.0 * value / total, np.nan)
    return entity, unit_value, log_uv, share


def _facts(rows, n_countries, n_products, n_years, n_product_years, total_value, zero_value, row_groups) -> dict:
    return {"rows": int(rows), "countries": int(n_countries), "products": int(n_products), "years": int(n_years),
            "product_years": int(n_product_years), "total_value_usd": float(total_value),
            "zero_value_rows": int(zero_value), "input_row_groups": int(row_groups)}


def _value_type(dtype: pa.DataType) -> pa.DataType:
    return dtype.value_type if pa.types.is_dictionary(dtype) else dtype


# ----------------------------------------------------------------------------------------------
# Known coefficients as tables, and how close the estimates came
# ----------------------------------------------------------------------------------------------

def true_coefficients(ordinal: Mapping[str, Mapping] = TRUE_ORDINAL,
                      panel: Mapping[str, float] = TRUE_PANEL) -> pd.DataFrame:
    """One row per known parameter: model (``ordinal`` | ``panel``), outcome, role (coef |
    cutpoint), term (cutpoints named "0/1", "1/2", "2/3" as fit_ordered names them), true value."""
    rows = []
    for outcome, truth in ordinal.items():
        rows += [("ordinal", outcome, "coef", term, float(b)) for term, b in truth["coef"].items()]
        rows += [("ordinal", outcome, "cutpoint", f"{m}/{m + 1}", float(a)) for m, a in enumerate(truth["cutpoints"])]
    rows += [("panel", "log_unit_value", "coef", term, float(b)) for term, b in panel.items()]
    return pd.DataFrame(rows, columns=["model", "outcome", "role", "term", "true_value"])


def recovery(results, truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimates of fitted ``ModelResult``s beside the known values: estimate, SE, error and error
    in SEs (``z_error``), for every (outcome, role, term) with a known value."""
    truth = true_coefficients() if truth is None else truth
    frames = []
    for result in results:
        est = result.estimates[result.estimates["role"].isin(["coef", "cutpoint"])]
        est = est.assign(model_id=result.model_id, outcome=result.outcome)
        frames.append(est[["model_id", "outcome", "role", "term", "estimate", "std_error"]])
    merged = pd.concat(frames, ignore_index=True).merge(truth, on=["outcome", "role", "term"], how="inner")
    merged["error"] = merged["estimate"] - merged["true_value"]
    merged["z_error"] = merged["error"] / merged["std_error"]
    return merged[["model_id", "model", "outcome", "role", "term", "true_value", "estimate", "std_error",
                   "error", "z_error"]]
