"""The replication package's README, generated (never hand-edited) in the order of the
social-science data editors' template (AEA): overview, data availability and provenance, dataset
list, computational requirements, description of programs, instructions, list of tables and figures.

Everything it states is read from the files that decide it: the config, the sources manifest, the
decision log, the installed package versions, the rules' benchmark files and the catalog of outputs
the workflow passes in. Byte-stable and machine-independent: every fact about the machine that ran the build (OS, CPU,
cores, memory, Python, measured times) goes to ``results/machine.json`` (``write_machine``), which the
results manifest excludes, so ``sha256sum -c results/MANIFEST.sha256`` verifies on another machine.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path

import yaml

from gvc_clusters.layout import NOT_IN_MANIFEST
from gvc_clusters.templating import render_template

# The packages whose versions a replicator needs (the full pin list is requirements.lock).
KEY_PACKAGES = ["snakemake", "pandas", "numpy", "scipy", "pyarrow", "pandera", "statsmodels", "linearmodels",
                "jinja2", "matplotlib", "jsonschema", "pyyaml", "pytest", "hypothesis"]
RUNTIME_BINS = [(600, "less than 10 minutes"), (3600, "10–60 minutes"), (4 * 3600, "1–4 hours"),
                (24 * 3600, "4–24 hours")]


def package_versions(names: list[str] = KEY_PACKAGES) -> list[dict]:
    """Installed versions (what ran; recorded in machine.json, not the README)."""
    out = []
    for name in names:
        try:
            out.append({"name": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            out.append({"name": name, "version": "not installed"})
    return out


def pinned_versions(lock: str | Path, names: list[str] = KEY_PACKAGES) -> list[dict]:
    """The key packages' versions as requirements.lock pins them (the same on every machine)."""
    pins = {}
    for line in Path(lock).read_text(encoding="utf-8").splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return [{"name": n, "version": pins.get(n.lower(), "not pinned")} for n in names]


# The packages the results are computed with, cited as their authors ask; the version is the lock's.
SOFTWARE_REFERENCES = {
    "snakemake": "Mölder, F., K. P. Jablonski, B. Letcher, et al. 2021. \"Sustainable Data Analysis with "
                 "Snakemake.\" *F1000Research* 10: 33.",
    "statsmodels": "Seabold, S., and J. Perktold. 2010. \"statsmodels: Econometric and Statistical Modeling with "
                   "Python.\" *Proceedings of the 9th Python in Science Conference*, 92–96.",
    "linearmodels": "Sheppard, K., et al. *linearmodels: Instrumental Variable and Linear Panel Models for "
                    "Python*. <https://github.com/bashtage/linearmodels>.",
    "pandas": "McKinney, W. 2010. \"Data Structures for Statistical Computing in Python.\" *Proceedings of the "
              "9th Python in Science Conference*, 56–61.",
    "numpy": "Harris, C. R., K. J. Millman, S. J. van der Walt, et al. 2020. \"Array Programming with NumPy.\" "
             "*Nature* 585: 357–362.",
    "scipy": "Virtanen, P., R. Gommers, T. E. Oliphant, et al. 2020. \"SciPy 1.0: Fundamental Algorithms for "
             "Scientific Computing in Python.\" *Nature Methods* 17: 261–272.",
    "pandera": "Bantilan, N. 2020. \"pandera: Statistical Data Validation of Pandas Dataframes.\" *Proceedings of "
               "the 19th Python in Science Conference*, 116–124.",
    "duckdb": "Raasveldt, M., and H. Mühleisen. 2019. \"DuckDB: An Embeddable Analytical Database.\" "
              "*Proceedings of the 2019 International Conference on Management of Data (SIGMOD)*, 1981–1984.",
    "pyarrow": "Apache Arrow developers. *Apache Arrow* (pyarrow). <https://arrow.apache.org>.",
    "matplotlib": "Hunter, J. D. 2007. \"Matplotlib: A 2D Graphics Environment.\" *Computing in Science & "
                  "Engineering* 9 (3): 90–95.",
    "jinja2": "Pallets Projects. *Jinja*. <https://palletsprojects.com/p/jinja/>.",
}


def software_references(lock: str | Path) -> list[dict]:
    """SOFTWARE_REFERENCES with each package's version as requirements.lock pins it."""
    pins = {p["name"]: p["version"] for p in pinned_versions(lock, list(SOFTWARE_REFERENCES))}
    return [{"name": name, "version": pins[name], "citation": citation}
            for name, citation in SOFTWARE_REFERENCES.items()]


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


# ---- the machine: measured facts, written to results/machine.json (excluded from the manifest) ----

def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model(cpuinfo: str | None = None) -> str:
    text = _read("/proc/cpuinfo") if cpuinfo is None else cpuinfo
    for line in text.splitlines():
        if line.lower().startswith(("model name", "hardware", "processor\t: ")) and ":" in line:
            value = line.split(":", 1)[1].strip()
            if value and not value.isdigit():
                return value
    return platform.processor() or platform.machine() or "unknown"


def memory_gib(meminfo: str | None = None) -> float | None:
    text = _read("/proc/meminfo") if meminfo is None else meminfo
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 ** 2, 1)
    try:  # macOS, BSD
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3, 1)
    except (ValueError, OSError, AttributeError):
        return None


def os_name(os_release: str | None = None) -> str:
    uname = platform.uname()
    text = _read("/etc/os-release") if os_release is None else os_release
    pretty = next((line.split("=", 1)[1].strip().strip('"') for line in text.splitlines()
                   if line.startswith("PRETTY_NAME=")), "")
    return f"{uname.system} {uname.release}" + (f" ({pretty})" if pretty else "")


def machine_facts(*, benchmarks: list[str], environment: str | None = None, **measured) -> dict:
    """OS, CPU model, cores, memory, Python and package versions of this machine, the build's
    compute time, and the environment-creation time if ``workflow/benchmarks/environment.py`` has
    measured it. ``measured`` overrides any fact (tests describe another platform this way)."""
    seconds = benchmark_seconds(benchmarks)
    env = json.loads(Path(environment).read_text(encoding="utf-8")) if environment and Path(environment).is_file() \
        else None
    facts = {
        "os": os_name(), "cpu_model": cpu_model(), "architecture": platform.machine(),
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": memory_gib(), "python": platform.python_version(),
        "packages": {p["name"]: p["version"] for p in package_versions()},
        "build_compute_seconds": round(seconds, 1),
        "build_runtime": runtime_bin(seconds),
        "build_note": "sum of the rules' Snakemake benchmarks (benchmarks/**/*.tsv): serial compute time; "
                      "elapsed time with several cores is lower",
        "environment_creation_seconds": env["seconds"] if env else None,
        "environment_note": env["note"] if env else
        "not measured on this machine: run `python workflow/benchmarks/environment.py`, then rebuild",
    }
    facts.update(measured)
    return facts


def write_machine(output: str, **inputs) -> None:
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(machine_facts(**inputs), indent=2, sort_keys=True) + "\n", encoding="utf-8")


MACHINE_LABELS = [("os", "Operating system"), ("cpu_model", "CPU model"), ("architecture", "Architecture"),
                  ("cores", "CPU cores (logical)"), ("cores_available", "Cores available to the build"),
                  ("memory_gib", "Memory (GiB)"), ("python", "Python"),
                  ("environment_creation_seconds", "Time to create the environment (s)"),
                  ("build_compute_seconds", "Time to build, serial compute (s)"), ("build_runtime", "Runtime class")]


def machine_table(facts: dict) -> str:
    """The machine facts as a Markdown table (the deposit README shows it; see gvc_clusters.output.package)."""
    rows = ["| fact | value |", "|---|---|"]
    rows += [f"| {label} | {facts.get(key) if facts.get(key) is not None else 'not measured'} |"
             for key, label in MACHINE_LABELS]
    return "\n".join(rows) + "\n"


# ---- provenance ----------------------------------------------------------------------------------

def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# The manifest keeps each title as the OCR printed it; a reader is shown it without the OCR's marks:
# "\\$" is the OCR's escaped dollar sign (the book prints "US$"), and a title's closing "°" is its
# footnote mark a (Table 5-2, seed lines 1534 and 1552: "a Excludes exports with maquiladora program").
OCR_TITLE_MARKS = ((re.compile(r"\\\$"), "$"), (re.compile(r"°$"), " (excluding maquiladora exports, footnote a)"))


def readable_title(title: str) -> str:
    """A printed table title as a reader sees it: the OCR's marks spelled (``OCR_TITLE_MARKS``)."""
    for pattern, text in OCR_TITLE_MARKS:
        title = pattern.sub(text, title)
    return title


def raw_files(manifest_path: str | Path) -> list[dict]:
    """The raw tables of the manifest for a reader (README, provenance table): titles readable."""
    entries = yaml.safe_load(Path(manifest_path).read_text(encoding="utf-8"))
    return [{"file": e["file"], "table": e["table"], "chapter": e["chapter"], "title": readable_title(e["title"]),
             "authors": "; ".join(e.get("authors", [])), "lines": f"{e['seed_lines'][0]}–{e['seed_lines'][1]}",
             "units": e.get("units", ""), "sha256": e["sha256"][:12]} for e in entries]


def user_inputs(config: dict) -> list[dict]:
    """Files a user added through config: ordinal and panel tables, trade flows
    (gvc_clusters.workflow_plan.user_supplied_files)."""
    from gvc_clusters.layout import user_supplied_files

    return [{"path": path, "setting": setting, "sha256": sha256_of(path) if Path(path).is_file() else "missing"}
            for path, setting in user_supplied_files(config)]


def availability(inputs: list[dict]) -> list[dict]:
    """The template's "Summary of availability" box: ticked only when every input ships with the
    package (the book's tables); with inputs a user added, unticked, saying which and why."""
    text = "All data **are** publicly available (in the published book) and included in this package."
    added = list(dict.fromkeys(i["path"] for i in inputs if i["supplied"] == "user"))  # a file read twice: once
    if not added:
        return [{"ticked": True, "text": text, "status": ""}]
    files = ", ".join(f"`{path}`" for path in added)
    return [{"ticked": False, "text": text,
             "status": f"Not ticked: this build also read {len(added)} data file(s) added by its user "
                       f"({files}; see *Every input the build reads*). "
                       "They are not part of this package; their availability and licence are the user's to state."}]


def inputs_read(*, raw_dir: str, manifest: str, decision_log: str, configfiles: list[str], config: dict) -> list[dict]:
    """Every input the build reads, with provenance and checksum (raw tables: as sources.yaml records)."""
    def provenance(f):
        what = f"Table {f['table']}" if re.fullmatch(r"\d+-\d+", str(f["table"])) else f"compiled by the project: {f['title']}"
        return f"the book, {what} (chapter {f['chapter']}), seed lines {f['lines']}"

    out = [{"path": f"{raw_dir}/{f['file']}", "provenance": provenance(f), "sha256": f["sha256"], "supplied": "package"}
           for f in raw_files(manifest)]
    out.append({"path": decision_log, "provenance": "the project's decision log", "sha256": sha256_of(decision_log)[:12],
                "supplied": "package"})
    out.append({"path": manifest, "provenance": "the project's sources manifest", "sha256": sha256_of(manifest)[:12],
                "supplied": "package"})
    for path in configfiles:
        out.append({"path": path, "provenance": "configuration", "sha256": sha256_of(path)[:12],
                    "supplied": "package" if path == "config/config.yaml" else "user (--configfile)"})
    for u in user_inputs(config):
        out.append({"path": u["path"], "provenance": f"added by the user through config `{u['setting']}`",
                    "sha256": u["sha256"][:12], "supplied": "user"})
    return out


# ---- rights ----------------------------------------------------------------------------------------

# The data editors' template's rights statements. A box is ticked only when the package holds the
# document that certifies it; otherwise the status says what is actually the case.
RIGHTS = [
    {"text": "I certify that the author(s) of the manuscript have legitimate access to and permission to use "
             "the data used in this manuscript.",
     "document": None,
     "status": "Not ticked: the data are tables printed in a published book, used from a copy of the book for "
               "research with the source cited; the package holds no licence or permission document for that use."},
    {"text": "I certify that the author(s) of the manuscript have documented permission to redistribute/publish "
             "the data contained within this replication package.",
     "document": None,
     "status": "Not ticked: no written permission from the publisher (Inter-American Development Bank) is held. "
               "The package redistributes the printed figures as short statistical excerpts for replication, each "
               "table with its source; see LICENSE-DATA.md."},
]


def rights_statements(root: str | Path = ".") -> list[dict]:
    return [{**r, "ticked": r["document"] is not None and (Path(root) / r["document"]).is_file()} for r in RIGHTS]


def decision_counts(decision_log: str | Path) -> dict:
    with open(decision_log, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    alternatives = sorted({row["reading"] for row in rows if row["reading"] != "default"})
    return {"rows": len(rows), "by_kind": dict(sorted(counts.items())), "alternative_readings": alternatives}


# Rules that draw random numbers, all from config's one `seed` (tests/test_replication_readme.py checks
# the workflow's rules against this list).
SEEDED_RULES = {
    "fit_ordinal": "permutation p-values (`ordinal.n_permutations` draws)",
    "simulate_scale_data": "the scale profile's simulated data (`config/scale.yaml` only)",
    "simulate_baci_flows": "the scale profile's simulated BACI-shaped trade flows with planted outcomes "
                           "(`config/scale.yaml` only)",
    "solve_readings": "the uniform sample of a table's checksum-consistent readings when there are more than "
                      "`readings_solver.max_solutions`",
    "reading_analysis": "the sample of readings re-estimated where a set is too large to enumerate "
                        "(`readings.sample`: size, seed, stratification; `readings.enumerate_up_to`)",
    "cases_models": "the fits with and without the added cases (`cases:`), passed to the ordinal fit as in "
                    "`fit_ordinal`",
}


def readme_context(*, config: dict, manifest: str, decision_log: str, catalog: list[dict], lock: str,
                   exhibits: list[dict], configfiles: list[str], version: str, root: str | Path = ".") -> dict:
    """Everything the template shows, as plain data (tested without rendering). Nothing here
    depends on the machine: the manifest verifies the README on any machine."""
    from gvc_clusters.output.render.document import exhibits_of

    inputs = inputs_read(raw_dir=config["raw_dir"], manifest=manifest, decision_log=decision_log,
                         configfiles=configfiles, config=config)
    tables = [e for e in exhibits if e["number"].startswith("Table")]
    figures = [e for e in exhibits if e["number"].startswith("Figure")]
    rows = []
    for c in sorted(catalog, key=lambda c: (c["kind"], c["output"])):
        numbers = exhibits_of(c["output"], exhibits)
        rows.append({**c, "exhibit": ", ".join(numbers) if numbers else "supporting output"})
    return {
        "config": config,
        "version": version,
        "raw_files": raw_files(manifest),
        "inputs": inputs,
        "availability": availability(inputs),
        "decisions": decision_counts(decision_log),
        "packages": pinned_versions(lock),
        "software_references": software_references(lock),
        "not_in_manifest": NOT_IN_MANIFEST,
        "rights": rights_statements(root),
        "seeded_rules": SEEDED_RULES,
        "exhibits": exhibits,
        "catalog": rows,
        "n_tables": len(tables),
        "n_figures": len(figures),
    }


def write_readme(template: str, output: str, **inputs) -> None:
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(render_template(template, readme_context(**inputs)), encoding="utf-8")
