"""The long table a linear panel model is fitted on (models/panel/fit.py, models/panel/absorbing.py).

From any long table to the model's columns: a one-column entity key (several columns combined), the
columns checked to exist and be numeric, incomplete rows dropped and counted, a text time column
coded 1..K (linearmodels needs a numeric time index), one row per entity-time key; and which
regressors add no rank (models/rank.py, for the messages that name them). ``panel_sample``
is the opening every engine shares: the columns, the entity and time codes, the key check and the
clusters the SE type needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.panel import fast_fe
from gvc_clusters.models.panel.covariance import cluster_counts


@dataclass
class PanelSample:
    """The rows a panel model is fitted on, with the codes and counts every engine needs."""
    data: pd.DataFrame
    labels: dict            # time code -> label of a text time column (empty if numeric)
    n_missing: int          # rows dropped for a missing key, outcome, regressor or weight
    ent_codes: np.ndarray
    n_ent: int
    time_codes: np.ndarray
    n_time: int
    clusters: dict          # clustering dimension -> number of clusters (empty if not clustered)


def panel_sample(frame, *, entity, time, outcome, regressors, model_id, se_type, min_clusters, weights=None,
                 absorb=(), sort=False) -> PanelSample:
    """The model's complete rows (sorted by entity and time if ``sort``), their entity and time codes,
    one row per key, and the clusters the SE type needs (too few is an error)."""
    data, labels, n_missing = prepare_columns(frame, entity, time, outcome, regressors, model_id, weights=weights,
                                              absorb=absorb)
    if sort:
        data = data.sort_values([entity, time], kind="stable").reset_index(drop=True)
    ent_codes, n_ent = fast_fe.group_codes(data[entity].to_numpy())
    time_codes, n_time = fast_fe.group_codes(data[time].to_numpy())
    check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id)
    clusters = cluster_counts(se_type, entity, time, n_ent, n_time, model_id, min_clusters)
    return PanelSample(data, labels, n_missing, ent_codes, n_ent, time_codes, n_time, clusters)


def entity_key(frame: pd.DataFrame, entity, model_id: str) -> tuple[pd.DataFrame, str]:
    """A one-column entity key: ``entity`` itself, or the combinations of several columns coded
    0..G-1 in sorted order (a column named "a*b"; rows missing a component stay missing)."""
    if isinstance(entity, str):
        return frame, entity
    columns = list(entity)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelError(f"{model_id}: entity column(s) {missing} not in the data")
    if len(columns) == 1:
        return frame, columns[0]
    name = "*".join(columns)
    codes = frame.groupby(columns, sort=True, dropna=True, observed=True).ngroup()
    key = codes.where(frame[columns].notna().all(axis=1)).astype("Int64")
    return frame.assign(**{name: key}), name


def prepare_columns(frame, entity, time, outcome, regressors, model_id, weights=None, absorb=()):
    """Select the model's columns, check they exist and are numeric, drop incomplete rows, and
    code a non-numeric time column as 1..K."""
    needed = [entity, time, outcome, *regressors, *([weights] if weights else []), *absorb]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ModelError(f"{model_id}: column(s) {missing} not in the data "
                         f"(available: {', '.join(map(str, frame.columns))})")
    if len(set(needed)) != len(needed):
        raise ModelError(f"{model_id}: a column is used twice among entity, time, outcome and regressors: {needed}")
    data = frame[needed]
    for col in [outcome, *regressors, *([weights] if weights else [])]:
        if data[col].dtype == bool or str(data[col].dtype) == "boolean":
            data = data.assign(**{col: data[col].astype("Float64")})
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ModelError(f"{model_id}: column {col!r} is not numeric ({data[col].dtype}); code it as dummies")
    complete = data.notna().all(axis=1)
    n_missing = int((~complete).sum())
    if n_missing:
        data = data.loc[complete]
    if data.empty:
        raise ModelError(f"{model_id}: no complete rows for {needed}")
    if weights and not (data[weights] > 0).all():
        bad = data.loc[~(data[weights] > 0), weights]
        raise ModelError(f"{model_id}: weights column {weights!r} must be positive; {len(bad)} row(s) are not, "
                         f"e.g. {bad.iloc[0]!r}")
    data, labels = _numeric_time(data, time)
    for col in [outcome, *regressors]:
        if data[col].dtype != np.float64:
            data = data.assign(**{col: data[col].astype(np.float64)})
    return data, labels, n_missing


def _numeric_time(data, time):
    """linearmodels needs a numeric or datetime time index: map labels to 1..K, keeping them."""
    col = data[time]
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
        return data, {}
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
        levels = [lvl for lvl in col.cat.categories if lvl in set(col)]
    else:
        levels = sorted(col.astype(str).unique())
        col = col.astype(str)
    codes = {lvl: i + 1 for i, lvl in enumerate(levels)}
    data = data.assign(**{time: col.map(codes).astype("int64")})
    return data, {v: k for k, v in codes.items()}


def check_keys(data, entity, time, ent_codes, n_ent, time_codes, n_time, model_id) -> None:
    """One row per entity-time: a duplicate key would silently be a different model."""
    if fast_fe.has_duplicate_keys(ent_codes, n_ent, time_codes, n_time):
        dups = data.loc[data.duplicated([entity, time], keep=False), [entity, time]]
        first = dups.iloc[0]
        raise ModelError(f"{model_id}: {len(dups)} rows share an entity-time key, e.g. "
                         f"{entity}={first[entity]!r}, {time}={first[time]!r}; aggregate or add a key")
