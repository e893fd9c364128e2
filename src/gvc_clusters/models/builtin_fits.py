"""The book's built-in panel models: one fitter per entry of the registry (models/panels.py).

Each takes its panel's long table (models/panel_data.py ``PanelBuild``) and fits it with the generic
``fit_panel`` (models/panel.py): the cluster x upgrading-type FE/RE pair with its FE-vs-RE test
(models/fe_vs_re.py), the change in trade shares and the US furniture imports. The last two are
descriptive; their caveat is their registry entry's (``BuiltinPanel.descriptive``).
"""

from __future__ import annotations

from gvc_clusters.models.options import ClusterConvention, PanelSEType
from gvc_clusters.models.panel.fe_vs_re import hausman, mundlak_test
from gvc_clusters.models.panel.fit import fit_panel
from gvc_clusters.models.panel_data import PanelBuild
from gvc_clusters.models.panels import BUILTIN_PANELS
from gvc_clusters.results import ModelResult


def fit_upgrading_governance(build: PanelBuild, *, model_id: str = "upgrading_governance",
                             se_type: PanelSEType = "cluster_entity",
                             cluster_convention: ClusterConvention = "nested_not_counted") -> dict[str, ModelResult]:
    """Cluster x upgrading-type models: PanelOLS with cluster and type effects on the governance x
    type interactions (SEs clustered by cluster), RandomEffects with CE, sector and type dummies
    plus the interactions, and a Hausman test on the interactions from unadjusted fits (the
    test's own assumption): ``extra["hausman"]`` with RE's error variance in both covariances
    (positive semi-definite by construction), ``extra["hausman_classic"]`` with each fit's own."""
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
