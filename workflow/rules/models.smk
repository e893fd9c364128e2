# Models: one job per spec in config (ordinal.specs, panel.specs), so adding a spec adds a job.


wildcard_constraints:
    spec="[a-z][a-z0-9_]*",


rule fit_ordinal:
    input:
        unpack(ordinal_inputs),
    output:
        **model_files("ordinal"),
    log:
        "logs/models/ordinal/{spec}.log",
    benchmark:
        "benchmarks/models/ordinal/{spec}.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        spec=lambda wc: config["ordinal"]["specs"][wc.spec],
        settings=lambda wc: {k: v for k, v in config["ordinal"].items() if k != "specs"},
        seed=config["seed"],
    script:
        "../scripts/fit_ordinal.py"


rule fit_panel:
    input:
        unpack(panel_inputs),
    output:
        **model_files("panel"),
    log:
        "logs/models/panel/{spec}.log",
    benchmark:
        "benchmarks/models/panel/{spec}.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        spec=lambda wc: config["panel"]["specs"][wc.spec],
        max_readings=config["ordinal"]["max_readings"],
        seed=config["seed"],
    script:
        "../scripts/fit_panel.py"


# The main ordered-probit and panel specs over every reading of the garbled cells (readings
# solver, under A and B) combined with the decision log's alternative readings.
rule reading_analysis:
    input:
        dataset=f"{PROCESSED}/clusters/model_dataset.parquet",
        upgrading=f"{PROCESSED}/clusters/upgrading.parquet",
        alternatives=f"{PROCESSED}/clusters/model_dataset_readings.parquet",
        readings=READINGS_OUTPUTS["readings"],
    output:
        **READING_ANALYSIS_OUTPUTS,
    log:
        "logs/reading_analysis.log",
    benchmark:
        "benchmarks/reading_analysis.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        ordinal_specs=lambda wc: {
            n: s for n, s in config["ordinal"]["specs"].items() if not is_simulated(s)
        },
        panel_specs=config["panel"]["specs"],
        halves=config["ordinal"]["halves"],
        cap=config.get("readings_solver", {}).get("max_fitted", 100),
        seed=config["seed"],
    script:
        "../scripts/reading_analysis.py"
