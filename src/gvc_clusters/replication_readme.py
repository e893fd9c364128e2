"""The replication package's README, generated (never hand-edited) in the order of the
social-science data editors' template (AEA): overview, data availability and provenance, dataset
list, computational requirements, description of programs, instructions, list of tables and figures.

Everything it states is read from the files that decide it: the config, the sources manifest, the
decision log, the installed package versions, the rules' benchmark files and the catalog of outputs
the workflow passes in. Byte-stable: the runtime is reported as a bin (< 10 minutes, ...) computed
from the benchmarks, not as a clock reading, so two runs on one machine write the same file.
"""

from __future__ import annotations

import csv
import platform
from importlib import metadata
from pathlib import Path

import yaml

from .templating import render_template

# The packages whose versions a replicator needs (the full pin list is requirements.lock).
KEY_PACKAGES = ["snakemake", "pandas", "numpy", "scipy", "pyarrow", "pandera", "statsmodels", "linearmodels",
                "jinja2", "matplotlib", "jsonschema", "pyyaml", "pytest", "hypothesis"]
RUNTIME_BINS = [(600, "less than 10 minutes"), (3600, "10–60 minutes"), (4 * 3600, "1–4 hours"),
                (24 * 3600, "4–24 hours")]


def package_versions(names: list[str] = KEY_PACKAGES) -> list[dict]:
    out = []
    for name in names:
        try:
            out.append({"name": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            out.append({"name": name, "version": "not installed"})
    return out


def runtime_bin(seconds: float) -> str:
    for limit, label in RUNTIME_BINS:
        if seconds < limit:
            return label
    return "more than 24 hours"


def benchmark_seconds(paths: list[str]) -> float:
    """Sum of the wall-clock seconds in Snakemake benchmark files (column ``s``): the serial
    compute time of the whole workflow, an upper bound of its elapsed time with parallel jobs."""
    total = 0.0
    for path in paths:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        total += sum(float(row["s"]) for row in rows)
    return total


def machine() -> dict:
    uname = platform.uname()
    return {"os": f"{uname.system} {uname.release.split('-')[0]}", "cpu": uname.machine,
            "python": platform.python_version()}


def raw_files(manifest_path: str | Path) -> list[dict]:
    entries = yaml.safe_load(Path(manifest_path).read_text(encoding="utf-8"))
    return [{"file": e["file"], "table": e["table"], "chapter": e["chapter"], "title": e["title"],
             "authors": "; ".join(e.get("authors", [])), "lines": f"{e['seed_lines'][0]}–{e['seed_lines'][1]}",
             "units": e.get("units", ""), "sha256": e["sha256"][:12]} for e in entries]


def decision_counts(decision_log: str | Path) -> dict:
    with open(decision_log, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    alternatives = sorted({row["reading"] for row in rows if row["reading"] != "default"})
    return {"rows": len(rows), "by_kind": dict(sorted(counts.items())), "alternative_readings": alternatives}


def readme_context(*, config: dict, manifest: str, decision_log: str, benchmarks: list[str],
                   catalog: list[dict]) -> dict:
    """Everything the template shows, as plain data (tested without rendering)."""
    seconds = benchmark_seconds(benchmarks)
    # the report's tables and figures, each once whatever its formats (.tex/.html/.csv, .svg/.png)
    tables = {Path(c["output"]).stem for c in catalog if c["kind"] == "table" and "/report/" in c["output"]}
    figures = {Path(c["output"]).stem for c in catalog if c["kind"] == "figure"}
    return {
        "config": config,
        "raw_files": raw_files(manifest),
        "decisions": decision_counts(decision_log),
        "packages": package_versions(),
        "machine": machine(),
        "runtime": runtime_bin(seconds),
        "catalog": sorted(catalog, key=lambda c: (c["kind"], c["output"])),
        "n_tables": len(tables),
        "n_figures": len(figures),
    }


def write_readme(template: str, output: str, **inputs) -> None:
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(render_template(template, readme_context(**inputs)), encoding="utf-8")
