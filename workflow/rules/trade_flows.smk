# Chapter 9's classification on a user's trade flows (config trade_flows; off by default).


rule classify_trade_flows:
    input:
        trade_flows_inputs,
    output:
        classified=published(plan.trade_flows_files()["classified"]),
        summary=published(plan.trade_flows_files()["summary"]),
        facts=published(plan.trade_flows_files()["facts"]),
        receipt=receipt("classify_trade_flows"),
    log:
        "logs/trade_flows/classify_trade_flows.log",
    benchmark:
        "benchmarks/trade_flows/classify_trade_flows.tsv"
    conda:
        "../envs/pipeline.yaml"
    threads: TRADE_FLOWS["threads"]
    resources:
        mem_mb=TRADE_FLOWS["memory_limit_mb"] + 1000,
    params:
        code=CODE,
        options=TRADE_FLOWS,
        rules=config["export_performance"]["market_share_rules"],
        temp_dir=f"{INTERIM}/trade_flows/spill",
    script:
        "../scripts/classify_trade_flows.py"
