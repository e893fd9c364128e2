# The report: tables (LaTeX/HTML/CSV), figures (SVG/PNG), the HTML page and the LaTeX paper.
# Each rule's input: is what its script reads, by name (nothing is found through a folder).
REPLICATED_TABLES = ("table_10_2", "table_10_4", "table_10_5", "table_10_6")
TABLE_TEMPLATES = [
    "workflow/templates/tables/table.tex.j2",
    "workflow/templates/tables/table.html.j2",
]


rule render_tables:
    input:
        replication=[
            f"{RESULTS}/replication/{name}.csv"
            for name in ("replication_check", *REPLICATED_TABLES)
        ],
        classification=plan.classification_files()["classified"],
        ordinal_estimates=plan.spec_files("ordinal", "estimates").values(),
        ordinal_models=plan.spec_files("ordinal", "models").values(),
        panel_estimates=plan.spec_files("panel", "estimates").values(),
        panel_models=plan.spec_files("panel", "models").values(),
        templates=TABLE_TEMPLATES,
    output:
        html=published(
            [
                report(
                    f"{REPORT}/tables/{name}.html",
                    caption="../report/table.rst",
                    category=table_chapter(name),
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
        # spec names only (their files are the inputs above, in this order)
        ordinal_specs=plan.ordinal_specs(),
        panel_specs=plan.panel_specs(),
        preset=config["tables"]["style"],
        under=config["tables"]["under"],
        labels=config["labels"],
        out_dir=lambda wc, output: os.path.dirname(output.html[0]),
    script:
        "../scripts/render_tables.py"


rule render_figures:
    input:
        **plan.figure_tables(),
        classification=plan.classification_files()["classified"],
        ordinal_estimates=plan.spec_files("ordinal", "estimates").values(),
        ordinal_models=plan.spec_files("ordinal", "models").values(),
        panel_estimates=plan.spec_files("panel", "estimates").values(),
        panel_models=plan.spec_files("panel", "models").values(),
        readings=[
            *plan.spec_files("ordinal", "readings").values(),
            *plan.spec_files("panel", "readings").values(),
        ],
    output:
        svg=published(
            [
                report(
                    path,
                    caption="../report/figure.rst",
                    category=figure_chapter(Path(path).stem),
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
        ordinal_specs=plan.ordinal_specs(),
        panel_specs=plan.panel_specs(),
        figures=plan.report_figures(),
        labels=config["labels"],
        out_dir=lambda wc, output: os.path.dirname(output.svg[0]),
    script:
        "../scripts/render_figures.py"


rule render_report:
    input:
        tables=plan.report_table_files(("html",)),
        figures=plan.report_figure_files("svg"),
        dataset=f"{PROCESSED}/clusters/model_dataset.parquet",
        replication_summary=f"{RESULTS}/replication/replication_summary.csv",
        decision_summary=f"{RESULTS}/replication/decision_log_summary.csv",
        agreement_summary=plan.classification_files()["agreement_summary"],
        ordinal_estimates=plan.spec_files("ordinal", "estimates").values(),
        ordinal_models=plan.spec_files("ordinal", "models").values(),
        ordinal_ranges=plan.spec_files("ordinal", "reading_ranges").values(),
        panel_estimates=plan.spec_files("panel", "estimates").values(),
        panel_models=plan.spec_files("panel", "models").values(),
        panel_ranges=plan.spec_files("panel", "reading_ranges").values(),
        manifest=f"{RAW}/sources.yaml",
        # what "what changed" fingerprints: every file under raw_dir
        raw=plan.raw_inputs(),
        codebook=f"{REPORT}/codebook.html",
        # the HTML fragment; paper.tex names the .tex beside it (build_paper reads it)
        cases=plan.cases_section_files()[:1],  # empty unless config `cases:` names some
        template_report="workflow/templates/report.html.j2",
        template_paper="workflow/templates/paper.tex.j2",
        template_numbers="workflow/templates/numbers.tex.j2",
        template_prose="workflow/templates/prose.j2",
        template_table_html=TABLE_TEMPLATES[1],
        template_table_tex=TABLE_TEMPLATES[0],
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
        table_list=plan.report_tables(),
        figures=plan.report_figures(),
        # Not an input: the previous build's snapshot is state from the last run (rule
        # snapshot_estimates writes it after this rule), read when it exists.
        previous=f"{RESULTS}/last_build",
        labels=config["labels"],
    script:
        "../scripts/render_report.py"


rule build_paper:
    input:
        tex=f"{REPORT}/paper.tex",
        numbers=f"{REPORT}/numbers.tex",
        tables=plan.report_table_files(("tex",)),
        figures=plan.report_figure_files("png"),
        codebook=f"{REPORT}/codebook.tex",
        cases=plan.cases_section_files(),  # empty unless config `cases:` names some
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


# After the report (which compares with the previous snapshot), keep this build's estimates and
# input fingerprints beside the manifest for the next build.
rule snapshot_estimates:
    input:
        estimates=[
            *plan.spec_files("ordinal", "estimates").values(),
            *plan.spec_files("panel", "estimates").values(),
        ],
        raw=plan.raw_inputs(),
        manifest=f"{RAW}/sources.yaml",
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
