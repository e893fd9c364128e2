# Raw printed tables -> validated, tidy tables. Two steps per family, so that bad input is
# reported (and the run stops) before any file in data/processed is touched.


rule validate_raw:
    input:
        tables=lambda wc: raw_files(wc.family),
        manifest=f"{RAW}/sources.yaml",
        decisions=f"{RAW}/decision_log.csv",
    output:
        summary=f"{RESULTS}/validation/{{family}}.json",
        checksums=f"{RESULTS}/validation/{{family}}_checksums.csv",
    log:
        "logs/validate_raw/{family}.log",
    benchmark:
        "benchmarks/validate_raw/{family}.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        raw_dir=lambda wc, input: os.path.dirname(input.manifest),
    script:
        "../scripts/validate_raw.py"


for _family in FAMILY_TABLES:

    rule:
        name:
            f"clean_{_family}"
        input:
            validated=f"{RESULTS}/validation/{_family}.json",
            tables=raw_files(_family),
            manifest=f"{RAW}/sources.yaml",
            decisions=f"{RAW}/decision_log.csv",
        output:
            parquet=processed_tables(_family, "parquet"),
            csv=processed_tables(_family, "csv"),
        log:
            f"logs/clean/{_family}.log",
        benchmark:
            f"benchmarks/clean/{_family}.tsv"
        conda:
            "../envs/pipeline.yaml"
        params:
            family=_family,
            raw_dir=lambda wc, input: os.path.dirname(input.manifest),
        script:
            "../scripts/clean_family.py"
