"""What changed since the last run: every estimate that moved, by how much, and which input changed.

The rule ``snapshot_estimates`` keeps, beside the results manifest (results/last_build/), the
estimates of the build (estimates.csv) and the fingerprints of its inputs (inputs.csv: SHA-256 of
every raw file and the configuration digest). It runs after the report, so the report of the next
build compares its estimates with these; ``./pipeline.sh rerun`` prints the same list
(``python -m gvc_clusters.output.changes``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import pandas as pd

from gvc_clusters.results import read_estimates as results_read_estimates

KEYS = ["model_id", "role", "term", "category"]
TOLERANCE = 1e-9  # below this an estimate has not moved (floating-point noise across platforms)


def read_estimates(paths: list[str | Path]) -> pd.DataFrame:
    """The build's estimates, one row per (model, role, term, category)."""
    frames = [results_read_estimates(p) for p in paths]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*KEYS, "estimate", "std_error"])
    frame["category"] = frame["category"].fillna("").astype(str)
    return frame[[*KEYS, "estimate", "std_error"]].sort_values(KEYS, kind="stable").reset_index(drop=True)


def input_fingerprints(files: list[str | Path], root: str | Path, config: dict) -> pd.DataFrame:
    """SHA-256 of every raw file and the configuration's digest: what a build's results depend on.
    ``files``: every file under the raw folder (the rule's declared inputs), named relative to ``root``
    (the raw folder's parent: ``raw/clusters/table_10_1.csv``)."""
    rows = [{"input": p.relative_to(root).as_posix(), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
            for p in sorted(map(Path, files))]
    rows.append({"input": "config", "sha256": hashlib.sha256(json.dumps(config, sort_keys=True, default=str)
                                                            .encode()).hexdigest()})
    return pd.DataFrame(rows, columns=["input", "sha256"])


def moved_estimates(previous: pd.DataFrame, current: pd.DataFrame, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Estimates that moved, appeared or disappeared: previous, current, change (current - previous)."""
    merged = previous.merge(current, on=KEYS, how="outer", suffixes=("_previous", "_current"), indicator=True)
    change = merged["estimate_current"] - merged["estimate_previous"]
    moved = (merged["_merge"] != "both") | (change.abs() > tolerance)
    out = merged.loc[moved, [*KEYS, "estimate_previous", "estimate_current"]].copy()
    out["change"] = change[moved]
    out["status"] = merged.loc[moved, "_merge"].map({"both": "moved", "left_only": "removed", "right_only": "new"})
    return out.rename(columns={"estimate_previous": "previous", "estimate_current": "current"}) \
        .sort_values(KEYS, kind="stable").reset_index(drop=True)


def changed_inputs(previous: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """Inputs whose fingerprint differs, with 'new' or 'removed' where one side lacks them."""
    before = dict(zip(previous["input"], previous["sha256"]))
    after = dict(zip(current["input"], current["sha256"]))
    out = [f"{name} (changed)" for name in sorted(set(before) & set(after)) if before[name] != after[name]]
    out += [f"{name} (new)" for name in sorted(set(after) - set(before))]
    out += [f"{name} (removed)" for name in sorted(set(before) - set(after))]
    return out


def summary(snapshot_dir: str | Path, current: pd.DataFrame, inputs: pd.DataFrame) -> dict:
    """Everything the report's section and the rerun's list print: {'previous': bool, 'inputs': [...],
    'moved': [rows as dicts]}."""
    snapshot_dir = Path(snapshot_dir)
    if not (snapshot_dir / "estimates.csv").is_file():
        return {"previous": False, "inputs": [], "moved": []}
    previous = read_estimates([snapshot_dir / "estimates.csv"])
    previous_inputs = pd.read_csv(snapshot_dir / "inputs.csv") if (snapshot_dir / "inputs.csv").is_file() \
        else pd.DataFrame(columns=["input", "sha256"])
    moved = moved_estimates(previous, current)
    return {"previous": True, "inputs": changed_inputs(previous_inputs, inputs), "moved": moved.to_dict("records")}


def format_lines(result: dict, fmt=lambda v: "n.a." if v is None or (isinstance(v, float) and math.isnan(v))
                 else f"{v:.4f}") -> list[str]:
    if not result["previous"]:
        return ["no previous build to compare with"]
    lines = [f"inputs changed: {', '.join(result['inputs']) or 'none'}",
             f"estimates moved: {len(result['moved'])}"]
    for row in result["moved"]:
        what = " ".join(str(row[k]) for k in KEYS if row[k])
        lines.append(f"  {what}: {fmt(row['previous'])} -> {fmt(row['current'])} ({row['status']}"
                     + (f", {row['change']:+.4f}" if row["status"] == "moved" else "") + ")")
    return lines


def write_snapshot(estimates: pd.DataFrame, inputs: pd.DataFrame, out_dir: str | Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    estimates.to_csv(out_dir / "estimates.csv", index=False, float_format="%.12g", lineterminator="\n")
    inputs.to_csv(out_dir / "inputs.csv", index=False, lineterminator="\n")


def compare_snapshots(previous_dir: str | Path, current_dir: str | Path) -> dict:
    """Two kept snapshots (before and after a run) compared as ``summary`` does."""
    current_dir = Path(current_dir)
    return summary(previous_dir, read_estimates([current_dir / "estimates.csv"]),
                   pd.read_csv(current_dir / "inputs.csv"))


def main(argv: list[str] | None = None) -> int:
    """``python -m gvc_clusters.output.changes PREVIOUS_DIR [CURRENT_DIR]``: print what changed between the
    snapshot kept before a run and the one the run wrote (default results/last_build)."""
    parser = argparse.ArgumentParser(description="What changed since the last run")
    parser.add_argument("previous", help="the previous build's snapshot folder (a copy of results/last_build)")
    parser.add_argument("current", nargs="?", default="results/last_build")
    args = parser.parse_args(argv)
    print("\n".join(format_lines(compare_snapshots(args.previous, args.current))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
