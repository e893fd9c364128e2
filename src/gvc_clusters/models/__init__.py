"""Estimators. Each returns a gvc_clusters.results.ModelResult, whatever library fitted it.

Ordered probit/logit: ordinal (``fit_ordered``), built on ordinal_likelihood (the model, its analytic
derivatives, one statsmodels fit), ordinal_inputs (input checks), separation, effects (marginal
effects on a design), randomization (permutation p-values) and batch (many fits at once).
Linear panels: panel (``fit_panel`` on linearmodels), fast_fe (the same fits on flat arrays),
panel_data and panels (the built-in panels). Shared: options (the option names), inference
(confidence intervals, the few-clusters rule), formula (formula specs), specs (config specs to
fits), reading_batch (fits over alternative readings), cost (permutation budgets), output.
"""
