"""Where everything lives: the raw files each family reads and the tables it writes.

Imported by the Snakefile, so it must stay light (no pandas): the workflow needs these names to
build its DAG before any job runs. tests/test_layout.py checks them against what the families
actually build.
"""

from gvc_clusters.vocabulary import CHAIN_TYPES, UPGRADING_TYPES

# The one list of each family's raw files (relative to data/raw/) and of the tables it writes: the
# inputs and outputs of the rule clean_<family>; gvc_clusters.data.families.FAMILIES pairs each family
# with its parser, which may read only these files.
FAMILY_FILES = {
    "clusters": ["clusters/table_1_2.csv", "clusters/table_1_3.csv", "clusters/table_10_1.csv",
                 "clusters/table_10_2.csv", "clusters/table_10_4.csv", "clusters/table_10_5.csv",
                 "clusters/table_10_6.csv", "clusters/cluster_key.csv"],
    "dairy": ["dairy/table_2_1.csv", "dairy/table_2_2.csv"],
    "salmon": ["salmon/table_4_1.csv", "salmon/table_4_3.csv"],
    "furniture": ["furniture/table_5_1.csv", "furniture/table_5_2.csv", "furniture/table_5_3.csv",
                  "furniture/table_5_5.csv", "furniture/table_5_6.csv"],
    "trade": ["trade/table_9_1.csv", "trade/table_9_2.csv", "trade/table_9_4.csv", "trade/chapter9_verdicts.csv"],
}

FAMILY_TABLES = {
    "clusters": ["clusters", "upgrading", "governance", "sector_ce_index", "printed_aggregates",
                 "printed_row_sums", "field_studies", "case_list", "model_dataset", "model_dataset_readings"],
    "dairy": ["dairy_chain_2000", "dairy_milk"],
    "salmon": ["salmon_production", "salmon_firms_jobs"],
    "furniture": ["mexico_furniture_exports", "puebla_furniture_exports", "us_furniture_imports",
                  "puebla_furniture_employment", "segusino_balance_sheet"],
    "trade": ["export_performance", "product_upgrading_conditions", "chapter9_verdicts"],
}

REPLICATION_OUTPUTS = ["table_10_1.csv", "table_10_2.csv", "table_10_4.csv", "table_10_5.csv", "table_10_6.csv",
                       "governance_patterns.csv", "replication_check.csv", "replication_summary.csv",
                       "decision_log_summary.csv", "replication_check.md"]

# Outcomes and regressors a model spec in config may name (gvc_clusters.analysis.coding builds them;
# tests/test_coding.py checks the lists agree). Checked when the workflow starts, before any job.
MODEL_OUTCOMES = list(UPGRADING_TYPES)
MODEL_REGRESSORS = [
    "ce_level", "ce_low", "ce_high",
    *[f"{chain}_{scope}" for chain in CHAIN_TYPES
      for scope in ("global", "domestic", "any")],
    "any_global_chain", "sector_natural_resource", "sector_complex_products", "sector_software",
    "ce_x_complex", "quasi_hierarchy_global_x_complex",
]

# The report's figures and tables (gvc_clusters.output.report writes them; the workflow lists them).
FIGURES = {
    "upgrading_by_sector_ce": "Upgrading by sector group and CE degree (Tables 10-4–10-6)",
    "governance_by_sector": "Value-chain governance by sector (Table 10-2)",
    "export_quadrants": "Chapter 9: market-share change vs unit-value change",
    "salmon": "Chilean salmon: production and exports (Table 4-1)",
    "dairy": "Nicaragua: milk production, collection and pasteurization (Table 2-2)",
    "furniture": "Mexican and Puebla furniture exports (Tables 5-1, 5-2)",
    "reading_ranges": "Key estimates over the readings of the OCR's uncertain cells, by assumption",
}
# snakemake --report groups the figures by the chapter whose evidence they show.
# Chapter numbers are zero-padded: Snakemake's report menu sorts categories as text, and "Chapter 02"
# must come before "Chapter 10".
FIGURE_CHAPTERS = {
    "upgrading_by_sector_ce": "Chapter 10: clusters", "governance_by_sector": "Chapter 10: clusters",
    "reading_ranges": "Chapter 10: clusters", "export_quadrants": "Chapter 09: export performance",
    "salmon": "Chapter 04: Chilean salmon", "dairy": "Chapter 02: Nicaraguan dairy",
    "furniture": "Chapter 05: Mexican furniture",
}
TABLE_CHAPTERS = {"classification": "Chapter 09: export performance",
                  "panel_trade_share_change": "Chapter 09: export performance",
                  "panel_us_furniture_imports": "Chapter 05: Mexican furniture"}


def table_chapter(name: str) -> str:
    """The chapter snakemake --report files a table under (the cluster tables and models: chapter 10)."""
    return TABLE_CHAPTERS.get(name, "Chapter 10: clusters")
# Panel specs that are not claims about the clusters: the report places them in these sections and
# draws no coefficient figure for them (each has one or two coefficients, all in its table).
PANEL_SECTIONS = {"trade_share_change": "chapter9", "us_furniture_imports": "cases"}


def coefficient_figures(ordinal_specs: list[str], panel_specs: list[str]) -> dict[str, str]:
    """One coefficient figure per model spec of the claims (never mixing specs): name -> caption."""
    from gvc_clusters.vocabulary import DEFAULT
    out = {f"coefficients_{s}": f"{DEFAULT.spec(s)}: average marginal effects on the top upgrading category "
           "(ordered probit, 95% intervals)" for s in ordinal_specs}
    out.update({f"coefficients_{s}": f"{DEFAULT.spec(s)}: coefficients with 95% intervals"
                for s in panel_specs if s not in PANEL_SECTIONS})
    return out


def figure_names(ordinal_specs: list[str], panel_specs: list[str]) -> dict[str, str]:
    """Every figure of the report: the fixed ones, then one coefficient figure per claim spec."""
    return {**FIGURES, **coefficient_figures(ordinal_specs, panel_specs)}


def figure_chapter(name: str) -> str:
    """The chapter snakemake --report files a figure under (coefficient figures: chapter 10)."""
    return FIGURE_CHAPTERS.get(name, "Chapter 10: clusters")


BOOK_TABLES = ["table_10_2", "table_10_4", "table_10_5", "table_10_6", "replication_check", "classification"]


def table_names(ordinal_specs: list[str], panel_specs: list[str]) -> list[str]:
    names = [*BOOK_TABLES]
    for spec in ordinal_specs:
        names += [f"ordinal_{spec}", f"ordinal_{spec}_ame"]
    names += [f"panel_{spec}" for spec in panel_specs]
    return names
