# The codebook of the processed tables (Markdown, and HTML/LaTeX fragments for the report) and the
# Frictionless Data Package descriptor of data/processed/, generated from the pandera schemas.


rule codebook:
    input:
        csv=[path for path in plan.processed_outputs() if path.endswith(".csv")],
    output:
        **published(
            {
                "datapackage": f"{PROCESSED}/datapackage.json",
                "markdown": f"{RESULTS}/codebook.md",
                "html": f"{RESULTS}/report/codebook.html",
                "tex": f"{RESULTS}/report/codebook.tex",
            }
        ),
        receipt=receipt("codebook"),
    log:
        "logs/codebook.log",
    benchmark:
        "benchmarks/codebook.tsv"
    conda:
        "../envs/pipeline.yaml"
    params:
        code=CODE,
        families=FAMILIES,
        version=PACKAGE_VERSION,
    script:
        "../scripts/codebook.py"
