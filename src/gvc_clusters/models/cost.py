"""What randomization inference costs: the one cost model of the batched permutation fit.

Plain Python on purpose (no numpy, no pandas): the workflow's preflight prices a config with it
before any job runs, in an interpreter that may not have the scientific stack loaded.
"""

SECONDS_PER_UNIT = 2.0e-8     # calibrated by workflow/benchmarks/permutation.py: s per draw*N*P^2*iteration
ITERATIONS = 6                # typical Newton iterations from a warm start
MAX_PERMUTATION_SECONDS = 3600.0


def estimated_seconds(n_draws: int, n_obs: int, n_params: int, n_tests: int) -> float:
    """Rough wall time of ``n_tests`` permutation tests (calibrated by the benchmark)."""
    return SECONDS_PER_UNIT * n_draws * n_obs * n_params ** 2 * ITERATIONS * n_tests
