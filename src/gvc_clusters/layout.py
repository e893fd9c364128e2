"""Where the data live: the raw files each family reads, the tables it writes, the replication's
outputs and the model variables a spec may name (the report's exhibits: gvc_clusters.output.exhibits).

Imported by the Snakefile, so it must stay light (no pandas): the workflow needs these names to
build its DAG before any job runs. tests/test_layout.py checks them against what the families
actually build.
"""

import glob

from gvc_clusters.vocabulary import CHAIN_TYPES, CHAPTER10_TABLES, UPGRADING_TYPES, table_file_stem

# The one list of each family's raw files (relative to data/raw/) and of the tables it writes: the
# inputs and outputs of the rule clean_<family>; gvc_clusters.data.families.FAMILIES pairs each family
# with its parser, which may read only these files.
FAMILY_FILES = {
    "clusters": ["clusters/table_1_2.csv", "clusters/table_1_3.csv",
                 *[f"clusters/{table_file_stem(t)}.csv" for t in CHAPTER10_TABLES], "clusters/cluster_key.csv",
                 "clusters/table_10_3.csv"],
    "dairy": ["dairy/table_2_1.csv", "dairy/table_2_2.csv"],
    "salmon": ["salmon/table_4_1.csv", "salmon/table_4_3.csv"],
    "furniture": ["furniture/table_5_1.csv", "furniture/table_5_2.csv", "furniture/table_5_3.csv",
                  "furniture/table_5_5.csv", "furniture/table_5_6.csv"],
    "trade": ["trade/table_9_1.csv", "trade/table_9_2.csv", "trade/table_9_4.csv", "trade/chapter9_verdicts.csv"],
}

FAMILY_TABLES = {
    "clusters": ["clusters", "upgrading", "governance", "sector_ce_index", "printed_aggregates",
                 "printed_row_sums", "field_studies", "case_list", "model_dataset", "model_dataset_readings",
                 "sector_patterns"],
    "dairy": ["dairy_chain_2000", "dairy_milk"],
    "salmon": ["salmon_production", "salmon_firms_jobs"],
    "furniture": ["mexico_furniture_exports", "puebla_furniture_exports", "us_furniture_imports",
                  "puebla_furniture_employment", "segusino_balance_sheet"],
    "trade": ["export_performance", "product_upgrading_conditions", "chapter9_verdicts"],
}

REPLICATION_OUTPUTS = [*[f"{table_file_stem(t)}.csv" for t in CHAPTER10_TABLES],
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


def processed_file(table: str, ext: str = "parquet") -> str:
    """A processed table's path under processed_dir: 'model_dataset' -> 'clusters/model_dataset.parquet'
    (the one place a table's folder is looked up)."""
    family = next((f for f, tables in FAMILY_TABLES.items() if table in tables), None)
    if family is None:
        raise KeyError(f"no family writes the processed table {table!r}")
    return f"{family}/{table}.{ext}"


# ---- files outside the build's own: the user's data, and what the manifest leaves out ----------
SIMULATED = "data/simulated"  # the scale profile's generated data (not the book's)

NOT_IN_MANIFEST = {
    "paper.pdf": ("paper, where TeX is installed (not in the manifest)",
                  ("its bytes depend on the TeX installation (Latin Modern where lmodern is installed, Times "
                  "otherwise; TeX Live's version), not on the results: its sources results/report/paper.tex, "
                  "numbers.tex, tables/*.tex, figures/*.png and codebook.tex are in the manifest")),
}


def user_supplied_files(config: dict) -> list[tuple[str, str]]:
    """(file, config setting) of every data file a user added through config, in config order:
    ordinal and panel specs with their own ``table``, and the trade flows' ``input`` (its glob
    expanded) when ``trade_flows.enabled``. Works on a config before validation too."""
    out = []
    for kind in ("ordinal", "panel"):
        for name, spec in (config.get(kind) or {}).get("specs", {}).items():
            if "table" in spec:
                out.append((spec["table"], f"{kind}.specs.{name}.table"))
    flows = config.get("trade_flows") or {}
    if flows.get("enabled"):  # the scale profile's simulated flows are generated, not supplied
        out += [(path, "trade_flows.input") for path in expand_globs(flows["input"]) if not path.startswith(SIMULATED)]
    return out


def expand_globs(patterns: str | list[str]) -> list[str]:
    """A file, a glob or a list of them; a glob must match (the trade flows are the user's data)."""
    files = []
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        if any(c in pattern for c in "*?["):
            found = sorted(glob.glob(pattern))
            if not found:
                raise ValueError(f"trade_flows.input: no file matches {pattern!r} "
                                 "(see config/README.md, trade_flows)")
            files += found
        else:
            files.append(pattern)
    return files
