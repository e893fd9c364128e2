"""Write the self-contained HTML report, the LaTeX paper and its numbers."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # the gvc_clusters package
from gvc_clusters.jobs import run_job
from gvc_clusters.output.changes import build_snapshot, compare, read_snapshot, write_changes
from gvc_clusters.output.draw import draw_table
from gvc_clusters.output.exhibits import Exhibit, of_kind
from gvc_clusters.output.replication_readme import raw_files
from gvc_clusters.output.report import (
    load_spec_results,
    model_notes,
    report_numbers,
    spec_files,
    statement_numbers,
    write_report,
)
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
                             raw_tables=len(provenance),
                             trade_flows_facts=i.trade_flows_facts[0] if i.trade_flows_facts else None)
    vocabulary = DEFAULT.with_overrides(p.labels)
    numbers.update(statement_numbers(provenance=provenance, replication_summary=i.replication_summary,
                                     agreement_summary=i.agreement_summary, ordinal=ordinal, panel=panel,
                                     readings_summary=readings, vocabulary=vocabulary,
                                     cases_estimates=i.cases_estimates[0] if i.cases_estimates else None,
                                     cases_selected=tuple(snakemake.config["cases"])))
    notes = {spec: model_notes(load_spec_results(*files[:2]), vocabulary.with_spec_labels(p.spec_labels.get(spec)))
             for spec, files in specs.items()}
    # this build's snapshot against the last build's (results/last_build, kept by snapshot_estimates)
    raw = Path(i.manifest).parent
    verdicts = list(getattr(i, "verdicts", None) or [])
    current = build_snapshot([files[0] for files in specs.values()], i.raw, raw.parent, snakemake.config,
                             decision_log=raw / "decision_log.csv", manifest=i.manifest,
                             verdicts=verdicts[0] if verdicts else None)
    changes = compare(read_snapshot(p.previous), current)
    write_changes(changes, snakemake.output.changes)
    templates = {k.removeprefix("template_"): v for k, v in i.items() if k.startswith("template_")}
    exhibits = [Exhibit(**record) for record in p.exhibits]
    drawn = {e.name: draw_table(e, {"sources_manifest": i.manifest}, preset="aer", vocabulary=vocabulary)
             for e in of_kind(exhibits, "table", rule="render_report")}   # the provenance table
    write_report(exhibits=exhibits, drawn=drawn, tables={Path(path).stem: path for path in i.tables},
                 figures_svg={Path(path).stem: path for path in i.figures}, numbers=numbers, notes=notes,
                 templates=templates, out_html=snakemake.output.html, out_tex=snakemake.output.tex,
                 out_numbers=snakemake.output.numbers, ordinal=ordinal, panel=panel,
                 labels=p.labels, spec_labels=p.spec_labels, config=snakemake.config, changes=changes,
                 codebook=i.codebook, cases=i.cases[0] if i.cases else None)


run_job(snakemake, main)
