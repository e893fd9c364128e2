# The book's chapter 10 tables rebuilt from the processed data, printed vs reproduced.


rule replicate_chapter10:
    input:
        **plan.printed_tables(),  # the printed tables by name: printed_10_1 ... printed_10_6
        dataset=plan.processed_table("model_dataset"),
        upgrading=f"{PROCESSED}/clusters/upgrading.parquet",
        governance=f"{PROCESSED}/clusters/governance.parquet",
        sector_ce_index=f"{PROCESSED}/clusters/sector_ce_index.parquet",
        printed_aggregates=f"{PROCESSED}/clusters/printed_aggregates.parquet",
        printed_row_sums=f"{PROCESSED}/clusters/printed_row_sums.parquet",
        checksums=[
            f"{RESULTS}/validation/{family}_checksums.csv" for family in FAMILIES
        ],
        decisions=f"{RAW}/decision_log.csv",
        evidence=READINGS_OUTPUTS["evidence"],
        reading_counts=READINGS_OUTPUTS["counts"],
        template="workflow/templates/replication_check.md.j2",
    output:
        published([f"{RESULTS}/replication/{name}" for name in REPLICATION_OUTPUTS]),
        receipt=receipt("replicate_chapter10"),
    log:
        "logs/replicate_chapter10.log",
    benchmark:
        "benchmarks/replicate_chapter10.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    script:
        "../scripts/replicate_chapter10.py"


# Every reading of the garbled cells the printed checksums allow, under each assumption of config
# `readings` (default: glyph-consistent A, checksums only B); see gvc_clusters.data.readings_solver.
# It reads the raw tables after verifying them as the cleaning jobs do (signatures, then each table's
# SHA-256).
rule solve_readings:
    input:
        manifest=f"{RAW}/sources.yaml",
        decisions=f"{RAW}/decision_log.csv",
        signatures=f"{RAW}/SHA256SUMS",
        printed_tables=CHECKED_RAW_TABLES,
    output:
        **published(READINGS_OUTPUTS),
        receipt=receipt("solve_readings"),
    log:
        "logs/solve_readings.log",
    benchmark:
        "benchmarks/solve_readings.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        max_solutions=config["readings_solver"]["max_solutions"],
        assumptions=config["readings"]["assumptions"],
        seed=config["seed"],
    script:
        "../scripts/solve_readings.py"
