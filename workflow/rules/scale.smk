# The scale profile (config/scale.yaml): simulated data of user scale for the same model rules.


rule simulate_scale_data:
    output:
        cross_section=f"{SIMULATED}/cluster_cross_section.parquet",
        panel=f"{SIMULATED}/trade_panel.parquet",
    log:
        "logs/scale/simulate_scale_data.log",
    benchmark:
        "benchmarks/scale/simulate_scale_data.tsv"
    conda:
        "../envs/pipeline.yaml"
    resources:
        mem_mb=4000,
    params:
        code=CODE,
        seed=config["seed"],
        sizes=config["scale"],
    script:
        "../scripts/simulate_scale_data.py"


rule clean_scale_trade:
    input:
        f"{SIMULATED}/trade_panel.parquet",
    output:
        SCALE_PANEL,
    log:
        "logs/scale/clean_scale_trade.log",
    benchmark:
        "benchmarks/scale/clean_scale_trade.tsv"
    conda:
        "../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
    params:
        code=CODE,
    script:
        "../scripts/clean_scale_trade.py"


rule simulate_baci_flows:
    output:
        flows=f"{SIMULATED}/baci_flows.parquet",
        planted=f"{SIMULATED}/baci_planted.parquet",
    log:
        "logs/scale/simulate_baci_flows.log",
    benchmark:
        "benchmarks/scale/simulate_baci_flows.tsv"
    conda:
        "../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
    params:
        code=CODE,
        seed=config["seed"],
        rows=config["scale"]["baci_rows"],
    script:
        "../scripts/simulate_baci_flows.py"
