"""Ordered probit/logit: the fit, its likelihood, effects, separation, randomization."""
