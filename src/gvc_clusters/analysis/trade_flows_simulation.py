"""Simulated BACI-shaped trade flows with planted chapter 9 outcomes (the scale profile, tests, benchmarks).

``write_baci_flows`` writes a seeded flows table in the BACI layout (``t, i, j, k, v, q``) plus the
planted truth; ``planted_outcomes`` says what ``trade_flows.classify`` must find for each planted
exporter-product. Kept apart from ``trade_flows`` (which reads a user's real flows) so the reader of
the classification does not wade through the simulator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gvc_clusters.analysis import export_performance as ep
from gvc_clusters.analysis.trade_flows import classify

# Real ISO 3166-1 numeric codes, as BACI uses them (exporters and importers).
ISO_CODES = (32, 36, 76, 124, 152, 156, 170, 188, 203, 208, 218, 251, 276, 300, 348, 356, 360, 372, 380, 392,
             410, 458, 484, 528, 554, 578, 604, 608, 616, 620, 643, 699, 702, 710, 724, 752, 757, 764, 792, 842)
SIM_EXPORTERS = 20              # per product; exporter 0 of each product is a large "rest of market" filler
SIM_PERIODS = {"a": (1995, 2000), "b": (2015, 2020)}
SIM_OFF_YEARS = (2005, 2010)    # flows outside both periods: must be ignored
SIM_YEARS = (*range(1995, 2001), *SIM_OFF_YEARS, *range(2015, 2021))
WORLD_GROWTH = {1: 1.5, -1: 0.7}            # planted world demand factor W_b / W_a by sign
# exporter growth factor X_b / X_a -> (sign dX, sign dM) given the product's world demand sign
EXPORT_GROWTH = {1: ((2.0, 1, 1), (1.2, 1, -1), (0.8, -1, -1)), -1: ((1.2, 1, 1), (0.8, -1, 1), (0.5, -1, -1))}
RELATIVE_UV = {1: 1.3, -1: 0.75}            # planted relative unit value factor by sign of dV
WORLD_UV_GROWTH = 1.1                       # planted world unit value factor
Q_MISSING, Q_ZERO = 0.02, 0.01              # shares of flows with a missing / zero quantity
TRIM_EVERY = 10                             # in every 10th product one exporter's unit value is off x1000



def _sim_shape(n_rows: int) -> tuple[int, int]:
    """(products, importers per exporter-year) giving about n_rows flows."""
    per_importer = SIM_EXPORTERS * len(SIM_YEARS)
    importers = int(min(30, max(1, n_rows // (per_importer * 40))))
    return -(-n_rows // (per_importer * importers)), importers


def _hs6(product: np.ndarray) -> np.ndarray:
    """Distinct HS-6 codes spread over the HS-2 chapters 01-97 (77 is reserved and skipped)."""
    chapters = np.array([c for c in range(1, 98) if c != 77])
    return chapters[product % len(chapters)] * 10000 + product // len(chapters) + 1


def simulate_baci_chunks(n_rows: int, seed: int, *, chunk_products: int = 500) -> Iterator[tuple[pa.Table, pd.DataFrame]]:
    """Yield (flows, planted) per chunk of products: flows in the BACI layout (t int16, i, j, k int32,
    v, q float64) and one planted row per exporter-product (signs and whether its unit value is planted
    to be trimmed). See ``write_baci_flows``."""
    n_products, n_imp = _sim_shape(n_rows)
    E, Y = SIM_EXPORTERS, len(SIM_YEARS)
    year = np.array(SIM_YEARS, dtype=np.int16)
    in_a = np.isin(year, range(SIM_PERIODS["a"][0], SIM_PERIODS["a"][1] + 1))
    in_b = np.isin(year, range(SIM_PERIODS["b"][0], SIM_PERIODS["b"][1] + 1))
    n_a, n_b = int(in_a.sum()), int(in_b.sum())
    codes = np.asarray(ISO_CODES, dtype=np.int32)
    for start in range(0, n_products, chunk_products):
        stop = min(start + chunk_products, n_products)
        rng = np.random.default_rng([seed, 16, start // chunk_products])
        P = stop - start
        product = np.arange(start, stop)
        sq = np.where(rng.random(P) < 0.5, 1, -1)
        G = np.where(sq > 0, WORLD_GROWTH[1], WORLD_GROWTH[-1])
        pattern = rng.integers(0, 3, size=(P, E))
        sv = np.where(rng.random((P, E)) < 0.5, 1, -1)
        table = np.array([EXPORT_GROWTH[s] for s in (1, -1)])        # (2, 3, 3)
        pick = table[np.where(sq > 0, 0, 1)[:, None], pattern]       # (P, E, 3)
        g, sx, sm = pick[..., 0], pick[..., 1].astype(int), pick[..., 2].astype(int)
        trimmed = np.zeros((P, E), dtype=bool)
        trimmed[(product % TRIM_EVERY) == 0, E - 1] = True
        price = np.exp(rng.normal(1.0, 1.0, size=P))                  # thousand USD per tonne
        x_a = np.exp(rng.normal(3.0, 1.0, size=(P, E)))               # period-average exports, thousand USD
        x_a[:, 0] = 3 * x_a[:, 1:].sum(axis=1)                       # the filler holds 75 % of the market
        x_b = g * x_a
        x_b[:, 0] = G * x_a.sum(axis=1) - x_b[:, 1:].sum(axis=1)
        uv_a = price[:, None] * np.exp(0.3 * rng.standard_normal((P, E)))
        uv_a[:, 0] = price
        uv_b = uv_a * WORLD_UV_GROWTH * np.where(sv > 0, RELATIVE_UV[1], RELATIVE_UV[-1])
        # values: period total spread over years (weights summing to the number of years) and importers
        w = rng.gamma(4.0, size=(P, E, Y))
        w[..., in_a] *= n_a / w[..., in_a].sum(axis=-1, keepdims=True)
        w[..., in_b] *= n_b / w[..., in_b].sum(axis=-1, keepdims=True)
        level = np.where(in_a, 1.0, 0.0)[None, None, :] * x_a[..., None] + \
            np.where(in_b, 1.0, 0.0)[None, None, :] * x_b[..., None] + \
            np.where(~in_a & ~in_b, 1.0, 0.0)[None, None, :] * x_a[..., None] * rng.uniform(0.2, 5, size=(P, E, 1))
        share = rng.gamma(1.0, size=(P, E, Y, n_imp))
        share /= share.sum(axis=-1, keepdims=True)
        v = level[..., None] * w[..., None] * share                  # (P, E, Y, J)
        u = rng.random((P, E, Y, n_imp))
        missing, zero = u < Q_MISSING, (u >= Q_MISSING) & (u < Q_MISSING + Q_ZERO)
        valid = ~(missing | zero)
        noise = np.exp(0.5 * rng.standard_normal((P, E, Y, n_imp)))  # flow unit values scatter around UV
        q = np.zeros_like(v)
        period_masks = {"a": in_a, "b": in_b}
        vv = {}
        for p, mask in period_masks.items():
            vp, vn, ok = v[:, :, mask], (v * noise)[:, :, mask], valid[:, :, mask]
            vv[p] = np.where(ok, vp, 0).sum(axis=(2, 3))                   # (P, E) value with a quantity
            scale = vv[p] / np.where(ok, vn, 0).sum(axis=(2, 3))
            uv = uv_a if p == "a" else uv_b
            q[:, :, mask] = vn * (scale / uv)[:, :, None, None]            # exporter UV exactly uv
        # the filler's period-b quantity sets the world unit value of the untrimmed exporters to
        # WORLD_UV_GROWTH x that of period a
        keep_b = ~trimmed
        world_uv_a = vv["a"].sum(axis=1) / (vv["a"] / uv_a).sum(axis=1)
        others = np.where(keep_b[:, 1:], vv["b"][:, 1:] / uv_b[:, 1:], 0).sum(axis=1)
        value_b = np.where(keep_b, vv["b"], 0).sum(axis=1)
        filler_q = value_b / (WORLD_UV_GROWTH * world_uv_a) - others
        if np.any(filler_q <= 0) or np.any(x_b[:, 0] <= 0):
            raise AssertionError("simulation: the filler exporter cannot absorb the planted changes")
        uv_b[:, 0] = vv["b"][:, 0] / filler_q
        q[:, 0][:, in_b] = (v * noise)[:, 0][:, in_b] * ((vv["b"][:, 0] / np.where(
            valid[:, 0][:, in_b], (v * noise)[:, 0][:, in_b], 0).sum(axis=(1, 2))) / uv_b[:, 0])[:, None, None]
        # planted trimming: the unit value is off by a factor 1000 (a quantity recorded in kg)
        q *= np.where(trimmed[:, :, None] & in_b[None, None, :], 1e-3, 1.0)[..., None]
        q = np.where(missing, np.nan, np.where(zero, 0.0, q))
        exporters = codes[(np.arange(E)[None, :] + product[:, None]) % len(codes)]          # (P, E)
        importers = codes[(np.arange(E)[None, :, None, None] + product[:, None, None, None] + 1
                           + np.arange(n_imp)[None, None, None, :]) % len(codes)]   # never the exporter
        shape = (P, E, Y, n_imp)
        flows = pa.table({
            "t": pa.array(np.broadcast_to(year[None, None, :, None], shape).ravel()),
            "i": pa.array(np.broadcast_to(exporters[:, :, None, None], shape).ravel()),
            "j": pa.array(np.broadcast_to(importers, shape).ravel()),
            "k": pa.array(np.broadcast_to(_hs6(product).astype(np.int32)[:, None, None, None], shape).ravel()),
            "v": pa.array(v.ravel()),
            "q": pa.array(q.ravel(), mask=np.isnan(q.ravel())),
        })
        planted = pd.DataFrame({
            "exporter": exporters.ravel().astype("int64"),
            "hs6": pd.Series(np.repeat(_hs6(product), E)).astype(str).str.zfill(6).to_numpy(),
            "filler": np.tile(np.arange(E) == 0, P),
            "uv_trimmed_b": trimmed.ravel(),
            "sign_dX": sx.ravel(), "sign_dQw": np.repeat(sq, E), "sign_dM": sm.ravel(), "sign_dV": sv.ravel(),
            "world_demand_factor": np.repeat(G, E), "relative_uv_factor": np.where(sv > 0, RELATIVE_UV[1],
                                                                                   RELATIVE_UV[-1]).ravel(),
            "export_factor": g.ravel(),
        })
        yield flows, planted


def write_baci_flows(path: str | Path, n_rows: int, seed: int, *, planted_path: str | Path | None = None,
                     chunk_products: int = 500) -> dict:
    """Write a seeded BACI-shaped flow table (Parquet, or CSV when ``path`` ends in .csv) and, with
    ``planted_path``, the planted exporter-product signs (Parquet). Memory is bounded by one chunk.

    Design: per HS-6 product, 20 exporters and 14 years (1995-2000, 2005, 2010, 2015-2020; the two
    off-period years must be ignored), each exporter-year spread over up to 30 importers. Exporter 0
    holds 75 % of each market and absorbs the planted changes; for the other 19 the generator plants
    the world demand factor (1.5 or 0.7 by product), the exporter's growth factor (so the signs of ΔX
    and ΔM), and the relative unit value factor (1.3 or 0.75: sign of ΔV) exactly: period sums, unit
    values and the world unit value (untrimmed exporters) are constructed to the planted ratios, while
    flow-level values and unit values scatter. 2 % of the flows have a missing quantity, 1 % a zero
    one. In every 10th product the last exporter's period-b quantities are divided by 1000 (planted
    to be trimmed). Returns the facts (rows, products, planted counts).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    csv_out = path.suffix == ".csv"
    planted_frames, rows = [], 0
    try:
        for flows, planted in simulate_baci_chunks(n_rows, seed, chunk_products=chunk_products):
            rows += flows.num_rows
            planted_frames.append(planted)
            if csv_out:
                frame = flows.to_pandas()
                frame["k"] = frame["k"].astype(str).str.zfill(6)
                frame["q"] = frame["q"].map(lambda x: "NA" if pd.isna(x) else repr(float(x)))
                frame.to_csv(path, mode="a" if writer else "w", header=not writer, index=False, lineterminator="\n")
                writer = True
            else:
                if writer is None:
                    writer = pq.ParquetWriter(path, flows.schema, compression="zstd")
                writer.write_table(flows, row_group_size=1_000_000)
    finally:
        if writer is not None and writer is not True:
            writer.close()
    planted = pd.concat(planted_frames, ignore_index=True)
    if planted_path is not None:
        from gvc_clusters.io import write_parquet
        write_parquet(planted, planted_path)
    n_products, n_imp = _sim_shape(n_rows)
    return {"rows": int(rows), "products": int(n_products), "importers": int(n_imp),
            "exporter_products": len(planted), "planted_trimmed": int(planted["uv_trimmed_b"].sum())}


def planted_outcomes(planted: pd.DataFrame, market_share_rules: Sequence[str] = (ep.TEXT_RULE, ep.PRINTED_RULE)
                     ) -> pd.DataFrame:
    """The classification the planted signs imply (the book's classifiers on them); a row planted to
    be trimmed has no ΔV and is not classifiable."""
    frame = planted.copy()
    frame["export_earnings_growth_pct"] = frame["sign_dX"].astype(float)
    frame["world_demand_growth_pct"] = frame["sign_dQw"].astype(float)
    frame["market_share_change_pp"] = frame["sign_dM"].astype(float)
    frame["unit_value_change_pct"] = frame["sign_dV"].astype(float).where(~frame["uv_trimmed_b"])
    return classify(frame, market_share_rules)
