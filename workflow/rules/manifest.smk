# The manifest of every result: a replicator runs `sha256sum -c results/MANIFEST.sha256` to check
# that their rebuild reproduced ours byte for byte.


rule results_manifest:
    input:
        final_outputs(),
        readme_outputs(),
    output:
        f"{RESULTS}/MANIFEST.sha256",
    log:
        "logs/results_manifest.log",
    benchmark:
        "benchmarks/results_manifest.tsv"
    conda:
        "../envs/pipeline.yaml"
    shell:
        "(echo rule results_manifest SLURM_JOB_ID=${{SLURM_JOB_ID:-none}} >&2;"
        " printf '%s\\n' {input} | LC_ALL=C sort | xargs sha256sum > {output}) 2> {log}"
