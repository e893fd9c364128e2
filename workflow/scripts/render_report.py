"""Write the self-contained HTML report, the LaTeX paper and its numbers."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.changes import input_fingerprints, read_estimates, summary
from gvc_clusters.jobs import run_job
from gvc_clusters.replication_readme import raw_files
from gvc_clusters.report import load_spec_results, model_notes, report_numbers, write_report
from gvc_clusters.vocabulary import DEFAULT


def main():
    specs = {**snakemake.params.ordinal, **snakemake.params.panel}
    provenance = raw_files(snakemake.input.manifest)
    numbers = report_numbers(replication_summary=snakemake.input.replication_summary,
                             agreement_summary=snakemake.input.agreement_summary,
                             ordinal=snakemake.params.ordinal, panel=snakemake.params.panel,
                             dataset=snakemake.input.dataset, decision_summary=snakemake.input.decision_summary,
                             raw_tables=len(provenance))
    vocabulary = DEFAULT.with_overrides(snakemake.params.labels)
    notes = {spec: model_notes(load_spec_results(*files), vocabulary) for spec, files in specs.items()}
    estimates = [files[0] for files in specs.values()]
    changes = summary(snakemake.params.previous, read_estimates(estimates),
                      input_fingerprints(snakemake.params.raw_dir, snakemake.config))
    out = snakemake.output
    write_report(tables_dir=Path(snakemake.input.tables[0]).parent, figures_dir=Path(snakemake.input.figures[0]).parent,
                 table_list=snakemake.params.table_list, numbers=numbers, notes=notes,
                 template_dir=snakemake.params.template_dir, out_html=out.html, out_tex=out.tex,
                 out_numbers=out.numbers, provenance=provenance, ordinal=snakemake.params.ordinal,
                 panel=snakemake.params.panel, labels=snakemake.params.labels, config=snakemake.config,
                 figures=snakemake.params.figures, changes=changes, codebook=snakemake.input.codebook_html,
                 cases=snakemake.input.cases[0] if snakemake.input.cases else None)


run_job(snakemake, main)
