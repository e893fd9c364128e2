# Replication pipeline for "Upgrading to Compete" (Pietrobelli & Rabellotti, eds., IDB 2006).
# Everything is built by `snakemake --cores 8` (see README.md); the rules live in workflow/rules.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/replicate.smk"
include: "workflow/rules/classify.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/cases.smk"
include: "workflow/rules/scale.smk"
include: "workflow/rules/trade_flows.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/codebook.smk"
include: "workflow/rules/readme.smk"
include: "workflow/rules/manifest.smk"


rule all:
    default_target: True
    input:
        plan.final_outputs(),
        plan.readme_outputs(),
        f"{RESULTS}/MANIFEST.sha256",
        plan.machine_outputs(),
        # a job that failed reruns (published() in workflow/rules/common.smk)
        receipts_for(
            [
                *plan.final_outputs(),
                *plan.readme_outputs(),
                f"{RESULTS}/MANIFEST.sha256",
                *plan.machine_outputs(),
            ]
        ),
