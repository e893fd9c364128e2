"""Write the self-contained HTML report, the LaTeX paper and its numbers."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.changes import input_fingerprints, read_estimates, summary
from gvc_clusters.output.replication_readme import raw_files
from gvc_clusters.output.report import load_spec_results, model_notes, report_numbers, spec_files, write_report
from gvc_clusters.vocabulary import DEFAULT


def main():
    i, p = snakemake.input, snakemake.params
    readings = i.readings[0] if i.readings else None   # the one readings output's summary
    ordinal = spec_files(p.ordinal_specs, i.ordinal_estimates, i.ordinal_models, readings)
    panel = spec_files(p.panel_specs, i.panel_estimates, i.panel_models, readings)
    specs = {**ordinal, **panel}
    provenance = raw_files(i.manifest)
    numbers = report_numbers(replication_summary=i.replication_summary, agreement_summary=i.agreement_summary,
                             ordinal=ordinal, panel=panel, dataset=i.dataset, decision_summary=i.decision_summary,
                             raw_tables=len(provenance))
    vocabulary = DEFAULT.with_overrides(p.labels)
    notes = {spec: model_notes(load_spec_results(*files[:2]), vocabulary) for spec, files in specs.items()}
    # the raw files are named as from the raw folder's parent (raw/clusters/...), as the snapshot names them
    fingerprints = input_fingerprints(i.raw, Path(i.manifest).parent.parent, snakemake.config)
    changes = summary(p.previous, read_estimates([files[0] for files in specs.values()]), fingerprints)
    templates = {k.removeprefix("template_"): v for k, v in i.items() if k.startswith("template_")}
    write_report(tables=dict(zip(p.table_list, i.tables, strict=True)),
                 figures_svg=dict(zip(p.figures, i.figures, strict=True)), numbers=numbers, notes=notes,
                 templates=templates, out_html=snakemake.output.html, out_tex=snakemake.output.tex,
                 out_numbers=snakemake.output.numbers, provenance=provenance, ordinal=ordinal, panel=panel,
                 labels=p.labels, config=snakemake.config, figures=p.figures, changes=changes,
                 codebook=i.codebook, cases=i.cases[0] if i.cases else None)


run_job(snakemake, main)
