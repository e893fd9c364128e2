"""Estimators. Each returns a gvc_clusters.results.ModelResult, whatever library fitted it:
ordinal (ordered probit/logit on statsmodels), panel (linearmodels)."""
