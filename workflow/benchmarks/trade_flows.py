"""Benchmark: chapter 9's classification on BACI-shaped trade flows, streaming engines against pandas.

    .venv/bin/python workflow/benchmarks/trade_flows.py [--rows 10000000 100000000 300000000]
        [--engines duckdb,arrow,pandas] [--budget-mb 4096] [--threads 2] [--workdir DIR] [--output CSV]
        [--target-seconds 60] [--target-mb 2048]

For each size, ``gvc_clusters.analysis.trade_flows_simulation.write_baci_flows`` writes a seeded BACI-layout Parquet file
(t, i, j, k, v, q; planted outcomes), then each engine runs the whole classification in its own child
process: aggregate the flows to exporter x HS-6 x period (``aggregate_flows``), the four measures,
the book's three rule variants (``measures`` + ``classify``). Figures per engine and size: seconds of
that call (reading included, interpreter start-up excluded), input rows per second, and the child's
peak resident memory from ``os.wait4`` (the method of panel_scale.py). Every engine's outcomes are
compared with DuckDB's (``*_outcomes_equal``) and with the planted ones (``*_planted_recovered``).

Memory safety. DuckDB runs with ``memory_limit`` = 3/4 of the budget (it spills to a temp directory
beyond it) and ``threads``; Arrow merges its partial group-bys as it streams. Plain pandas reads the
whole table: before running it at a size, the script estimates its peak from a calibration run at
``--calibrate`` / 5 and ``--calibrate`` rows (a line: base + MiB per million rows) and skips it, printing the estimate, when
the estimate exceeds the budget or half the memory available at that moment.

Scale target. BACI's full history is about 3e8 flows: the default sizes end there, and each run is
compared with the target (``--target-seconds``, ``--target-mb``: 60 s and 2 GiB for the whole
classification): ``*_meets_target_seconds`` and ``*_meets_target_memory``. Arrow's peak grows with the
rows as pandas' does: from the second size on, an engine whose peak extrapolated linearly from the
two sizes before exceeds the budget is skipped, with the estimate printed. Disk: a size whose
Parquet file (bytes per row of the size before, else 16) with room for DuckDB to spill does not fit
in the free space of the work directory is not simulated; the script prints the largest size
measured and the seconds each engine's rows/s at that size would give at the size left out, marked
as an extrapolation (``*_extrapolated_seconds``).

Prints one line per figure and writes results/benchmarks/trade_flows.csv (figure,value,unit,machine).
Timings describe the machine they ran on; they are measured here, never asserted in tests.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))
from panel_scale import write_figures

ENGINES = ("duckdb", "arrow", "pandas")
SEED = 20060215


def _label(rows: int) -> str:
    exp = len(str(rows)) - 1
    return f"{rows // 10**exp}e{exp}" if rows % 10**exp == 0 else str(rows)


# ----------------------------------------------------------------------------------------------
# Workers (each in its own process)
# ----------------------------------------------------------------------------------------------

def worker(step: str, args, out: Path) -> None:
    from gvc_clusters.analysis import trade_flows as tf
    from gvc_clusters.analysis import trade_flows_simulation as sim
    from gvc_clusters.config_defaults import section_with_defaults

    defaults = section_with_defaults("trade_flows", {})   # config trade_flows as a user who sets nothing gets it

    workdir = Path(args.workdir)
    flows = workdir / f"flows_{args.size}.parquet"
    planted = workdir / f"planted_{args.size}.parquet"
    record: dict = {"step": step}
    if step == "simulate":
        start = time.perf_counter()
        facts = sim.write_baci_flows(flows, args.size, args.seed, planted_path=planted)
        record.update(seconds=time.perf_counter() - start, mb=flows.stat().st_size / 2**20, **facts)
    else:
        import pandas as pd

        start = time.perf_counter()
        cells, facts = tf.aggregate_flows([str(flows)], sim.SIM_PERIODS, engine=step, layout=defaults["layout"],
                                          memory_limit_mb=int(args.budget_mb * 3 / 4), threads=args.threads,
                                          temp_dir=workdir / "duckdb_tmp")
        aggregated = time.perf_counter()
        table = tf.classify(tf.measures(cells, sim.SIM_PERIODS, trim_ratio=defaults["trim_ratio"]))
        seconds = time.perf_counter() - start
        outcomes = table[["exporter", "hs6", "outcome_text", "outcome_printed", "outcome_kaplinsky_readman"]]
        outcomes.to_parquet(workdir / f"outcomes_{step}_{args.size}.parquet", index=False)
        expected = sim.planted_outcomes(pd.read_parquet(planted))
        merged = outcomes.merge(expected[~expected["filler"]], on=["exporter", "hs6"], suffixes=("", "_planted"))
        recovered = all((merged[c] == merged[f"{c}_planted"]).all()
                        for c in ("outcome_text", "outcome_printed", "outcome_kaplinsky_readman"))
        record.update(seconds=seconds, aggregate_seconds=aggregated - start, rows=int(pq_rows(flows)),
                      cells=facts["cells"], exporter_products=len(table), planted_recovered=bool(recovered),
                      planted_compared=len(merged))
    out.write_text(json.dumps(record))


def pq_rows(path) -> int:
    import pyarrow.parquet as pq
    return pq.ParquetFile(path).metadata.num_rows


# ----------------------------------------------------------------------------------------------
# Parent
# ----------------------------------------------------------------------------------------------

def run_child(step: str, size: int, args, tmp: Path) -> dict:
    out = tmp / f"{step}_{size}.json"
    cmd = [sys.executable, __file__, "--worker", step, "--size", str(size), "--seed", str(args.seed),
           "--workdir", str(args.workdir), "--out", str(out), "--threads", str(args.threads),
           "--budget-mb", str(args.budget_mb)]
    wall = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{step} at {size} rows failed with exit code {code}")
    record = json.loads(out.read_text())
    record["peak_rss_mb"] = usage.ru_maxrss / 1024
    record["wall_seconds"] = time.perf_counter() - wall
    print(f"  {step:10s} {_label(size):>6s} rows: {record['wall_seconds']:7.1f} s wall, "
          f"peak {record['peak_rss_mb']:7.0f} MiB", file=sys.stderr, flush=True)
    return record


def available_mb() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 100_000_000, 300_000_000])
    parser.add_argument("--target-seconds", type=float, default=60.0, help="the scale target: seconds")
    parser.add_argument("--target-mb", type=float, default=2048.0, help="the scale target: peak MiB")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--budget-mb", type=int, default=4096, help="memory ceiling of one engine run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--calibrate", type=int, default=1_000_000, help="rows of pandas' calibration run")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workdir", default=None, help="keep the generated files here (default: a temp dir)")
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/trade_flows.csv"))
    parser.add_argument("--worker", choices=("simulate", *ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args, Path(args.out))
        return
    engines = args.engines.split(",")
    if set(engines) - set(ENGINES):
        parser.error(f"unknown engines {sorted(set(engines) - set(ENGINES))}")
    figures = [("budget_mb", args.budget_mb, "MiB"), ("threads", args.threads, "threads"),
               ("target_seconds", args.target_seconds, "s"), ("target_mb", args.target_mb, "MiB")]
    with tempfile.TemporaryDirectory(prefix="gvc_trade_flows_") as tmp:
        args.workdir = str(Path(args.workdir).resolve()) if args.workdir else tmp
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        per_million = base = None
        if "pandas" in engines:     # pandas' peak = base + slope x rows, from two calibration runs
            cal = []
            for rows in (args.calibrate // 5, args.calibrate):
                run_child("simulate", rows, args, Path(tmp))
                cal.append(run_child("pandas", rows, args, Path(tmp)))
                _remove(Path(args.workdir), rows)
            (r0, m0), (r1, m1) = ((c["rows"], c["peak_rss_mb"]) for c in cal)
            per_million = max(0.0, (m1 - m0) / ((r1 - r0) / 1e6))
            base = m1 - per_million * r1 / 1e6
            figures += [("pandas_calibration_rows", r1, "rows"), ("pandas_peak_mb_per_million_rows", per_million, "MiB"),
                        ("pandas_peak_mb_base", base, "MiB")]
        measured: dict[str, list[tuple[int, float, float]]] = {}   # engine -> (rows, seconds, peak MiB)
        bytes_per_row = 16.0
        for size in args.rows:
            label = _label(size)
            need = size * bytes_per_row * 1.5   # the file, and half as much again for DuckDB to spill
            free = shutil.disk_usage(args.workdir).free
            if need > free:
                print(f"  simulate   {label:>6s} rows: skipped, needs {need / 2**30:.1f} GiB, {free / 2**30:.1f} GiB "
                      "free in the work directory (--workdir)", file=sys.stderr, flush=True)
                figures.append((f"{label}_skipped_disk", 1, "bool"))
                for engine, runs_so_far in measured.items():
                    rows, seconds, _ = runs_so_far[-1]
                    estimate = seconds * size / rows
                    print(f"  {engine:10s} {label:>6s} rows: EXTRAPOLATED from {_label(rows)} rows at the same "
                          f"rows/s: {estimate:.1f} s", file=sys.stderr, flush=True)
                    figures.append((f"{label}_{engine}_extrapolated_seconds", estimate, "s"))
                continue
            sim = run_child("simulate", size, args, Path(tmp))
            bytes_per_row = sim["mb"] * 2**20 / sim["rows"]
            figures += [(f"{label}_rows", sim["rows"], "rows"), (f"{label}_parquet_mb", sim["mb"], "MiB"),
                        (f"{label}_simulate_seconds", sim["seconds"], "s")]
            runs = {}
            for engine in engines:
                if engine != "pandas" and len(measured.get(engine, [])) >= 2:
                    (r0, _, m0), (r1, _, m1) = measured[engine][-2:]
                    estimate = m1 + (m1 - m0) / (r1 - r0) * (sim["rows"] - r1)
                    limit = min(args.budget_mb, available_mb() / 2)
                    if estimate > limit:
                        print(f"  {engine:10s} {label:>6s} rows: skipped, estimated peak {estimate:.0f} MiB > "
                              f"{limit:.0f} MiB allowed", file=sys.stderr, flush=True)
                        figures += [(f"{label}_{engine}_estimated_peak_mb", estimate, "MiB"),
                                    (f"{label}_{engine}_skipped", 1, "bool")]
                        continue
                if engine == "pandas":
                    estimate = base + per_million * sim["rows"] / 1e6
                    figures.append((f"{label}_pandas_estimated_peak_mb", estimate, "MiB"))
                    limit = min(args.budget_mb, available_mb() / 2)
                    if estimate > limit:
                        print(f"  pandas     {label:>6s} rows: skipped, estimated peak {estimate:.0f} MiB > "
                              f"{limit:.0f} MiB allowed", file=sys.stderr, flush=True)
                        figures.append((f"{label}_pandas_skipped", 1, "bool"))
                        continue
                rec = run_child(engine, size, args, Path(tmp))
                runs[engine] = rec
                measured.setdefault(engine, []).append((rec["rows"], rec["seconds"], rec["peak_rss_mb"]))
                figures += [(f"{label}_{engine}_seconds", rec["seconds"], "s"),
                            (f"{label}_{engine}_aggregate_seconds", rec["aggregate_seconds"], "s"),
                            (f"{label}_{engine}_rows_per_s", rec["rows"] / rec["seconds"], "rows/s"),
                            (f"{label}_{engine}_peak_rss_mb", rec["peak_rss_mb"], "MiB"),
                            (f"{label}_{engine}_within_budget", int(rec["peak_rss_mb"] <= args.budget_mb), "bool"),
                            (f"{label}_{engine}_planted_recovered", int(rec["planted_recovered"]), "bool"),
                            (f"{label}_{engine}_meets_target_seconds", int(rec["seconds"] <= args.target_seconds), "bool"),
                            (f"{label}_{engine}_meets_target_memory", int(rec["peak_rss_mb"] <= args.target_mb), "bool")]
            if runs:
                figures.append((f"{label}_exporter_products", next(iter(runs.values()))["exporter_products"], "rows"))
            if "duckdb" in runs:
                import pandas as pd
                ref = pd.read_parquet(Path(args.workdir) / f"outcomes_duckdb_{size}.parquet")
                for engine in runs:
                    if engine != "duckdb":
                        got = pd.read_parquet(Path(args.workdir) / f"outcomes_{engine}_{size}.parquet")
                        figures.append((f"{label}_{engine}_outcomes_equal_duckdb", int(got.equals(ref)), "bool"))
            _remove(Path(args.workdir), size)
    write_figures(figures, Path(args.output), width=44)


def _remove(workdir: Path, size: int) -> None:
    """Drop a size's files once measured (a 1e8-row table is gigabytes)."""
    for path in workdir.glob(f"*_{size}.parquet"):
        path.unlink()


if __name__ == "__main__":
    main()
