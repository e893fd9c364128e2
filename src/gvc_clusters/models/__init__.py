"""The models layer. Each estimator returns a gvc_clusters.results.ModelResult, whatever library fitted it.

ordinal/  ordered probit/logit: fit (``fit_ordered``), likelihood (the model, its analytic
          derivatives, one statsmodels fit), inputs (input checks), separation, effects (marginal
          effects on a design), randomization (permutation p-values), batch (many fits at once).
panel/    linear panels, along linearmodels' seams: fit (``fit_panel``), data (the long table),
          covariance (the SE-type table, clustered conventions), absorbing (absorbed effects),
          results (what every engine reports), fast_fe (the same fits on flat arrays), fe_vs_re
          (Hausman and Mundlak tests).
book_panels  the book's own panels: registry, long tables, fitters.
Shared: options (the option names), inference (confidence intervals, p-values, the few-clusters
rule), rank (collinear regressors), formula (formula specs), specs (config specs to fits),
reading_design, reading_batch and reading_views (the key estimates over the readings of the book's
uncertain cells: which are fitted, the fits, what the report reads), cost (permutation budgets), output.
"""
