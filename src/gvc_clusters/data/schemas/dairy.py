"""Contracts of the dairy tables (chapter 2: Tables 2-1 and 2-2)."""

from pandera.pandas import Check, Column, DataFrameSchema

from gvc_clusters.data.schemas import NON_NEGATIVE_TEXT, year_span

NON_NEGATIVE = Check.ge(0, error=NON_NEGATIVE_TEXT)


def _low_le_high(*names: str) -> list[Check]:
    return [Check(lambda df, n=n: df[f"{n}_low"] <= df[f"{n}_high"], name=f"{n}_low <= {n}_high",
                  error=f"the low end of a printed range <= its high end ({n})") for n in names]


SCHEMAS = {
    "dairy_chain_2000": DataFrameSchema(
        {
            "territory": Column(str, Check.isin(["Nicaragua", "Boaco-Chontales"])),
            "firm_group": Column(str, Check.isin(["all", "smes", "large_companies"])),
            "livestock_companies_count": Column("Int64", NON_NEGATIVE),
            "production_million_gallons_low": Column(float, NON_NEGATIVE),
            "production_million_gallons_high": Column(float, NON_NEGATIVE),
            "industrial_enterprises_count_low": Column("Int64", NON_NEGATIVE),
            "industrial_enterprises_count_high": Column("Int64", NON_NEGATIVE),
            "processing_million_gallons_low": Column(float, NON_NEGATIVE),
            "processing_million_gallons_high": Column(float, NON_NEGATIVE),
            "exports_usd_million": Column(float, NON_NEGATIVE),
        },
        checks=_low_le_high("production_million_gallons", "industrial_enterprises_count",
                            "processing_million_gallons"),
        unique=["territory", "firm_group"], strict=True, ordered=True,
    ),
    "dairy_milk": DataFrameSchema(
        {
            "year": Column(int, Check.in_range(1995, 2001, error=year_span(1995, 2001))),
            "production_million_gallons": Column(float, NON_NEGATIVE),
            "collection_million_gallons": Column(float, NON_NEGATIVE),
            "pasteurization_million_gallons": Column(float, NON_NEGATIVE),
            # 2001 is printed "n.a.".
            "exports_usd_million": Column(float, NON_NEGATIVE, nullable=True),
        },
        unique=["year"], strict=True, ordered=True,
    ),
}
