"""Benchmark: the readings solver and the re-estimation over the readings, against their budget.

    PYTHONPATH=src python workflow/benchmarks/readings.py [--repeat K]

Issue 23's budget: solver and re-estimation together within 25 s of CPU in a clean rebuild on 2
cores (before it: 6.9 s + 16.2 s). Times, in one process on the repository's data
(data/processed must exist: build it first), the two rules as the workflow runs them, from the
same inputs: ``solve_readings`` (every table with checks under every assumption: counts, listing,
per-cell values, checksum evidence) and ``reading_analysis`` (the reading space, its designs, the
fits and the one readings output). Prints, per step, the CPU seconds (time.process_time: this
process's own work, whatever else runs on the machine) and the wall seconds (median of K runs),
the total against the budget, and how each assumption's set was covered (enumerated or sampled,
readings fitted); writes results/benchmarks/readings.csv. Timings describe the machine they ran
on; they are measured here, never asserted in tests.
"""

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

BUDGET_CPU_SECONDS = 25.0


def main() -> None:
    import yaml

    from gvc_clusters.config_defaults import with_defaults
    from gvc_clusters.data.reading_space import assumptions_from_config
    from gvc_clusters.data.readings import write_readings
    from gvc_clusters.models.reading_batch import write_reading_analysis
    from gvc_clusters.workflow_plan import READING_ANALYSIS_FILES, READINGS_FILES, is_simulated

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    raw, processed = ROOT / "data/raw", ROOT / "data/processed/clusters"
    manifest = yaml.safe_load((raw / "sources.yaml").read_text(encoding="utf-8"))
    tables = {e["file"]: raw / e["file"] for e in manifest if e.get("checks")}
    cpu: dict[str, list[float]] = {"solve_readings": [], "reading_analysis": []}
    wall: dict[str, list[float]] = {"solve_readings": [], "reading_analysis": []}
    with tempfile.TemporaryDirectory() as tmp:
        solver = {k: Path(tmp) / v for k, v in READINGS_FILES.items()}
        analysis = {k: Path(tmp) / v for k, v in READING_ANALYSIS_FILES.items()}
        inputs = {"dataset": processed / "model_dataset.parquet", "upgrading": processed / "upgrading.parquet",
                  "alternatives": processed / "model_dataset_readings.parquet", "readings": solver["readings"],
                  "counts": solver["counts"], "manifest": raw / "sources.yaml", "decisions": raw / "decision_log.csv"}
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            write_readings(tables, raw / "sources.yaml", raw / "decision_log.csv", solver,
                           max_solutions=config["readings_solver"]["max_solutions"], seed=config["seed"],
                           assumptions=assumptions_from_config(config["readings"]["assumptions"]))
            cpu["solve_readings"].append(time.process_time() - start_cpu)
            wall["solve_readings"].append(time.perf_counter() - start)
            start, start_cpu = time.perf_counter(), time.process_time()
            write_reading_analysis(inputs, analysis,
                                   ordinal_specs={n: s for n, s in config["ordinal"]["specs"].items()
                                                  if not is_simulated(s)},
                                   panel_specs=config["panel"]["specs"], halves=config["ordinal"]["halves"],
                                   readings_config=config["readings"], seed=config["seed"])
            cpu["reading_analysis"].append(time.process_time() - start_cpu)
            wall["reading_analysis"].append(time.perf_counter() - start)
        coverage = _coverage(analysis["summary"], analysis["draws"])
    rows = [{"step": k, "cpu_seconds": round(statistics.median(cpu[k]), 2),
             "wall_seconds": round(statistics.median(wall[k]), 2), "runs": args.repeat} for k in cpu]
    rows.append({"step": "total", "cpu_seconds": round(sum(r["cpu_seconds"] for r in rows), 2),
                 "wall_seconds": round(sum(r["wall_seconds"] for r in rows), 2), "runs": args.repeat})
    out = ROOT / "results/benchmarks/readings.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["step", "cpu_seconds", "wall_seconds", "runs"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{'step':>18}  {'CPU s':>7}  {'wall s':>7}")
    for r in rows:
        print(f"{r['step']:>18}  {r['cpu_seconds']:7.2f}  {r['wall_seconds']:7.2f}")
    total = rows[-1]["cpu_seconds"]
    print(f"budget: {BUDGET_CPU_SECONDS:.0f} s CPU; used {total:.2f} s ({100 * total / BUDGET_CPU_SECONDS:.0f}%)")
    for line in coverage:
        print(line)


def _coverage(summary_path, draws_path) -> list[str]:
    """Per assumption: the set's size, enumerated or sampled, and the readings fitted."""
    import pandas as pd

    summary = pd.read_csv(summary_path, dtype={"set_size": str, "n_readings": str})
    draws = pd.read_csv(draws_path)
    lines = []
    for r in summary.drop_duplicates("assumption").itertuples():
        fitted = int((draws["assumption"] == r.assumption).sum())
        lines.append(f"assumption {r.assumption} ({r.assumption_label}): {int(r.set_size):,} readings, {r.method}; "
                     f"{int(r.n_readings):,} behind each share, {fitted} readings fitted")
    return lines


if __name__ == "__main__":
    main()
