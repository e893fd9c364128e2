"""The inputs of an ordered model, checked and coded: outcome categories, regressors, clusters.

``outcome_codes`` turns an ordered outcome into integer codes and labels; ``regressor_frame``
refuses regressors the ordered model cannot identify (constant, collinear, missing, non-numeric);
``code_clusters`` codes the groups of clustered SEs. Each problem raises ``ModelError`` naming the
model. Used by the fit (models/ordinal.py), the separation check (models/separation.py) and the
randomization inference (models/randomization.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.rank import collinear_columns


def _category_label(value) -> str:
    """A category label for term names: 1.0 -> "1", 0.5 -> "0.5", strings unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def outcome_codes(y, model_id: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Integer codes 0..K-1 of an ordered outcome, its labels, and notes.

    An ordered pandas Categorical keeps its category order (unused categories are dropped: a
    cutpoint between two empty categories is not identified); anything else must be numeric and
    its distinct values are the ordered categories, whatever their spacing (0, 0.5, 1, ...).
    """
    notes = []
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if len(series) == 0:
        raise ModelError(f"{model_id}: no observations")
    if isinstance(series.dtype, pd.CategoricalDtype):
        if not series.dtype.ordered:
            raise ModelError(f"{model_id}: the outcome is an unordered categorical; give an ordered one")
        if (series.cat.codes < 0).any():
            raise ModelError(f"{model_id}: the outcome has {int((series.cat.codes < 0).sum())} missing values")
        used = np.unique(series.cat.codes.to_numpy())
        unused = [c for i, c in enumerate(series.cat.categories) if i not in used]
        if unused:
            notes.append(f"outcome categories without observations dropped: {[str(c) for c in unused]}")
            series = series.cat.remove_unused_categories()
        labels = [_category_label(c) for c in series.cat.categories]
        codes = series.cat.codes.to_numpy(dtype=np.intp)
    else:
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            raise ModelError(f"{model_id}: the outcome must be numeric or an ordered categorical "
                             f"(got dtype {series.dtype})")
        values = series.to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(values).any():
            raise ModelError(f"{model_id}: the outcome has {int(np.isnan(values).sum())} missing values")
        uniques, codes = np.unique(values, return_inverse=True)
        labels = [_category_label(v) for v in uniques]
        codes = codes.astype(np.intp)
    if len(labels) < 2:
        raise ModelError(f"{model_id}: the outcome has 1 category ({labels[0]!r}); an ordered model needs "
                         "at least 2")
    return codes, labels, notes


def regressor_frame(X, model_id: str) -> pd.DataFrame:
    """The regressors as a float frame, refusing what OrderedModel cannot identify.

    A constant column duplicates the cutpoints; collinear columns (including a set summing to a
    constant, e.g. a full set of dummies) leave a coefficient unidentified. Both are named.
    """
    frame = X.to_frame() if isinstance(X, pd.Series) else X
    if not isinstance(frame, pd.DataFrame):
        raise ModelError(f"{model_id}: the regressors must be a pandas DataFrame (got {type(X).__name__})")
    if frame.shape[1] == 0:
        raise ModelError(f"{model_id}: no regressors")
    names = [str(c) for c in frame.columns]
    if len(set(names)) < len(names):
        raise ModelError(f"{model_id}: duplicate regressor names {sorted({n for n in names if names.count(n) > 1})}")
    bad = [n for n, dt in zip(names, frame.dtypes) if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        raise ModelError(f"{model_id}: non-numeric regressors {bad}")
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    missing = [n for n, m in zip(names, np.isnan(values).any(axis=0)) if m]
    if missing:
        raise ModelError(f"{model_id}: missing values in regressors {missing}")
    spread = values.max(axis=0) - values.min(axis=0)
    constant = [n for n, s in zip(names, spread) if s == 0]
    if constant:
        raise ModelError(f"{model_id}: constant regressor(s) {constant}: a constant is not identified "
                         "separately from the cutpoints (singular design)")
    collinear = collinear_columns(values, names, constant=True)
    if collinear:
        raise ModelError(f"{model_id}: rank-deficient design: {collinear}, each a linear combination of the "
                         "regressors before it and the implicit constant of the cutpoints; drop them")
    return pd.DataFrame(values, columns=names)


def code_clusters(groups, n: int, model_id: str) -> tuple[np.ndarray, str, int]:
    """Cluster codes 0..G-1 of ``groups`` (one per observation), the groups' name and G."""
    if groups is None:
        raise ModelError(f"{model_id}: cov_type='cluster' needs groups")
    name = str(groups.name) if isinstance(groups, pd.Series) and groups.name is not None else "groups"
    values = pd.Series(np.asarray(groups))
    if len(values) != n:
        raise ModelError(f"{model_id}: groups has {len(values)} values for {n} observations")
    if values.isna().any():
        raise ModelError(f"{model_id}: groups has {int(values.isna().sum())} missing values")
    codes, uniques = pd.factorize(values, sort=True)
    if len(uniques) < 2:
        raise ModelError(f"{model_id}: clustered SEs need at least 2 clusters, got {len(uniques)}")
    return codes.astype(np.intp), name, len(uniques)
