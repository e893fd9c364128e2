# Config validation, the package on the path, and the input/output helpers every rule uses.
import os
import sys
from pathlib import Path

from snakemake.utils import validate

# The library lives in src/. The Snakefile reads the layout from it, and every script puts
# src/ on its own path (first lines), so the workflow runs from a plain checkout, in any
# environment that has the dependencies (venv, conda env of `conda:`, a cluster node).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from gvc_clusters.preflight import preflight, preflight_paths

# Mistyped keys and bad paths first, with a clear message (the schema says the same, less readably).
preflight_paths(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
validate(config, schema="../schemas/config.schema.yaml")

import hashlib

from gvc_clusters.layout import FAMILY_FILES, FAMILY_TABLES, REPLICATION_OUTPUTS

# Before any job: paths, cluster_by, user tables' headers, permutation cost, and the signatures
# of the decision log and the sources manifest (gvc_clusters/preflight.py).
preflight(config)


def package_fingerprint():
    """Hash of the package source. Every script rule takes it as a param, so editing the
    library reruns the rules that use it (Snakemake itself only tracks the rule's own script).
    """
    digest = hashlib.sha256()
    for path in sorted((Path(workflow.basedir) / "src" / "gvc_clusters").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE = package_fingerprint()
PACKAGE_VERSION = __import__("tomllib").loads(
    (Path(workflow.basedir) / "pyproject.toml").read_text(encoding="utf-8")
)["project"]["version"]
# The config files this run read (config/config.yaml, plus any --configfile): inputs of the README.
CONFIG_FILES = [
    os.path.relpath(p, workflow.basedir) if os.path.isabs(p) else p
    for p in map(str, workflow.configfiles)
]
RAW = config["raw_dir"]
SIMULATED = "data/simulated"  # the scale profile's generated data (not the book's)
PROCESSED = config["processed_dir"]
SCALE_DIR = f"{PROCESSED}/scale"  # the scale profile's cleaned trade panel
# What `dataset: simulated` panel specs read.
SCALE_PANEL = f"{SCALE_DIR}/trade_panel.parquet"
INTERIM = config["interim_dir"]
RESULTS = config["results_dir"]
FAMILIES = config["families"]


def raw_files(family):
    return [f"{RAW}/{f}" for f in FAMILY_FILES[family]]


def interim_tables(family, ext):
    return [f"{INTERIM}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]


def processed_tables(family, ext):
    return [f"{PROCESSED}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]


def processed_outputs():
    return [
        path
        for family in FAMILIES
        for ext in ("parquet", "csv")
        for path in processed_tables(family, ext)
    ]


def replication_outputs():
    if "clusters" not in FAMILIES:
        return []
    return [f"{RESULTS}/replication/{name}" for name in REPLICATION_OUTPUTS]


# Outputs of the readings solver (solve_readings), every reading the printed checksums allow.
READINGS_OUTPUTS = {
    "readings": f"{RESULTS}/replication/readings/readings.csv",
    "counts": f"{RESULTS}/replication/readings/readings_counts.csv",
    "cells": f"{RESULTS}/replication/readings/readings_cells.csv",
    "checks": f"{RESULTS}/replication/readings/readings_checks.csv",
    "evidence": f"{RESULTS}/replication/readings/checksum_evidence.csv",
}


# The printed tables that declare checksums in sources.yaml (the solver's inputs).
from gvc_clusters.sources import load_manifest as _load_manifest

CHECKED_RAW_TABLES = [
    f"{RAW}/{e['file']}"
    for e in _load_manifest(f"{RAW}/sources.yaml")
    if e.get("checks")
]


# Key estimates over every reading (reading_analysis).
READING_ANALYSIS_OUTPUTS = {
    "estimates": f"{RESULTS}/models/readings/reading_estimates.csv",
    "summary": f"{RESULTS}/models/readings/reading_summary.csv",
    "sizes": f"{RESULTS}/models/readings/reading_counts.csv",
    "figure": f"{RESULTS}/models/readings/reading_estimates.svg",
}


def readings_outputs():
    if "clusters" not in FAMILIES or SCALE:
        return []
    return list(READINGS_OUTPUTS.values()) + list(READING_ANALYSIS_OUTPUTS.values())


# ---- models ---------------------------------------------------------------------------------
MODEL_FILES = {
    "estimates": "estimates.csv",  # every coefficient, cutpoint, AME: the renderers' input
    "models": "models.json",  # N, log-likelihood, SE type, convergence, notes per model
    "readings": "readings.csv",  # key estimates under each alternative OCR reading
    "reading_ranges": "reading_ranges.csv",  # their range per term
}
# Built-in panels and the processed tables they read.
PANEL_TABLES = {
    "upgrading": {"model_dataset": "clusters/model_dataset.parquet"},
    "trade_share_change": {"export_performance": "trade/export_performance.parquet"},
    "us_imports": {"us_furniture_imports": "furniture/us_furniture_imports.parquet"},
}


def model_files(kind):
    return {
        key: f"{RESULTS}/models/{kind}/{{spec}}/{name}"
        for key, name in MODEL_FILES.items()
    }


def staged_model_files(kind):
    """Where fit_<kind> writes; publish_<kind> copies them to model_files(kind) on success."""
    return {
        key: f"{INTERIM}/models/{kind}/{{spec}}/{name}"
        for key, name in MODEL_FILES.items()
    }


def panel_inputs(wildcards):
    spec = config["panel"]["specs"][wildcards.spec]
    if is_simulated(spec):
        return {"user": SCALE_PANEL}
    if "table" in spec:
        return {"user": spec["table"]}
    tables = {k: f"{PROCESSED}/{v}" for k, v in PANEL_TABLES[spec["panel"]].items()}
    if spec.get("readings"):
        tables["readings"] = f"{PROCESSED}/clusters/model_dataset_readings.parquet"
    return tables


SCALE = config["scale"]["enabled"]


def is_simulated(spec):
    """A spec of the scale profile (``dataset: simulated``): it reads the simulated data."""
    return spec.get("dataset", "book") == "simulated"


def check_simulated_panel_specs():
    """A simulated panel spec reads the scale profile's cleaned panel; its ``table`` must name it."""
    for name, spec in config["panel"]["specs"].items():
        if is_simulated(spec) and spec.get("table") != SCALE_PANEL:
            raise ValueError(
                f"config panel.specs.{name}: dataset simulated reads {SCALE_PANEL} "
                f"(processed_dir/scale/trade_panel.parquet); table is {spec.get('table')!r}"
            )


check_simulated_panel_specs()


def ordinal_specs():
    """Book specs need the clusters family; under the scale profile only simulated specs run."""
    specs = config["ordinal"]["specs"]
    if SCALE:
        return [name for name, spec in specs.items() if is_simulated(spec)]
    return [
        n
        for n, s in specs.items()
        if "table" in s or not is_simulated(s) and "clusters" in FAMILIES
    ]


def book_ordinal_specs():
    """Ordinal specs on the book's clusters (not a user's table): the ones cases re-fit."""
    return [n for n in ordinal_specs() if "table" not in config["ordinal"]["specs"][n]]


def ordinal_inputs(wildcards):
    spec = config["ordinal"]["specs"][wildcards.spec]
    if "table" in spec:
        return {"user": spec["table"]}
    if is_simulated(spec):
        return {"dataset": f"{SIMULATED}/cluster_cross_section.parquet"}
    inputs = {"dataset": f"{PROCESSED}/clusters/model_dataset.parquet"}
    if spec.get("readings"):
        inputs["readings"] = f"{PROCESSED}/clusters/model_dataset_readings.parquet"
    return inputs


def panel_specs():
    """Panel specs whose data the configured families provide."""
    needs = {
        "upgrading": "clusters",
        "trade_share_change": "trade",
        "us_imports": "furniture",
    }
    specs = config["panel"]["specs"].items()
    if SCALE:
        return [name for name, spec in specs if is_simulated(spec)]
    return [
        name
        for name, spec in specs
        if not is_simulated(spec)
        and ("table" in spec or needs[spec["panel"]] in FAMILIES)
    ]


def model_outputs():
    """Every model spec whose data the configured families provide."""
    ordinal, panel = ordinal_specs(), panel_specs()
    return [
        path
        for kind, specs in (("ordinal", ordinal), ("panel", panel))
        for spec in specs
        for path in expand(list(model_files(kind).values()), spec=spec)
    ]


# ---- chapter 9 ---------------------------------------------------------------------------------
CLASSIFICATION_FILES = {
    "classified": "classification.csv",  # one row per country-product x rule variant
    "agreement": "verdict_agreement.csv",  # each chapter verdict beside each variant's outcome
    "agreement_summary": "verdict_agreement_summary.csv",  # agree / disagree / not comparable
    "decomposition": "decomposition.csv",  # equations (9.1)/(9.2): what the printed data allow
}


def classification_files():
    return {k: f"{RESULTS}/classification/{v}" for k, v in CLASSIFICATION_FILES.items()}


def classification_outputs():
    return list(classification_files().values()) if "trade" in FAMILIES else []


def validation_outputs():
    return [
        f"{RESULTS}/validation/{family}{suffix}"
        for family in FAMILIES
        for suffix in (".json", "_checksums.csv")
    ]


def scale_outputs():
    return [
        f"{SIMULATED}/cluster_cross_section.parquet",
        f"{SIMULATED}/trade_panel.parquet",
        SCALE_PANEL,
    ] + (
        [f"{SIMULATED}/baci_flows.parquet", f"{SIMULATED}/baci_planted.parquet"]
        if config["trade_flows"].get("enabled")
        else []
    )


# ---- chapter 9 on a user's trade flows (config trade_flows; off by default) ---------------------
TRADE_FLOWS = config["trade_flows"]
TRADE_FLOWS_DIR = f"{RESULTS}/trade_flows"
TRADE_FLOWS_FILES = {
    "classified": "classification.parquet",  # one row per exporter x HS-6, every rule variant
    "summary": "summary.csv",  # product group x rule x outcome counts
    "facts": "facts.json",  # rows read, quantities missing/zero, trimmed unit values
}


def trade_flows_figures():
    """One SVG + PNG per product group (every HS section or chapter: a fixed set of files)."""
    from gvc_clusters.trade_flows import figure_stem, product_groups

    groups = product_groups(TRADE_FLOWS.get("group_by", "section"))
    return [
        f"{TRADE_FLOWS_DIR}/figures/{figure_stem(g)}.{ext}"
        for g in groups
        for ext in ("svg", "png")
    ]


def trade_flows_files():
    return {k: f"{TRADE_FLOWS_DIR}/{v}" for k, v in TRADE_FLOWS_FILES.items()}


def trade_flows_inputs(wildcards):
    """The configured input files; a glob is expanded now and must match (the data are the user's)."""
    import glob as _glob

    from snakemake.exceptions import WorkflowError

    spec = TRADE_FLOWS["input"]
    files = []
    for pattern in [spec] if isinstance(spec, str) else spec:
        if any(c in pattern for c in "*?["):
            found = sorted(_glob.glob(pattern))
            if not found:
                raise WorkflowError(
                    f"trade_flows.input: no file matches {pattern!r} (see config/README.md, trade_flows)"
                )
            files += found
        else:
            files.append(pattern)
    return files


def trade_flows_outputs():
    if not TRADE_FLOWS.get("enabled"):
        return []
    return list(trade_flows_files().values()) + trade_flows_figures()


def final_outputs():
    """Everything `rule all` builds except the replication README and the manifest."""
    if SCALE:
        return scale_outputs() + model_outputs() + trade_flows_outputs()
    return (
        processed_outputs()
        + validation_outputs()
        + replication_outputs()
        + readings_outputs()
        + classification_outputs()
        + model_outputs()
        + report_outputs()
        + cases_outputs()  # empty unless config `cases:` names some
        + trade_flows_outputs()
        + codebook_outputs()
    )


def codebook_outputs():
    """What the codebook job writes: descriptor of data/processed, Markdown, report fragments."""
    return [
        f"{PROCESSED}/datapackage.json",
        f"{RESULTS}/codebook.md",
        f"{RESULTS}/report/codebook.html",
        f"{RESULTS}/report/codebook.tex",
    ]


def user_input_files():
    """Files a user added through config (panel specs with their own table, the trade flows of
    `trade_flows:`), for the README."""
    tables = [
        config["panel"]["specs"][name]["table"]
        for name in panel_specs()
        if "table" in config["panel"]["specs"][name]
    ]
    flows = trade_flows_inputs(None) if TRADE_FLOWS.get("enabled") and not SCALE else []
    return tables + flows


def exhibit_list():
    """The report's numbered tables and figures (gvc_clusters.exhibits), for the README."""
    from gvc_clusters.exhibits import numbered_exhibits

    if not report_enabled():
        return []
    return numbered_exhibits(
        report_tables(),
        ordinal_specs(),
        panel_specs(),
        processed=PROCESSED,
        results=RESULTS,
    )


# ---- report ------------------------------------------------------------------------------------
from gvc_clusters.layout import figure_chapter, figure_names, table_chapter, table_names

REPORT = f"{RESULTS}/report"
# kind of report output -> (rule, script, catalog kind)
REPORT_PRODUCERS = {
    "table": ("render_tables", "workflow/scripts/render_tables.py", "table"),
    "figure": ("render_figures", "workflow/scripts/render_figures.py", "figure"),
    "report": ("render_report", "workflow/scripts/render_report.py", "report"),
    "paper": ("build_paper", "workflow/scripts/build_paper.py", "report"),
    "snapshot": (
        "snapshot_estimates",
        "workflow/scripts/snapshot_estimates.py",
        "check",
    ),
}


def report_enabled():
    return set(FAMILIES) == {"clusters", "dairy", "salmon", "furniture", "trade"}


def report_tables():
    return table_names(ordinal_specs(), panel_specs())


def report_table_files():
    return [
        f"{REPORT}/tables/{n}.{ext}"
        for n in report_tables()
        for ext in ("tex", "html", "csv")
    ]


def report_figures():
    return figure_names(ordinal_specs(), panel_specs())


def report_figure_files(ext):
    return [f"{REPORT}/figures/{name}.{ext}" for name in report_figures()]


def report_kind(path):
    if path.endswith(".pdf"):
        return "paper"
    if Path(path).parent.name == "last_build":
        return "snapshot"
    folder = Path(path).parent.name
    return {"tables": "table", "figures": "figure"}.get(folder, "report")


def model_files_of(kind, specs, key):
    return {spec: model_files(kind)[key].replace("{spec}", spec) for spec in specs}


def report_outputs():
    if not report_enabled():
        return []
    return (
        report_table_files()
        + report_figure_files("svg")
        + report_figure_files("png")
        + [f"{REPORT}/index.html", f"{REPORT}/paper.tex", f"{REPORT}/numbers.tex"]
        + paper_pdf_outputs()
        + [f"{RESULTS}/last_build/estimates.csv", f"{RESULTS}/last_build/inputs.csv"]
    )


def paper_pdf_outputs():
    """results/report/paper.pdf when config paper.pdf is on, or auto and latexmk is installed."""
    from gvc_clusters.paper import pdf_wanted

    return [f"{REPORT}/paper.pdf"] if pdf_wanted(config["paper"]["pdf"]) else []


# ---- the catalog of outputs (replication README) ---------------------------------------------
def output_catalog():
    """Every output with the rule and script that build it and its kind, for the README's list."""
    entries = []

    def add(paths, rule, script, kind):
        entries.extend(
            {"output": p, "rule": rule, "script": script, "kind": kind} for p in paths
        )

    for family in FAMILIES:
        add(
            processed_tables(family, "parquet") + processed_tables(family, "csv"),
            f"clean_{family} + publish_{family}",
            "workflow/scripts/clean_family.py",
            "data",
        )
    add(
        validation_outputs(),
        "clean_<family>",
        "workflow/scripts/clean_family.py",
        "check",
    )
    for path in replication_outputs():
        kind = "table" if Path(path).name.startswith("table_10_") else "check"
        add(
            [path],
            "replicate_chapter10",
            "workflow/scripts/replicate_chapter10.py",
            kind,
        )
    readings = set(READINGS_OUTPUTS.values())
    for path in readings_outputs():
        if path in readings:
            add([path], "solve_readings", "workflow/scripts/solve_readings.py", "check")
        else:
            add(
                [path],
                "reading_analysis",
                "workflow/scripts/reading_analysis.py",
                "estimates",
            )
    for path in classification_outputs():
        kind = "table" if Path(path).name == "classification.csv" else "check"
        add([path], "classify_exports", "workflow/scripts/classify_exports.py", kind)
    add(
        trade_flows_outputs(),
        "classify_trade_flows",
        "workflow/scripts/classify_trade_flows.py",
        "table",
    )
    for path in model_outputs():
        kind = Path(path).parts[-3]  # results/models/<kind>/<spec>/<file>
        add(
            [path],
            f"fit_{kind} + publish_{kind}",
            f"workflow/scripts/fit_{kind}.py",
            "estimates",
        )
    for path in report_outputs():
        add([path], *REPORT_PRODUCERS[report_kind(path)])
    if cases_outputs():
        for rule_name, (script, kind, names) in CASES_PRODUCERS.items():
            add([f"{CASES_RESULTS}/{n}" for n in names], rule_name, script, kind)
    add(codebook_outputs(), "codebook", "workflow/scripts/codebook.py", "codebook")
    add(
        [f"{RESULTS}/machine.json"],
        "machine_facts",
        "workflow/scripts/machine_facts.py",
        "machine facts (not in the manifest)",
    )
    return entries


def ordinal_spec_files():
    """spec -> [estimates.csv, models.json] of every ordinal spec (script params)."""
    files = model_files_of("ordinal", ordinal_specs(), "estimates")
    models = model_files_of("ordinal", ordinal_specs(), "models")
    return {spec: [files[spec], models[spec]] for spec in files}


def panel_spec_files():
    files = model_files_of("panel", panel_specs(), "estimates")
    models = model_files_of("panel", panel_specs(), "models")
    return {spec: [files[spec], models[spec]] for spec in files}


def readme_outputs():
    """The replication README describes the book's package; the scale profile has none."""
    return [] if SCALE else [f"{RESULTS}/README.md"]


# ---- cases beyond the book (workflow/rules/cases.smk) -------------------------------------------
CASES_DIR = "data/cases"
CASE_FILES = sorted(str(p) for p in Path(CASES_DIR).glob("*.yaml"))
SELECTED_CASES = config.get("cases", [])
CASES_RESULTS = f"{RESULTS}/cases"
# rule -> (script, catalog kind, output files)
CASES_PRODUCERS = {
    "cases_coding": (
        "workflow/scripts/cases_coding.py",
        "check",
        ["codes.csv", "agreement.csv", "reconciliation.csv"],
    ),
    "cases_models": (
        "workflow/scripts/cases_models.py",
        "estimates",
        ["with_without.csv", "samples.csv", "exclusions.csv"],
    ),
    "cases_section": (
        "workflow/scripts/cases_section.py",
        "report",
        ["cases_section.html", "cases_section.tex"],
    ),
}


def coding_files(coder):
    """One coder's independent codings (data/cases/coding/coder_<coder>/*.yaml)."""
    folder = Path(f"{CASES_DIR}/coding/coder_{coder}")
    return sorted(str(p) for p in folder.glob("*.yaml"))


def cases_outputs():
    """The cases' outputs, only when config `cases:` names some (the book alone otherwise)."""
    if not SELECTED_CASES or config["scale"]["enabled"] or "clusters" not in FAMILIES:
        return []
    return [
        f"{CASES_RESULTS}/{name}"
        for _, _, names in CASES_PRODUCERS.values()
        for name in names
    ]


def cases_section_files():
    """The "Cases beyond the book" fragments (HTML, LaTeX) the report includes, when cases are chosen."""
    if not cases_outputs():
        return []
    return [f"{CASES_RESULTS}/cases_section.html", f"{CASES_RESULTS}/cases_section.tex"]


def machine_outputs():
    """The facts of the machine that built the results: requested by `all`, kept out of the manifest."""
    return [] if SCALE else [f"{RESULTS}/machine.json"]
