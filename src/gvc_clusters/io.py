"""Deterministic writers: the same data always gives the same bytes (no timestamps, fixed formats)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Twelve significant digits: exact for every printed number, stable across platforms.
FLOAT_FORMAT = "%.12g"


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format=FLOAT_FORMAT, encoding="utf-8")


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Parquet without pandas' index. pyarrow writes no timestamps, so reruns are byte-identical
    (the file records only the writer version, which the lock file pins)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def write_json(data: dict, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def read_parquet(path: str | Path) -> pd.DataFrame:
    return pd.read_parquet(path)
