"""The book's built-in panels (config ``panel: <name>``): their registry, long tables and fits.

One entry of ``BUILTIN_PANELS`` per panel says which cleaning family provides its data, which
processed tables it reads (name -> path relative to ``processed_dir``), how its long table is built
from them (``build(spec, tables) -> PanelBuild``) and how it is fitted (``fit(build, name, spec) ->
[ModelResult, ...]``). Whether the decision log's alternative readings apply to it is whether it has
a ``readings_table``; whether its estimates are descriptive rather than causal, and why, is its
``descriptive`` (the fits carry the caveat as a note and the report prints it under the panel's
table: ``descriptive_panel``). The workflow (rule inputs, which specs can run) and the spec runner
(models/specs.py, models/reading_batch.py) both read this registry, so adding a built-in panel is one
entry here plus its builder and fitter (and its name in the config schema's ``panel`` enum, which a
test holds equal to this registry).

The builders (each returns a ``PanelBuild``: the long frame, which columns are entity / time /
outcome, the regressor sets, the labels behind integer time codes, and counts of every row or
cluster left out):

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

The fitters fit them with the generic ``fit_panel`` (models/panel/fit.py): the cluster x
upgrading-type FE/RE pair with its FE-vs-RE test (models/panel/fe_vs_re.py), the change in trade
shares and the US furniture imports (the last two descriptive).

The spec a builder or fitter receives is validated and has the schema's defaults filled
(workflow/schemas/config.schema.yaml; gvc_clusters.config_defaults outside Snakemake): it indexes
keys, it never supplies a default of its own.

Light on purpose (numpy, pandas and the estimators are imported inside the functions): the workflow
imports the registry when it builds its DAG, before any job runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gvc_clusters.errors import ModelError
from gvc_clusters.layout import processed_file
from gvc_clusters.vocabulary import (
    CE_DEGREES,
    CHAIN_TYPES,
    UPGRADING_TABLE_SECTORS,
    UPGRADING_TYPES,
)
from gvc_clusters.vocabulary import (
    SECTOR_DUMMIES as ALL_SECTOR_DUMMIES,
)

if TYPE_CHECKING:
    import pandas as pd

    from gvc_clusters.models.options import ClusterConvention, PanelSEType
    from gvc_clusters.results import ModelResult

# Traditional manufacturing is the base sector and Medium the base CE degree, as in
# gvc_clusters.analysis.coding; the sector groups with upgrading data only (the software clusters
# have none and leave the panel).
SECTOR_DUMMIES = {group: name for group, name in ALL_SECTOR_DUMMIES.items()
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


Builder = Callable[[dict, "dict[str, pd.DataFrame]"], PanelBuild]
Fitter = Callable[[PanelBuild, str, dict], "list[ModelResult]"]

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
    import numpy as np

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
    import numpy as np

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
    import numpy as np

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


# ----------------------------------------------------------------------------------------------
# Fitters (PanelBuild -> fitted models)
# ----------------------------------------------------------------------------------------------

def fit_upgrading_governance(build: PanelBuild, *, model_id: str = "upgrading_governance",
                             se_type: PanelSEType = "cluster_entity",
                             cluster_convention: ClusterConvention = "nested_not_counted") -> dict[str, ModelResult]:
    """Cluster x upgrading-type models: PanelOLS with cluster and type effects on the governance x
    type interactions (SEs clustered by cluster), RandomEffects with CE, sector and type dummies
    plus the interactions, and a Hausman test on the interactions from unadjusted fits (the
    test's own assumption): ``extra["hausman"]`` with RE's error variance in both covariances
    (positive semi-definite by construction), ``extra["hausman_classic"]`` with each fit's own."""
    from gvc_clusters.models.panel.fe_vs_re import hausman, mundlak_test
    from gvc_clusters.models.panel.fit import fit_panel

    common = {"entity": build.entity, "time": build.time, "outcome": build.outcome, "sample": build.sample,
              "time_labels": build.time_labels}
    fe = fit_panel(build.frame, regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                   time_effects=True, se_type=se_type, model_id=f"{model_id}_fe",
                   cluster_convention=cluster_convention, **common)
    re_ = fit_panel(build.frame, regressors=build.regressors["re"], estimator="random_effects",
                    se_type=se_type, model_id=f"{model_id}_re", cluster_convention=cluster_convention, **common)
    fe_u = fit_panel(build.frame, regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                     time_effects=True, se_type="unadjusted", model_id=f"{model_id}_fe_unadjusted", **common)
    re_u = fit_panel(build.frame, regressors=build.regressors["re"], estimator="random_effects",
                     se_type="unadjusted", model_id=f"{model_id}_re_unadjusted", **common)
    test = hausman(fe_u, re_u, terms=build.regressors["interactions"], sigma="re")
    classic = hausman(fe_u, re_u, terms=build.regressors["interactions"], sigma="separate")
    mundlak = mundlak_test(build.frame, entity=build.entity, outcome=build.outcome,
                           regressors=build.regressors["re"], terms=build.regressors["interactions"],
                           model_id=model_id)
    # One printed verdict: the regression-based test (the classic statistics stay in extra, unprinted:
    # on this panel V_fe - V_re is near-singular and the two classic forms contradict each other).
    if mundlak["informative"]:
        summary = (f"FE vs RE, Mundlak test on {', '.join(mundlak['terms'])} (cluster-robust Wald): "
                   f"F({mundlak['df']}, {mundlak['df_denom']}) = {mundlak['f_statistic']:.3f}, "
                   f"p = {mundlak['p_value']:.4f}")
    else:
        summary = f"FE vs RE on {', '.join(mundlak['terms'])}: Hausman/Mundlak test {mundlak['note']}"
    for result in (fe, re_):
        result.extra["hausman"] = mundlak
        result.extra["hausman_classic"] = {"sigma_re": test, "separate": classic,
                                           "printed": False, "why": "superseded by the Mundlak test"}
        result.notes.append(summary)
        result.extra["build_counts"] = dict(build.counts)
        result.notes.extend(build.notes)
    fe.fixed_effects = {"Cluster": True, "Type": True}
    re_.fixed_effects = {"Cluster": False, "Type": True}  # type effects as dummies; cluster effects random
    re_.notes.append("type effects enter as dummies; cluster effects are random")
    return {"fe": fe, "re": re_}


def fit_trade_share_change(build: PanelBuild, *, model_id: str = "trade_share_change",
                           se_type: PanelSEType = "robust") -> ModelResult:
    """dlog market share on dlog unit value with product effects (a first-difference cross-section).

    Robust SEs by default: with a handful of products, clustering by product has too few clusters.
    """
    from gvc_clusters.models.panel.fit import fit_panel

    result = fit_panel(build.frame, entity=build.entity, time=build.time, outcome=build.outcome,
                       regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                       se_type=se_type, model_id=model_id, sample=build.sample, time_labels=build.time_labels)
    result.fixed_effects = {"Product": True}
    _descriptive(result, "trade_share_change")
    result.extra["build_counts"] = dict(build.counts)
    result.notes.extend(build.notes)
    return result


def fit_us_furniture_imports(build: PanelBuild, *, model_id: str = "us_furniture_imports",
                             se_type: PanelSEType = "cluster_entity") -> ModelResult:
    """Origin x year log imports with origin and year effects and the group x last-year term."""
    from gvc_clusters.models.panel.fit import fit_panel

    result = fit_panel(build.frame, entity=build.entity, time=build.time, outcome=build.outcome,
                       regressors=build.regressors["fe"], estimator="panel_ols", entity_effects=True,
                       time_effects=True, se_type=se_type, model_id=model_id, sample=build.sample)
    result.fixed_effects = {"Origin": True, "Year": True}
    _descriptive(result, "us_imports")
    result.extra["build_counts"] = dict(build.counts)
    result.extra.update(build.facts)
    result.notes.extend(build.notes)
    return result


def _descriptive(result: ModelResult, panel: str) -> None:
    """Mark a fit of a descriptive built-in panel: ``extra["interpretation"]`` and, as a note, the
    caveat its registry entry gives (which the report's table note is then matched by)."""
    result.extra["interpretation"] = "descriptive"
    result.notes.append(BUILTIN_PANELS[panel].descriptive.note)


# ----------------------------------------------------------------------------------------------
# The registry's adapters: (spec, tables) -> PanelBuild, (build, name, spec) -> fits
# ----------------------------------------------------------------------------------------------

def _build_upgrading(spec: dict, tables: dict) -> PanelBuild:
    return upgrading_panel(tables["model_dataset"], chains=tuple(spec["chains"]), threshold=spec["chain_threshold"])


def _fit_upgrading(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    fits = fit_upgrading_governance(build, model_id=name, se_type=spec["se_type"],
                                    cluster_convention=spec["cluster_convention"])
    return [fits["fe"], fits["re"]]


def _build_trade_share_change(spec: dict, tables: dict) -> PanelBuild:
    return trade_share_change(tables["export_performance"])


def _fit_trade_share_change(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    return [fit_trade_share_change(build, model_id=name, se_type=spec["se_type"])]


def _build_us_imports(spec: dict, tables: dict) -> PanelBuild:
    return us_imports_panel(tables["us_furniture_imports"])


def _fit_us_imports(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    return [fit_us_furniture_imports(build, model_id=name, se_type=spec["se_type"])]


# ----------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Descriptive:
    """Why a built-in panel's estimates are descriptive, not causal: ``note`` goes with each fit (its
    notes), ``table_note`` under the panel's table in the report, formatted with the fit's ``n_obs``
    and ``n_params`` (parameters counting the effects)."""
    note: str
    table_note: str


@dataclass(frozen=True)
class BuiltinPanel:
    name: str
    family: str  # the cleaning family whose processed tables the panel reads
    tables: dict[str, str] = field(default_factory=dict)  # input name -> path under processed_dir
    # The alternative-readings table (decision log), read when the spec sets ``readings: true``.
    readings_table: str | None = None
    build: Builder | None = field(default=None, compare=False, repr=False)   # (spec, tables) -> PanelBuild
    fit: Fitter | None = field(default=None, compare=False, repr=False)      # (build, name, spec) -> results
    descriptive: Descriptive | None = None   # None: the estimates are read as the book reads them
    # Where the report places its exhibits (gvc_clusters.output.exhibits): the book chapter whose
    # evidence it models, the document section, whether it tests one of the book's claims (its own
    # subsection and coefficient figure), and what its table shows, in words the section's text uses.
    chapter: int = 10
    section: str = "claims"
    claim: bool = True
    describes: str = ""

    @property
    def has_readings(self) -> bool:
        """Whether the spec option ``readings: true`` re-estimates it over the alternative readings."""
        return self.readings_table is not None


BUILTIN_PANELS: dict[str, BuiltinPanel] = {
    panel.name: panel
    for panel in (
        BuiltinPanel("upgrading", "clusters", {"model_dataset": processed_file("model_dataset")},
                     readings_table=processed_file("model_dataset_readings"),
                     build=_build_upgrading, fit=_fit_upgrading),
        BuiltinPanel("trade_share_change", "trade", {"export_performance": processed_file("export_performance")},
                     build=_build_trade_share_change, fit=_fit_trade_share_change,
                     chapter=9, section="chapter9", claim=False, describes="regresses the one on the other",
                     descriptive=Descriptive(
                         "descriptive association, not a causal effect: share and unit value come from the "
                         "same trade flows, so part of the relation is mechanical",
                         "Descriptive association, not a causal effect: share and unit value come from the "
                         "same trade flows, so part of the relation is mechanical.")),
        BuiltinPanel("us_imports", "furniture", {"us_furniture_imports": processed_file("us_furniture_imports")},
                     build=_build_us_imports, fit=_fit_us_imports,
                     chapter=5, section="cases", claim=False,
                     describes="estimates the change in US furniture imports from NAFTA members after 2001",
                     descriptive=Descriptive(
                         "descriptive: few observations for its parameters, on a top-10 sample selected on the "
                         "outcome",
                         "Descriptive: N = {n_obs} with {n_params} parameters on a top-10 sample selected on the "
                         "outcome.")),
    )
}


def builtin_panel(spec: dict) -> BuiltinPanel | None:
    """The registry entry of a spec with ``panel:``; None for a user-table spec."""
    if "panel" not in spec:
        return None
    try:
        return BUILTIN_PANELS[spec["panel"]]
    except KeyError:
        from gvc_clusters.errors import InputError

        raise InputError("config", "unknown built-in panel", column="panel", value=spec["panel"],
                         expected=" | ".join(BUILTIN_PANELS)) from None


def readings_apply(spec: dict) -> bool:
    """Whether a panel spec is re-estimated over the alternative readings (``readings: true`` on a
    built-in panel that has a readings table)."""
    entry = builtin_panel(spec)
    return bool(spec["readings"]) and entry is not None and entry.has_readings


def descriptive_panel(results: list[ModelResult]) -> BuiltinPanel | None:
    """The descriptive built-in panel these fits are of, known by the caveat its fits carry (their
    ``extra["interpretation"]`` and the entry's note); None for any other spec."""
    for entry in BUILTIN_PANELS.values():
        if entry.descriptive is not None and any(
                r.extra.get("interpretation") == "descriptive" and entry.descriptive.note in r.notes for r in results):
            return entry
    return None


def descriptive_table_note(entry: BuiltinPanel, results: list[ModelResult]) -> str:
    """The note under a descriptive panel's table: its entry's wording with the first descriptive fit's
    number of observations and of parameters (``extra["df_model"]``, the effects counted)."""
    fit = next(r for r in results if r.extra.get("interpretation") == "descriptive")
    return entry.descriptive.table_note.format(n_obs=fit.n_obs, n_params=fit.extra["df_model"])
