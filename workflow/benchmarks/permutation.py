"""Benchmark: every permutation p-value of every ordinal spec in config/config.yaml, as the rules run them.

    python workflow/benchmarks/permutation.py [--draws N]

Builds the chapter 10 cluster dataset from data/raw, then for each spec, outcome and
``permutation_terms`` entry of the main link runs the batched randomization test
(gvc_clusters.models.ordinal.batch) with the configured draws, and prints the wall time per test and in
total, beside the budget (10 s for all of them) and the estimate ``estimated_seconds`` gives (the
one that refuses a config that would run for hours). Writes results/benchmarks/permutation.csv.
Timings describe the machine they ran on; they are measured here, never asserted in tests.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.data.families import build_family
from gvc_clusters.models.cost import estimated_seconds
from gvc_clusters.models.ordinal.randomization import permutation_pvalues

BUDGET_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=None, help="override ordinal.n_permutations")
    args = parser.parse_args()
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    draws = args.draws if args.draws is not None else config["ordinal"]["n_permutations"]
    dataset = build_family("clusters", ROOT / "data/raw").tables["model_dataset"]
    variables = model_variables(dataset, halves=config["ordinal"]["halves"])
    rows, total = [], 0.0
    for name, spec in config["ordinal"]["specs"].items():
        terms = spec["permutation_terms"]
        link = spec["links"][0]
        for outcome in spec["outcomes"]:
            sample, _ = estimation_sample(variables, outcome, spec["regressors"])
            strata = sample[spec["permutation_strata"]] if spec.get("permutation_strata") else None
            for term in terms:
                start = time.perf_counter()
                out = permutation_pvalues(sample[outcome], sample[spec["regressors"]], [term], n_permutations=draws,
                                          seed=config["seed"], distr=link,
                                          interactions=spec["interactions"], strata=strata)[term]
                seconds = time.perf_counter() - start
                total += seconds
                n_params = len(spec["regressors"]) + len(spec["interactions"]) + 7
                rows.append({"spec": name, "outcome": outcome, "term": term, "draws": draws, "n_obs": len(sample),
                             "seconds": round(seconds, 3), "estimate_seconds": round(
                                 estimated_seconds(draws, len(sample), n_params, 1), 3),
                             "p_value": round(out["p_value"], 4), "mc_se": round(out["mc_se"], 4),
                             "failed": out["n_failed"]})
                print(f"{name:16s} {outcome:11s} {term:24s} {draws} draws  {seconds:6.2f} s  "
                      f"p = {out['p_value']:.4f} (MC SE {out['mc_se']:.4f}, {out['n_failed']} failed)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"all permutation p-values: {total:.2f} s on one process ({cores} cores available); "
          f"budget {BUDGET_SECONDS:.0f} s: {'within' if total <= BUDGET_SECONDS else 'OVER'}")
    out_dir = ROOT / "results/benchmarks"
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "permutation.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
