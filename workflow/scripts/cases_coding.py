"""Check the cases (schema, quotes, reconciliation) and write their codes, agreement and log."""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.analysis import cases as C
from gvc_clusters.io import write_csv
from gvc_clusters.jobs import run_job


def main():
    i = snakemake.input
    final, coding_a, coding_b = (C.read_case_files(files) for files in (i.cases, i.coder_a, i.coder_b))
    log = C.read_reconciliation(snakemake.input.log)
    with tempfile.TemporaryDirectory() as tmp:
        seeds = C.lines_directory(C.read_seed_lines(snakemake.input.seed_lines), tmp)
        C.raise_all([p for d in [*final.values(), *coding_a.values(), *coding_b.values()] for p in C.check_quotes(d, seeds)]
                    + C.check_reconciliation(final, coding_a, coding_b, log))
    write_csv(C.codes_frame(final), snakemake.output.codes)
    write_csv(C.agreement(coding_a, coding_b), snakemake.output.agreement)
    write_csv(log, snakemake.output.reconciliation)


run_job(snakemake, main)
