# The manifest of every result: a replicator runs `sha256sum -c results/MANIFEST.sha256` to check
# that their rebuild reproduced ours byte for byte.


rule results_manifest:
    input:
        plan.final_outputs(),
        plan.readme_outputs(),
    output:
        published(f"{RESULTS}/MANIFEST.sha256"),
        receipt=receipt("results_manifest"),
    log:
        "logs/results_manifest.log",
    benchmark:
        "benchmarks/results_manifest.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
    script:
        "../scripts/results_manifest.py"
