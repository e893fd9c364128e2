"""From the processed cluster dataset to model variables: CE degree, governance and sector codes.

The book codes governance per chain type as 0 = absent, 1 = domestic chain, 2 = global chain,
3 = domestic and global chain (note to Table 10-2, seed line 3385). Upgrading is scored 0–3 in
half steps (Tables 10-4–10-6); CE degree is Low / Medium / High (Table 10-4).

The domain words (upgrading types, chain types, CE degrees, sector groups) come from
``gvc_clusters.vocabulary``. The variable names built here are the vocabulary of the model specs in
config/config.yaml; ``gvc_clusters.layout.MODEL_OUTCOMES`` and ``MODEL_REGRESSORS`` list them
(without pandas) so the workflow can reject a spec naming an unknown regressor before any job runs.
tests/test_coding.py keeps them equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gvc_clusters.errors import InputError
from gvc_clusters.vocabulary import CE_LEVELS, CHAIN_TYPES, SECTOR_DUMMIES, UPGRADING_TYPES

HALF_RULES = ("keep", "floor", "ceil")

VARIABLE_DOCS = {
    "ce_level": "CE degree, Low = 1, Medium = 2, High = 3 (Table 10-4)",
    "ce_low": "CE degree Low (base: Medium)",
    "ce_high": "CE degree High (base: Medium)",
    **{f"{c}_global": f"a global {c.replace('_', '-')} chain is present (code 2 or 3, Table 10-2)" for c in CHAIN_TYPES},
    **{f"{c}_domestic": f"a domestic {c.replace('_', '-')} chain is present (code 1 or 3)" for c in CHAIN_TYPES},
    **{f"{c}_any": f"any {c.replace('_', '-')} chain is present (code > 0)" for c in CHAIN_TYPES},
    "any_global_chain": "at least one global chain of any type (code 2 or 3)",
    "sector_natural_resource": "natural-resource-based cluster (base: traditional manufacturing)",
    "sector_complex_products": "complex-products cluster (base: traditional manufacturing)",
    "sector_software": "software cluster (no upgrading data: excluded from upgrading models)",
    "ce_x_complex": "CE level × complex products: does CE matter less in complex products?",
    "quasi_hierarchy_global_x_complex": "global quasi-hierarchy × complex products",
}


def upgrading_outcome(scores: pd.Series, halves: str) -> pd.Series:
    """Code a 0–3 half-step upgrading score as an ordered outcome.

    ``keep`` keeps the half steps as categories of their own (1.5 lies between 1 and 2: the most
    faithful coding, at the price of more cutpoints); ``floor``/``ceil`` round them down/up
    (sensitivity codings). Missing stays missing.
    """
    if halves not in HALF_RULES:
        raise InputError("config", "unknown rule for half-step upgrading scores",
                         column="halves", value=halves, expected=" | ".join(HALF_RULES))
    if halves == "floor":
        return np.floor(scores)
    if halves == "ceil":
        return np.ceil(scores)
    return scores.astype(float)


def model_variables(dataset: pd.DataFrame, halves: str = "keep") -> pd.DataFrame:
    """One row per cluster: outcomes (``product``, ``process``, ...) and every model regressor.

    Clusters keep their rows even without upgrading data; samples are chosen by the caller
    (``has_upgrading_data``), so the excluded clusters can be counted.
    """
    out = dataset[["cluster_id", "sector_group", "ce_degree", "has_upgrading_data"]].copy()
    out["sector_group"] = out["sector_group"].astype(str)
    for kind in UPGRADING_TYPES:
        out[kind] = upgrading_outcome(dataset[f"{kind}_upgrading_0to3"], halves)
    ce = dataset["ce_degree"].astype("string").map(CE_LEVELS)
    out["ce_level"] = ce.astype(float)
    out["ce_low"] = (ce == 1).astype(float).where(ce.notna())
    out["ce_high"] = (ce == 3).astype(float).where(ce.notna())
    any_global = pd.Series(False, index=dataset.index)
    for chain in CHAIN_TYPES:
        code = dataset[f"{chain}_chain_0to3"].astype("Float64")
        out[f"{chain}_global"] = code.isin([2, 3]).astype(float).where(code.notna()).astype(float)
        out[f"{chain}_domestic"] = code.isin([1, 3]).astype(float).where(code.notna()).astype(float)
        out[f"{chain}_any"] = (code > 0).astype(float).where(code.notna()).astype(float)
        any_global |= code.isin([2, 3]).fillna(False).astype(bool)
    out["any_global_chain"] = any_global.astype(float)
    for group, name in SECTOR_DUMMIES.items():
        out[name] = (out["sector_group"] == group).astype(float)
    out["ce_x_complex"] = out["ce_level"] * out["sector_complex_products"]
    out["quasi_hierarchy_global_x_complex"] = out["quasi_hierarchy_global"] * out["sector_complex_products"]
    return out.sort_values("cluster_id", kind="stable").reset_index(drop=True)


def estimation_sample(variables: pd.DataFrame, outcome: str, regressors: list[str]) -> tuple[pd.DataFrame, dict]:
    """The rows a model can use, and a count of every exclusion and why (reported with the model)."""
    unknown = [r for r in [outcome, *regressors] if r not in variables.columns]
    if unknown:
        raise InputError("config", "model spec names variables the data do not have", column="regressors",
                         value=", ".join(unknown), expected="one of " + ", ".join(sorted(VARIABLE_DOCS)))
    no_data = ~variables["has_upgrading_data"]
    usable = variables[~no_data]
    missing = usable[[outcome, *regressors]].isna().any(axis=1)
    sample = usable[~missing].reset_index(drop=True)
    excluded = {
        "no_upgrading_data": sorted(variables.loc[no_data, "cluster_id"]),
        "missing_values": sorted(usable.loc[missing, "cluster_id"]),
    }
    return sample, excluded
