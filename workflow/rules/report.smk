# The report: tables (LaTeX/HTML/CSV), figures (SVG/PNG), the HTML page and the LaTeX paper.


rule render_tables:
    input:
        replication=replication_outputs(),
        classification=classification_files()["classified"],
        ordinal_estimates=model_files_of(
            "ordinal", ordinal_specs(), "estimates"
        ).values(),
        ordinal_models=model_files_of("ordinal", ordinal_specs(), "models").values(),
        panel_estimates=model_files_of("panel", panel_specs(), "estimates").values(),
        panel_models=model_files_of("panel", panel_specs(), "models").values(),
        templates=[
            "workflow/templates/tables/table.tex.j2",
            "workflow/templates/tables/table.html.j2",
        ],
    output:
        html=[
            report(
                f"{REPORT}/tables/{name}.html",
                caption="../report/table.rst",
                category=table_chapter(name),
                labels={"table": name.replace("_", " ")},
            )
            for name in report_tables()
        ],
        other=[p for p in report_table_files() if not p.endswith(".html")],
    log:
        "logs/report/render_tables.log",
    benchmark:
        "benchmarks/report/render_tables.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        ordinal=lambda wc: ordinal_spec_files(),
        panel=lambda wc: panel_spec_files(),
        preset=config["tables"]["style"],
        under=config["tables"].get("under", "se"),
        labels=config.get("labels", {}),
        out_dir=lambda wc, output: os.path.dirname(output.html[0]),
    script:
        "../scripts/render_tables.py"


rule render_figures:
    input:
        processed=processed_outputs(),
        classification=classification_files()["classified"],
        models=model_outputs(),
    output:
        svg=[
            report(
                path,
                caption="../report/figure.rst",
                category=figure_chapter(Path(path).stem),
                labels={"figure": report_figures()[Path(path).stem]},
            )
            for path in report_figure_files("svg")
        ],
        png=report_figure_files("png"),
    log:
        "logs/report/render_figures.log",
    benchmark:
        "benchmarks/report/render_figures.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        processed_dir=lambda wc, input: os.path.dirname(
            os.path.dirname(input.processed[0])
        ),
        ordinal=lambda wc: ordinal_spec_files(),
        panel=lambda wc: panel_spec_files(),
        readings=lambda wc: [
            *model_files_of("ordinal", ordinal_specs(), "readings").values(),
            *model_files_of("panel", panel_specs(), "readings").values(),
        ],
        figures=report_figures(),
        labels=config.get("labels", {}),
        out_dir=lambda wc, output: os.path.dirname(output.svg[0]),
    script:
        "../scripts/render_figures.py"


rule render_report:
    input:
        tables=report_table_files(),
        figures=report_figure_files("svg") + report_figure_files("png"),
        dataset=f"{PROCESSED}/clusters/model_dataset.parquet",
        replication_summary=f"{RESULTS}/replication/replication_summary.csv",
        decision_summary=f"{RESULTS}/replication/decision_log_summary.csv",
        agreement_summary=classification_files()["agreement_summary"],
        models=model_outputs(),
        manifest=f"{RAW}/sources.yaml",
        codebook_html=f"{REPORT}/codebook.html",
        codebook_tex=f"{REPORT}/codebook.tex",
        cases=cases_section_files(),  # empty unless config `cases:` names some
        templates=[
            "workflow/templates/report.html.j2",
            "workflow/templates/paper.tex.j2",
            "workflow/templates/numbers.tex.j2",
            "workflow/templates/prose.j2",
        ],
    output:
        html=report(
            f"{REPORT}/index.html",
            caption="../report/index.rst",
            category="Report",
        ),
        tex=f"{REPORT}/paper.tex",
        numbers=f"{REPORT}/numbers.tex",
    log:
        "logs/report/render_report.log",
    benchmark:
        "benchmarks/report/render_report.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        ordinal=lambda wc: ordinal_spec_files(),
        panel=lambda wc: panel_spec_files(),
        table_list=report_tables(),
        figures=report_figures(),
        previous=f"{RESULTS}/last_build",
        raw_dir=lambda wc, input: os.path.dirname(input.manifest),
        labels=config.get("labels", {}),
        template_dir=lambda wc, input: os.path.dirname(input.templates[0]),
    script:
        "../scripts/render_report.py"


rule build_paper:
    input:
        tex=f"{REPORT}/paper.tex",
        numbers=f"{REPORT}/numbers.tex",
        tables=[p for p in report_table_files() if p.endswith(".tex")],
        figures=report_figure_files("png"),
        codebook=f"{REPORT}/codebook.tex",
        cases=cases_section_files(),  # empty unless config `cases:` names some
    output:
        pdf=report(
            f"{REPORT}/paper.pdf",
            caption="../report/paper.rst",
            category="Report",
        ),
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
            *model_files_of("ordinal", ordinal_specs(), "estimates").values(),
            *model_files_of("panel", panel_specs(), "estimates").values(),
        ],
        report=f"{REPORT}/index.html",
    output:
        estimates=f"{RESULTS}/last_build/estimates.csv",
        inputs=f"{RESULTS}/last_build/inputs.csv",
    log:
        "logs/report/snapshot_estimates.log",
    benchmark:
        "benchmarks/report/snapshot_estimates.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        raw_dir=RAW,
    script:
        "../scripts/snapshot_estimates.py"
