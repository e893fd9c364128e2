"""Benchmark: time to create the environment from requirements.lock, as `./pipeline.sh build` does.

    python workflow/benchmarks/environment.py [--python PATH]

Creates a virtual environment in a scratch directory (python -m venv; pip install -r
requirements.lock; pip install --no-deps -e .), times it, and writes
results/benchmarks/environment.json ({"seconds": ..., "note": ...}); the next build copies the
figure into results/machine.json. It downloads what pip's cache lacks, so the time depends on the
network as much as on the machine; it is measured here, never asserted in tests.
"""

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter that creates the venv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gvc-env-") as scratch:
        venv = Path(scratch) / "venv"
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        start = time.perf_counter()
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        subprocess.run(pip + ["-r", str(ROOT / "requirements.lock")], check=True)
        subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
        seconds = time.perf_counter() - start
    note = (f"python -m venv + pip install -r requirements.lock + pip install -e . with Python "
            f"{platform.python_version()}, pip cache as found (workflow/benchmarks/environment.py)")
    out = ROOT / "results" / "benchmarks" / "environment.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seconds": round(seconds, 1), "note": note}, indent=2) + "\n", encoding="utf-8")
    print(f"environment created in {seconds:.1f} s -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
