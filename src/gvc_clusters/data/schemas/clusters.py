"""Contracts of the cluster dataset (chapters 1 and 10)."""

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from gvc_clusters.data.schemas import CODES_0_TO_3_TEXT, HALF_STEPS_0_TO_3, HALF_STEPS_TEXT, NON_NEGATIVE_TEXT
from gvc_clusters.vocabulary import CE_DEGREES, CHAIN_TYPES, SECTOR_GROUPS, UPGRADING_TABLE_SECTORS, UPGRADING_TYPES

CLUSTER_ID = Column(str, Check.str_matches(r"^[a-z0-9_]+$", error="a lower-case id of letters, digits and '_'"))
SECTOR = Check.isin(list(SECTOR_GROUPS), error=f"one of the sector groups {list(SECTOR_GROUPS)}")
CE = Check.isin(list(CE_DEGREES), error=f"a degree of collective efficiency {list(CE_DEGREES)}")
SCORE = Check.isin(HALF_STEPS_0_TO_3, error=HALF_STEPS_TEXT)
CODE = Check.isin([0, 1, 2, 3], error=CODES_0_TO_3_TEXT)
UPGRADING_TABLES = list(UPGRADING_TABLE_SECTORS)    # 10-4, 10-5, 10-6
COUNT = Check.ge(0, error=NON_NEGATIVE_TEXT)

# The cluster identity columns: the clusters table and the model dataset both start with them.
CLUSTER_COLUMNS = {
    "cluster_id": CLUSTER_ID,
    "sector_group": Column(pa.Category, SECTOR),
    "product": Column(str),
    "location": Column(str),
    "country": Column(str),
    "ce_degree": Column(pa.Category, CE, nullable=True),
    "has_upgrading_data": Column(bool),
}

SCHEMAS = {
    "clusters": DataFrameSchema(
        {
            **CLUSTER_COLUMNS,
        },
        unique=["cluster_id"], strict=True, ordered=True,
    ),
    "upgrading": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "upgrading_type": Column(pa.Category, Check.isin(list(UPGRADING_TYPES))),
            "score_0to3": Column(float, SCORE, nullable=True),
            "source_table": Column(str, Check.isin(list(UPGRADING_TABLES))),
            "source_row": Column(int, Check.gt(0)),
        },
        unique=["cluster_id", "upgrading_type"], strict=True, ordered=True,
    ),
    "governance": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "chain_type": Column(pa.Category, Check.isin(list(CHAIN_TYPES))),
            "code_0to3": Column("Int64", CODE, nullable=True),
            "source_table": Column(str, Check.eq("10-2")),
            "source_row": Column(int, Check.gt(0)),
        },
        unique=["cluster_id", "chain_type"], strict=True, ordered=True,
    ),
    "sector_ce_index": DataFrameSchema(
        {
            "sector_group": Column(pa.Category, SECTOR),
            "component": Column(str, Check.isin(["external_economies", "joint_actions", "collective_efficiency"])),
            # EE and JA each sum four components rated 0-3 (text, seed line 275): at most 12 points.
            "average_points": Column(float, Check.in_range(0, 12, error="average points between 0 and 12")),
        },
        unique=["sector_group", "component"], strict=True, ordered=True,
    ),
    "field_studies": DataFrameSchema(
        {
            "field_study_row": Column(int, Check.in_range(1, 12)),
            "cluster_id": CLUSTER_ID,
            "printed_label": Column(str),
            "country": Column(str),
            "date_of_creation": Column(str),
            "firms_count": Column(float, COUNT, nullable=True),
            "production_1995_usd_million": Column(float, COUNT, nullable=True),
            "production_2002_usd_million": Column(float, COUNT, nullable=True),
            "exports_1996_usd_million": Column(float, COUNT, nullable=True),
            "exports_2002_usd_million": Column(float, COUNT, nullable=True),
            "direct_jobs_count": Column(float, COUNT, nullable=True),
            "indirect_jobs_count": Column(float, COUNT, nullable=True),
            "firms_count_printed_parts": Column(str, Check.str_matches(r"^[0-9]+( \+ [0-9]+)+$"), nullable=True),
        },
        unique=["field_study_row"], strict=True, ordered=True,
    ),
    "case_list": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "sector_group": Column(pa.Category, SECTOR),
            "case_study": Column(str),
            "country": Column(str),
            "sources": Column(str),
            "source_row": Column(int, Check.gt(0)),
        },
        unique=["cluster_id"], strict=True, ordered=True,
    ),
    "model_dataset": DataFrameSchema(
        {
            **CLUSTER_COLUMNS,
            **{f"{u}_upgrading_0to3": Column(float, SCORE, nullable=True)
               for u in UPGRADING_TYPES},
            **{f"{c}_chain_0to3": Column("Int64", CODE, nullable=True)
               for c in CHAIN_TYPES},
        },
        unique=["cluster_id"], strict=True, ordered=True,
    ),
    "model_dataset_readings": DataFrameSchema(
        {
            "reading": Column(str),
            "cluster_id": Column(str, nullable=True),
            "variable": Column(str, nullable=True),
            "default_value": Column(float, nullable=True),
            "reading_value": Column(float, nullable=True),
        },
        unique=["reading", "cluster_id", "variable"], strict=True, ordered=True,
    ),
    "printed_aggregates": DataFrameSchema(
        {
            "table": Column(str, Check.isin(list(UPGRADING_TABLES))),
            "statistic": Column(str, Check.isin(["total", "average"])),
            "column": Column(str, Check.isin([*UPGRADING_TYPES, "sum"])),
            "printed_value": Column(float, COUNT),
        },
        unique=["table", "statistic", "column"], strict=True, ordered=True,
    ),
    "printed_row_sums": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "table": Column(str, Check.isin(list(UPGRADING_TABLES))),
            "statistic": Column(str, Check.eq("row_sum")),
            "column": Column(str, Check.eq("sum")),
            "printed_value": Column(float, Check.in_range(0, 12, error="a row sum of four 0–3 scores: 0 to 12")),
        },
        unique=["cluster_id"], strict=True, ordered=True,
    ),
}
