# Cases beyond the book (data/cases/, protocol in data/cases/README.md): the coded cases, the
# agreement of their two independent codings, the models with and without the cases chosen in
# config `cases:`, and the report fragment. Nothing runs while `cases:` is empty (the default);
# the paths and cases_outputs() are in common.smk.


rule cases_coding:
    input:
        cases=CASE_FILES,
        coder_a=coding_files("a"),
        coder_b=coding_files("b"),
        log=f"{CASES_DIR}/reconciliation_log.csv",
        seed_lines=f"{CASES_DIR}/seed_lines.csv",
    output:
        codes=f"{CASES_RESULTS}/codes.csv",
        agreement=f"{CASES_RESULTS}/agreement.csv",
        reconciliation=f"{CASES_RESULTS}/reconciliation.csv",
    log:
        "logs/cases/cases_coding.log",
    benchmark:
        "benchmarks/cases/cases_coding.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
    script:
        "../scripts/cases_coding.py"


rule cases_models:
    input:
        dataset=f"{PROCESSED}/clusters/model_dataset.parquet",
        cluster_key=f"{RAW}/clusters/cluster_key.csv",
        cases=CASE_FILES,
    output:
        with_without=f"{CASES_RESULTS}/with_without.csv",
        samples=f"{CASES_RESULTS}/samples.csv",
        exclusions=f"{CASES_RESULTS}/exclusions.csv",
    log:
        "logs/cases/cases_models.log",
    benchmark:
        "benchmarks/cases/cases_models.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        selected=SELECTED_CASES,
        specs=lambda wc: {
            n: config["ordinal"]["specs"][n] for n in book_ordinal_specs()
        },
        halves=config["ordinal"]["halves"],
        seed=config["seed"],
    script:
        "../scripts/cases_models.py"


rule cases_section:
    input:
        agreement=rules.cases_coding.output.agreement,
        reconciliation=rules.cases_coding.output.reconciliation,
        with_without=rules.cases_models.output.with_without,
        samples=rules.cases_models.output.samples,
        exclusions=rules.cases_models.output.exclusions,
        cases=CASE_FILES,
        templates=[
            "workflow/templates/cases/cases_section.html.j2",
            "workflow/templates/cases/cases_section.tex.j2",
        ],
    output:
        html=f"{CASES_RESULTS}/cases_section.html",
        tex=f"{CASES_RESULTS}/cases_section.tex",
    log:
        "logs/cases/cases_section.log",
    benchmark:
        "benchmarks/cases/cases_section.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        selected=SELECTED_CASES,
        template_dir=lambda wc, input: os.path.dirname(input.templates[0]),
    script:
        "../scripts/cases_section.py"
