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
    params:
        raw_dir=RAW,
    log:
        "logs/validate_raw/{family}.log",
    benchmark:
        "benchmarks/validate_raw/{family}.tsv"
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/validate_raw.py"


for _family in FAMILY_TABLES:

    rule:
        name:
            f"clean_{_family}"
        input:
            validated=f"{RESULTS}/validation/{_family}.json",
            tables=raw_files(_family),
        output:
            parquet=processed_tables(_family, "parquet"),
            csv=processed_tables(_family, "csv"),
        params:
            family=_family,
            raw_dir=RAW,
        log:
            f"logs/clean/{_family}.log",
        benchmark:
            f"benchmarks/clean/{_family}.tsv"
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/clean_family.py"
