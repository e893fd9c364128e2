# The report: tables (LaTeX/HTML/CSV), figures (SVG/PNG), the HTML page and the LaTeX paper.
# Each rule's input: is what its script reads, by name (nothing is found through a folder).
import time

TABLE_TEMPLATES = [
    "workflow/templates/tables/table.tex.j2",
    "workflow/templates/tables/table.html.j2",
]


rule render_tables:
    input:
        # the sources of the tables it draws (gvc_clusters.output.exhibits), by source key
        **plan.exhibit_inputs("render_tables"),
        templates=TABLE_TEMPLATES,
    output:
        html=published(
            [
                report(
                    f"{REPORT}/tables/{name}.html",
                    caption="../report/table.rst",
                    category=plan.exhibit_chapter(name),
                    labels={"table": name.replace("_", " ")},
                )
                for name in plan.report_tables()
            ]
        ),
        other=published(plan.report_table_files(("tex", "csv"))),
        receipt=receipt("render_tables"),
    log:
        "logs/report/render_tables.log",
    benchmark:
        "benchmarks/report/render_tables.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        exhibits=plan.exhibit_records("render_tables"),
        preset=config["tables"]["style"],
        under=config["tables"]["under"],
        labels=config["labels"],
        spec_labels=plan.spec_labels(),
        out_dir=lambda wc, output: os.path.dirname(output.html[0]),
    script:
        "../scripts/render_tables.py"


rule render_figures:
    input:
        # the sources of the figures it draws (gvc_clusters.output.exhibits), by source key
        **plan.exhibit_inputs("render_figures"),
    output:
        svg=published(
            [
                report(
                    path,
                    caption="../report/figure.rst",
                    category=plan.exhibit_chapter(Path(path).stem),
                    labels={"figure": plan.report_figures()[Path(path).stem]},
                )
                for path in plan.report_figure_files("svg")
            ]
        ),
        png=published(plan.report_figure_files("png")),
        receipt=receipt("render_figures"),
    log:
        "logs/report/render_figures.log",
    benchmark:
        "benchmarks/report/render_figures.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        exhibits=plan.exhibit_records("render_figures"),
        labels=config["labels"],
        spec_labels=plan.spec_labels(),
        out_dir=lambda wc, output: os.path.dirname(output.svg[0]),
    script:
        "../scripts/render_figures.py"


rule render_report:
    input:
        tables=plan.report_table_files(("html",)),
        figures=plan.report_figure_files("svg"),
        dataset=plan.processed_table("model_dataset"),
        replication_summary=f"{RESULTS}/replication/replication_summary.csv",
        decision_summary=f"{RESULTS}/replication/decision_log_summary.csv",
        agreement_summary=plan.classification_files()["agreement_summary"],
        ordinal_estimates=plan.spec_files("ordinal", "estimates").values(),
        ordinal_models=plan.spec_files("ordinal", "models").values(),
        panel_estimates=plan.spec_files("panel", "estimates").values(),
        panel_models=plan.spec_files("panel", "models").values(),
        readings=plan.reading_summary(),  # the one readings output's summary
        manifest=f"{RAW}/sources.yaml",
        # what "what changed" fingerprints: every file under raw_dir
        raw=plan.raw_inputs(),
        codebook=f"{REPORT}/codebook.html",
        # the with/without-cases estimates the robustness section quotes (none unless config cases:)
        cases_estimates=(
            [plan.cases_file("with_without.csv")] if plan.cases_outputs() else []
        ),
        # the facts of the user's trade flows (none unless config trade_flows.enabled)
        trade_flows_facts=plan.trade_flows_facts(),
        # the HTML fragment; paper.tex names the .tex beside it (build_paper reads it)
        cases=plan.cases_section_files()[:1],  # empty unless config `cases:` names some
        template_report="workflow/templates/report.html.j2",
        template_paper="workflow/templates/paper.tex.j2",
        template_numbers="workflow/templates/numbers.tex.j2",
        template_prose="workflow/templates/prose.j2",
        template_table_html=TABLE_TEMPLATES[1],
        template_table_tex=TABLE_TEMPLATES[0],
        # claims' verdicts (claim_id, verdict) compared with the last build's: none yet (issue 26)
        verdicts=plan.claim_verdicts(),
    output:
        html=published(
            report(
                f"{REPORT}/index.html",
                caption="../report/index.rst",
                category="Report",
            )
        ),
        tex=published(f"{REPORT}/paper.tex"),
        numbers=published(f"{REPORT}/numbers.tex"),
        # what changed since the last build, every row (the report shows the summary)
        changes=published(plan.changes_file()),
        receipt=receipt("render_report"),
    log:
        "logs/report/render_report.log",
    benchmark:
        "benchmarks/report/render_report.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        ordinal_specs=plan.ordinal_specs(),
        panel_specs=plan.panel_specs(),
        exhibits=plan.exhibit_records(),
        # Not an input: the previous build's snapshot is state from the last run (rule
        # snapshot_estimates writes it after this rule), read when it exists.
        previous=f"{RESULTS}/last_build",
        labels=config["labels"],
        spec_labels=plan.spec_labels(),
    script:
        "../scripts/render_report.py"


rule build_paper:
    input:
        tex=f"{REPORT}/paper.tex",
        numbers=f"{REPORT}/numbers.tex",
        tables=plan.report_table_files(("tex",)),
        figures=plan.report_figure_files("png"),
        codebook=f"{REPORT}/codebook.tex",
        # the paper inputs only the .tex fragment; the HTML one is listed for its place only
        cases=[p for p in plan.cases_section_files() if p.endswith(".tex")],
    output:
        pdf=published(
            report(
                f"{REPORT}/paper.pdf",
                caption="../report/paper.rst",
                category="Report",
            )
        ),
        receipt=receipt("build_paper"),
    log:
        "logs/report/build_paper.log",
    benchmark:
        "benchmarks/report/build_paper.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        tex_log="logs/report/paper_tex.log",
    script:
        "../scripts/build_paper.py"


# After the report (which compares with the previous snapshot), keep this build's snapshot for the
# next build: estimates, input fingerprints, validated config, decisions, checks, claims' verdicts.
rule snapshot_estimates:
    input:
        estimates=[
            *plan.spec_files("ordinal", "estimates").values(),
            *plan.spec_files("panel", "estimates").values(),
        ],
        raw=plan.raw_inputs(),
        manifest=f"{RAW}/sources.yaml",
        verdicts=plan.claim_verdicts(),
        # not read: orders this rule after the report, which compares with the previous snapshot
        report=f"{REPORT}/index.html",
    output:
        **published(plan.snapshot_files()),
        receipt=receipt("snapshot_estimates"),
    log:
        "logs/report/snapshot_estimates.log",
    benchmark:
        "benchmarks/report/snapshot_estimates.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
    script:
        "../scripts/snapshot_estimates.py"


# At the end of a run, name every decision or check removed or loosened since the last run, from the
# changes list the report wrote, when this run rendered the report (``log``: the run's log files).
RUN_STARTED = time.time()


onsuccess:
    from gvc_clusters.output.changes import print_warnings, rule_ran

    print_warnings(
        plan.changes_file(), ran=rule_ran(log, "render_report"), since=RUN_STARTED
    )
