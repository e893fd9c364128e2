"""Linear panel models: fit, data, covariance, results, the fast engine, FE vs RE."""
