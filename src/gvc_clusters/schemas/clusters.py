"""Contracts of the cluster dataset (chapters 1 and 10)."""

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from ..parse.clusters import CE_DEGREES, SECTOR_GROUPS
from . import HALF_STEPS_0_TO_3

CLUSTER_ID = Column(str, Check.str_matches(r"^[a-z0-9_]+$"))

SCHEMAS = {
    "clusters": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "sector_group": Column(pa.Category, Check.isin(SECTOR_GROUPS)),
            "product": Column(str),
            "location": Column(str),
            "country": Column(str),
            "ce_degree": Column(pa.Category, Check.isin(CE_DEGREES), nullable=True),
            "has_upgrading_data": Column(bool),
        },
        unique=["cluster_id"], strict=True, ordered=True,
    ),
    "upgrading": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "upgrading_type": Column(pa.Category, Check.isin(["product", "process", "functional", "intersectoral"])),
            "score_0to3": Column(float, Check.isin(HALF_STEPS_0_TO_3), nullable=True),
            "source_table": Column(str, Check.isin(["10-4", "10-5", "10-6"])),
            "source_row": Column(int, Check.gt(0)),
        },
        unique=["cluster_id", "upgrading_type"], strict=True, ordered=True,
    ),
    "governance": DataFrameSchema(
        {
            "cluster_id": CLUSTER_ID,
            "chain_type": Column(pa.Category, Check.isin(["market", "network", "quasi_hierarchy", "hierarchy"])),
            "code_0to3": Column("Int64", Check.isin([0, 1, 2, 3]), nullable=True),
            "source_table": Column(str, Check.eq("10-2")),
            "source_row": Column(int, Check.gt(0)),
        },
        unique=["cluster_id", "chain_type"], strict=True, ordered=True,
    ),
    "sector_ce_index": DataFrameSchema(
        {
            "sector_group": Column(pa.Category, Check.isin(SECTOR_GROUPS)),
            "component": Column(str, Check.isin(["external_economies", "joint_actions", "collective_efficiency"])),
            # EE and JA each sum four components rated 0-3 (text, seed line 275): at most 12 points.
            "average_points": Column(float, Check.in_range(0, 12)),
        },
        unique=["sector_group", "component"], strict=True, ordered=True,
    ),
}
