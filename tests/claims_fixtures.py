"""Hand-made results for the claims tests: the files rule claim_verdicts reads, built in memory.

The default numbers are the build's own for Table 10-3's first cell (collective efficiency and
product upgrading in traditional manufacturing, spec ce_by_sector, ordered probit, 34 clusters):
the effect on P(top score) +0.2887 (SE 0.1466), its within-group permutation p 0.056 (4,999 draws,
14 clusters), the logit's +0.2651 (p 0.083), the profile interval of ce_level 0.312 to 2.642; the
readings hold in half of an enumerated set of 6,912 (A) and in 50 of 200 drawn readings (B). Each
test changes one of them and asks what the verdict and the words do.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gvc_clusters.claims.verdicts import Results, VerdictRule

ROOT = Path(__file__).resolve().parents[1]
SPEC, TERM, OUTCOME = "ce_by_sector", "ce_level | sector=traditional manufacturing", "product"
MAIN, OTHER = f"{SPEC}__{OUTCOME}__probit", f"{SPEC}__{OUTCOME}__logit"


def config_rule() -> VerdictRule:
    """The verdict rule of config/config.yaml (so a change of the declared rule is seen by the tests)."""
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    return VerdictRule.from_config(config["claims"]["verdict_rule"])


def effect_claim(predicted: str = "positive", claim_id: str = "t10_3.ce.trad.product") -> dict:
    return {"id": claim_id, "group": "table_10_3_ce", "words": "Traditional manufacturing, product: Positive",
            "quote": {"line": 3428, "text": "Positive"}, "predicted": predicted,
            "also_stated": [{"line": 3415, "text": "x"}, {"line": 3606, "text": "y"}, {"line": 3419, "text": "z"}],
            "cell": {"table": "10-3", "row": 3, "column": "Traditional manufacturing",
                     "relation": "collective_efficiency", "sector_group": "traditional_manufacturing",
                     "upgrading_type": "product"},
            "estimand": {"kind": "effect", "spec": SPEC, "outcome": OUTCOME, "term": TERM,
                         "describes": "change in the probability of the top product-upgrading score per step of CE"},
            "data": ["Table 10-4"]}


def untestable_claim() -> dict:
    return {"id": "t10_3.ce.software.product", "group": "table_10_3_ce",
            "words": "Specialized services, product: Positive", "quote": {"line": 3428, "text": "Positive"},
            "predicted": "positive", "testable": False,
            "reason": "the book gives no upgrading scores for the specialized-services (software) clusters",
            "data": ["Table 10-4"]}


def registry(*claims: dict) -> dict:
    return {"seed": "001_af830052e76503cb.txt", "claims": list(claims) or [effect_claim(), untestable_claim()]}


def _estimates(estimate=0.288670802353, std_error=0.146623081418, p_value=0.0489766266971,
               alt=(0.265091682433, 0.153085164052, 0.0833338520489)) -> pd.DataFrame:
    rows = []
    for model_id, (est, se, p) in ((MAIN, (estimate, std_error, p_value)), (OTHER, alt)):
        rows.append({"model_id": model_id, "role": "coef", "term": "ce_level", "category": "", "estimate": 1.4257,
                     "std_error": 0.5900, "p_value": 0.0157, "p_value_permutation": 0.0266 if model_id == MAIN else np.nan})
        for category, share in (("1", -0.6), ("2", -0.4), ("3", 1.0)):
            rows.append({"model_id": model_id, "role": "ame", "term": TERM, "category": category,
                         "estimate": share * est, "std_error": se, "p_value": p, "p_value_permutation": np.nan})
    return pd.DataFrame(rows)


def _models(p_permutation=0.056, converged=True) -> dict:
    main = {"n_obs": 34, "converged": converged, "extra": {
        "permutation": {"n_permutations": 4999, "mc_se": {"ce_level": 0.0022758567408299136}},
        "permutation_groups": {TERM: {"p_value": p_permutation, "mc_se": 0.0032519094364690726, "n_draws": 4999,
                                      "n_group": 14}},
        "profile_ci": {"ce_level": [0.31235988217765526, 2.6420723096265437]},
        "ame": {TERM: {"over_value": "traditional manufacturing"}},
        "interactions": {"ce_level:sector_natural_resource": ["ce_level", "sector_natural_resource"]}}}
    return {MAIN: main, OTHER: {"n_obs": 34, "converged": True, "extra": {}}}


def _readings(holding_a: int = 2, holding_b: int = 50, n_b: int = 200, set_size_a: int = 6912):
    """Set A: four readings of equal weight (an enumerated set of ``set_size_a``), ``holding_a`` of them with
    the effect significant; set B: ``n_b`` drawn readings, ``holding_b`` of them significant."""
    rows = []
    for k in range(4):
        rows.append({"assumption": "A", "reading": f"A.{k}", "weight": set_size_a // 4, "in_sample": True,
                     "model_id": MAIN, "role": "ame", "term": TERM, "estimate": 0.29,
                     "std_error": 0.14, "p_value": 0.03 if k < holding_a else 0.20, "converged": True})
    for k in range(n_b):
        rows.append({"assumption": "B", "reading": f"B.{k}", "weight": 1, "in_sample": True, "model_id": MAIN,
                     "role": "ame", "term": TERM, "estimate": 0.25, "std_error": 0.15,
                     "p_value": 0.01 if k < holding_b else 0.30, "converged": True})
    summary = pd.DataFrame([
        {"assumption": "A", "assumption_label": "glyph-consistent", "method": "enumerated", "set_size": set_size_a},
        {"assumption": "B", "assumption_label": "checksums only", "method": "sampled", "set_size": 22629472588800}])
    return pd.DataFrame(rows), summary


def make_results(*, estimate=0.288670802353, std_error=0.146623081418, p_value=0.0489766266971,
                 p_permutation=0.056, alt=(0.265091682433, 0.153085164052, 0.0833338520489),
                 links=("probit", "logit"), converged=True, readings: dict | None = None,
                 cases: tuple | None = None) -> Results:
    """The result files of one spec, as claim_verdicts reads them; ``cases``: (estimate, SE, p) with the
    added cases (None: config ``cases`` is empty)."""
    reading_estimates, summary = _readings(**(readings or {}))
    with_without = samples = None
    if cases is not None:
        with_without = pd.DataFrame([{"model_id": MAIN, "role": "ame", "term": TERM, "category": "3",
                                      "estimate_with": cases[0], "std_error_with": cases[1], "p_value_with": cases[2]}])
        samples = pd.DataFrame([{"model_id": MAIN, "converged_with": True, "cases_entered": "gdl_footwear",
                                 "n_added": 1}])
    return Results(specs={SPEC: (_estimates(estimate, std_error, p_value, alt), _models(p_permutation, converged))},
                   links={SPEC: list(links)}, reading_estimates=reading_estimates, reading_summary=summary,
                   with_without=with_without, samples=samples)


def verdicts(tmp_path: Path, results: Results | None = None, rule: VerdictRule | None = None,
             doc: dict | None = None) -> pd.DataFrame:
    """results/claims/verdicts.csv of the hand-made results, written and read back as the rule writes it and
    the report reads it."""
    from gvc_clusters.claims.verdicts import claim_verdicts
    from gvc_clusters.io import write_csv
    from gvc_clusters.output.report import read_claim_verdicts

    frame = claim_verdicts(copy.deepcopy(doc or registry()), results or make_results(), rule or config_rule())
    path = tmp_path / f"verdicts_{len(list(tmp_path.glob('verdicts_*.csv')))}.csv"
    write_csv(frame, path)
    return read_claim_verdicts(path)
