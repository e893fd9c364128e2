"""What the workflow builds, as functions of the validated config: which specs run, every output
path, each rule's inputs, and the catalog of outputs for the replication README.

workflow/rules/common.smk builds one ``Plan(config)`` and the rules read their paths from it, so
the Snakefile holds configuration and rules only, and this logic is unit-tested
(tests/test_workflow_plan.py) without Snakemake. The config must have been validated
(``snakemake.utils.validate`` fills the schema's defaults): nothing here supplies a default.

Imported by the Snakefile, so it stays light (no pandas).
"""

from __future__ import annotations

from pathlib import Path

from gvc_clusters.layout import (
    FAMILY_FILES,
    FAMILY_TABLES,
    NOT_IN_MANIFEST,
    REPLICATION_OUTPUTS,
    SIMULATED,
    expand_globs,
    processed_file,
    user_supplied_files,
)
from gvc_clusters.models.book_panels import BUILTIN_PANELS
from gvc_clusters.vocabulary import CHAPTER10_TABLES, table_file_stem

CASES_DIR = "data/cases"
BOOK_FAMILIES = {"clusters", "dairy", "salmon", "furniture", "trade"}

MODEL_FILES = {
    "estimates": "estimates.csv",  # every coefficient, cutpoint, AME: the renderers' input
    "models": "models.json",  # N, log-likelihood, SE type, convergence, notes per model
}
CLASSIFICATION_FILES = {
    "classified": "classification.csv",  # one row per country-product x rule variant
    "agreement": "verdict_agreement.csv",  # each chapter verdict beside each variant's outcome
    "agreement_summary": "verdict_agreement_summary.csv",  # agree / disagree / not comparable
    "decomposition": "decomposition.csv",  # equations (9.1)/(9.2): what the printed data allow
}
TRADE_FLOWS_FILES = {
    "classified": "classification.parquet",  # one row per exporter x HS-6, every rule variant
    "summary": "summary.csv",  # product group x rule x outcome counts
    "facts": "facts.json",  # rows read, quantities missing/zero, trimmed unit values
}
# Outputs of the readings solver (solve_readings): every reading the printed checksums allow.
READINGS_FILES = {
    "readings": "readings.csv",
    "counts": "readings_counts.csv",
    "cells": "readings_cells.csv",
    "checks": "readings_checks.csv",
    "evidence": "checksum_evidence.csv",
}
# The one readings output (reading_analysis): key estimates over the readings of every assumption.
READING_ANALYSIS_FILES = {
    "estimates": "reading_estimates.csv",  # per assumption, reading, model and term
    "summary": "reading_summary.csv",  # per (spec, outcome, term, assumption): range, shares, MC errors
    "counts": "reading_counts.csv",  # exact number of readings per table and assumption
    "factors": "reading_factors.csv",  # the independent choices each set is the product of
    "draws": "reading_draws.csv",  # the readings fitted: weight and option per factor
    "figure": "reading_estimates.svg",
}
# The cases' rules: rule -> (catalog kind, output files under results/cases/)
CASES_FILES = {
    "cases_coding": ("check", ["codes.csv", "agreement.csv", "agreement_pooled.csv", "reconciliation.csv",
                               "evidence.csv", "ce_components.csv", "ce_bands.csv"]),
    "cases_models": ("estimates", ["with_without.csv", "samples.csv", "exclusions.csv", "sensitivity.csv"]),
    "cases_section": ("report", ["cases_section.html", "cases_section.tex"]),
}
# Built and packed, but not in results/MANIFEST.sha256: file name -> (the README's kind, why). A
# replicator's byte-for-byte check on another machine would fail on them for reasons that are not
# the results'. (results/machine.json, the facts of the machine, is the other file kept out.)
def is_simulated(spec: dict) -> bool:
    """A spec of the scale profile (``dataset: simulated``): it reads the simulated data. A panel
    spec has no schema default for ``dataset`` (absent = book)."""
    return spec.get("dataset") == "simulated"


class Plan:
    """Every path of a build, from a validated config."""

    def __init__(self, config: dict):
        self.config = config
        self.raw = config["raw_dir"]
        self.interim = config["interim_dir"]
        self.processed = config["processed_dir"]
        self.results = config["results_dir"]
        self.families = list(config["families"])
        self.scale = config["scale"]["enabled"]
        self.scale_panel = f"{self.processed}/scale/trade_panel.parquet"  # what simulated panel specs read
        self.report = f"{self.results}/report"
        self.cases_results = f"{self.results}/cases"
        self.trade_flows_dir = f"{self.results}/trade_flows"
        self._pdf_plan = None  # paper_pdf_plan(), decided on first use

    # ---- cleaning ---------------------------------------------------------------------------
    def raw_files(self, family: str) -> list[str]:
        return [f"{self.raw}/{f}" for f in FAMILY_FILES[family]]

    def interim_tables(self, family: str, ext: str) -> list[str]:
        return [f"{self.interim}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]

    def processed_tables(self, family: str, ext: str) -> list[str]:
        return [f"{self.processed}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]

    def processed_table(self, table: str) -> str:
        """One processed table's Parquet file (gvc_clusters.layout.processed_file)."""
        return f"{self.processed}/{processed_file(table)}"

    def processed_outputs(self) -> list[str]:
        return [p for family in self.families for ext in ("parquet", "csv") for p in self.processed_tables(family, ext)]

    def validation_outputs(self) -> list[str]:
        return [f"{self.results}/validation/{family}{suffix}"
                for family in self.families for suffix in (".json", "_checksums.csv")]

    def raw_inputs(self) -> list[str]:
        """The raw files the build reads (what the report's "what changed" fingerprints), sorted by
        path: every family's printed tables (the files sources.yaml lists), the decision log, the
        sources manifest and their signatures. Anything else under raw_dir (an editor's backup
        ``table_10_4.csv~``, the folder's README) is not read, so it changes no result."""
        tables = [f for files in FAMILY_FILES.values() for f in files]
        return sorted(f"{self.raw}/{f}" for f in [*tables, "decision_log.csv", "sources.yaml", "SHA256SUMS"])

    def checked_raw_tables(self, manifest: list[dict]) -> list[str]:
        """The printed tables that declare checksums in sources.yaml (the readings solver's inputs)."""
        return [f"{self.raw}/{e['file']}" for e in manifest if e.get("checks")]

    # ---- chapter 10 --------------------------------------------------------------------------
    def replication_outputs(self) -> list[str]:
        if "clusters" not in self.families:
            return []
        return [f"{self.results}/replication/{name}" for name in REPLICATION_OUTPUTS]

    def printed_tables(self) -> dict[str, str]:
        """Chapter 10's printed tables the replication compares with: printed_10_1 ... -> raw file."""
        return {f"printed_{table_file_stem(t)[6:]}": f"{self.raw}/clusters/{table_file_stem(t)}.csv"
                for t in CHAPTER10_TABLES}

    def readings_files(self) -> dict[str, str]:
        return {k: f"{self.results}/replication/readings/{v}" for k, v in READINGS_FILES.items()}

    def reading_analysis_files(self) -> dict[str, str]:
        return {k: f"{self.results}/models/readings/{v}" for k, v in READING_ANALYSIS_FILES.items()}

    def reading_summary(self) -> list[str]:
        """The one readings output's summary, as a list (empty where no readings are built): what
        the report's figure and sentences about readings read."""
        return [self.reading_analysis_files()["summary"]] if self.readings_outputs() else []

    def readings_outputs(self) -> list[str]:
        if "clusters" not in self.families or self.scale:
            return []
        return [*self.readings_files().values(), *self.reading_analysis_files().values()]

    # ---- models ------------------------------------------------------------------------------
    def ordinal_specs(self) -> list[str]:
        """Book specs need the clusters family; under the scale profile only simulated specs run."""
        specs = self.config["ordinal"]["specs"]
        if self.scale:
            return [n for n, s in specs.items() if is_simulated(s)]
        return [n for n, s in specs.items() if "table" in s or not is_simulated(s) and "clusters" in self.families]

    def book_ordinal_specs(self) -> list[str]:
        """Ordinal specs on the book's clusters (not a user's table): the ones cases re-fit."""
        return [n for n in self.ordinal_specs() if "table" not in self.config["ordinal"]["specs"][n]]

    def panel_specs(self) -> list[str]:
        """Panel specs whose data the configured families provide (built-in panels: the registry)."""
        specs = self.config["panel"]["specs"].items()
        if self.scale:
            return [n for n, s in specs if is_simulated(s)]
        return [n for n, s in specs if not is_simulated(s)
                and ("table" in s or BUILTIN_PANELS[s["panel"]].family in self.families)]

    def check_simulated_panel_specs(self) -> None:
        """A simulated panel spec reads the scale profile's cleaned panel; its ``table`` must name it."""
        for name, spec in self.config["panel"]["specs"].items():
            if is_simulated(spec) and spec.get("table") != self.scale_panel:
                raise ValueError(f"config panel.specs.{name}: dataset simulated reads {self.scale_panel} "
                                 f"(processed_dir/scale/trade_panel.parquet); table is {spec.get('table')!r}")

    def fit_spec(self, kind: str, name: str) -> dict:
        """A spec as its fit sees it: without ``labels:`` (read by the report, so a new label redraws the
        report and never refits the model)."""
        return {k: v for k, v in self.config[kind]["specs"][name].items() if k != "labels"}

    def spec_labels(self) -> dict[str, dict]:
        """Each spec's own ``labels:`` (user tables), by spec name: the renderers' params."""
        return {name: dict(spec["labels"]) for kind in ("ordinal", "panel")
                for name, spec in self.config[kind]["specs"].items() if spec.get("labels")}

    def model_files(self, kind: str) -> dict[str, str]:
        return {k: f"{self.results}/models/{kind}/{{spec}}/{v}" for k, v in MODEL_FILES.items()}

    def staged_model_files(self, kind: str) -> dict[str, str]:
        """Where fit_<kind> writes; publish_<kind> copies them to model_files(kind) on success."""
        return {k: f"{self.interim}/models/{kind}/{{spec}}/{v}" for k, v in MODEL_FILES.items()}

    def specs_of(self, kind: str) -> list[str]:
        return self.ordinal_specs() if kind == "ordinal" else self.panel_specs()

    def spec_files(self, kind: str, key: str) -> dict[str, str]:
        """spec -> one of its result files (``key`` of MODEL_FILES), for every spec of ``kind`` that runs."""
        return {spec: self.model_files(kind)[key].replace("{spec}", spec) for spec in self.specs_of(kind)}

    def model_outputs(self) -> list[str]:
        return [path.replace("{spec}", spec) for kind in ("ordinal", "panel") for spec in self.specs_of(kind)
                for path in self.model_files(kind).values()]

    def ordinal_inputs(self, spec_name: str) -> dict[str, str]:
        spec = self.config["ordinal"]["specs"][spec_name]
        if "table" in spec:
            return {"user": spec["table"]}
        if is_simulated(spec):
            return {"dataset": f"{SIMULATED}/cluster_cross_section.parquet"}
        return {"dataset": self.processed_table("model_dataset")}

    def panel_inputs(self, spec_name: str) -> dict[str, str]:
        spec = self.config["panel"]["specs"][spec_name]
        if is_simulated(spec):
            return {"user": self.scale_panel}
        if "table" in spec:
            return {"user": spec["table"]}
        panel = BUILTIN_PANELS[spec["panel"]]
        return {k: f"{self.processed}/{v}" for k, v in panel.tables.items()}

    # ---- chapter 9 ---------------------------------------------------------------------------
    def classification_files(self) -> dict[str, str]:
        return {k: f"{self.results}/classification/{v}" for k, v in CLASSIFICATION_FILES.items()}

    def classification_outputs(self) -> list[str]:
        return list(self.classification_files().values()) if "trade" in self.families else []

    def trade_flows_files(self) -> dict[str, str]:
        return {k: f"{self.trade_flows_dir}/{v}" for k, v in TRADE_FLOWS_FILES.items()}

    def trade_flows_facts(self) -> list[str]:
        """The facts of the user's trade flows the report quotes (none unless trade_flows.enabled)."""
        return [self.trade_flows_files()["facts"]] if self.exhibit_inputs("render_tables").get("trade_flows_summary") \
            else []

    def trade_flows_inputs(self) -> list[str]:
        """The configured input files; a glob is expanded now and must match."""
        return expand_globs(self.config["trade_flows"]["input"])

    def trade_flows_outputs(self) -> list[str]:
        if not self.config["trade_flows"]["enabled"]:
            return []
        return list(self.trade_flows_files().values())

    # ---- scale profile -----------------------------------------------------------------------
    def scale_outputs(self) -> list[str]:
        baci = ([f"{SIMULATED}/baci_flows.parquet", f"{SIMULATED}/baci_planted.parquet"]
                if self.config["trade_flows"]["enabled"] else [])
        return [f"{SIMULATED}/cluster_cross_section.parquet", f"{SIMULATED}/trade_panel.parquet",
                self.scale_panel, *baci]

    # ---- report ------------------------------------------------------------------------------
    def report_enabled(self) -> bool:
        return set(self.families) == BOOK_FAMILIES

    def exhibits(self) -> list:
        """The report's tables and figures (gvc_clusters.output.exhibits), for the specs that run."""
        from gvc_clusters.output.exhibits import report_exhibits
        from gvc_clusters.vocabulary import DEFAULT

        if not self.report_enabled():
            return []
        ordinal, panel = self.config["ordinal"]["specs"], self.config["panel"]["specs"]
        return report_exhibits({n: ordinal[n] for n in self.ordinal_specs()}, {n: panel[n] for n in self.panel_specs()},
                               DEFAULT.with_overrides(self.config["labels"]),
                               trade_flows=self.config["trade_flows"]["enabled"])

    def exhibit_records(self, rule: str | None = None) -> list[dict]:
        """The exhibits (of one rule, if given) as plain data: the render rules' params."""
        return [e.record() for e in self.exhibits() if rule is None or e.rule == rule]

    def exhibit_chapter(self, name: str) -> str:
        """The chapter snakemake --report files an exhibit under."""
        return next(e.chapter for e in self.exhibits() if e.name == name)

    def report_tables(self) -> list[str]:
        """The tables render_tables writes (the provenance table is drawn inside the report)."""
        return [e.name for e in self.exhibits() if e.kind == "table" and e.rule == "render_tables"]

    def report_table_files(self, exts: tuple[str, ...] = ("tex", "html", "csv")) -> list[str]:
        return [f"{self.report}/tables/{n}.{ext}" for n in self.report_tables() for ext in exts]

    def report_figures(self) -> dict[str, str]:
        """Every figure of the report: name -> caption."""
        return {e.name: e.caption for e in self.exhibits() if e.kind == "figure"}

    def report_figure_files(self, ext: str) -> list[str]:
        return [f"{self.report}/figures/{name}.{ext}" for name in self.report_figures()]

    def source_path(self, key: str) -> str:
        """The file behind an exhibit's source key."""
        from gvc_clusters.output.exhibits import source_path

        folders = {"processed": self.processed, "results": self.results, "raw": self.raw}
        return source_path(key, folders, lambda kind, spec, file: self.model_files(kind)[file].replace("{spec}", spec))

    def exhibit_inputs(self, rule: str) -> dict[str, str]:
        """What one render rule reads: the sources of the exhibits it draws, source key -> path."""
        keys = dict.fromkeys(s for e in self.exhibits() if e.rule == rule for s in e.sources)
        return {key: self.source_path(key) for key in keys}

    def snapshot_files(self) -> dict[str, str]:
        """The build's snapshot for the next build's "what changed" (gvc_clusters.output.changes)."""
        return {name.split(".")[0]: f"{self.results}/last_build/{name}"
                for name in ("estimates.csv", "inputs.csv", "config.json", "decisions.csv", "checks.csv",
                             "verdicts.csv")}

    def changes_file(self) -> str:
        """Everything that changed since the last build (render_report writes it)."""
        return f"{self.report}/changes.csv"

    def claim_verdicts(self) -> list[str]:
        """Claims' verdicts tables (claim_id, verdict) whose changes "what changed" lists: the claims
        rule's ``results/claims/verdicts.csv`` when it runs; render_report and snapshot_estimates take it
        as their input ``verdicts``, and render_tables draws the verdict table from it."""
        return self.claims_outputs()

    # ---- the book's claims -------------------------------------------------------------------
    def claims_file(self) -> str:
        return f"{self.results}/claims/verdicts.csv"

    def claims_outputs(self) -> list[str]:
        """The verdicts of the book's claims (rule claim_verdicts): with the book's report only (the
        claims read every book family's results)."""
        return [self.claims_file()] if self.report_enabled() and not self.scale else []

    def claims_registry(self) -> dict:
        """The claims registry as data (YAML only: the rule validates it)."""
        import yaml

        return yaml.safe_load(Path(self.config["claims"]["registry"]).read_text(encoding="utf-8"))

    def claims_inputs(self) -> dict[str, str]:
        """What rule claim_verdicts reads: the registry and its stored seed lines, Table 10-3, the processed
        tables its descriptive claims name, chapter 9's classification and the readings output."""
        if not self.claims_outputs():   # the scale profile, or a build without the book's report
            return {}
        registry = self.config["claims"]["registry"]
        if not Path(registry).is_file():
            raise ValueError(f"claims.registry: no such file {registry!r} (the book's claims, data/claims/claims.yaml; "
                             "see config/README.md, claims)")
        named = sorted({c["estimand"]["table"] for c in self.claims_registry()["claims"]
                        if "table" in (c.get("estimand") or {})})
        return {"registry": registry, "seed_lines": str(Path(registry).with_name("seed_lines.csv")),
                "patterns": self.processed_table("sector_patterns"),
                **{f"table__{name}": self.processed_table(name) for name in named},
                "classification": self.classification_files()["classified"],
                "reading_estimates": self.reading_analysis_files()["estimates"],
                "reading_summary": self.reading_analysis_files()["summary"]}

    def claims_case_inputs(self) -> list[str]:
        """The with-cases comparison (with_without.csv, samples.csv) when config ``cases`` names some."""
        return [self.cases_file("with_without.csv"), self.cases_file("samples.csv")] if self.cases_outputs() else []

    def paper_pdf_plan(self):
        """Whether the build makes paper.pdf (config paper.pdf; with auto, whether this machine's TeX
        has every package the paper loads) and the one line to print when it does not. Decided once
        per plan: it asks kpsewhich."""
        from gvc_clusters.output.tex_requirements import pdf_plan

        if self._pdf_plan is None:
            self._pdf_plan = pdf_plan(self.config["paper"]["pdf"])
        return self._pdf_plan

    def paper_pdf_outputs(self) -> list[str]:
        """results/report/paper.pdf when the build has a report (the book's, not the scale profile) and
        config paper.pdf is on, or auto and TeX can compile it."""
        if self.scale or not self.report_enabled():
            return []
        return [f"{self.report}/paper.pdf"] if self.paper_pdf_plan().build else []

    def paper_pdf_catalogued(self) -> list[str]:
        """The PDF as the README lists it: wherever config allows it, built here or not, so that the
        README (and the manifest that hashes it) is the same on a machine without TeX."""
        if self.scale or not self.report_enabled():
            return []
        return [f"{self.report}/paper.pdf"] if self.config["paper"]["pdf"] != "off" else []

    def report_outputs(self) -> list[str]:
        if not self.report_enabled():
            return []
        return (self.report_table_files() + self.report_figure_files("svg") + self.report_figure_files("png")
                + [f"{self.report}/index.html", f"{self.report}/paper.tex", f"{self.report}/numbers.tex",
                   self.changes_file()]
                + self.paper_pdf_outputs() + list(self.snapshot_files().values()))

    def codebook_outputs(self) -> list[str]:
        """What the codebook job writes: descriptor of data/processed, Markdown, report fragments."""
        return [f"{self.processed}/datapackage.json", f"{self.results}/codebook.md",
                f"{self.report}/codebook.html", f"{self.report}/codebook.tex"]

    # ---- cases beyond the book ---------------------------------------------------------------
    def case_files(self) -> list[str]:
        return sorted(str(p) for p in Path(CASES_DIR).glob("*.yaml"))

    def coding_files(self, coder: str) -> list[str]:
        """One coder's independent codings (data/cases/coding/coder_<coder>/*.yaml)."""
        return sorted(str(p) for p in Path(f"{CASES_DIR}/coding/coder_{coder}").glob("*.yaml"))

    def cases_file(self, name: str) -> str:
        return f"{self.cases_results}/{name}"

    def cases_outputs(self) -> list[str]:
        """The cases' outputs, only when config `cases:` names some (the book alone otherwise)."""
        if not self.config["cases"] or self.scale or "clusters" not in self.families:
            return []
        return [self.cases_file(n) for _, names in CASES_FILES.values() for n in names]

    def cases_section_files(self) -> list[str]:
        """The "Cases beyond the book" fragments (HTML, LaTeX) the report includes, when cases are chosen."""
        return [self.cases_file("cases_section.html"), self.cases_file("cases_section.tex")] \
            if self.cases_outputs() else []

    # ---- everything --------------------------------------------------------------------------
    def final_outputs(self) -> list[str]:
        """Everything `rule all` builds except the replication README and the manifest."""
        if self.scale:
            return self.scale_outputs() + self.model_outputs() + self.trade_flows_outputs()
        return (self.processed_outputs() + self.validation_outputs() + self.replication_outputs()
                + self.readings_outputs() + self.classification_outputs() + self.model_outputs()
                + self.report_outputs() + self.cases_outputs() + self.trade_flows_outputs()
                + self.codebook_outputs() + self.claims_outputs())

    def manifest_outputs(self) -> list[str]:
        """What results/MANIFEST.sha256 hashes: every result but those whose bytes depend on the
        machine's software beyond requirements.lock (NOT_IN_MANIFEST), and the README."""
        return [p for p in self.final_outputs() + self.readme_outputs() if p not in self.paper_pdf_outputs()]

    def readme_outputs(self) -> list[str]:
        """The replication README describes the book's package; the scale profile has none."""
        return [] if self.scale else [f"{self.results}/README.md"]

    def machine_outputs(self) -> list[str]:
        """The facts of the machine that built the results: requested by `all`, kept out of the manifest."""
        return [] if self.scale else [f"{self.results}/machine.json"]

    def user_tables(self) -> list[str]:
        """The files a user added through config (``user_supplied_files``): the README lists and
        hashes them (gvc_clusters.output.replication_readme.user_inputs). Only those of specs that run."""
        running = ({f"ordinal.specs.{name}.table" for name in self.ordinal_specs()}
                   | {f"panel.specs.{name}.table" for name in self.panel_specs()} | {"trade_flows.input"})
        return [path for path, setting in user_supplied_files(self.config) if setting in running]

    def exhibit_list(self, scripts: dict[str, str]) -> list[dict]:
        """The report's numbered tables and figures (gvc_clusters.output.exhibits), for the README.
        ``scripts``: rule name -> its script, as the rules declare them."""
        from gvc_clusters.output.render.document import numbered_exhibits
        from gvc_clusters.vocabulary import DEFAULT

        if not self.report_enabled():
            return []
        return numbered_exhibits(self.exhibits(), scripts=scripts, source_of=self.source_path, report=self.report,
                                 vocabulary=DEFAULT.with_overrides(self.config["labels"]))

    def output_catalog(self, scripts: dict[str, str]) -> list[dict]:
        """Every output with the rule and script that build it and its kind, for the README's list.
        ``scripts``: rule name -> its script, as the workflow's rules declare them (Snakemake's rule
        objects); a staged pair (fit + publish) is listed with the script of its first rule."""
        entries = []

        def add(paths, rule, kind):
            if not paths:
                return
            first = rule.split(" + ")[0].replace("<family>", self.families[0])  # clean_<family>: one script
            script = scripts[first]
            entries.extend({"output": p, "rule": rule, "script": script, "kind": kind} for p in paths)

        for family in self.families:
            add(self.processed_tables(family, "parquet") + self.processed_tables(family, "csv"),
                f"clean_{family} + publish_{family}", "data")
        add(self.validation_outputs(), "clean_<family>", "check")
        for path in self.replication_outputs():
            add([path], "replicate_chapter10", "table" if Path(path).name.startswith("table_10_") else "check")
        readings = set(self.readings_files().values())
        for path in self.readings_outputs():
            add([path], *(("solve_readings", "check") if path in readings else ("reading_analysis", "estimates")))
        for path in self.classification_outputs():
            add([path], "classify_exports", "table" if Path(path).name == "classification.csv" else "check")
        add(self.trade_flows_outputs(), "classify_trade_flows", "table")
        for path in self.model_outputs():
            kind = Path(path).parts[-3]  # results/models/<kind>/<spec>/<file>
            add([path], f"fit_{kind} + publish_{kind}", "estimates")
        for path in self.report_outputs():
            if path not in self.paper_pdf_outputs():
                add([path], *self._report_producer(path))
        add(self.paper_pdf_catalogued(), "build_paper", NOT_IN_MANIFEST["paper.pdf"][0])
        if self.cases_outputs():
            for rule, (kind, names) in CASES_FILES.items():
                add([self.cases_file(n) for n in names], rule, kind)
        add(self.codebook_outputs(), "codebook", "codebook")
        add(self.claims_outputs(), "claim_verdicts", "check")
        add([f"{self.results}/machine.json"], "machine_facts", "machine facts (not in the manifest)")
        return entries

    @staticmethod
    def _report_producer(path: str) -> tuple[str, str]:
        """(rule, catalog kind) of a report output."""
        folder = Path(path).parent.name
        if path.endswith(".pdf"):
            return "build_paper", "report"
        if folder == "last_build":
            return "snapshot_estimates", "check"
        return {"tables": ("render_tables", "table"), "figures": ("render_figures", "figure")}.get(
            folder, ("render_report", "report"))
