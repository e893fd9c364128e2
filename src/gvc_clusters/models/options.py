"""The names of the estimators' options, as ``Literal`` types: one place for type hints and checks.

Each option a model takes by name (a link, an SE type, an estimator, ...) is a ``Literal`` here;
``choices`` gives its allowed values as a tuple and ``check_choice`` rejects anything else with a
``ModelError`` naming the model. The configuration schema (workflow/schemas/config.schema.yaml)
lists the same values as enums; tests/test_options.py checks that the two agree.
"""

from __future__ import annotations

from typing import Literal, get_args

from gvc_clusters.errors import ModelError

# -- ordered probit / logit (models/ordinal.py) -------------------------------------------------
LinkName = Literal["probit", "logit"]
"""Distribution of the latent error: standard normal (probit) or standard logistic (logit)."""

OrdinalSEType = Literal["model_based", "nonrobust", "robust", "hc0", "hc1", "cluster"]
"""The config's SE names of an ordinal spec (``ordinal.specs.<name>.se_type``)."""

OrdinalCovType = Literal["nonrobust", "HC0", "HC1", "cluster"]
"""``fit_ordered``'s ``cov_type``: statsmodels' names of the same covariances."""

ORDINAL_COV_TYPES: dict[OrdinalSEType, OrdinalCovType] = {
    "model_based": "nonrobust", "nonrobust": "nonrobust", "robust": "HC0", "hc0": "HC0", "hc1": "HC1",
    "cluster": "cluster"}
"""A spec's ``se_type`` as ``fit_ordered``'s ``cov_type``."""

BatchSEType = Literal["model_based", "nonrobust", "hc0", "hc1"]
"""Covariances of the batched fits (models/batch.py ``batch_covariance``)."""

OptimizerMethod = Literal["newton", "bfgs"]
OnSeparation = Literal["report", "raise"]

# -- linear panel models (models/panel.py, models/fast_fe.py, models/fe_vs_re.py) ----------------
PanelEstimator = Literal["panel_ols", "random_effects", "pooled_ols"]
PanelSEType = Literal["unadjusted", "robust", "cluster_entity", "cluster_time", "cluster_twoway", "driscoll_kraay"]
PanelEngine = Literal["linearmodels", "fast", "auto"]
ClusterConvention = Literal["nested_not_counted", "absorbed_counted", "linearmodels"]
"""Small-sample convention of entity-clustered SEs (models/cluster_se.py ``cluster_scale``)."""

FastCovType = Literal["unadjusted", "robust", "cluster_entity", "cluster_time", "cluster_twoway"]
"""The panel SE types the fast engine's PanelOLS covers (models/fast_fe.py ``fit_within``)."""

AbsorbCovType = Literal["unadjusted", "robust", "cluster"]
"""Covariances of the fast engine's absorbed-effects fit (models/fast_fe.py ``fit_absorbing``)."""

HausmanSigma = Literal["separate", "re"]
"""Error variance of the Hausman test's covariances: each fit's own, or RE's in both (models/fe_vs_re.py)."""


def choices(option) -> tuple[str, ...]:
    """The allowed values of a ``Literal`` option, in declaration order."""
    return get_args(option)


def check_choice(model_id: str, name: str, value, option) -> None:
    """Raise ``ModelError`` if ``value`` is not one of the values of the ``Literal`` ``option``."""
    allowed = choices(option)
    if value not in allowed:
        raise ModelError(f"{model_id}: unknown {name} {value!r}; expected one of {', '.join(allowed)}")
