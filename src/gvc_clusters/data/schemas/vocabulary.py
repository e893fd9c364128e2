"""The codebook's part of the one vocabulary (``gvc_clusters.vocabulary`` holds the domain words and
the labels): what each processed table and column means, its unit, and what a missing value means.
Written once, here; the pandera schemas carry it (``annotated_schemas``) and
the codebook, the Frictionless descriptor and the report's codebook page are generated from them.

- ``TABLES``: one line per processed table.
- ``COLUMNS``: one line per column name; a name means the same thing in every table that has it,
  except where ``TABLE_COLUMNS`` says otherwise for one table.
- Units follow the project's naming convention (units in column names): ``unit_of`` reads them from
  the name's suffix (``_usd_million``, ``_pct``, ``_count``, ``_0to3`` ...); ``UNITS`` names the
  few columns whose unit is not in their name.
- ``MISSING``: what an empty cell means, for every nullable column (a test checks none is left out).
"""

from __future__ import annotations

import copy

import pandera.pandas as pa

from gvc_clusters.vocabulary import CHAIN_TYPES, UPGRADING_TYPES

TABLES = {
    "clusters": "The 40 clusters of chapters 1 and 10: sector group, product, location, degree of collective efficiency.",
    "upgrading": "Upgrading scores per cluster and upgrading type, as printed in Tables 10-4 to 10-6.",
    "governance": "Value-chain governance codes per cluster and chain type, as printed in Table 10-2.",
    "sector_ce_index": "Average external-economies, joint-action and collective-efficiency points per sector group (Table 10-1).",
    "field_studies": "Basic characteristics of the 12 new field studies (Table 1-2).",
    "case_list": "The case studies behind the 40-cluster dataset, with their literature sources (Table 1-3).",
    "model_dataset": "One row per cluster: identity, upgrading scores and governance codes side by side (the models' input).",
    "model_dataset_readings": "Cells of the model dataset that an alternative OCR reading changes, with the default and the alternative value.",
    "sector_patterns": ("Table 10-3, the book's claims matrix, one row per printed cell: for each sector group the "
                        "relation between collective efficiency and each type of upgrading, the impact of global "
                        "buyers' operations on it, the learning pattern and the other sources of knowledge."),
    "printed_aggregates": "Totals and averages printed under Tables 10-4 to 10-6 (the checksums that decide garbled cells).",
    "printed_row_sums": "Row sums printed in Tables 10-4 to 10-6 (checksums of each cluster's four scores).",
    "dairy_chain_2000": "The Nicaraguan dairy chain in 2000: companies, production, processing and exports (Table 2-1).",
    "dairy_milk": "Nicaraguan milk production, collection, pasteurization and dairy exports, 1995-2001 (Table 2-2).",
    "salmon_production": "Chilean salmon production, world share, Tenth Region production and exports, 1987-2001 (Table 4-1).",
    "salmon_firms_jobs": "Firms and jobs of the salmon cluster by subsystem and industry (Table 4-3).",
    "mexico_furniture_exports": "Mexican furniture exports, total and maquiladora split, 1991-2001 (Table 5-1).",
    "puebla_furniture_exports": "Wooden and rustic furniture exports of Puebla, 1993-1999 (Table 5-2).",
    "us_furniture_imports": "US furniture imports by country of origin in 1992 and 2001: value, share and rank (Table 5-3).",
    "puebla_furniture_employment": "Employment in the Puebla furniture industry, 1996-2002 (Table 5-5).",
    "segusino_balance_sheet": "Balance sheet of the Segusino furniture firm, 1995-2000 (Table 5-6).",
    "export_performance": "Chapter 9 export performance per product and country: earnings growth, market shares, unit values, world demand (Tables 9-2, 9-4).",
    "product_upgrading_conditions": "The sign conditions that define product upgrading in Amighini's classification (Table 9-1).",
    "chapter9_verdicts": "Chapter 9's own verdict per product and country, quoted from the text with its seed line.",
}

COLUMNS = {
    "relation": ("What the Table 10-3 row states: learning_pattern (Pavitt taxonomy), collective_efficiency (its relation "
                 "with upgrading), global_buyers (the impact of global buyers' or leaders' operations), knowledge_sources."),
    "printed_text": "The cell's text exactly as printed (footnote marks and qualifiers included).",
    "pattern": ("The cell's word: positive, neutral, often_negative, neutral_or_negative or none (collective-efficiency "
                "and global-buyer rows only)."),
    "qualifier": "The words in brackets after the cell's word, as printed (e.g. but passive).",
    "footnote_printed": "The footnote mark as printed (a-e).",
    "footnote": "The footnote mark as decided (a printed c on a None cell is note e: decision log, table 10-3).",
    "source_column": "The printed column header of the source table.",
    "average_points": "Average points of the component across the sector group's clusters.",
    "case_study": "The case study's name as printed (product, place).",
    "ce_degree": "Degree of collective efficiency (external economies plus joint action) as printed: Low, Medium or High.",
    "chain_type": f"Type of value-chain governance ({', '.join(c.replace('_', '-') for c in CHAIN_TYPES)}).",
    "chile_production_thousand_tons": "Chile's salmon and trout production.",
    "chile_world_share_pct": "Chile's share of world salmon production.",
    "cluster_id": "The project's identifier of a cluster (links Tables 1-2, 1-3, 10-2, 10-4 to 10-6).",
    "code_0to3": "Governance code as printed: 0 (absent) to 3 (dominant).",
    "collection_million_gallons": "Milk collected by processors.",
    "column": "The printed column the number sums or averages.",
    "component": "Component of collective efficiency: external economies, joint actions, or their sum.",
    "condition_id": "Number of the sign condition (row of Table 9-1).",
    "country": "Country as printed.",
    "date_of_creation": "Date of the cluster's creation, as printed (a year or a decade).",
    "default_value": "The variable's value under the default reading.",
    "direct_jobs_count": "Direct jobs in the cluster.",
    "employees_count": "Employees of the furniture industry.",
    "equity_usd_million": "Equity (may be negative).",
    "export_earnings_cagr_pct": "Compound annual growth of export earnings, 1990-2000.",
    "export_value_sign": "Sign condition on the change of export value.",
    "exports_1996_usd_million": "Exports in 1996.",
    "exports_2002_usd_million": "Exports in 2002.",
    "exports_usd_million": "Exports.",
    "exports_usd_million_fob": "Salmon exports, free on board.",
    "field_study_row": "Printed row of Table 1-2 (1-12).",
    "firm_group": "Firms counted: all, SMEs or large companies.",
    "firms_count": "Number of firms in the cluster.",
    "firms_count_printed_parts": ("The Number of firms cell's summands when it is printed as a sum (Table 1-2 row 1, "
                                  "'65 + 150': firms in the main value chain + additional local providers, "
                                  "footnote a); firms_count holds the decision log's value (the sum, or 65 under "
                                  "reading 1-2.A)."),
    "functional_upgrading_0to3": "Functional upgrading score (Table 10-6 column), 0-3 in half steps.",
    "has_upgrading_data": "Whether Tables 10-4 to 10-6 score the cluster (false for the software clusters).",
    "hierarchy_chain_0to3": "Governance code of the hierarchy chain (Table 10-2).",
    "independent_firms_count": "Independent firms.",
    "indirect_jobs_count": "Indirect jobs attributed to the cluster.",
    "industrial_enterprises_count_high": "Industrial (processing) enterprises: high end of the printed range.",
    "industrial_enterprises_count_low": "Industrial (processing) enterprises: low end of the printed range.",
    "industry": "Industry of the salmon cluster, as printed.",
    "integrated_firms_count": "Vertically integrated firms.",
    "intersectoral_upgrading_0to3": "Intersectoral upgrading score, 0-3 in half steps.",
    "is_subtotal": "Whether the printed row is a subtotal of its subsystem.",
    "jobs_count": "Jobs.",
    "livestock_companies_count": "Livestock (milk-producing) companies.",
    "location": "Location of the cluster (city, region) as printed.",
    "maquiladora_exports_usd_million": "Exports of maquiladora (in-bond) plants.",
    "market_chain_0to3": "Governance code of the market chain (Table 10-2).",
    "market_share_1990_pct": "Share of world exports of the product in 1990.",
    "market_share_2000_pct": "Share of world exports of the product in 2000.",
    "market_share_sign": "Sign condition on the change of market share.",
    "month": "Month of the observation, where printed.",
    "network_chain_0to3": "Governance code of the network chain (Table 10-2).",
    "non_maquiladora_exports_usd_million": "Exports of plants outside the maquiladora regime.",
    "pasteurization_million_gallons": "Milk pasteurized.",
    "printed_label": "The cluster's label as printed in Table 1-2 (footnote markers included).",
    "printed_value": "The number as printed.",
    "process_upgrading_0to3": "Process upgrading score, 0-3 in half steps.",
    "processing_million_gallons_high": "Milk processed: high end of the printed range.",
    "processing_million_gallons_low": "Milk processed: low end of the printed range.",
    "product": "Product as printed.",
    "product_code": "Letter of the product panel in the printed table (a, b, c, d).",
    "product_upgrading_0to3": "Product upgrading score, 0-3 in half steps.",
    "production_1995_usd_million": "Production in 1995.",
    "production_2002_usd_million": "Production in 2002.",
    "production_million_gallons": "Milk produced.",
    "production_million_gallons_high": "Milk produced: high end of the printed range.",
    "production_million_gallons_low": "Milk produced: low end of the printed range.",
    "quasi_hierarchy_chain_0to3": "Governance code of the quasi-hierarchy chain (Table 10-2).",
    "quote": "The sentence of chapter 9 that states the verdict.",
    "reading": "Identifier of an alternative OCR reading in data/raw/decision_log.csv (e.g. 10-2.A).",
    "reading_value": "The variable's value under the alternative reading.",
    "row_type": "Kind of printed row: a country, a subtotal, the other countries, or the total.",
    "rustic_exports_to_us_usd_million": "Rustic furniture exports to the United States.",
    "rustic_exports_usd_million": "Rustic furniture exports.",
    "sales_usd_million": "Sales.",
    "score_0to3": "Upgrading score as printed: 0 to 3 in half steps.",
    "sector_group": "Sector group of the book's taxonomy (traditional manufacturing, natural-resource based, complex products, specialized suppliers).",
    "seed_line": "Line of the OCR text (seed 001) that holds the quote.",
    "share_pct": "Share of total US furniture imports.",
    "source_row": "Printed row number of the source table.",
    "source_table": "The printed table the row comes from.",
    "sources": "Literature sources of the case study, as printed.",
    "statistic": "The printed statistic: total, average or row sum.",
    "subsystem": "Subsystem of the salmon cluster, as printed.",
    "table": "The printed table (10-4, 10-5, 10-6).",
    "tenth_region_production_thousand_tons": "Salmon production of Chile's Tenth Region.",
    "territory": "Territory: Nicaragua or the Boaco-Chontales region.",
    "total_assets_usd_million": "Total assets.",
    "total_exports_usd_million": "Total furniture exports.",
    "total_firms_count": "All firms (independent plus integrated).",
    "total_liabilities_usd_million": "Total liabilities.",
    "unit_value_change_pct": "Change of the export unit value, 1990-2000.",
    "unit_value_sign": "Sign condition on the change of unit value.",
    "upgrading_type": f"Type of upgrading: {', '.join(UPGRADING_TYPES[:-1])} or {UPGRADING_TYPES[-1]}.",
    "us_import_rank": "Rank of the country among US furniture suppliers.",
    "variable": "Column of the model dataset the reading changes.",
    "verdict": "The chapter's verdict, as a short snake_case label of the quoted sentence.",
    "wooden_exports_usd_million": "Wooden furniture exports.",
    "world_demand_cagr_pct": "Compound annual growth of world demand (imports) for the product, 1990-2000.",
    "world_demand_sign": "Sign condition on the change of world demand.",
    "year": "Year of the observation.",
}

# A column name that means something narrower in one table.
TABLE_COLUMNS = {
    ("us_furniture_imports", "country"): "Country of origin as printed, or the aggregate row's label (subtotal, others, total).",
    ("us_furniture_imports", "exports_usd_million"): "US furniture imports from the country (its exports to the US).",
    ("dairy_chain_2000", "exports_usd_million"): "Dairy exports in 2000.",
    ("dairy_milk", "exports_usd_million"): "Dairy exports.",
    ("segusino_balance_sheet", "exports_usd_million"): "Exports of the firm.",
    ("upgrading", "source_table"): "The printed table the score comes from (10-4, 10-5, 10-6).",
    ("governance", "source_table"): "The printed table the code comes from (10-2).",
    ("clusters", "product"): "The cluster's product as printed.",
    ("model_dataset", "product"): "The cluster's product as printed.",
    ("sector_patterns", "upgrading_type"): "Type of upgrading the row is about (product, process, functional); empty for "
                                           "the learning-pattern and knowledge rows.",
}

# Unit by name suffix (first match wins), then by whole name.
UNIT_SUFFIXES = [
    ("_usd_million_fob", "US$ million, FOB"),
    ("_usd_million", "US$ million"),
    ("_thousand_tons", "thousand tons"),
    ("_million_gallons", "million gallons"),
    ("_million_gallons_low", "million gallons"),
    ("_million_gallons_high", "million gallons"),
    ("_cagr_pct", "percent per year"),
    ("_pct", "percent"),
    ("_count", "count"),
    ("_count_low", "count"),
    ("_count_high", "count"),
    ("_0to3", "score 0-3"),
]
UNITS = {
    "firms_count_printed_parts": "count (printed summands, text)",
    "year": "calendar year",
    "month": "month of year (1-12)",
    "average_points": "points (0-12)",
    "printed_value": "score points (sums or averages of 0-3 scores)",
    "seed_line": "line number",
    "source_row": "row number",
    "field_study_row": "row number",
    "condition_id": "number",
    "us_import_rank": "rank (1 = largest)",
    "default_value": "unit of the variable",
    "reading_value": "unit of the variable",
}
NO_UNIT = "none"

MISSING = {
    ("clusters", "ce_degree"): "no degree printed for the cluster (the five software clusters)",
    ("model_dataset", "ce_degree"): "no degree printed for the cluster (the five software clusters)",
    ("upgrading", "score_0to3"): "the cell is printed empty for the cluster in Tables 10-4 to 10-6",
    ("governance", "code_0to3"): "cell printed empty in Table 10-2",
    ("field_studies", "*"): "printed n.a. (not available) or left empty in Table 1-2",
    ("field_studies", "firms_count_printed_parts"): "the cell is printed as a single number (or n.a.), not as a sum",
    ("model_dataset", "*_upgrading_0to3"): "no score printed for the cluster (the software clusters; empty cells)",
    ("model_dataset", "*_chain_0to3"): "cell printed empty in Table 10-2",
    ("model_dataset_readings", "*"): "the reading changes no cell of the model dataset (only tables outside it)",
    ("dairy_milk", "exports_usd_million"): "2001 is printed n.a.",
    ("mexico_furniture_exports", "*"): "the maquiladora split is printed n.a. for 1991-1993",
    ("us_furniture_imports", "us_import_rank"): "aggregate rows (subtotal, others, total) have no rank",
    ("puebla_furniture_employment", "month"): "the first row is printed as a bare year (1996)",
    ("segusino_balance_sheet", "exports_usd_million"): "1995 exports are printed as a dash",
    ("salmon_firms_jobs", "integrated_firms_count"): "printed empty for supply industries without integrated firms",
    ("export_performance", "market_share_1990_pct"): "printed n.a. in Tables 9-2, 9-4",
    ("sector_patterns", "pattern"): "a text row (learning pattern, sources of knowledge): no word to read",
    ("sector_patterns", "upgrading_type"): "a learning-pattern or knowledge-sources row: about no one type of upgrading",
    ("sector_patterns", "qualifier"): "the cell prints no words in brackets",
    ("sector_patterns", "footnote_printed"): "the cell prints no footnote mark",
    ("sector_patterns", "footnote"): "the cell has no footnote",
}
NEVER_MISSING = "never missing"


def unit_of(column: str) -> str:
    if column in UNITS:
        return UNITS[column]
    for suffix, unit in UNIT_SUFFIXES:
        if column.endswith(suffix):
            return unit
    return NO_UNIT


def description_of(table: str, column: str) -> str:
    return TABLE_COLUMNS.get((table, column)) or COLUMNS[column]


def missing_of(table: str, column: str, nullable: bool) -> str | None:
    """What an empty cell means; None for a nullable column the vocabulary forgot (a test fails)."""
    if not nullable:
        return NEVER_MISSING
    if (table, column) in MISSING:
        return MISSING[(table, column)]
    for (name, pattern), meaning in MISSING.items():
        if name == table and pattern.startswith("*") and column.endswith(pattern[1:]):
            return meaning
    return None


def annotated_schemas() -> dict[str, pa.DataFrameSchema]:
    """Every processed table's schema with its description, and each column's description and
    metadata ``{"unit": ..., "missing": ...}`` from this vocabulary (a KeyError names what is
    missing from it)."""
    from gvc_clusters.data.schemas import all_schemas

    out = {}
    for table, schema in all_schemas().items():
        schema = copy.deepcopy(schema)
        schema.description = TABLES[table]
        for name, column in schema.columns.items():
            column.description = column.description or description_of(table, name)
            column.metadata = {"unit": unit_of(name), "missing": missing_of(table, name, column.nullable),
                               **(column.metadata or {})}
        out[table] = schema
    return out
