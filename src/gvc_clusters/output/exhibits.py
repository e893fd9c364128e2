"""The numbered tables and figures of the report and the paper, and what builds each.

The numbers are the document plan's (``render.document.document_plan``), the one the HTML report and
``paper.tex`` are laid out by, so Table k here is Table k there. ``numbered_exhibits`` gives, for
each, the rule, script and package function that render it, its output files, and the result files
it is computed from (built by the rule named in the catalog).
"""

from __future__ import annotations

from gvc_clusters.layout import figure_names

# Package function that draws each figure (called by gvc_clusters.output.report.write_figures).
FIGURE_FUNCTIONS = {
    "upgrading_by_sector_ce": "figure_upgrading", "governance_by_sector": "figure_governance",
    "export_quadrants": "figure_export_quadrants", "salmon": "figure_salmon", "dairy": "figure_dairy",
    "furniture": "figure_furniture", "reading_ranges": "figure_reading_ranges",
}


def _figure_sources(name: str, processed: str, results: str, ordinal: list[str], panel: list[str]) -> list[str]:
    for kind, specs in (("ordinal", ordinal), ("panel", panel)):
        for spec in specs:
            if name == f"coefficients_{spec}":
                return [f"{results}/models/{kind}/{spec}/estimates.csv"]
    return {
        "upgrading_by_sector_ce": [f"{processed}/clusters/model_dataset.parquet"],
        "governance_by_sector": [f"{processed}/clusters/model_dataset.parquet"],
        "export_quadrants": [f"{results}/classification/classification.csv",
                             f"{processed}/trade/export_performance.parquet"],
        "salmon": [f"{processed}/salmon/salmon_production.parquet"],
        "dairy": [f"{processed}/dairy/dairy_milk.parquet"],
        "furniture": [f"{processed}/furniture/mexico_furniture_exports.parquet",
                      f"{processed}/furniture/puebla_furniture_exports.parquet"],
        "reading_ranges": [f"{results}/models/readings/reading_summary.csv"],
    }[name]


def _table_source(name: str, results: str, ordinal: list[str], panel: list[str]) -> tuple[str, str, list[str]]:
    """(title, package function, result files it is computed from) of a report table."""
    if name.startswith("table_10_"):
        printed = name.removeprefix("table_").replace("_", "-")
        return (f"Table {printed} of the book, rebuilt", "gvc_clusters.output.render.tables.chapter10_table",
                [f"{results}/replication/{name}.csv", f"{results}/replication/replication_check.csv"])
    if name == "replication_check":
        return ("Printed versus reproduced numbers (chapter 10)", "gvc_clusters.output.render.tables.replication_check_table",
                [f"{results}/replication/replication_check.csv"])
    if name == "provenance":
        return ("Raw tables: transcribed as printed, checked by SHA-256", "gvc_clusters.output.report.provenance_table",
                ["data/raw/sources.yaml"])
    if name == "classification":
        return ("Chapter 9 export-performance classification", "gvc_clusters.output.render.tables.classification_table",
                [f"{results}/classification/classification.csv"])
    for spec in ordinal:
        files = [f"{results}/models/ordinal/{spec}/estimates.csv", f"{results}/models/ordinal/{spec}/models.json"]
        if name == f"ordinal_{spec}":
            return (f"Ordered models of upgrading: {spec}", "gvc_clusters.output.report.ordinal_tables", files)
        if name == f"ordinal_{spec}_ame":
            return (f"Average marginal effects: {spec}", "gvc_clusters.output.report.ordinal_tables", files)
    for spec in panel:
        if name == f"panel_{spec}":
            return (f"Panel models: {spec}", "gvc_clusters.output.report.panel_table",
                    [f"{results}/models/panel/{spec}/estimates.csv", f"{results}/models/panel/{spec}/models.json"])
    raise KeyError(f"report table {name!r} has no entry in gvc_clusters.output.exhibits")


def numbered_exhibits(table_list: list[str], ordinal: list[str], panel: list[str], *, scripts: dict[str, str],
                      processed: str = "data/processed", results: str = "results") -> list[dict]:
    """``scripts``: rule -> its script, as the workflow's rules declare them (render_tables,
    render_figures, render_report)."""
    from gvc_clusters.output.render.document import document_plan
    from gvc_clusters.vocabulary import DEFAULT

    report = f"{results}/report"
    figures = figure_names(ordinal, panel)
    tables = {name: (name, name) for name in [*table_list, "provenance"]}  # numbering needs names only
    plan = document_plan(tables=tables, figures=figures, ordinal_specs=list(ordinal), panel_specs=list(panel),
                         vocabulary=DEFAULT)
    items = [i for section in plan for block in section.blocks for i in block.items]
    out = []
    for item in sorted(items, key=lambda i: (i.kind != "table", i.number)):
        name = item.name
        if item.kind == "table":
            title, function, sources = _table_source(name, results, ordinal, panel)
            outputs = ([f"{report}/index.html", f"{report}/paper.tex"] if name == "provenance" else
                       [f"{report}/tables/{name}.{ext}" for ext in ("tex", "html", "csv")])
            rule = "render_report" if name == "provenance" else "render_tables"
            out.append({"number": f"Table {item.number}", "name": name, "title": title,
                        "rule": rule, "script": scripts[rule], "function": function,
                        "outputs": outputs, "sources": sources})
        else:
            function = FIGURE_FUNCTIONS.get(name, "figure_coefficients")
            out.append({"number": f"Figure {item.number}", "name": name, "title": figures[name],
                        "rule": "render_figures", "script": scripts["render_figures"],
                        "function": f"gvc_clusters.output.render.figures.{function}",
                        "outputs": [f"{report}/figures/{name}.{ext}" for ext in ("svg", "png")],
                        "sources": _figure_sources(name, processed, results, ordinal, panel)})
    return out


def exhibits_of(path: str, exhibits: list[dict]) -> list[str]:
    """The numbers of the exhibits a file is (part of) or is computed into."""
    return [e["number"] for e in exhibits if path in e["outputs"] or path in e["sources"]]
