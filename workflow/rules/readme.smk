# The replication package's README (AEA template), generated from what decides its content.


rule replication_readme:
    input:
        manifest=f"{RAW}/sources.yaml",
        decisions=f"{RAW}/decision_log.csv",
        outputs=final_outputs(),
        template="workflow/templates/replication_readme.md.j2",
    output:
        f"{RESULTS}/README.md",
    log:
        "logs/replication_readme.log",
    benchmark:
        "benchmarks/replication_readme.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        catalog=output_catalog(),
        # every rule upstream has finished, so its benchmark file exists (read, not tracked:
        # only the runtime bin is printed, which a rerun does not change)
        benchmark_dir="benchmarks",
    script:
        "../scripts/replication_readme.py"
