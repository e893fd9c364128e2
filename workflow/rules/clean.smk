# Raw printed tables -> validated, tidy tables, in two steps per family:
#   clean_<family>    verify checksums, apply decisions, parse, validate; write to data/interim/.
#                     Its raw inputs are gvc_clusters.layout.FAMILY_FILES[family]; its parser is
#                     gvc_clusters.data.families.FAMILIES[family].build (one module of gvc_clusters.data.parse).
#   publish_<family>  copy the validated tables into data/processed/ and the validation
#                     summary and checksum results into results/validation/
# Snakemake deletes a job's old outputs when the job starts, so cleaning straight into
# data/processed would lose the last good tables on bad input. Staging keeps them: a failing
# clean stops the run before publish touches anything, and publish's outputs are published()
# (common.smk): a failing publish keeps them too. publish also takes clean's raw inputs (not
# read): an edit that reruns clean reruns publish, so a clean that failed is redone on the next
# run (its staged files are gone, and Snakemake does not rebuild a missing intermediate file).

for _family in FAMILY_TABLES:

    rule:
        name:
            f"clean_{_family}"
        input:
            tables=raw_files(_family),
            manifest=f"{RAW}/sources.yaml",
            decisions=f"{RAW}/decision_log.csv",
            # the signatures of the manifest and the decision log, verified before parsing
            signatures=f"{RAW}/SHA256SUMS",
        output:
            parquet=interim_tables(_family, "parquet"),
            csv=interim_tables(_family, "csv"),
            summary=f"{INTERIM}/{_family}/validation.json",
            checksums=f"{INTERIM}/{_family}/validation_checksums.csv",
        log:
            f"logs/clean/{_family}.log",
        benchmark:
            f"benchmarks/clean/{_family}.tsv"
        conda:
            "../envs/pipeline.yaml"
        params:
            code=CODE,
            family=_family,
        script:
            "../scripts/clean_family.py"

    rule:
        name:
            f"publish_{_family}"
        input:
            staged=interim_tables(_family, "parquet")
            + interim_tables(_family, "csv")
            + [
                f"{INTERIM}/{_family}/validation.json",
                f"{INTERIM}/{_family}/validation_checksums.csv",
            ],
            # not read: what clean_<family> reads (see above)
            upstream=raw_files(_family)
            + [f"{RAW}/sources.yaml", f"{RAW}/decision_log.csv"],
        output:
            published=published(
                processed_tables(_family, "parquet")
                + processed_tables(_family, "csv")
                + [
                    f"{RESULTS}/validation/{_family}.json",
                    f"{RESULTS}/validation/{_family}_checksums.csv",
                ]
            ),
            receipt=receipt(f"publish_{_family}"),
        log:
            f"logs/publish/{_family}.log",
        benchmark:
            f"benchmarks/publish/{_family}.tsv"
        conda:
            "../envs/pipeline.yaml"
        params:
            code=CODE,
            family=_family,
        # staged inputs and published outputs are listed in the same order: copy each to its
        # partner (in Python: no config path is ever a word of a shell command)
        script:
            "../scripts/publish.py"
