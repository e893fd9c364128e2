"""Benchmark: two-way fixed effects at scale, linearmodels PanelOLS vs the fast engine.

    python workflow/benchmarks/panel_scale.py [--entities 1000000] [--years 10] [--shuffle] [--drop 0.0]

Each method runs in its own subprocess (same seeded data, generated inside the worker), so the peak
resident memory is per method: the parent reads it from ``os.wait4`` - the rusage of that one child;
``resource.getrusage(RUSAGE_CHILDREN)`` would give the maximum over all children so far. A
"baseline" worker only generates the data, so the fit's own memory is the difference. Both methods
go through ``gvc_clusters.models.panel.fit.fit_panel`` (engine="linearmodels" | "fast"), the call the
pipeline makes, with entity and year effects and SEs clustered by entity; the time is that of the
call, excluding data generation.

Prints one line per figure and writes results/benchmarks/panel_scale.csv (figure,value,unit,machine).
Timings describe the machine they ran on; they are measured here, never asserted in tests.
"""

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("baseline", "linearmodels", "fast")


def make_data(entities: int, years: int, seed: int, shuffle: bool, drop: float):
    """y = 0.5 x1 - 0.3 x2 + a_i + g_t + e, with x1 correlated with a_i (so pooled OLS is biased)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = entities * years
    entity = np.repeat(np.arange(entities, dtype=np.int64), years)
    year = np.tile(np.arange(2000, 2000 + years, dtype=np.int64), entities)
    alpha = rng.standard_normal(entities)
    gamma = rng.standard_normal(years)
    x1 = rng.standard_normal(n)
    x1 += alpha[entity]
    x2 = rng.standard_normal(n)
    y = rng.standard_normal(n)
    y += 0.5 * x1
    y -= 0.3 * x2
    y += alpha[entity]
    y += gamma[year - 2000]
    frame = pd.DataFrame({"entity": entity, "year": year, "y": y, "x1": x1, "x2": x2})
    del entity, year, x1, x2, y
    if drop > 0:
        frame = frame.loc[rng.random(n) >= drop].reset_index(drop=True)
    if shuffle:
        frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame


def worker(method: str, args, out: Path) -> None:
    """Generate the data, fit with one engine, write estimates and timing as JSON."""
    frame = make_data(args.entities, args.years, args.seed, args.shuffle, args.drop)
    record = {"method": method, "rows": len(frame)}
    if method != "baseline":
        from gvc_clusters.models.panel.fit import fit_panel

        start = time.perf_counter()
        result = fit_panel(frame, entity="entity", time="year", outcome="y", regressors=["x1", "x2"],
                           estimator="panel_ols", entity_effects=True, time_effects=True,
                           se_type="cluster_entity", model_id="panel_scale", engine=method)
        record["seconds"] = time.perf_counter() - start
        est = result.estimates.set_index("term")
        record["params"] = est["estimate"].to_dict()
        record["std_errors"] = est["std_error"].to_dict()
        record["demeaning"] = result.extra.get("fast", {}).get("demeaning", "")
    out.write_text(json.dumps(record))


def run_child(method: str, args, tmp: Path) -> dict:
    """One method in a fresh interpreter; its own peak RSS from os.wait4."""
    out = tmp / f"{method}.json"
    cmd = [sys.executable, __file__, "--worker", method, "--entities", str(args.entities), "--years",
           str(args.years), "--seed", str(args.seed), "--drop", str(args.drop), "--out", str(out)]
    if args.shuffle:
        cmd.append("--shuffle")
    wall = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{method} worker failed with exit code {proc.returncode}")
    record = json.loads(out.read_text())
    record["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    record["wall_seconds"] = time.perf_counter() - wall
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20060215)
    parser.add_argument("--shuffle", action="store_true", help="rows in random order (no sorted-panel shortcut)")
    parser.add_argument("--drop", type=float, default=0.0, help="share of rows dropped at random (unbalanced)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/panel_scale.csv"))
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args, Path(args.out))
        return
    with tempfile.TemporaryDirectory() as tmp:
        records = {m: run_child(m, args, Path(tmp)) for m in args.methods.split(",")}
    figures = summarize(records, args)
    write_figures(figures, Path(args.output), width=32)


def summarize(records: dict, args) -> list[tuple]:
    """The figures of the CSV: sizes, per-method time and peak RSS, ratio, largest differences."""
    any_record = next(iter(records.values()))
    figures = [("rows", any_record["rows"], "rows"), ("entities", args.entities, "entities"),
               ("years", args.years, "periods"), ("rows_order", "shuffled" if args.shuffle else "sorted", ""),
               ("rows_dropped_share", args.drop, "share")]
    for method, rec in records.items():
        if "seconds" in rec:
            figures.append((f"{method}_seconds", rec["seconds"], "s"))
        figures.append((f"{method}_peak_rss", rec["peak_rss_mb"], "MB"))
    if "fast" in records and records["fast"].get("demeaning"):
        figures.append(("fast_demeaning", records["fast"]["demeaning"], ""))
    if "linearmodels" in records and "fast" in records:
        lm, fast = records["linearmodels"], records["fast"]
        figures.append(("speedup_linearmodels_over_fast", lm["seconds"] / fast["seconds"], "x"))
        figures.append(("max_abs_coef_diff", max(abs(lm["params"][k] - fast["params"][k]) for k in lm["params"]), ""))
        figures.append(("max_abs_se_diff", max(abs(lm["std_errors"][k] - fast["std_errors"][k])
                                               for k in lm["std_errors"]), ""))
    return figures


def machine_description() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{_memory_gb():.0f} GB RAM, Python {platform.python_version()}")


def write_figures(figures: list[tuple], out: Path, width: int = 32) -> None:
    """Print each (name, value, unit) and write them to a CSV with the machine they ran on
    (shared by the scale benchmarks; the replication README reads results/benchmarks/)."""
    machine = machine_description()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["figure", "value", "unit", "machine"])
        for name, value, unit in figures:
            writer.writerow([name, _text(value), unit, machine])
    for name, value, unit in figures:
        print(f"{name:{width}s} {_text(value):>14s} {unit}")
    print(f"machine: {machine}; written to {out}")


def _text(value) -> str:
    """Integers as integers, other numbers to 6 significant digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.6g}"


def _memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


if __name__ == "__main__":
    main()
