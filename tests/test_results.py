"""The neutral result record: validation and a lossless round trip through CSV + JSON."""

import json
import math

import pytest

from gvc_clusters.io import write_csv, write_json
from gvc_clusters.results import ModelResult, estimate_rows, estimates_table, load_results, read_estimates, summaries


def _result(model_id="m1"):
    rows = estimate_rows([
        {"role": "coef", "term": "x", "estimate": 0.5, "std_error": 0.1, "statistic": 5.0, "p_value": 1e-6},
        {"role": "cutpoint", "term": "0|1", "estimate": -0.25, "std_error": 0.2},
        {"role": "ame", "term": "x", "category": "1.5", "estimate": 0.01, "std_error": 0.002},
    ])
    return ModelResult(model_id=model_id, kind="ordered_probit", outcome="product", estimates=rows, n_obs=35,
                       se_type="robust (HC0)", converged=True, loglik=-30.5, pseudo_r2=0.12,
                       lr_test={"statistic": 8.1, "df": 1, "p_value": 0.0044}, notes=["a note"],
                       extra={"separation": [], "nan": math.nan})


def test_round_trip_through_files(tmp_path):
    results = [_result("m1"), _result("m2")]
    write_csv(estimates_table(results), tmp_path / "estimates.csv")
    write_json(summaries(results), tmp_path / "models.json")
    back = load_results(read_estimates(tmp_path / "estimates.csv"),
                        json.loads((tmp_path / "models.json").read_text()))
    assert [r.model_id for r in back] == ["m1", "m2"]
    first = back[0]
    assert first.n_obs == 35 and first.lr_test["df"] == 1 and first.extra["nan"] is None
    ame = first.estimates[first.estimates["role"] == "ame"].iloc[0]
    assert ame["category"] == "1.5" and ame["estimate"] == pytest.approx(0.01)
    assert first.estimates.loc[first.estimates["term"] == "x", "estimate"].iloc[0] == 0.5


def test_unknown_role_is_rejected():
    rows = estimate_rows([{"role": "coefficient", "term": "x", "estimate": 1.0}])
    with pytest.raises(ValueError, match="coefficient"):
        ModelResult(model_id="m", kind="k", outcome="y", estimates=rows, n_obs=1, se_type="", converged=True)
