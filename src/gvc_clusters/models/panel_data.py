"""The book's panels, built from the processed tables for ``gvc_clusters.models.panel.fit.fit_panel``.

Each builder returns a ``PanelBuild``: the long frame, which columns are entity / time / outcome,
the regressor sets the book's models use, the labels behind integer time codes, and counts of every
row or cluster left out (so a report can say what the sample is and what it is not).

* ``upgrading_panel`` - cluster x upgrading type (product, process, functional[, intersectoral])
  from data/processed/clusters/model_dataset.parquet. The "time" dimension is the upgrading type:
  cluster effects absorb everything about a cluster (its CE degree, sector, governance), type
  effects absorb the average difficulty of each type, and governance x type interactions ask
  whether clusters in (say) quasi-hierarchical chains score higher on product/process upgrading
  *relative to functional upgrading* than other clusters do (the book's chapter 1 hypothesis).
* ``trade_share_panel`` / ``trade_share_change`` - chapter 9 export performance (Tables 9-2, 9-4):
  country-product x {1990, 2000} market shares, and their first difference against the only
  unit-value information printed (the 1990-2000 change).
* ``us_imports_panel`` - Table 5-3, US furniture imports by origin x {1992, 2001}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gvc_clusters.analysis import coding
from gvc_clusters.errors import ModelError
from gvc_clusters.vocabulary import CE_DEGREES, CHAIN_TYPES, UPGRADING_TABLE_SECTORS, UPGRADING_TYPES

# Traditional manufacturing is the base sector and Medium the base CE degree, as in gvc_clusters.analysis.coding;
# the sector groups with upgrading data only (the software clusters have none and leave the panel).
SECTOR_DUMMIES = {group: name for group, name in coding.SECTOR_DUMMIES.items()
                  if group in UPGRADING_TABLE_SECTORS.values()}
CE_DUMMIES = {CE_DEGREES[0]: "ce_low", CE_DEGREES[-1]: "ce_high"}


@dataclass
class PanelBuild:
    """A long frame ready for ``fit_panel`` plus what the report needs to describe its sample."""

    frame: pd.DataFrame
    entity: str
    time: str
    outcome: str
    regressors: dict[str, list[str]]          # named regressor sets, e.g. {"fe": [...], "re": [...]}
    sample: str
    time_labels: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)          # machine-readable descriptives for ``extra``


# ----------------------------------------------------------------------------------------------
# Cluster x upgrading type
# ----------------------------------------------------------------------------------------------

def upgrading_panel(dataset: pd.DataFrame, *, chains: tuple[str, ...], threshold: int,
                    include_intersectoral: bool = False, base_type: str = "functional") -> PanelBuild:
    """Stack the cluster dataset to cluster x upgrading type, with governance x type interactions.

    A chain is "present" when its 0-3 code exceeds ``threshold`` (0: any chain of that type;
    1: a global one, codes 2-3). The interactions ``<chain>_x_<type>`` for every type but
    ``base_type`` are what PanelOLS with cluster and type effects identifies. ``chains`` and
    ``threshold`` have no default here: a spec's come from config (``chains``, ``chain_threshold``;
    their defaults are the config schema's). Clusters without
    upgrading data (the software clusters) are excluded and counted; a missing score drops that
    cluster-type row only; a missing governance code leaves the interactions missing (fit_panel
    drops and counts those rows).
    """
    types = list(UPGRADING_TYPES if include_intersectoral else UPGRADING_TYPES[:3])
    _require(dataset, ["cluster_id", "sector_group", "ce_degree", "has_upgrading_data",
                       *[f"{t}_upgrading_0to3" for t in types], *[f"{c}_chain_0to3" for c in chains]],
             "cluster model dataset")
    if base_type not in types:
        raise ModelError(f"base upgrading type {base_type!r} is not one of {types}")
    unknown = sorted(set(chains) - set(CHAIN_TYPES))
    if unknown:
        raise ModelError(f"unknown governance chains {unknown}; expected some of {list(CHAIN_TYPES)}")
    has_data = dataset["has_upgrading_data"].astype(bool)
    clusters = dataset.loc[has_data].sort_values("cluster_id", kind="stable")
    codes = {t: i + 1 for i, t in enumerate(types)}
    long = clusters.melt(id_vars=["cluster_id"], value_vars=[f"{t}_upgrading_0to3" for t in types],
                         var_name="upgrading_type", value_name="score")
    long["upgrading_type"] = long["upgrading_type"].str.removesuffix("_upgrading_0to3")
    long["type_code"] = long["upgrading_type"].map(codes).astype("int64")
    n_possible = len(long)
    long = long.dropna(subset=["score"])
    cluster_vars = _cluster_regressors(clusters, chains, threshold)
    frame = long.merge(cluster_vars, on="cluster_id", how="left", validate="many_to_one")
    regressors = _type_terms(frame, types, chains, base_type)
    frame = frame.sort_values(["cluster_id", "type_code"], kind="stable").reset_index(drop=True)
    interactions = regressors["interactions"]
    gov_missing = frame[[f"{c}_present" for c in chains]].isna().any(axis=1)
    counts = {
        "clusters_total": len(dataset),
        "clusters_excluded_no_upgrading_data": int((~has_data).sum()),
        "clusters": int(frame["cluster_id"].nunique()),
        "rows_possible": int(n_possible),
        "rows_missing_score": int(n_possible - len(long)),
        "rows": len(frame),
        "clusters_missing_governance": int(frame.loc[gov_missing, "cluster_id"].nunique()),
        "rows_missing_governance": int(gov_missing.sum()),
    }
    excluded = sorted(dataset.loc[~has_data, "cluster_id"].astype(str))
    notes = [
        f"entity = cluster, 'time' = upgrading type coded {codes} (labels in upgrading_type)",
        f"{counts['clusters_excluded_no_upgrading_data']} clusters without upgrading data excluded: "
        + ", ".join(excluded),
        f"{counts['rows_missing_score']} cluster-type scores missing (row dropped)",
        (f"chain presence = code > {threshold} for {', '.join(chains)}; {counts['clusters_missing_governance']} "
         "cluster(s) without governance codes drop out of models using the interactions"),
        (f"base upgrading type: {base_type}; interaction {interactions[0] if interactions else ''} is the "
         f"difference its chain makes to that type's score relative to {base_type} upgrading"),
    ]
    return PanelBuild(frame=frame, entity="cluster_id", time="type_code", outcome="score",
                      regressors=regressors, sample="clusters with upgrading data (software excluded)",
                      time_labels={v: k for k, v in codes.items()}, counts=counts, notes=notes)


def _cluster_regressors(clusters: pd.DataFrame, chains, threshold) -> pd.DataFrame:
    """Time-invariant cluster variables: CE and sector dummies, chain presence (missing stays missing)."""
    out = clusters[["cluster_id", "sector_group", "ce_degree"]].copy()
    out["sector_group"] = out["sector_group"].astype(str)
    ce = out["ce_degree"].astype("string")
    out["ce_degree"] = ce
    for level, name in CE_DUMMIES.items():
        out[name] = (ce == level).astype(float).where(ce.notna())
    for group, name in SECTOR_DUMMIES.items():
        out[name] = (out["sector_group"] == group).astype(float)
    for chain in chains:
        code = clusters[f"{chain}_chain_0to3"].astype("Float64")
        out[f"{chain}_present"] = (code > threshold).astype("Float64").astype(float)
    return out


def _type_terms(frame: pd.DataFrame, types, chains, base_type) -> dict[str, list[str]]:
    """Type dummies and chain x type interactions (base type omitted), added to ``frame`` in place."""
    others = [t for t in types if t != base_type]
    dummies, interactions = [], []
    for kind in others:
        frame[f"type_{kind}"] = (frame["upgrading_type"] == kind).astype(float)
        dummies.append(f"type_{kind}")
    for chain in chains:
        for kind in others:
            name = f"{chain}_x_{kind}"
            frame[name] = frame[f"{chain}_present"] * frame[f"type_{kind}"]
            interactions.append(name)
    presence = [f"{c}_present" for c in chains]
    time_invariant = [*CE_DUMMIES.values(), *SECTOR_DUMMIES.values(), *presence]
    return {"fe": interactions, "re": [*time_invariant, *dummies, *interactions],
            "interactions": interactions, "type_dummies": dummies, "time_invariant": time_invariant}


# ----------------------------------------------------------------------------------------------
# Chapter 9: market shares
# ----------------------------------------------------------------------------------------------

def _trade_rows(table: pd.DataFrame) -> pd.DataFrame:
    """One row per country-product with stable ids (product codes a, b, ... repeat across tables)."""
    _require(table, ["source_table", "product_code", "product", "country", "market_share_1990_pct",
                     "market_share_2000_pct", "unit_value_change_pct"], "export performance table")
    out = table.copy()
    out["product_id"] = out["source_table"].astype(str) + out["product_code"].astype(str)
    out["pair"] = out["product_id"] + ":" + out["country"].astype(str)
    if out["pair"].duplicated().any():
        dup = out.loc[out["pair"].duplicated(), "pair"].iloc[0]
        raise ModelError(f"export performance: country-product {dup!r} appears twice")
    return out.sort_values(["product_id", "country"], kind="stable").reset_index(drop=True)


def trade_share_panel(table: pd.DataFrame) -> PanelBuild:
    """Country-product x {1990, 2000} log market share; n.a. and zero shares are dropped and counted.

    Printed 0.00 shares (below 0.005 %) have no logarithm; they are dropped rather than replaced by
    an arbitrary floor, and counted separately from the n.a. cells.
    """
    rows = _trade_rows(table)
    long = rows.melt(id_vars=["pair", "product_id", "product", "country", "source_table"],
                     value_vars=["market_share_1990_pct", "market_share_2000_pct"],
                     var_name="year", value_name="market_share_pct")
    long["year"] = long["year"].str.extract(r"(\d{4})", expand=False).astype("int64")
    n_missing = int(long["market_share_pct"].isna().sum())
    n_zero = int((long["market_share_pct"] == 0).sum())
    kept = long.loc[long["market_share_pct"] > 0].copy()
    kept["log_market_share"] = np.log(kept["market_share_pct"])
    kept = kept.sort_values(["pair", "year"], kind="stable").reset_index(drop=True)
    counts = {"pairs": int(rows["pair"].nunique()), "rows_possible": len(long),
              "rows_missing_share": n_missing, "rows_zero_share": n_zero, "rows": len(kept),
              "pairs_both_years": int(kept.groupby("pair").size().eq(2).sum())}
    notes = [f"{n_missing} country-product-year shares printed n.a. and {n_zero} printed 0.00 dropped",
             ("two periods only: unit values are printed as a 1990-2000 change, so no level regressor "
              "varies within a country-product; see trade_share_change for the estimable model")]
    return PanelBuild(frame=kept, entity="pair", time="year", outcome="log_market_share",
                      regressors={"fe": []}, sample="chapter 9 country-products (Tables 9-2, 9-4)",
                      counts=counts, notes=notes)


def trade_share_change(table: pd.DataFrame) -> PanelBuild:
    """Cross-section of first differences: dlog market share 2000/1990 on dlog unit value.

    With two periods the within (fixed-effects) estimator of a country-product panel *is* the
    first-difference regression; product effects in the differenced equation are product-specific
    trends (product x year effects in levels), so world demand growth (a product-level number) is
    absorbed by them. Unit value enters as log(1 + change/100), so the slope is an elasticity.
    "time" is a country code here (only so linearmodels gets its two-level index; nothing is
    time-ordered, and time-based covariances are meaningless).
    """
    rows = _trade_rows(table)
    s90, s00 = rows["market_share_1990_pct"], rows["market_share_2000_pct"]
    usable = (s90 > 0) & (s00 > 0) & rows["unit_value_change_pct"].notna()
    out = rows.loc[usable].copy()
    out["dlog_market_share"] = np.log(out["market_share_2000_pct"]) - np.log(out["market_share_1990_pct"])
    out["dlog_unit_value"] = np.log1p(out["unit_value_change_pct"] / 100.0)
    countries = sorted(out["country"].astype(str).unique())
    codes = {c: i + 1 for i, c in enumerate(countries)}
    out["country_code"] = out["country"].astype(str).map(codes).astype("int64")
    out = out.sort_values(["product_id", "country_code"], kind="stable").reset_index(drop=True)
    counts = {"pairs": len(rows), "pairs_missing_share": int((s90.isna() | s00.isna()).sum()),
              "pairs_zero_share": int(((s90 == 0) | (s00 == 0)).sum()), "rows": len(out),
              "products": int(out["product_id"].nunique())}
    notes = [("first differences 2000 vs 1990 (two periods support nothing more: the within estimator of "
              "the two-period panel equals this regression)"),
             (f"{counts['pairs_missing_share']} country-products with an n.a. share and "
              f"{counts['pairs_zero_share']} with a 0.00 share dropped"),
             "product effects = product-specific trends; world demand growth is absorbed by them",
             "'time' index = country code (1..K, alphabetical) only to give linearmodels a two-level index"]
    return PanelBuild(frame=out, entity="product_id", time="country_code", outcome="dlog_market_share",
                      regressors={"fe": ["dlog_unit_value"]}, sample="chapter 9 country-products with both shares > 0",
                      time_labels={v: k for k, v in codes.items()}, counts=counts, notes=notes)


# ----------------------------------------------------------------------------------------------
# Table 5-3: US furniture imports
# ----------------------------------------------------------------------------------------------

def us_imports_panel(table: pd.DataFrame, *, group: tuple[str, ...] = ("Mexico", "Canada"),
                     group_name: str = "nafta") -> PanelBuild:
    """Origin x year log US furniture imports, with a ``<group_name>_x_<last year>`` indicator.

    With origin and year effects and two years, the only estimable regressor is an origin-group x
    year interaction: its coefficient is the difference in mean log growth between the group
    (default: the NAFTA partners, whose access changed in 1994) and the other top origins.
    """
    _require(table, ["country", "row_type", "year", "exports_usd_million"], "US furniture imports table")
    is_origin = table["row_type"].astype(str) == "country"
    frame = table.loc[is_origin, ["country", "year", "us_import_rank", "exports_usd_million", "share_pct"]].copy()
    frame["country"] = frame["country"].astype(str)
    missing = sorted(set(group) - set(frame["country"]))
    if missing:
        raise ModelError(f"US furniture imports: group origins {missing} are not in the table")
    years = sorted(int(y) for y in frame["year"].unique())
    last = int(years[-1])
    frame["log_imports"] = np.log(frame["exports_usd_million"].astype(float))
    name = f"{group_name}_x_{last}"
    frame[name] = (frame["country"].isin(group) & (frame["year"] == last)).astype(float)
    frame = frame.sort_values(["country", "year"], kind="stable").reset_index(drop=True)
    growth = (frame.pivot(index="country", columns="year", values="log_imports").diff(axis=1).iloc[:, -1])
    counts = {"origins": int(frame["country"].nunique()), "years": len(years), "rows": len(frame),
              "rows_excluded_aggregates": int((~is_origin).sum())}
    notes = [(f"origins x years {years}: {counts['rows']} rows; the subtotal/others/total rows "
              f"({counts['rows_excluded_aggregates']}) are aggregates, not origins"),
             (f"{len(years)} periods: with origin and year effects only an origin-group x {last} term is "
              f"identified ({name}: mean log growth of {', '.join(group)} minus the other origins); "
              "no dynamics, trends or serial correlation can be estimated, and with "
              f"{counts['origins']} origins the clustered SEs rest on few clusters - descriptive evidence"),
             ("the panel is the top-10 origins of each year (selected on the outcome): growth of the "
              "ranked origins, not of all suppliers")]
    facts = {"log_growth_by_origin": {c: float(v) for c, v in growth.sort_index().items() if not math.isnan(v)}}
    notes.append("log growth by origin: " + ", ".join(f"{c} {v:.3f}" for c, v in facts["log_growth_by_origin"].items()))
    return PanelBuild(frame=frame, entity="country", time="year", outcome="log_imports",
                      regressors={"fe": [name]}, sample="Table 5-3 origins (US furniture imports)",
                      time_labels={int(y): str(y) for y in years}, counts=counts, notes=notes, facts=facts)


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelError(f"{what} lacks columns {missing}")
