"""Contracts of the chapter 9 trade tables (Tables 9-1, 9-2, 9-4 and the text verdicts)."""

from pandera.pandas import Check, Column, DataFrameSchema

from gvc_clusters.data.schemas import SHARE_TEXT
from gvc_clusters.vocabulary import TRADE_PRODUCTS

ALL_PRODUCTS = sorted({name for names in TRADE_PRODUCTS.values() for name in names.values()})
SIGN_CONDITIONS = [">0", "<0", "≥0", "≤0", "><0"]
SHARE = Check.in_range(0, 100, error=SHARE_TEXT)
# Growth rates and relative changes: a fall cannot exceed 100 percent.
CHANGE = Check.ge(-100, error="a change >= -100 percent (a fall cannot exceed 100 percent)")

SCHEMAS = {
    "export_performance": DataFrameSchema(
        {
            "source_table": Column(str, Check.isin(list(TRADE_PRODUCTS))),
            "product_code": Column(str, Check.isin(["a", "b", "c", "d"])),
            "product": Column(str, Check.isin(ALL_PRODUCTS)),
            "country": Column(str, Check.str_length(min_value=1)),
            "export_earnings_cagr_pct": Column(float, CHANGE),
            # Printed "n.a." for several 1990 shares.
            "market_share_1990_pct": Column(float, SHARE, nullable=True),
            "market_share_2000_pct": Column(float, SHARE),
            "unit_value_change_pct": Column(float, CHANGE),
            "world_demand_cagr_pct": Column(float, CHANGE),
        },
        unique=["source_table", "product_code", "country"], strict=True, ordered=True,
    ),
    "product_upgrading_conditions": DataFrameSchema(
        {
            "condition_id": Column(int, Check.ge(1)),
            "export_value_sign": Column(str, Check.isin(SIGN_CONDITIONS)),
            "world_demand_sign": Column(str, Check.isin(SIGN_CONDITIONS)),
            "market_share_sign": Column(str, Check.isin(SIGN_CONDITIONS)),
            "unit_value_sign": Column(str, Check.isin(SIGN_CONDITIONS)),
        },
        unique=["condition_id"], strict=True, ordered=True,
    ),
    "chapter9_verdicts": DataFrameSchema(
        {
            "source_table": Column(str, Check.isin(list(TRADE_PRODUCTS))),
            "product_code": Column(str, Check.isin(["a", "b", "c", "d"])),
            "product": Column(str, Check.isin(ALL_PRODUCTS)),
            "country": Column(str, Check.str_length(min_value=1)),
            "verdict": Column(str, Check.str_matches(r"^[a-z][a-z_]*$")),
            "seed_line": Column(int, Check.gt(0)),
            "quote": Column(str, Check.str_length(min_value=1)),
        },
        unique=["source_table", "product_code", "country", "verdict"], strict=True, ordered=True,
    ),
}
