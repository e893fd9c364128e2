# Models: one job per spec in config (ordinal.specs, panel.specs), so adding a spec adds a job.
# Staged like the cleaning step: fit_<kind> writes to data/interim/models/, publish_<kind> copies
# to results/models/ only when the fit succeeded. Snakemake deletes a job's outputs when it starts
# (and an interrupted job's outputs when it stops), so fitting straight into results/ lost the
# last good estimates on a failing or SIGTERMed fit while the report still showed them.
# publish_<kind> takes the fit's params (FIT_PARAMS, the same as fit_<kind>'s) and inputs too
# (inputs not read): a changed spec reruns the publish, hence the fit, even when an earlier run's
# fit failed and left no staged files (Snakemake does not rebuild a missing intermediate file
# whose consumer looks up to date).
FIT_PARAMS = {
    # the spec as it decides the fit (its `labels:` are read when the report is drawn)
    "ordinal": dict(
        spec=lambda wc: plan.fit_spec("ordinal", wc.spec),
        settings=lambda wc: {
            k: v for k, v in config["ordinal"].items() if k != "specs"
        },
        seed=config["seed"],
    ),
    "panel": dict(
        spec=lambda wc: plan.fit_spec("panel", wc.spec),
    ),
}
FIT_INPUTS = {
    "ordinal": lambda wc: list(ordinal_inputs(wc).values()),
    "panel": lambda wc: list(panel_inputs(wc).values()),
}


wildcard_constraints:
    spec="[a-z][a-z0-9_]*",


rule fit_ordinal:
    input:
        unpack(ordinal_inputs),
    output:
        **plan.staged_model_files("ordinal"),
    log:
        "logs/models/ordinal/{spec}.log",
    benchmark:
        "benchmarks/models/ordinal/{spec}.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        spec=FIT_PARAMS["ordinal"]["spec"],
        settings=FIT_PARAMS["ordinal"]["settings"],
        seed=config["seed"],
    script:
        "../scripts/fit_ordinal.py"


rule fit_panel:
    input:
        unpack(panel_inputs),
    output:
        **plan.staged_model_files("panel"),
    log:
        "logs/models/panel/{spec}.log",
    benchmark:
        "benchmarks/models/panel/{spec}.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        spec=FIT_PARAMS["panel"]["spec"],
    script:
        "../scripts/fit_panel.py"


for _kind in ("ordinal", "panel"):

    rule:
        name:
            f"publish_{_kind}"
        input:
            staged=list(plan.staged_model_files(_kind).values()),
            # not read: the fit's inputs (see FIT_PARAMS)
            upstream=FIT_INPUTS[_kind],
        output:
            published=published(list(plan.model_files(_kind).values())),
            receipt=receipt(f"publish_{_kind}", "spec"),
        log:
            f"logs/publish/models/{_kind}/{{spec}}.log",
        benchmark:
            f"benchmarks/publish/models/{_kind}/{{spec}}.tsv"
        conda:
            "../envs/pipeline.yaml"
        params:
            **FIT_PARAMS[_kind],
            code=CODE,
        script:
            "../scripts/publish.py"


# The one readings output: the main ordered-probit and panel specs over the readings of every
# assumption (the readings solver's solutions with the decision log's alternatives; all of a small
# set, a seeded sample of a large one), with the exact counts per table and assumption.
rule reading_analysis:
    input:
        dataset=plan.processed_table("model_dataset"),
        upgrading=f"{PROCESSED}/clusters/upgrading.parquet",
        alternatives=plan.processed_table("model_dataset_readings"),
        readings=READINGS_OUTPUTS["readings"],
        counts=READINGS_OUTPUTS["counts"],
        manifest=f"{RAW}/sources.yaml",
        decisions=f"{RAW}/decision_log.csv",
    output:
        **published(READING_ANALYSIS_OUTPUTS),
        receipt=receipt("reading_analysis"),
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
        readings=config["readings"],
        seed=config["seed"],
    script:
        "../scripts/reading_analysis.py"
