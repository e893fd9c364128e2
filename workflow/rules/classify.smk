# Chapter 9: export performance classified by sign patterns, checked against the chapter's verdicts.


rule classify_exports:
    input:
        performance=f"{PROCESSED}/trade/export_performance.parquet",
        conditions=f"{PROCESSED}/trade/product_upgrading_conditions.parquet",
        verdicts=f"{PROCESSED}/trade/chapter9_verdicts.parquet",
    output:
        **published(plan.classification_files()),
        receipt=receipt("classify_exports"),
    log:
        "logs/classify_exports.log",
    benchmark:
        "benchmarks/classify_exports.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        rules=config["export_performance"]["market_share_rules"],
    script:
        "../scripts/classify_exports.py"
