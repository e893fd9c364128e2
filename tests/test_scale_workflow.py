"""The scale profile end to end at a small size: the same model rules, simulated data, known
coefficients recovered (marked slow). Full-size figures come from workflow/benchmarks/scale.py."""

import pandas as pd
import pytest
from workflow_copy import make_workspace, snakemake

from gvc_clusters.analysis.scale import TRUE_ORDINAL, TRUE_PANEL
from gvc_clusters.analysis.trade_flows_simulation import planted_outcomes

pytestmark = pytest.mark.slow
SMALL = ("scale:\n  enabled: true\n  cross_section_rows: 20000\n  panel_entities: 3000\n  panel_years: 10\n"
         "  baci_rows: 50000\n")


def test_scale_profile_recovers_the_known_coefficients(tmp_path):
    workspace = make_workspace(tmp_path)
    (workspace / "small.yaml").write_text(SMALL)
    run = snakemake(workspace, "--configfile", "config/scale.yaml", "small.yaml")
    assert run.returncode == 0, run.stderr[-3000:]
    results = workspace / "results/scale"
    assert (results / "MANIFEST.sha256").is_file()
    assert not (workspace / "results/README.md").exists()  # the book's package is not built
    ordinal = pd.read_csv(results / "models/ordinal/scale_ce_governance/estimates.csv")
    for outcome, truth in TRUE_ORDINAL.items():
        if outcome == "intersectoral":
            continue
        coefs = ordinal[(ordinal["outcome"] == outcome) & (ordinal["role"] == "coef")].set_index("term")
        for term, value in truth["coef"].items():
            est, se = coefs.loc[term, "estimate"], coefs.loc[term, "std_error"]
            assert abs(est - value) < 4 * se, (outcome, term, est, value, se)
    panel = pd.read_csv(results / "models/panel/scale_two_way/estimates.csv").set_index("term")
    for term, value in TRUE_PANEL.items():
        assert abs(panel.loc[term, "estimate"] - value) < 4 * panel.loc[term, "std_error"]
    # chapter 9 on the simulated BACI flows: the planted classification comes back under every rule
    flows = pd.read_parquet(results / "trade_flows/classification.parquet").set_index(["exporter", "hs6"])
    planted = pd.read_parquet(workspace / "data/simulated/baci_planted.parquet")
    expected = planted_outcomes(planted[~planted["filler"]]).set_index(["exporter", "hs6"])
    assert len(expected) > 500
    for rule in ("text", "printed", "kaplinsky_readman"):
        assert (flows.loc[expected.index, f"outcome_{rule}"] == expected[f"outcome_{rule}"]).all(), rule
