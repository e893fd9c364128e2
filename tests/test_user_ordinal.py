"""Ordered probit/logit specs on a user's table (issue 16): known coefficients recovered from a
simulated table, the same fit as statsmodels' OrderedModel, formulas with categoricals and
interactions whose effects move together, and config errors naming spec, column and file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import coefficients
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from gvc_clusters.config_defaults import spec_with_defaults, with_defaults
from gvc_clusters.models.formula import formula_design
from gvc_clusters.models.specs import run_ordinal_spec
from gvc_clusters.preflight import check_permutations, check_user_tables
from gvc_clusters.vocabulary import DEFAULT

TABLES = Path(__file__).resolve().parents[1] / "workflow" / "templates" / "tables"

TRUE = {"x": 0.8, "sector[b]": 0.5, "sector[c]": -0.7, "x:governance[v]": 0.6}
CUTS = (-0.5, 0.5, 1.5)


def simulated_firms(n: int = 4000, seed: int = 7) -> pd.DataFrame:
    """Firms with a continuous regressor x, a three-level sector (reference a) and a two-level
    governance (reference u) that moderates x; y is an ordered probit with the TRUE coefficients."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "sector": rng.choice(["a", "b", "c"], n),
                          "governance": rng.choice(["u", "v"], n), "region": rng.integers(0, 40, n)})
    eta = (TRUE["x"] * frame.x + TRUE["sector[b]"] * (frame.sector == "b") + TRUE["sector[c]"] * (frame.sector == "c")
           + TRUE["x:governance[v]"] * frame.x * (frame.governance == "v"))
    frame["upgrading"] = np.digitize(eta + rng.normal(size=n), CUTS)
    frame["sector_b"] = (frame.sector == "b").astype(int)
    frame["sector_c"] = (frame.sector == "c").astype(int)
    frame["gov_v"] = (frame.governance == "v").astype(int)
    return frame


@pytest.fixture(scope="module")
def firms_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "firms.csv"
    simulated_firms().to_csv(path, index=False)
    return path


def test_formula_spec_on_a_csv_recovers_known_coefficients_and_matches_statsmodels(firms_csv):
    spec = {"table": str(firms_csv), "formula": "upgrading ~ x + C(sector) + x:C(governance)", "links": ["probit"]}
    (fit,) = run_ordinal_spec("firms", spec_with_defaults("ordinal", spec), None, halves="keep", n_permutations=0,
                              seed=1, user_table=spec["table"])
    coefs = coefficients(fit)
    assert list(coefs.index) == list(TRUE)
    for term, value in TRUE.items():   # N = 4000: SEs are 0.03-0.06
        assert coefs[term] == pytest.approx(value, abs=0.1)
    cuts = fit.estimates[fit.estimates.role == "cutpoint"]["estimate"].to_numpy()
    np.testing.assert_allclose(cuts, CUTS, atol=0.1)
    # the same model, fitted by statsmodels' stock OrderedModel on a hand-made design matrix
    data = simulated_firms()
    exog = pd.DataFrame({"x": data.x, "sector[b]": data.sector_b, "sector[c]": data.sector_c,
                         "x:governance[v]": data.x * data.gov_v}).astype(float)
    stock = OrderedModel(data.upgrading, exog, distr="probit").fit(method="bfgs", disp=0, maxiter=2000, gtol=1e-8)
    np.testing.assert_allclose(coefs.to_numpy(), stock.params.to_numpy()[:4], atol=1e-4)
    np.testing.assert_allclose(fit.loglik, stock.llf, rtol=1e-8)
    assert any("sector = a" in note and "governance = u" in note for note in fit.notes)


def test_regressor_spec_on_parquet_equals_the_formula_spec(firms_csv, tmp_path):
    data = simulated_firms()
    path = tmp_path / "firms.parquet"
    data.to_parquet(path)
    plain = {"table": str(path), "outcomes": ["upgrading"], "regressors": ["x", "sector_b", "sector_c", "gov_v"],
             "interactions": [["x", "gov_v"]], "links": ["probit"], "se_type": "hc1"}
    formula = {"table": str(firms_csv), "formula": "upgrading ~ x + C(sector) + C(governance) + x:C(governance)",
               "links": ["probit"], "se_type": "hc1"}
    (a,) = run_ordinal_spec("plain", spec_with_defaults("ordinal", plain), None, halves="keep", n_permutations=0,
                            seed=1, user_table=plain["table"])
    (b,) = run_ordinal_spec("formula", spec_with_defaults("ordinal", formula), None, halves="keep", n_permutations=0,
                            seed=1, user_table=formula["table"])
    np.testing.assert_allclose(coefficients(a).to_numpy(), coefficients(b).to_numpy(), rtol=1e-8)
    se_a = a.estimates[a.estimates.role == "coef"]["std_error"].to_numpy()
    se_b = b.estimates[b.estimates.role == "coef"]["std_error"].to_numpy()
    np.testing.assert_allclose(se_a, se_b, rtol=1e-8)
    assert a.extra["small_sample_correction"] == "n/(n-K), K = coefficients and cutpoints"


def _ame(result, term) -> np.ndarray:
    est = result.estimates
    return est[(est.role == "ame") & (est.term == term)]["estimate"].to_numpy()


def test_categorical_effects_are_changes_from_the_reference_and_x_moves_its_interaction(firms_csv):
    spec = {"table": str(firms_csv), "formula": "upgrading ~ x + C(sector, Treatment('b')) + x:C(governance)",
            "links": ["probit"]}
    (fit,) = run_ordinal_spec("firms", spec_with_defaults("ordinal", spec), None, halves="keep", n_permutations=0,
                              seed=1, user_table=spec["table"])
    coefs = coefficients(fit)
    assert {"sector[a]", "sector[c]"} <= set(coefs.index)       # reference b: no sector[b] column
    cut = fit.estimates[fit.estimates.role == "cutpoint"]["estimate"].to_numpy()
    data = simulated_firms()
    eta_rest = coefs["x"] * data.x + coefs["x:governance[v]"] * data.x * data.gov_v

    def mean_probs(eta):
        cdf = stats.norm.cdf(cut[None, :] - eta.to_numpy()[:, None])
        return np.diff(np.column_stack((np.zeros(len(eta)), cdf, np.ones(len(eta)))), axis=1).mean(axis=0)

    # sector a against the reference b, every firm set to a and to b in turn
    expected = mean_probs(eta_rest + coefs["sector[a]"]) - mean_probs(eta_rest)
    np.testing.assert_allclose(_ame(fit, "sector[a]"), expected, atol=1e-12)
    # the effect of x moves x:governance[v]: finite difference of the mean probabilities
    sector = coefs["sector[a]"] * (data.sector == "a") + coefs["sector[c]"] * (data.sector == "c")
    h = 1e-6
    shifted = (coefs["x"] * (data.x + h) + coefs["x:governance[v]"] * (data.x + h) * data.gov_v + sector)
    numeric = (mean_probs(shifted) - mean_probs(eta_rest + sector)) / h
    np.testing.assert_allclose(_ame(fit, "x"), numeric, atol=1e-5)
    # and within each governance level (governance enters only through the interaction)
    within_v = _ame(fit, "x | governance=v")
    within_u = _ame(fit, "x | governance=u")
    assert within_v.size == within_u.size == 4
    assert within_v[-1] > within_u[-1] > 0          # x raises P(top) more where governance = v
    assert "governance[v]" in set(fit.estimates.term)  # governance's own effect, through x:governance[v]


def test_formula_design_rebuilds_formulaics_matrix_and_takes_config_references():
    data = simulated_firms(200)
    _, _base, design = formula_design("upgrading ~ C(sector) * x", data, reference={"sector": "c"})
    assert design.columns == ["sector[a]", "sector[b]", "x", "sector[a]:x", "sector[b]:x"]
    assert design.factors["sector"]["reference"] == "c"
    assert design.derived("x") == ["x", "sector[a]:x", "sector[b]:x"]
    assert design.derived("sector") == ["sector[a]", "sector[b]", "sector[a]:x", "sector[b]:x"]


def test_permutation_inference_and_cluster_ses_on_a_user_table(firms_csv):
    spec = {"table": str(firms_csv), "formula": "upgrading ~ x + C(sector)", "links": ["probit", "logit"],
            "se_type": "cluster", "cluster_by": "region", "permutation_terms": ["x", "sector"]}
    probit, logit = run_ordinal_spec("firms", spec_with_defaults("ordinal", spec), None, halves="keep",
                                     n_permutations=49, seed=3, user_table=spec["table"])
    est = probit.estimates[probit.estimates.role == "coef"].set_index("term")
    assert probit.se_type == "clustered by region, 40 clusters"
    # strong effects: no permuted draw beats the observed LR, p = 1 / (1 + 49)
    assert est.loc["x", "p_value_permutation"] == pytest.approx(0.02)
    assert est.loc[["sector[b]", "sector[c]"], "p_value_permutation"].tolist() == [0.02, 0.02]
    assert probit.extra["permutation"]["columns"]["sector"] == ["sector[b]", "sector[c]"]
    assert "p_value_permutation" not in logit.estimates or logit.estimates["p_value_permutation"].isna().all()


def test_separation_in_a_user_table_is_reported(tmp_path):
    frame = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1, 2], "d": [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1],
                          "z": np.linspace(-1, 1, 12)})
    frame.loc[frame.y == 2, "d"] = 1
    frame.loc[frame.y == 0, "d"] = 0
    path = tmp_path / "sep.csv"
    frame.to_csv(path, index=False)
    spec = {"table": str(path), "outcomes": ["y"], "regressors": ["d", "z"]}
    (fit,) = run_ordinal_spec("sep", spec_with_defaults("ordinal", spec), None, halves="keep", n_permutations=0,
                              seed=1, user_table=spec["table"])
    assert fit.extra["separation"], "a 0/1 regressor that splits the extreme categories must be reported"
    assert any("separat" in note for note in fit.notes)


def _config(spec: dict) -> dict:
    return {"ordinal": {"n_permutations": 4999, "specs": {"firms": spec}}, "panel": {"specs": {}}}


def test_preflight_names_spec_column_and_file(firms_csv, tmp_path):
    errors = check_user_tables(_config({"table": str(firms_csv), "outcomes": ["upgrading"],
                                        "regressors": ["x", "sectr_b"], "cluster_by": "regoin"}))
    text = [str(e) for e in errors]
    assert len(errors) == 2
    assert "ordinal.specs.firms.regressors" in text[0] and "sectr_b" in text[0] and "firms.csv" in text[0]
    assert "did you mean 'sector_b'" in text[0]
    assert "ordinal.specs.firms.cluster_by" in text[1] and "region" in text[1]
    errors = check_user_tables(_config({"table": str(firms_csv), "formula": "upgrading ~ x + C(sectr)",
                                        "permutation_terms": ["governance"]}))
    text = " ".join(str(e) for e in errors)
    assert "ordinal.specs.firms.formula" in text and "sectr" in text
    assert "permutation_terms" in text and "governance" in text
    # Parquet: types are checked from the schema
    data = simulated_firms(50)
    data["x"] = data["x"].astype(str)
    path = tmp_path / "typed.parquet"
    data.to_parquet(path)
    (error,) = check_user_tables(_config({"table": str(path), "outcomes": ["upgrading"], "regressors": ["x"]}))
    assert "must be numeric" in str(error) and "typed.parquet" in str(error) and "ordinal.specs.firms" in str(error)
    assert error.column == "x" and error.value == "text"
    missing = check_user_tables(_config({"table": str(tmp_path / "nope.csv"), "outcomes": ["y"],
                                         "regressors": ["x"]}))
    assert missing[0].column == "ordinal.specs.firms.table"


def test_preflight_prices_permutations_on_the_tables_rows(tmp_path):
    path = tmp_path / "big.parquet"
    pd.DataFrame({"y": np.zeros(2_000_000, dtype=np.int8), "x": np.zeros(2_000_000)}).to_parquet(path)
    (error,) = check_permutations(_config({"table": str(path), "outcomes": ["y"], "regressors": ["x"],
                                           "permutation_terms": ["x"]}))
    assert "2,000,000 rows" in str(error)


def test_user_spec_labels_reach_the_report_tables(firms_csv):
    from gvc_clusters.output import report
    from gvc_clusters.output.render import tables as tab

    spec = {"table": str(firms_csv), "formula": "upgrading ~ x + C(sector) + x:C(governance)", "links": ["probit"],
            "labels": {"x": "Export share", "sector[b]": "Sector b (vs a)"}}
    results = run_ordinal_spec("firms", spec_with_defaults("ordinal", spec), None, halves="keep", n_permutations=0,
                               seed=1, user_table=spec["table"])
    vocabulary = DEFAULT.with_spec_labels(spec["labels"])   # read when the report is drawn, not fitted
    coef_html = tab.to_html(report.ordinal_coefficient_table(results, "aer", vocabulary=vocabulary), TABLES)
    assert "Export share" in coef_html and "Sector b (vs a)" in coef_html
    assert "Sector[c]" in coef_html   # no label: humanized, as in the text and the figures
    assert "Export share" in tab.to_html(report.ordinal_effects_table(results, "aer", vocabulary=vocabulary), TABLES)
    assert results[0].extra["user_table"] == str(firms_csv) and "term_labels" not in results[0].extra


def test_a_user_specs_captions_name_its_outcome_and_a_label_never_refits():
    from gvc_clusters.output.exhibits import spec_exhibits
    from gvc_clusters.workflow_plan import Plan

    spec = spec_with_defaults("ordinal", {"table": "firms.csv", "outcomes": ["upgrading"], "regressors": ["x"],
                                          "links": ["logit"], "labels": {"upgrading": "Firm upgrading", "x": "Share"}})
    table, effects, figure = spec_exhibits("ordinal", "firms", spec)
    assert table.caption == "Ordered models of Firm upgrading: Firms"
    assert effects.caption == "Average marginal effects on each category of Firm upgrading: Firms"
    assert figure.caption == "Firms: average marginal effects on the top category of Firm upgrading (ordered logit, " \
                             "95% intervals)"
    unlabelled = spec_exhibits("ordinal", "firms", {**spec, "labels": {}, "outcomes": ["firm_score"]})
    assert unlabelled[0].caption == "Ordered models of firm score: Firms"
    book = spec_exhibits("ordinal", "ce_governance", {"outcomes": ["product"]})
    assert book[0].caption == "Ordered models of upgrading: Collective efficiency and governance"
    import yaml
    from conftest import ROOT

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    config["ordinal"]["specs"]["firms"] = spec
    plan = Plan(with_defaults(config))
    assert "labels" not in plan.fit_spec("ordinal", "firms")   # what the fit rule's params hold
    assert plan.spec_labels() == {"firms": {"upgrading": "Firm upgrading", "x": "Share"}}


def test_the_table_is_read_from_the_declared_input_not_the_configs_path(firms_csv, tmp_path):
    spec = spec_with_defaults("ordinal", {"table": str(tmp_path / "not_here.csv"), "links": ["probit"],
                                          "formula": "upgrading ~ x + C(sector) + x:C(governance)"})
    (fit,) = run_ordinal_spec("firms", spec, None, halves="keep", n_permutations=0, seed=1, user_table=firms_csv)
    assert fit.sample == f"rows of {firms_csv} with every column of the spec"
    assert fit.extra["user_table"] == str(firms_csv) and fit.n_obs == len(simulated_firms())
    assert coefficients(fit)["x"] == pytest.approx(TRUE["x"], abs=0.1)
    with pytest.raises(ValueError, match=r"ordinal spec 'firms' reads a user table"):
        run_ordinal_spec("firms", spec, None, halves="keep", n_permutations=0, seed=1)
