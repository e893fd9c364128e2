"""Which regressors make a design rank-deficient: one answer for every model kind.

``collinear_columns`` lists the columns that are linear combinations of the columns before them
(and of a constant, when the model has one, as an ordered model's cutpoints or a panel's intercept
do): drop the listed columns and the design has full rank. The ordered models (models/ordinal/inputs.py),
the panel fits' error messages (models/panel/fit.py) and the Mundlak test (models/panel/fe_vs_re.py)
all ask this one function.
"""

from __future__ import annotations

import numpy as np


def collinear_columns(values, names: list[str] | None = None, *, constant: bool = False,
                      tol: float = 1e-10) -> list[str]:
    """The columns of ``values`` (an array with ``names``, or a DataFrame) that add no rank to the
    ones before them; with ``constant`` a column of ones comes first (centring the columns)."""
    if names is None:
        names = [str(c) for c in values.columns]
    arr = np.asarray(values, dtype=float)
    if constant:
        arr = arr - arr.mean(axis=0)
    norms = np.linalg.norm(arr, axis=0)
    norms[norms == 0] = 1.0   # an all-zero column adds no rank and is reported
    arr = arr / norms         # scaled: units do not matter
    bad, kept = [], []
    for j, name in enumerate(names):
        trial = arr[:, kept + [j]]
        if np.linalg.matrix_rank(trial, tol=tol) < len(kept) + 1:
            bad.append(name)
        else:
            kept.append(j)
    return bad
