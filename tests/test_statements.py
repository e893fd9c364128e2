"""The sentences about the data and the robustness of the results (gvc_clusters.output.statements):
each is computed from the result it describes, and a change in the result changes the sentence."""

import pandas as pd
import pytest

from gvc_clusters.output import statements as say
from gvc_clusters.results import ModelResult, estimate_rows


def test_share_words_follow_the_counts():
    assert [say.share_word(p, 10) for p in (0, 3, 5, 7, 10)] == ["none", "a minority", "half", "most", "all"]


def test_raw_files_count_printed_tables_apart_from_the_projects_files():
    entries = [{"table": "10-4", "title": "Upgrading"}, {"table": "9-2", "title": "Shares"},
               {"table": "cluster-key", "title": "Cluster key: one id per case study"}]
    text = say.raw_files_sentence(entries)
    assert text == ("The pipeline transcribes 2 tables the book prints and keeps 1 further file that the book "
                    "does not print as a table: cluster key.")
    assert say.raw_files_sentence(entries[:2]) == "The pipeline transcribes 2 tables the book prints."


def _summary(transcription=300, checks_a=(("independent", 6), ("independent_given_A", 50), ("decodes_its_cells", 4)),
             checks_b=(("independent", 6), ("independent_given_B", 6), ("cells_left_free", 48))):
    rows = [("chapter 10 replication", "10-4", "match", transcription + 58), ("chapter 10 replication", "10-4",
                                                                            "match_truncated", 2),
            ("chapter 10 replication", "10-4", "mismatch", 5)]
    for assumption, checks in (("A", checks_a), ("B", checks_b)):
        rows += [(f"matches by evidence ({assumption})", "10-4", "transcription", transcription)]
        rows += [(f"matches by evidence ({assumption})", "10-4", kind, n) for kind, n in checks]
    return pd.DataFrame(rows, columns=["what", "table", "status", "count"])


def test_the_replication_sentence_says_what_the_matches_prove():
    evidence = say.replication_evidence(_summary())
    assert evidence == {"cells": 365, "match": 358, "truncated": 2, "identities": 300, "checks": 60,
                        "confirm_a": 56, "confirm_b": 12, "independent": 6}
    text = say.replication_sentence(evidence)
    assert "Of 365 printed cells of chapter 10, 358 are reproduced exactly and 2 after the book's truncation" in text
    assert "most of the 360 matches (300) are identities" in text
    assert "56 of them confirm the cells they name under glyph consistency (A) and 12 under checksums only (B)" in text
    assert text.endswith("or only for the default reading.")
    every = say.replication_evidence(_summary(checks_a=(("independent", 60),), checks_b=(("independent", 60),)))
    assert not say.replication_sentence(every).endswith("default reading.")   # nothing holds by construction
    few = say.replication_evidence(_summary(transcription=10))
    assert "a minority of the 70 matches (10) are identities" in say.replication_sentence(few)


def _fit(model_id, terms, *, p=0.01, extra=None, kind="ordered_probit", outcome="product", n_excluded=0):
    rows = [{"role": "coef", "term": t, "estimate": b, "std_error": 0.5, "statistic": b / 0.5, "p_value": p,
             "ci_low": b - 1, "ci_high": b + 1} for t, b in terms.items()]
    return ModelResult(model_id=model_id, kind=kind, outcome=outcome, estimates=estimate_rows(rows), n_obs=34,
                       se_type="model-based", converged=True,
                       n_excluded=n_excluded, extra=extra or {})


def test_exclusions_are_counted_in_their_own_unit():
    panel = _fit("p_fe", {"x": 1.0}, n_excluded=3, extra={"build_counts": {"rows_missing_governance": 3,
                                                                           "clusters_missing_governance": 1}})
    assert say.exclusion_phrase(panel) == "3 cluster × upgrading-type rows of 1 cluster dropped for a missing governance code"
    ordinal = _fit("o", {"x": 1.0}, n_excluded=2, extra={"excluded_clusters": {"no_upgrading_data": ["a", "b"]}})
    assert say.exclusion_phrase(ordinal) == "2 clusters excluded for no upgrading data"
    assert say.exclusion_phrase(_fit("o", {"x": 1.0})) == ""


def _readings(share_b=0.81):
    rows = []
    for assumption, label, method, size, n, share in (("A", "glyph-consistent", "enumerated", 6912, 6912, 1.0),
                                                      ("B", "checksums only", "sampled", 10 ** 13, 200, share_b)):
        for term, s in (("ce", 1.0), ("qh", share)):
            rows.append({"model_id": "m", "role": "coef", "term": term, "assumption": assumption,
                         "assumption_label": label, "method": method, "set_size": size, "n_readings": n,
                         "share_same_sign": s, "share_same_sign_mc_se": 0.028 if method == "sampled" else 0,
                         "share_p05": 0.5 * s})
    return pd.DataFrame(rows)


def test_the_readings_sentence_names_the_weakest_coefficient_and_moves_with_the_shares():
    label = lambda model, term: term.upper()
    text = say.readings_sentence(_readings(), [("m", "ce"), ("m", "qh")], label)
    assert "under the glyph-consistent assumption (all 6,912 readings) each of the 2 key coefficients keeps its sign" in text
    assert ("under the checksums only assumption (a seeded sample of 200 of its 10,000,000,000,000 readings) 1 of the "
            "2 key coefficients keep their sign in every reading and QH keeps it in only 81 per cent "
            "(Monte Carlo SE 2.8 points)") in text
    assert say.readings_sentence(_readings(0.54), [("m", "ce"), ("m", "qh")], label) != text
    assert "every reading" in say.readings_sentence(_readings(1.0), [("m", "ce"), ("m", "qh")], label).split(";")[2]


def test_the_link_sentence_names_a_coefficient_that_moves():
    label = lambda model, term: term
    probit = _fit("s__product__probit", {"ce": 1.2, "qh": -0.5}, p=0.01)
    same = _fit("s__product__logit", {"ce": 2.0, "qh": -0.9}, p=0.02, kind="ordered_logit")
    terms = lambda r: ["ce", "qh"]
    assert say.link_sentence([(probit, same)], terms, label) == (
        "The ordered logit repeats the probit: each of the 2 key coefficients fitted with both links keeps its sign "
        "and its 5 per cent verdict.")
    flipped = _fit("s__product__logit", {"ce": 2.0, "qh": 0.1}, p=0.02, kind="ordered_logit")
    assert "qh changes its sign" in say.link_sentence([(probit, flipped)], terms, label)
    weak = _fit("s__product__logit", {"ce": 2.0, "qh": -0.9}, p=0.07, kind="ordered_logit")
    assert "its 5 per cent verdict (p 0.010 with probit, 0.070 with logit)" in say.link_sentence([(probit, weak)],
                                                                                                 terms, label)


def test_the_se_sentence_names_a_verdict_that_depends_on_the_convention():
    label = lambda model, term: term
    fit = _fit("s__product__probit", {"ce": 1.0}, extra={"se_conventions": {
        "model_based": {"ce": 0.5}, "hc0": {"ce": 0.45}, "hc1": {"ce": 0.47}}})
    assert "keeps its 5 per cent verdict" in say.se_sentence([fit], [], lambda r: ["ce"], label)
    fit.extra["se_conventions"]["hc1"]["ce"] = 0.6   # z = 1.67: p crosses 0.05 under HC1
    text = say.se_sentence([fit], [], lambda r: ["ce"], label)
    assert text.startswith("The SE convention decides 1 of the 1 key coefficient") and "HC1 p 0.096" in text


def test_the_cases_sentence_reads_the_with_without_fits():
    assert "adds no cluster beyond the book" in say.cases_sentence(None, ())
    frame = pd.DataFrame([{"model_id": "s__product__probit", "role": "coef", "term": "ce:complex", "sign_changes": False,
                           "significance_changes": True}])
    assert say.cases_sentence(frame, ("a", "b")) == ("Adding the 2 coded cases beyond the book changes the sign or "
                                                     "the 5 per cent verdict of 1 coefficient: ce:complex in "
                                                     "s__product__probit.")
    frame["significance_changes"] = False
    assert say.cases_sentence(frame, ("a", "b")).endswith("changes no coefficient's sign or 5 per cent verdict.")


def test_the_chapter9_sentence_follows_the_agreement_counts():
    agreement = pd.DataFrame({"rule_variant": ["text", "printed"], "agree": [44, 37], "disagree": [3, 13]})
    text = say.chapter9_sentence(agreement, {"text": "the text's rule", "printed": "the printed rule"})
    assert text == ("Against the chapter's own verdicts, the rules agree in the text's rule 44 of 47 and the printed "
                    "rule 37 of 50 comparable cases; the text's rule agrees most often.")
    agreement.loc[1, "disagree"] = 1
    assert "the printed rule agrees most often" in say.chapter9_sentence(agreement, {"text": "the text's rule",
                                                                                     "printed": "the printed rule"})


@pytest.mark.parametrize("n, word", [(1, "1 cluster"), (1200, "1,200 clusters")])
def test_counts_say_what_they_count(n, word):
    assert say.count_noun(n, "cluster") == word


def test_the_abstracts_largest_model_is_the_largest_ordered_fit_of_the_build():
    """"at most N in any one ordered model": N is computed from the fits (was a literal 34), so a fit
    on one cluster more or less changes it."""
    import json
    from pathlib import Path

    from conftest import ROOT, ensure_built

    from gvc_clusters.output.report import report_numbers, spec_files

    ensure_built()
    models = ROOT / "results/models/ordinal"
    specs = sorted(p.name for p in models.iterdir() if (p / "models.json").is_file())
    ordinal = spec_files(specs, [str(models / s / "estimates.csv") for s in specs],
                         [str(models / s / "models.json") for s in specs], None)
    numbers = report_numbers(replication_summary=str(ROOT / "results/replication/replication_summary.csv"),
                             agreement_summary=str(ROOT / "results/classification/verdict_agreement_summary.csv"),
                             ordinal=ordinal, panel={}, dataset=str(ROOT / "data/processed/clusters/model_dataset.parquet"))
    fits = [m for s in specs for m in json.loads(Path(models / s / "models.json").read_text(encoding="utf-8")).values()]
    assert numbers["ordinal largest N"] == str(max(int(m["n_obs"]) for m in fits)) == "34"
