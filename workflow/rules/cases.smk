# Cases beyond the book (data/cases/, protocol in data/cases/README.md): the coded cases, the
# agreement of their two independent codings, the models with and without the cases chosen in
# config `cases:` (each case alone, each left out, each changed protocol rule's other version), and
# the report fragment. Nothing runs while `cases:` is empty (the default); the paths and
# cases_outputs() are in gvc_clusters.workflow_plan.


rule cases_coding:
    input:
        cases=plan.case_files(),
        coder_a=plan.coding_files("a"),
        coder_b=plan.coding_files("b"),
        log=f"{CASES_DIR}/reconciliation_log.csv",
        review=f"{CASES_DIR}/review_log.csv",
        deviations=f"{CASES_DIR}/protocol/deviations.yaml",
        seed_lines=f"{CASES_DIR}/seed_lines.csv",
        sector_index=f"{PROCESSED}/clusters/sector_ce_index.parquet",
        clusters=f"{PROCESSED}/clusters/clusters.parquet",
    output:
        codes=published(f"{CASES_RESULTS}/codes.csv"),
        agreement=published(f"{CASES_RESULTS}/agreement.csv"),
        pooled=published(f"{CASES_RESULTS}/agreement_pooled.csv"),
        reconciliation=published(f"{CASES_RESULTS}/reconciliation.csv"),
        evidence=published(f"{CASES_RESULTS}/evidence.csv"),
        ce=published(f"{CASES_RESULTS}/ce_components.csv"),
        bands=published(f"{CASES_RESULTS}/ce_bands.csv"),
        receipt=receipt("cases_coding"),
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
        dataset=plan.processed_table("model_dataset"),
        cluster_key=f"{RAW}/clusters/cluster_key.csv",
        cases=plan.case_files(),
        deviations=f"{CASES_DIR}/protocol/deviations.yaml",
    output:
        with_without=published(f"{CASES_RESULTS}/with_without.csv"),
        samples=published(f"{CASES_RESULTS}/samples.csv"),
        exclusions=published(f"{CASES_RESULTS}/exclusions.csv"),
        sensitivity=published(f"{CASES_RESULTS}/sensitivity.csv"),
        receipt=receipt("cases_models"),
    log:
        "logs/cases/cases_models.log",
    benchmark:
        "benchmarks/cases/cases_models.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        selected=config["cases"],
        specs=lambda wc: {
            n: config["ordinal"]["specs"][n] for n in plan.book_ordinal_specs()
        },
        halves=config["ordinal"]["halves"],
        seed=config["seed"],
    script:
        "../scripts/cases_models.py"


rule cases_section:
    input:
        agreement=rules.cases_coding.output.agreement,
        pooled=rules.cases_coding.output.pooled,
        reconciliation=rules.cases_coding.output.reconciliation,
        bands=rules.cases_coding.output.bands,
        with_without=rules.cases_models.output.with_without,
        samples=rules.cases_models.output.samples,
        exclusions=rules.cases_models.output.exclusions,
        sensitivity=rules.cases_models.output.sensitivity,
        cases=plan.case_files(),
        review=f"{CASES_DIR}/review_log.csv",
        deviations=f"{CASES_DIR}/protocol/deviations.yaml",
        provenance=f"{CASES_DIR}/protocol/provenance.yaml",
        html_template="workflow/templates/cases/cases_section.html.j2",
        tex_template="workflow/templates/cases/cases_section.tex.j2",
    output:
        html=published(f"{CASES_RESULTS}/cases_section.html"),
        tex=published(f"{CASES_RESULTS}/cases_section.tex"),
        receipt=receipt("cases_section"),
    log:
        "logs/cases/cases_section.log",
    benchmark:
        "benchmarks/cases/cases_section.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        selected=config["cases"],
        specs=lambda wc: {
            n: config["ordinal"]["specs"][n] for n in plan.book_ordinal_specs()
        },
    script:
        "../scripts/cases_section.py"
