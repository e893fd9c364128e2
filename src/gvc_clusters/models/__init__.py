"""Estimators. Each returns a gvc_clusters.results.ModelResult, whatever library fitted it.

Ordered probit/logit: ordinal (``fit_ordered``), built on ordinal_likelihood (the model, its analytic
derivatives, one statsmodels fit), ordinal_inputs (input checks), separation, effects (marginal
effects on a design), randomization (permutation p-values) and batch (many fits at once).
Linear panels: panel (``fit_panel`` on linearmodels), built on panel_frame (the long table),
cluster_se (clustered SEs and their conventions), panel_absorbed (absorbed effects), panel_result
(what every engine reports) and fast_fe (the same fits on flat arrays); fe_vs_re (Hausman and Mundlak
tests); panel_data, panels and builtin_fits (the built-in panels: tables, registry, fitters).
Shared: options (the option names), inference
(confidence intervals, the few-clusters rule), formula (formula specs), specs (config specs to
fits), reading_design, reading_batch and reading_views (the key estimates over the readings of the
book's uncertain cells: which are fitted, the fits, what the report reads), cost (permutation budgets),
output.
"""
