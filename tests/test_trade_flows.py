"""Chapter 9 on trade flows (gvc_clusters.analysis.trade_flows): hand-computed numbers, planted outcomes, errors."""

import copy

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT
from snakemake.utils import validate

from gvc_clusters.analysis import trade_flows as tf
from gvc_clusters.analysis import trade_flows_simulation as sim
from gvc_clusters.config_defaults import section_with_defaults
from gvc_clusters.errors import InputError

# config trade_flows with the schema's defaults (the options a run gets when the user sets none)
DEFAULTS = section_with_defaults("trade_flows", {})
ENGINE_OPTIONS = {k: DEFAULTS[k] for k in ("layout", "engine", "memory_limit_mb", "threads")}


def aggregate(files, periods, **options):
    return tf.aggregate_flows(files, periods, **{**ENGINE_OPTIONS, **options})

PERIODS = {"a": [2000, 2001], "b": [2010, 2011]}
HEADER = "t,i,j,k,v,q\n"
# One HS-6 product (010121, section I), three exporters; BACI's padded NA for a missing quantity.
# Exporter 32 (Argentina) doubles its exports at a higher unit value; 76 (Brazil) loses share at an
# unchanged unit value (one missing quantity in 2001); 152 (Chile) has a zero quantity in 2000 and,
# in 2011, a quantity recorded 1000 times too small (unit value 15000 against a median of 15: trimmed).
FLOWS = [
    (2000, 32, 76, "010121", 100, "10"), (2000, 32, 152, "010121", 50, "5"), (2001, 32, 76, "010121", 150, "15"),
    (2000, 76, 32, "010121", 200, "40"), (2001, 76, 32, "010121", 200, "           NA"),
    (2000, 152, 32, "010121", 100, "0"), (2001, 152, 76, "010121", 100, "10"),
    (2005, 32, 76, "010121", 99999, "1"),                      # outside both periods: ignored
    (2010, 32, 76, "010121", 300, "20"), (2011, 32, 76, "010121", 300, "20"),
    (2010, 76, 32, "010121", 250, "50"),
    (2011, 152, 76, "010121", 150, "0.01"),
]


def write_csv(path, rows=FLOWS, header=HEADER):
    path.write_text(header + "".join(",".join(str(x) for x in row) + "\n" for row in rows))
    return path


def classified(files, engine="duckdb", layout="flows", periods=PERIODS):
    cells, facts = aggregate([str(f) for f in files], periods, engine=engine, layout=layout)
    table = tf.classify(tf.measures(cells, periods, trim_ratio=DEFAULTS["trim_ratio"])).set_index("exporter")
    return table, facts


@pytest.mark.parametrize("engine", tf.ENGINES)
def test_hand_computed_measures_and_classification(tmp_path, engine):
    table, facts = classified([write_csv(tmp_path / "baci.csv")], engine)
    assert list(table.index) == [32, 76, 152] or sorted(table.index) == [32, 76, 152]
    assert set(table["hs6"]) == {"010121"} and set(table["section"]) == {"I"}
    arg, bra, chl = table.loc[32], table.loc[76], table.loc[152]
    # period averages (thousand USD): a = (300, 400, 200) / 2 years, b = (600, 250, 150) / 2
    assert (arg.export_value_a, bra.export_value_a, chl.export_value_a) == (150, 200, 100)
    assert (arg.export_value_b, bra.export_value_b, chl.export_value_b) == (300, 125, 75)
    assert arg.world_demand_a == 450 and arg.world_demand_b == 500
    assert arg.world_demand_growth_pct == pytest.approx(100 * (500 / 450 - 1))
    assert arg.export_earnings_growth_pct == pytest.approx(100.0)
    assert arg.export_earnings_cagr_pct == pytest.approx(100 * (2 ** 0.1 - 1))   # mid-years 2000.5 -> 2010.5
    assert bra.export_earnings_growth_pct == pytest.approx(-37.5)
    assert arg.market_share_a_pct == pytest.approx(100 / 3) and arg.market_share_b_pct == pytest.approx(60)
    assert bra.market_share_change_pp == pytest.approx(25 - 400 / 9)
    # unit values: only flows with a positive quantity; the world's leaves out trimmed exporters
    assert (arg.unit_value_a, bra.unit_value_a, chl.unit_value_a) == (10, 5, 10)
    assert arg.world_unit_value_a == pytest.approx(600 / 80)
    assert arg.world_unit_value_b == pytest.approx(850 / 90)
    assert arg.unit_value_change_pct == pytest.approx(100 * ((15 / (850 / 90)) / (10 / 7.5) - 1))
    assert arg.own_unit_value_change_pct == pytest.approx(50)
    assert bra.unit_value_change_pct == pytest.approx(100 * ((5 / (850 / 90)) / (5 / 7.5) - 1))
    assert bool(chl.uv_trimmed_b) and np.isnan(chl.unit_value_b) and chl.reason == "trimmed_b"
    assert (bra.q_missing_a, chl.q_zero_a, arg.flows_a, arg.flows_b) == (1, 1, 3, 2)
    assert facts["q_missing_rows"] == 1 and facts["q_zero_rows"] == 1 and facts["rows_in_periods"] == 11
    # the book's rules: Argentina meets Table 9-1 condition 2 as printed and 1+2 under the text's rule
    assert arg.signs == "(dX,dQw,dM,dV)=(+,+,+,+)"
    assert (arg.outcome_text, arg.condition_text) == ("product_upgrading", "1+2")
    assert (arg.outcome_printed, arg.condition_printed) == ("product_upgrading", "2")
    assert arg.outcome_kaplinsky_readman == "upgrading"
    assert bra.signs == "(dX,dQw,dM,dV)=(-,+,-,-)"
    assert bra.outcome_text == "withdrawal" and bra.outcome_kaplinsky_readman == "collapse_and_withdrawal"
    assert pd.isna(bra.condition_text)
    # Chile: export earnings fell and its unit value is trimmed (ΔV unknown): not upgrading whatever ΔV,
    # withdrawal or a shift to higher quality by its sign
    assert chl.outcome_text == chl.outcome_printed == chl.outcome_kaplinsky_readman == \
        "not_upgrading_subclass_undetermined"


def test_aggregated_layout_and_parquet_give_the_same_measures(tmp_path):
    flows, _ = classified([write_csv(tmp_path / "baci.csv")])
    frame = pd.read_csv(tmp_path / "baci.csv", dtype={"k": str}, na_values=["NA"], skipinitialspace=True)
    frame["k"] = frame["k"].astype(int)     # an integer product code loses its leading zero; it comes back
    frame.to_parquet(tmp_path / "baci.parquet", index=False)
    from_parquet, _ = classified([tmp_path / "baci.parquet"], "arrow")
    # exporter x product x year: sum the flows with a quantity and those without separately
    frame["has_q"] = frame["q"] > 0
    agg = frame.groupby(["t", "i", "k", "has_q"], as_index=False)[["v", "q"]].sum(min_count=1)
    agg.loc[~agg["has_q"], "q"] = np.nan
    agg.drop(columns="has_q").to_parquet(tmp_path / "agg.parquet", index=False)
    aggregated, _ = classified([tmp_path / "agg.parquet"], layout="aggregated")
    columns = ["hs6", "export_value_a", "export_value_b", "market_share_change_pp", "unit_value_change_pct",
               "outcome_text", "outcome_printed", "outcome_kaplinsky_readman"]
    pd.testing.assert_frame_equal(from_parquet[columns], flows[columns])
    pd.testing.assert_frame_equal(aggregated[columns], flows[columns])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baci")
    facts = sim.write_baci_flows(folder / "flows.parquet", 60_000, seed=7, planted_path=folder / "planted.parquet")
    return folder, facts


@pytest.mark.parametrize("engine", tf.ENGINES)
def test_planted_classification_is_recovered(simulated, engine):
    folder, facts = simulated
    planted = pd.read_parquet(folder / "planted.parquet")
    assert facts["rows"] == pq.ParquetFile(folder / "flows.parquet").metadata.num_rows >= 60_000
    assert facts["planted_trimmed"] > 0
    cells, agg_facts = aggregate([str(folder / "flows.parquet")], sim.SIM_PERIODS, engine=engine)
    table = tf.classify(tf.measures(cells, sim.SIM_PERIODS, trim_ratio=DEFAULTS["trim_ratio"]))
    merged = table.merge(planted, on=["exporter", "hs6"], suffixes=("", "_planted"), validate="one_to_one")
    assert len(merged) == len(planted) == facts["exporter_products"]
    core = merged[~merged["filler"]]
    # the planted ratios come back exactly (to rounding)
    np.testing.assert_allclose(core["world_demand_growth_pct"], 100 * (core["world_demand_factor"] - 1), rtol=1e-9)
    np.testing.assert_allclose(core["export_earnings_growth_pct"], 100 * (core["export_factor"] - 1), rtol=1e-9)
    kept = core[~core["uv_trimmed_b_planted"]]
    np.testing.assert_allclose(kept["unit_value_change_pct"], 100 * (kept["relative_uv_factor"] - 1), rtol=1e-9)
    for sign in tf.SIGN_NAMES:
        assert (kept[sign].astype(int) == kept[f"{sign}_planted"]).all(), sign
    # trimming finds exactly the planted cells, and nothing else
    assert (merged["uv_trimmed_b"] == merged["uv_trimmed_b_planted"]).all()
    assert not merged["uv_trimmed_a"].any()
    expected = sim.planted_outcomes(planted).set_index(["exporter", "hs6"])
    got = core.set_index(["exporter", "hs6"])
    for rule in ("text", "printed", "kaplinsky_readman"):
        column = f"outcome_{rule}"
        assert (got[column] == expected.loc[got.index, column]).all(), rule
    # every outcome of the book's vocabulary that the planted signs allow occurs
    assert set(got["outcome_text"]) == {"product_upgrading", "withdrawal", "downgrading_immiserizing_growth",
                                        "shift_to_higher_quality_segments", "ambiguous_downgrading_or_withdrawal",
                                        "not_upgrading_subclass_undetermined", "not_classifiable"}
    # zero and missing quantities are counted, not dropped: the file's own count in the periods' years
    flows = pq.read_table(folder / "flows.parquet", columns=["t", "q"]).to_pandas()
    in_periods = flows["t"].between(1995, 2000) | flows["t"].between(2015, 2020)
    assert agg_facts["q_missing_rows"] == int(flows.loc[in_periods, "q"].isna().sum()) > 0
    assert agg_facts["q_zero_rows"] == int((flows.loc[in_periods, "q"] == 0).sum()) > 0


def test_simulation_is_seeded(tmp_path):
    a = sim.write_baci_flows(tmp_path / "a.parquet", 20_000, seed=3, planted_path=tmp_path / "pa.parquet")
    b = sim.write_baci_flows(tmp_path / "b.parquet", 20_000, seed=3, planted_path=tmp_path / "pb.parquet")
    assert a == b
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_run_writes_outputs_reproducibly(tmp_path):
    write_csv(tmp_path / "baci.csv")
    outputs = []
    for n in (1, 2):
        out = {"classified": tmp_path / f"r{n}/classification.parquet", "summary": tmp_path / f"r{n}/summary.csv",
               "facts": tmp_path / f"r{n}/facts.json"}
        facts = tf.run(section_with_defaults("trade_flows", {"input": str(tmp_path / "*.csv"), "periods": PERIODS}), out,
                       market_share_rules=["text", "printed"])
        outputs.append(out)
    assert facts["exporter_products"] == 3 and facts["trimmed_unit_values"] == 1 and facts["groups"] == {"I": 3}
    assert facts["not_classifiable"] == {"text": 0, "printed": 0, "kaplinsky_readman": 0}
    assert facts["not_upgrading_subclass_undetermined"] == {"text": 1, "printed": 1, "kaplinsky_readman": 1}
    for key in ("classified", "summary", "facts"):
        assert outputs[0][key].read_bytes() == outputs[1][key].read_bytes()
    assert not (tmp_path / "r1/figures").exists()   # the report draws the groups that have data
    summary = pd.read_csv(outputs[0]["summary"])
    text = summary[summary["rule_variant"] == "text"].set_index("outcome")
    assert text.loc["product_upgrading", "exporter_products"] == 1
    assert text.loc["product_upgrading", "export_value_b"] == 300
    assert text["share_pct"].sum() == pytest.approx(100)


@pytest.mark.parametrize("engine", tf.ENGINES)
@pytest.mark.parametrize("rows, header, message, column", [
    (FLOWS, "t,i,j,k,v\n", "lacks column", "'q'"),
    ([r for r in FLOWS if r[0] != 2011], HEADER, "no flow in year(s)", "[2011]"),
    ([*FLOWS, (2010, 76, 32, "010121", -5, "1")], HEADER, "row 14, column 'v': ", "a negative value (got '-5'"),
])
def test_bad_input_names_file_column_and_value(tmp_path, engine, rows, header, message, column):
    path = write_csv(tmp_path / "bad.csv", rows[:1] if header != HEADER else rows, header)
    if header != HEADER:
        path.write_text(header + "2000,32,76,010121,100\n")
    with pytest.raises(InputError, match="bad.csv") as info:
        aggregate([str(path)], PERIODS, engine=engine)
    assert message in str(info.value) and column in str(info.value)


def test_input_glob_that_matches_nothing(tmp_path):
    with pytest.raises(InputError, match="no file matches"):
        tf.input_files(str(tmp_path / "BACI_*.csv"))


def test_config_defaults_and_rejections():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    filled = copy.deepcopy(config)
    validate(filled, str(ROOT / "workflow/schemas/config.schema.yaml"))
    assert filled["trade_flows"]["enabled"] is False and filled["trade_flows"]["engine"] == "duckdb"
    assert filled["trade_flows"]["periods"] == {"a": [1995, 2000], "b": [2015, 2020]}
    assert filled["trade_flows"]["trim_ratio"] == 10
    bad = copy.deepcopy(config)
    bad["trade_flows"] = {"enabled": True}
    with pytest.raises(Exception, match="'input' is a required property"):
        validate(bad, str(ROOT / "workflow/schemas/config.schema.yaml"))
    bad["trade_flows"] = {"enabled": True, "input": "x.csv", "trim_ratio": 0.5}
    with pytest.raises(Exception, match="trim_ratio|0.5"):
        validate(bad, str(ROOT / "workflow/schemas/config.schema.yaml"))


# ---------------------------------------------------------------------------------------------
# The report's section on the user's flows (gvc_clusters.output.draw: trade_flows_*)


def _summary_of_two_groups() -> pd.DataFrame:
    rows = []
    for rule in ("text", "printed", "kaplinsky_readman"):
        up = "upgrading" if rule == "kaplinsky_readman" else "product_upgrading"
        rows += [{"group": "I", "rule_variant": rule, "outcome": up, "exporter_products": 3, "share_pct": 75.0,
                  "export_value_b": 10.0},
                 {"group": "I", "rule_variant": rule, "outcome": "not_classifiable", "exporter_products": 1,
                  "share_pct": 25.0, "export_value_b": 1.0},
                 {"group": "XI", "rule_variant": rule, "outcome": "withdrawal" if rule != "kaplinsky_readman"
                  else "collapse_and_withdrawal", "exporter_products": 2, "share_pct": 100.0, "export_value_b": 0.0}]
    return pd.DataFrame(rows)


def test_the_report_draws_only_the_groups_that_have_data(tmp_path):
    from gvc_clusters.output import draw
    from gvc_clusters.output.exhibits import TRADE_FLOWS_EXHIBITS

    path = tmp_path / "summary.csv"
    _summary_of_two_groups().to_csv(path, index=False)
    figure_exhibit, table_exhibit = TRADE_FLOWS_EXHIBITS
    src = draw.Sources(figure_exhibit, {"trade_flows_summary": str(path)})
    figure = draw.drawer(figure_exhibit)(src)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["I Live animals, animal products (4)", "XI Textiles (2)"]   # 2 of 21: no placeholders
    table = draw.draw_table(table_exhibit, {"trade_flows_summary": str(path)}, preset="aer")
    cells = table.cells
    upgrading = cells[(cells["column_id"] == "upgrading") & (cells["line"] == "data")]["text"].tolist()
    assert upgrading == ["75.0", "75.0", "75.0", "0.0", "0.0", "0.0"]   # group I under each rule, then XI
    assert table.title == table_exhibit.caption


def test_the_section_on_trade_flows_is_printed_only_with_them():
    from gvc_clusters.output.exhibits import report_exhibits
    from gvc_clusters.output.render.document import document_plan
    from gvc_clusters.vocabulary import DEFAULT

    without = [s.id for s in document_plan(report_exhibits({}, {}), DEFAULT)]
    plan = document_plan(report_exhibits({}, {}, trade_flows=True), DEFAULT)
    assert "trade_flows" not in without and [s.id for s in plan] == [*without[:4], "trade_flows", *without[4:]]
    numbers = {s.id: s.number for s in plan}
    assert numbers["trade_flows"] == "5" and numbers["cases"] == "6"
    assert {s.id: s.number for s in document_plan(report_exhibits({}, {}), DEFAULT)}["cases"] == "5"


def test_the_section_quotes_the_facts_of_the_run(tmp_path):
    from gvc_clusters.output.report import trade_flow_numbers

    write_csv(tmp_path / "baci.csv")
    out = {"classified": tmp_path / "c.parquet", "summary": tmp_path / "s.csv", "facts": tmp_path / "f.json"}
    facts = tf.run(section_with_defaults("trade_flows", {"input": str(tmp_path / "*.csv"), "periods": PERIODS}), out,
                   market_share_rules=["text", "printed"])
    numbers = trade_flow_numbers(facts)
    assert numbers["trade flows exporter products"] == "3" and numbers["trade flows groups"] == "1"
    assert numbers["trade flows groups total"] == str(len(tf.HS_SECTIONS))
    assert numbers["trade flows not classifiable"] == "0" and numbers["trade flows trimmed"] == "1"
    assert numbers["trade flows undetermined"] == "1"
    assert numbers["trade flows period a"] == "–".join(map(str, PERIODS["a"]))
