"""What changed since the last run: the configuration diff, inputs, decisions and checks by id,
estimates, SEs, p-values and verdicts, the summary, the warnings and the kept snapshot.

The headline case is the issue's: the book's ce_governance spec switched to HC1 standard errors.
Both builds are fitted here; the summary must name the config key, count the SEs that changed (every
SE of the spec: 220) and name the p-value that crossed 0.05.
"""

import copy
import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gvc_clusters.config_defaults import with_defaults
from gvc_clusters.data.families import build_family
from gvc_clusters.io import write_csv
from gvc_clusters.models.specs import run_ordinal_spec
from gvc_clusters.output import changes as ch
from gvc_clusters.output.report import change_label, changes_view
from gvc_clusters.results import estimates_table
from gvc_clusters.vocabulary import DEFAULT

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def raw_copy(tmp_path: Path, name: str) -> Path:
    """A copy of data/raw to edit (the decision log and the sources manifest)."""
    target = tmp_path / name / "raw"
    shutil.copytree(RAW, target)
    return target


def snapshot(tmp_path, name, estimates: pd.DataFrame, config: dict, raw: Path = RAW) -> ch.Snapshot:
    path = tmp_path / f"{name}_estimates.csv"
    write_csv(estimates, path)
    files = sorted(p for p in raw.rglob("*") if p.is_file())
    return ch.build_snapshot([path], files, raw.parent, config, decision_log=raw / "decision_log.csv",
                             manifest=raw / "sources.yaml")


@pytest.fixture(scope="module")
def hc1_switch(tmp_path_factory):
    """The book's ce_governance spec fitted with model-based SEs, then with HC1 (config changed)."""
    tmp = tmp_path_factory.mktemp("hc1")
    config = with_defaults(yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8")))
    dataset = build_family("clusters", str(RAW)).tables["model_dataset"]
    builds = {}
    for name, se_type in (("before", "model_based"), ("after", "hc1")):
        cfg = copy.deepcopy(config)
        spec = cfg["ordinal"]["specs"]["ce_governance"]
        spec["se_type"] = se_type
        fits = run_ordinal_spec("ce_governance", spec, dataset, halves="keep", n_permutations=0, seed=1)
        builds[name] = snapshot(tmp, name, estimates_table(fits), cfg)
    return builds


def test_switching_one_spec_to_hc1_is_named_counted_and_its_crossing_p_value_named(hc1_switch):
    before, after = hc1_switch["before"], hc1_switch["after"]
    changes = ch.compare(before, after)
    rows = changes.rows
    config = rows[rows["what"] == "config"]
    assert config[["id", "previous", "current"]].values.tolist() == [
        ["ordinal.specs.ce_governance.se_type", "model_based", "hc1"]]
    se_rows = rows[(rows["what"] == "estimate") & (rows["field"] == "std_error")]
    n_se = int(after.estimates["std_error"].notna().sum())
    assert len(se_rows) == n_se == 220                       # every SE of the spec, as the issue counted
    assert not ((rows["what"] == "estimate") & (rows["field"] == "estimate")).any()   # no estimate moved
    crossed = rows[(rows["what"] == "verdict") & rows["detail"].str.startswith("crossed 0.05")]
    ids = set(crossed["id"])
    assert "ce_governance__product__probit · coef · ce_level:sector_complex_products" in ids
    row = crossed.set_index("id").loc["ce_governance__product__probit · coef · ce_level:sector_complex_products"]
    assert (round(float(row["previous"]), 3), round(float(row["current"]), 3)) == (0.060, 0.034)
    lines = ch.summary_lines(changes)
    text = "\n".join(lines)
    assert lines[0] == "Configuration: 1 key(s) changed: ordinal.specs.ce_governance.se_type model_based → hc1."
    assert f"Estimates: 0 of {len(after.estimates):,} estimates moved; 220 standard errors and" in text
    assert ("  ce_governance__product__probit · coef · ce_level:sector_complex_products: p = 0.060 → 0.034, "
            "crossed 0.05: significant at 0.10 → significant at 0.05.") in lines
    assert "Verdicts changed: 17 (the first 5 below; every one in the full list):" in lines
    assert "Input files" not in text and "Decisions" not in text       # nothing else changed
    # mutate the number: the sentence changes with it
    mutated = ch.Snapshot(**{**after.__dict__, "estimates": after.estimates.assign(
        p_value=after.estimates["p_value"].where(after.estimates["term"] != "ce_level:sector_complex_products",
                                                 0.07))})
    mutated_text = "\n".join(ch.summary_lines(ch.compare(before, mutated)))
    # p = 0.060 -> 0.07 stays significant at 0.10 only: no verdict changed, the sentence is gone
    assert "ce_governance__product__probit · coef · ce_level:sector_complex_products: p" not in mutated_text


def test_the_report_words_the_summary_with_labels(hc1_switch):
    changes = ch.compare(hc1_switch["before"], hc1_switch["after"])
    view = changes_view(changes, DEFAULT)
    assert any("Collective efficiency and governance, product upgrading, probit: coefficient, CE × complex "
               "products: p = 0.060 → 0.034, crossed 0.05" in line for line in view["summary"])
    assert len(view["rows"]) == len(changes.rows) and "·" not in view["rows"][-1]["id"]
    assert change_label("m__product__probit · ame · ce_level · 3", DEFAULT) == \
        "M, product upgrading, probit: average marginal effect, CE degree (1–3) (y = 3)"


def test_nothing_changed_reads_as_a_first_build(hc1_switch):
    after = hc1_switch["after"]
    assert ch.summary_lines(ch.compare(after, after)) == [ch.NOTHING_CHANGED]
    assert ch.summary_lines(ch.compare(None, after)) == [ch.NOTHING_CHANGED]
    assert changes_view(ch.compare(None, after), DEFAULT) == {"summary": [ch.NOTHING_CHANGED], "rows": []}


def test_a_resigned_contradiction_edit_and_deleted_rows_are_listed_by_id(tmp_path, hc1_switch):
    """Issue 22: a re-signed edit of a contradiction's value_used (29000 -> 28000), a deleted
    alternative-reading row and a check with tolerance 1 are each named, the last two as removed
    or loosened on the console."""
    estimates = hc1_switch["after"].estimates
    config = hc1_switch["after"].config
    before = snapshot(tmp_path, "before", estimates, config)
    raw = raw_copy(tmp_path, "edited")
    log = (raw / "decision_log.csv").read_text(encoding="utf-8")
    edited = log.replace('Direct jobs,"29,000",29000,default,contradiction', 'Direct jobs,"29,000",28000,default,'
                                                                            'contradiction')
    assert edited != log
    lines = edited.splitlines(keepends=True)
    alternative = next(i for i, line in enumerate(lines) if ",10-2.C," in line)
    removed_line = lines.pop(alternative)
    (raw / "decision_log.csv").write_text("".join(lines), encoding="utf-8")
    manifest = (raw / "sources.yaml").read_text(encoding="utf-8")
    loosened = manifest.replace("    - 4\n    tolerance: 0.005\n    why: the printed note defines CE",
                                "    - 4\n    tolerance: 1\n    why: the printed note defines CE", 1)
    assert loosened != manifest
    (raw / "sources.yaml").write_text(loosened, encoding="utf-8")
    after = snapshot(tmp_path, "after", estimates, config, raw)
    changes = ch.compare(before, after)
    rows = changes.rows
    decision = rows[(rows["what"] == "decision") & (rows["change"] == "changed")]
    assert decision[["id", "field", "previous", "current"]].values.tolist() == [
        ["1-2/1/Direct jobs/default/contradiction", "value_used", "29000", "28000"]]
    removed = rows[(rows["what"] == "decision") & (rows["change"] == "removed")]
    fields = next(csv.reader([removed_line]))
    assert removed["id"].tolist() == [f"{fields[0]}/{fields[1]}/{fields[3]}/10-2.C/{fields[7]}"]
    check = rows[rows["what"] == "check"]
    assert check[["id", "change", "field", "previous", "current"]].values.tolist() == [
        ["10-1 row_formula#1", "loosened", "tolerance", "0.005", "1"]]
    assert set(rows.loc[rows["what"] == "input", "id"]) == {"raw/decision_log.csv", "raw/sources.yaml"}
    text = "\n".join(ch.summary_lines(changes))
    assert ("Decisions (data/raw/decision_log.csv): 1 removed (" in text
            and "1 changed (1-2/1/Direct jobs/default/contradiction value_used 29000 → 28000)" in text)
    assert "Checks (data/raw/sources.yaml): 1 loosened (10-1 row_formula#1 tolerance 0.005 → 1)." in text
    warnings = ch.console_warnings(changes)
    assert warnings == [
        f"WARNING: decision {removed['id'].item()} removed since the last run",
        "WARNING: check 10-1 row_formula#1 loosened since the last run: tolerance 0.005 → 1 (a larger tolerance)"]


def test_snapshot_round_trip_is_byte_stable_and_warnings_print_from_the_csv(tmp_path, hc1_switch, capsys):
    after = hc1_switch["after"]
    ch.write_snapshot(after, tmp_path / "a")
    ch.write_snapshot(ch.read_snapshot(tmp_path / "a"), tmp_path / "b")
    for name in ch.SNAPSHOT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    again = ch.read_snapshot(tmp_path / "a")
    assert ch.compare(again, after).rows.empty                     # nothing lost in the round trip
    assert ch.read_snapshot(tmp_path / "missing") is None
    # the rerun's command line compares two kept snapshots and prints the same summary
    before = hc1_switch["before"]
    ch.write_snapshot(before, tmp_path / "previous")
    assert ch.main([str(tmp_path / "previous"), str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ch.summary_lines(ch.compare(before, after))
    # the end-of-run warnings read the report's changes list, only when this run wrote it
    rows = pd.DataFrame([ch._row("check", "10-1 row_formula#1", "loosened", "tolerance", "0", "1",
                                 "a larger tolerance")], columns=ch.CHANGE_COLUMNS)
    ch.write_changes(ch.Changes(True, rows), tmp_path / "changes.csv")
    warning = ["WARNING: check 10-1 row_formula#1 loosened since the last run: tolerance 0 → 1 (a larger tolerance)"]
    run_log = tmp_path / "run.snakemake.log"
    run_log.write_text("Job stats:\n\nlocalrule render_report:\n    input: ...\n", encoding="utf-8")
    assert ch.rule_ran([str(run_log)], "render_report") is True
    assert ch.rule_ran(str(run_log), "render_tables") is False and ch.rule_ran([], "render_report") is None
    assert ch.print_warnings(tmp_path / "changes.csv", ran=True) == warning
    assert ch.print_warnings(tmp_path / "changes.csv", ran=False) == []      # the report was not rendered
    assert ch.print_warnings(tmp_path / "changes.csv", since=0) == warning   # no log: the file's time decides
    assert ch.print_warnings(tmp_path / "changes.csv", since=2e9) == []      # written before this run


def test_config_diff_and_a_snapshot_without_config():
    old = {"ordinal": {"specs": {"a": {"se_type": "model_based", "links": ["probit"]}}}, "seed": 1}
    new = {"ordinal": {"specs": {"a": {"se_type": "model_based", "links": ["probit", "logit"]},
                                 "b": {"se_type": "hc1"}}}, "seed": 1}
    estimates = pd.DataFrame(columns=[*ch.KEYS, *ch.ESTIMATE_FIELDS])
    inputs = pd.DataFrame({"input": ["config"], "sha256": ["x"]})
    rows = ch.config_changes(ch.Snapshot(estimates, inputs, old), ch.Snapshot(estimates, inputs, new))
    assert [(r["id"], r["change"], r["previous"], r["current"]) for r in rows] == [
        ("ordinal.specs.a.links", "changed", '["probit"]', '["probit", "logit"]'),
        ("ordinal.specs.b.se_type", "added", "", "hc1")]
    # an older snapshot kept no config: the digest says the configuration changed
    changed = ch.input_changes(inputs, pd.DataFrame({"input": ["config"], "sha256": ["y"]}), config_known=False)
    assert [r["id"] for r in changed] == ["config"]


def test_claims_verdicts_table_is_compared_when_given(tmp_path, hc1_switch):
    after = hc1_switch["after"]
    previous = ch.Snapshot(**{**after.__dict__, "verdicts": pd.DataFrame({"claim_id": ["c1", "c2"],
                                                                          "verdict": ["holds", "holds"]})})
    current = ch.Snapshot(**{**after.__dict__, "verdicts": pd.DataFrame({"claim_id": ["c1", "c3"],
                                                                         "verdict": ["fails", "holds"]})})
    rows = ch.compare(previous, current).rows
    claims = rows[rows["what"] == "claim"]
    assert claims[["id", "change"]].values.tolist() == [["c2", "removed"], ["c3", "added"], ["c1", "changed"]]
    assert "Claims whose verdict changed (3): " in "\n".join(ch.summary_lines(ch.compare(previous, current)))
    path = tmp_path / "verdicts.csv"
    pd.DataFrame({"claim_id": ["c2", "c1"], "verdict": ["x", "y"], "note": ["", ""]}).to_csv(path, index=False)
    assert ch.read_verdicts(path)["claim_id"].tolist() == ["c1", "c2"]
