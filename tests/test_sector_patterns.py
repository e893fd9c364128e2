"""Table 10-3 transcribed as printed: the words the book prints for each sector group, footnotes decided.

The expected cells are read off the seed (001_..., lines 3425-3433) by eye; the bad-input cases corrupt a
private copy of data/raw and must stop the clean step naming the cell.
"""

import pytest
from conftest import corrupt

from gvc_clusters.data.decisions import read_decision_log
from gvc_clusters.data.families import build_family
from gvc_clusters.data.parse.sector_patterns import parse_cell, sector_of
from gvc_clusters.errors import InputErrors


@pytest.mark.parametrize("text, expected", [
    ("Positive", ("positive", None, None)),
    ("Neutral ^a", ("neutral", "a", None)),
    ("Positive ^c (but passive)", ("positive", "c", "but passive")),
    ("Neutral ^d (indirectly positive)", ("neutral", "d", "indirectly positive")),
    ("Often negative", ("often_negative", None, None)),
    ("Neutral/ negative", ("neutral_or_negative", None, None)),
    ("None ^c", ("none", "c", None)),
])
def test_a_cell_is_a_word_a_mark_and_a_qualifier(text, expected):
    cell = parse_cell(text)
    assert (cell["pattern"], cell["footnote_printed"], cell["qualifier"]) == expected


def test_unknown_words_and_headers_are_not_read():
    assert parse_cell("Positively") is None and parse_cell("Strong") is None
    assert sector_of("Natural- resource- based") == "natural_resource_based"
    assert sector_of("Specialized services") == "specialized_suppliers"
    assert sector_of("Software") is None


@pytest.fixture(scope="module")
def patterns():
    return build_family("clusters").tables["sector_patterns"].set_index(["relation", "sector_group", "upgrading_type"])


def test_the_printed_matrix(patterns):
    ce = {s: [patterns.at[("collective_efficiency", s, u), "pattern"] for u in ("product", "process", "functional")]
          for s in ("traditional_manufacturing", "natural_resource_based", "complex_products", "specialized_suppliers")}
    assert ce == {"traditional_manufacturing": ["positive", "neutral", "neutral"],
                  "natural_resource_based": ["positive"] * 3, "complex_products": ["neutral"] * 3,
                  "specialized_suppliers": ["positive"] * 3}
    buyers = {s: [patterns.at[("global_buyers", s, u), "pattern"] for u in ("product", "process", "functional")]
              for s in ("traditional_manufacturing", "natural_resource_based", "complex_products",
                        "specialized_suppliers")}
    assert buyers == {"traditional_manufacturing": ["positive", "positive", "often_negative"],
                      "natural_resource_based": ["positive", "positive", "neutral_or_negative"],
                      "complex_products": ["neutral", "neutral", "neutral_or_negative"],
                      "specialized_suppliers": ["none"] * 3}
    assert patterns.at[("collective_efficiency", "traditional_manufacturing", "process"), "footnote"] == "a"
    assert patterns.at[("global_buyers", "natural_resource_based", "product"), "qualifier"] == "but passive"
    none = patterns.xs(("global_buyers", "specialized_suppliers"), level=[0, 1])
    assert list(none["footnote_printed"]) == ["c"] * 3 and list(none["footnote"]) == ["e"] * 3
    assert patterns.at[("learning_pattern", "complex_products", ""), "printed_text"] == \
        "Scale-intensive specialized suppliers"
    assert len(patterns) == 32


def test_every_footnote_read_otherwise_than_printed_has_its_decision(patterns):
    log = read_decision_log("data/raw/decision_log.csv")
    decided = log[(log["table"] == "10-3") & (log["kind"] == "glyph")]
    changed = patterns[patterns["footnote"] != patterns["footnote_printed"]].dropna(subset=["footnote"])
    assert sorted(zip(changed["source_row"], changed["source_column"])) == \
        sorted(zip(decided["row"].astype(int), decided["column"]))


def test_a_word_the_table_does_not_print_stops_the_build(raw_copy):
    corrupt(raw_copy, "clusters/table_10_3.csv", 4, "Complex products", "Neutrall ^b")
    with pytest.raises(InputErrors) as err:
        build_family("clusters", raw_copy)
    text = str(err.value)
    assert "table_10_3.csv, row 4, column 'Complex products'" in text and "Neutrall ^b" in text
    assert "not one of Table 10-3's words" in text


def test_a_footnote_mark_read_otherwise_without_a_decision_stops_the_build(raw_copy):
    """A None cell's mark is read as e (its note defines "None"): not without a decision for the cell."""
    corrupt(raw_copy, "clusters/table_10_3.csv", 9, "Complex products", "None ^c")
    with pytest.raises(InputErrors, match=r"row 9, column 'Complex products': footnote mark 'c' is read as 'e' "
                                          r"without a decision"):
        build_family("clusters", raw_copy)
