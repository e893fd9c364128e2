"""Deterministic writers: the same data always gives the same bytes (no timestamps, fixed formats)."""

from __future__ import annotations

import json
import re
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


# Matplotlib names a clip path or a marker by a hash of its floats' full repr (svg.hashsalt only fixes the
# salt), so a difference in the last bit of a layout computation (numpy's SIMD sums depend on memory
# alignment) renames it although every printed coordinate is the same. Renumbered in order of first use.
_HASHED_ID = re.compile(r"(?<![\w-])([pm])([0-9a-f]{10})(?![\w-])")


def stable_svg_ids(text: str) -> str:
    """The SVG with matplotlib's hashed clip-path and marker ids (p/m + 10 hex digits) renumbered in
    order of first appearance (p1, p2, ... and m1, m2, ...): the same drawing, the same bytes."""
    names: dict[str, str] = {}
    counts = {"p": 0, "m": 0}

    def rename(match: re.Match) -> str:
        old = match.group(0)
        if old not in names:
            counts[match.group(1)] += 1
            names[old] = f"{match.group(1)}{counts[match.group(1)]}"
        return names[old]

    return _HASHED_ID.sub(rename, text)
