# The book's claims (data/claims/claims.yaml), each estimated and given a verdict by the one rule of
# config claims.verdict_rule (gvc_clusters.claims.verdicts): results/claims/verdicts.csv, which the
# verdict table of the report draws and "what changed" compares across builds.


rule claim_verdicts:
    input:
        **plan.claims_inputs(),
        ordinal_estimates=plan.spec_files("ordinal", "estimates").values(),
        ordinal_models=plan.spec_files("ordinal", "models").values(),
        # the with-cases comparison, when config `cases:` names some
        cases=plan.claims_case_inputs(),
    output:
        verdicts=published(plan.claims_file()),
        receipt=receipt("claim_verdicts"),
    log:
        "logs/claims/claim_verdicts.log",
    benchmark:
        "benchmarks/claims/claim_verdicts.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        ordinal_specs=plan.ordinal_specs(),
        links={n: config["ordinal"]["specs"][n]["links"] for n in plan.ordinal_specs()},
        rule=config["claims"]["verdict_rule"],
    script:
        "../scripts/claim_verdicts.py"
