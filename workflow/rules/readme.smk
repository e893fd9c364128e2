# The replication package's README (AEA template), generated from what decides its content, and
# the facts of the machine that built the results (results/machine.json, outside the manifest).


rule replication_readme:
    input:
        manifest=f"{RAW}/sources.yaml",
        decisions=f"{RAW}/decision_log.csv",
        lock="requirements.lock",
        configfiles=CONFIG_FILES,
        user_inputs=plan.user_tables(),  # hashed in the README's list of inputs
        template="workflow/templates/replication_readme.md.j2",
        # not read: orders the README after every result it catalogs. A run whose model fails then
        # leaves the last good README (and the manifest that hashes it) untouched, instead of one that
        # describes a config whose results were never built. ancient(): a rebuilt result alone does
        # not rerun the README, only a change in what decides its content does.
        after_results=[ancient(path) for path in plan.final_outputs()],
    output:
        published(f"{RESULTS}/README.md"),
        receipt=receipt("replication_readme"),
    log:
        "logs/replication_readme.log",
    benchmark:
        "benchmarks/replication_readme.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        # every output with the rule that builds it and that rule's script (as the rule declares it)
        catalog=lambda wc: plan.output_catalog(rule_scripts()),
        exhibits=lambda wc: plan.exhibit_list(rule_scripts()),
        version=PACKAGE_VERSION,
    script:
        "../scripts/replication_readme.py"


rule machine_facts:
    input:
        # the last result: every rule's benchmark file exists by then
        f"{RESULTS}/MANIFEST.sha256",
    output:
        published(f"{RESULTS}/machine.json"),
        receipt=receipt("machine_facts"),
    log:
        "logs/machine_facts.log",
    benchmark:
        "benchmarks/machine_facts.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        # read, not tracked: measured times and the machine change from run to run
        benchmark_dir="benchmarks",
        environment=f"{RESULTS}/benchmarks/environment.json",
    script:
        "../scripts/machine_facts.py"
