"""Contracts of the salmon tables (chapter 4: Tables 4-1 and 4-3)."""

from pandera.pandas import Check, Column, DataFrameSchema

from gvc_clusters.data.schemas import NON_NEGATIVE_TEXT, SHARE_TEXT, year_span

NON_NEGATIVE = Check.ge(0, error=NON_NEGATIVE_TEXT)

SCHEMAS = {
    "salmon_production": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1987, 2001, error=year_span(1987, 2001))),
            "chile_production_thousand_tons": Column(float, NON_NEGATIVE),
            "chile_world_share_pct": Column(float, Check.in_range(0, 100, error=SHARE_TEXT)),
            "tenth_region_production_thousand_tons": Column(float, NON_NEGATIVE),
            "exports_usd_million_fob": Column(float, NON_NEGATIVE),
        },
        # The Tenth Region is part of Chile.
        checks=[Check(lambda df: df["tenth_region_production_thousand_tons"] <= df["chile_production_thousand_tons"],
                      name="tenth_region <= chile",
                      error="Tenth Region production <= Chile's production (the region is part of Chile)")],
        unique=["year"], strict=True, ordered=True,
    ),
    "salmon_firms_jobs": DataFrameSchema(
        {
            "subsystem": Column(str, Check.str_length(min_value=1)),
            "industry": Column(str, Check.str_length(min_value=1)),
            "is_subtotal": Column(bool),
            "independent_firms_count": Column("Int64", NON_NEGATIVE),
            # Printed empty for the supply industries without integrated firms (rows 7-11).
            "integrated_firms_count": Column("Int64", NON_NEGATIVE, nullable=True),
            "total_firms_count": Column("Int64", NON_NEGATIVE),
            "jobs_count": Column("Int64", NON_NEGATIVE),
        },
        unique=["subsystem", "industry"], strict=True, ordered=True,
    ),
}
