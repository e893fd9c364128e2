"""The estimators' own error type.

A model that cannot be fitted as specified (a regressor that is not in the data, regressors the
effects absorb, too few clusters, duplicate panel keys, ...) raises ``ModelError`` naming the spec
and the problem, so a failing rule says which model to fix instead of surfacing a library traceback.
"""

from __future__ import annotations


class ModelError(ValueError):
    """A model spec that cannot be estimated on the data it was given."""
