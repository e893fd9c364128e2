"""Check the cases (schema, quotes, supporting quotes, CE basis, reconciliation, review, deviations) and
write their codes, evidence, CE components, agreement and log."""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
import pandas as pd

from gvc_clusters.analysis import case_agreement, case_ce, case_evidence, case_protocol
from gvc_clusters.analysis import cases as C
from gvc_clusters.io import write_csv
from gvc_clusters.jobs import run_job


def main():
    i = snakemake.input
    final, coding_a, coding_b = (C.read_case_files(files) for files in (i.cases, i.coder_a, i.coder_b))
    log, review = C.read_reconciliation(i.log), case_protocol.read_review(i.review)
    deviations = case_protocol.read_deviations(i.deviations)
    with tempfile.TemporaryDirectory() as tmp:
        seeds = C.lines_directory(C.read_seed_lines(i.seed_lines), tmp)
        C.raise_all([p for d in [*final.values(), *coding_a.values(), *coding_b.values()] for p in C.check_quotes(d, seeds)]
                    + [p for c, d in final.items() for p in case_evidence.check_support(d, f"{c}.yaml")]
                    + [p for c, d in final.items() for p in case_ce.check_ce_basis(d, f"{c}.yaml")]
                    + C.check_reconciliation(final, coding_a, coding_b, log, review=review)
                    + case_protocol.check_deviations(final, deviations))
    agreement = C.agreement(coding_a, coding_b)
    write_csv(C.codes_frame(final), snakemake.output.codes)
    write_csv(agreement.merge(case_agreement.informativeness(agreement, coding_a, coding_b), on="variable"),
              snakemake.output.agreement)
    write_csv(pd.DataFrame([case_agreement.pooled_alpha(coding_a, coding_b)]), snakemake.output.pooled)
    write_csv(log, snakemake.output.reconciliation)
    write_csv(case_evidence.evidence_table(final), snakemake.output.evidence)
    write_csv(case_ce.ce_table(final), snakemake.output.ce)
    write_csv(case_ce.bands_against_table_10_1(pd.read_parquet(i.sector_index), pd.read_parquet(i.clusters)),
              snakemake.output.bands)


run_job(snakemake, main)
