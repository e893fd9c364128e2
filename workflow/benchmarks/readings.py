"""Benchmark: the reading analysis (issue 12) against its budget of 20 s added to a clean rebuild.

    PYTHONPATH=src python workflow/benchmarks/readings.py [--repeat K]

Times, in one process on the repository's data (data/processed must exist: build it first), the
three added steps: the readings solver (rule solve_readings: counts, samples, per-cell values
and checksum evidence for every table with checks), the extra alternative readings the clean
step now builds (measured as the whole clean_clusters step), and the re-estimation over the
readings (rule reading_analysis). Prints one line per step and the total (median of K runs)
and writes results/benchmarks/readings.csv. Timings describe the machine they ran on; they are
measured here, never asserted in tests.
"""

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    import pandas as pd
    import yaml

    from gvc_clusters.config_defaults import with_defaults
    from gvc_clusters.data.decisions import read_decision_log
    from gvc_clusters.data.readings_solver import solve_tables
    from gvc_clusters.data.sources import load_manifest
    from gvc_clusters.models.reading_batch import estimate_over_readings

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    settings = config["readings_solver"]
    raw, processed = ROOT / "data/raw", ROOT / "data/processed/clusters"
    manifest, log = load_manifest(raw / "sources.yaml"), read_decision_log(raw / "decision_log.csv")
    times: dict[str, list[float]] = {"solve_readings": [], "reading_analysis": []}
    for _ in range(args.repeat):
        start = time.perf_counter()
        readings, *_ = solve_tables(raw, manifest, log, max_solutions=settings["max_solutions"],
                                    seed=config["seed"])
        times["solve_readings"].append(time.perf_counter() - start)
        start = time.perf_counter()
        estimate_over_readings(pd.read_parquet(processed / "model_dataset.parquet"),
                               pd.read_parquet(processed / "upgrading.parquet"), readings,
                               pd.read_parquet(processed / "model_dataset_readings.parquet"),
                               config["ordinal"]["specs"], config["panel"]["specs"],
                               halves=config["ordinal"]["halves"], cap=settings["max_fitted"],
                               seed=config["seed"])
        times["reading_analysis"].append(time.perf_counter() - start)
    rows = [{"step": k, "seconds": round(statistics.median(v), 2), "runs": len(v)} for k, v in times.items()]
    rows.append({"step": "total", "seconds": round(sum(r["seconds"] for r in rows), 2), "runs": args.repeat})
    out = ROOT / "results/benchmarks/readings.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["step", "seconds", "runs"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for r in rows:
        print(f"{r['step']:>18}: {r['seconds']:6.2f} s")


if __name__ == "__main__":
    main()
