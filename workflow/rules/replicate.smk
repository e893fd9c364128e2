# The book's chapter 10 tables rebuilt from the processed data, printed vs reproduced.


rule replicate_chapter10:
    input:
        dataset=f"{PROCESSED}/clusters/model_dataset.parquet",
        upgrading=f"{PROCESSED}/clusters/upgrading.parquet",
        governance=f"{PROCESSED}/clusters/governance.parquet",
        sector_ce_index=f"{PROCESSED}/clusters/sector_ce_index.parquet",
        printed_aggregates=f"{PROCESSED}/clusters/printed_aggregates.parquet",
        printed_row_sums=f"{PROCESSED}/clusters/printed_row_sums.parquet",
        checksums=expand(f"{RESULTS}/validation/{{family}}_checksums.csv", family=FAMILIES),
        decisions=f"{RAW}/decision_log.csv",
        template="workflow/templates/replication_check.md.j2",
    output:
        [f"{RESULTS}/replication/{name}" for name in REPLICATION_OUTPUTS],
    params:
        raw_dir=RAW,
        out_dir=f"{RESULTS}/replication",
    log:
        "logs/replicate_chapter10.log",
    benchmark:
        "benchmarks/replicate_chapter10.tsv"
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/replicate_chapter10.py"
