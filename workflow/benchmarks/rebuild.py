"""Benchmark: clean rebuild, no-op rerun and dry-run of the workflow, in a scratch copy.

    ./pipeline.sh bench [--cores N] [--repeat K]

Prints one line per figure and writes results/benchmarks/rebuild.csv (median of K runs). Timings
describe the machine they ran on; they are measured here, never asserted in tests.
"""

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["Snakefile", "workflow", "config", "profiles", "src", "data/raw", "data/cases", "data/claims", "pyproject.toml", "requirements.lock"]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def workspace(target: Path) -> Path:
    for item in COPIED:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, target / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, target / item)
    return target


def timed(cwd: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([SNAKEMAKE, *args], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cores", default="8")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures = {"clean_rebuild_s": [], "noop_rerun_s": [], "dry_run_s": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            ws = workspace(Path(tmp))
            figures["clean_rebuild_s"].append(timed(ws, "--cores", args.cores))
            figures["noop_rerun_s"].append(timed(ws, "--cores", args.cores))
            figures["dry_run_s"].append(timed(ws, "--cores", args.cores, "--dry-run"))
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    out = ROOT / "results/benchmarks/rebuild.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["figure", "median_seconds", "runs", "cores", "machine"])
        for name, values in figures.items():
            median = statistics.median(values)
            writer.writerow([name, f"{median:.2f}", len(values), args.cores, machine])
            print(f"{name:16s} {median:7.2f} s  (median of {len(values)}; runs: "
                  f"{', '.join(f'{v:.2f}' for v in values)})")
    print(f"machine: {machine}; written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
