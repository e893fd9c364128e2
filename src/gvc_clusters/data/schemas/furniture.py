"""Contracts of the furniture tables (chapter 5: Tables 5-1, 5-2, 5-3, 5-5, 5-6)."""

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from gvc_clusters.data.schemas import NON_NEGATIVE_TEXT, SHARE_TEXT, year_span

NON_NEGATIVE = Check.ge(0, error=NON_NEGATIVE_TEXT)


def _money(nullable: bool = False) -> Column:
    return Column(float, NON_NEGATIVE, nullable=nullable)


SCHEMAS = {
    "mexico_furniture_exports": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1991, 2001, error=year_span(1991, 2001))),
            "total_exports_usd_million": _money(),
            # The maquiladora split is printed n.a. for 1991-1993.
            "maquiladora_exports_usd_million": _money(nullable=True),
            "non_maquiladora_exports_usd_million": _money(nullable=True),
        },
        unique=["year"], strict=True, ordered=True,
    ),
    "puebla_furniture_exports": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1993, 1999, error=year_span(1993, 1999))),
            "wooden_exports_usd_million": _money(),
            "rustic_exports_usd_million": _money(),
            "rustic_exports_to_us_usd_million": _money(),
        },
        checks=[Check(lambda df: df["rustic_exports_to_us_usd_million"] <= df["rustic_exports_usd_million"],
                      name="rustic to US <= rustic total",
                      error="rustic exports to the US <= all rustic exports")],
        unique=["year"], strict=True, ordered=True,
    ),
    "us_furniture_imports": DataFrameSchema(
        {
            "country": Column(str, Check.str_length(min_value=1)),
            "row_type": Column(pa.Category, Check.isin(["country", "subtotal", "others", "total"])),
            "year": Column(int, Check.isin([1992, 2001], error="1992 or 2001 (the years of Table 5-3)")),
            # Printed for the ten countries only (aggregate rows have none).
            "us_import_rank": Column("Int64", Check.ge(1), nullable=True),
            "exports_usd_million": _money(),
            "share_pct": Column(float, Check.in_range(0, 100, error=SHARE_TEXT)),
        },
        unique=["country", "year"], strict=True, ordered=True,
    ),
    "puebla_furniture_employment": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1996, 2002, error=year_span(1996, 2002))),
            # The first row is printed as a bare year ("1996").
            "month": Column("Int64", Check.in_range(1, 12), nullable=True),
            "employees_count": Column("Int64", NON_NEGATIVE),
        },
        unique=["year"], strict=True, ordered=True,
    ),
    "segusino_balance_sheet": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1995, 2000, error=year_span(1995, 2000))),
            "total_assets_usd_million": _money(),
            "total_liabilities_usd_million": _money(),
            "equity_usd_million": Column(float),
            "sales_usd_million": _money(),
            # 1995 exports printed as a dash.
            "exports_usd_million": _money(nullable=True),
        },
        unique=["year"], strict=True, ordered=True,
    ),
}
