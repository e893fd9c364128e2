"""Table 10-3, "Patterns of Learning and Upgrading across Sectors": the book's own claims matrix.

The table prints words, not numbers: for each sector group, the relation between collective
efficiency and product, process and functional upgrading, the impact of global buyers' or
leaders' operations on each ("Positive", "Neutral ^b", "Positive ^c (but passive)", "Often
negative", "None ^e", ...), the learning pattern of the Pavitt taxonomy and the other critical
sources of knowledge. ``tidy_sector_patterns`` turns the printed table into one row per cell:
the printed text, its word (``pattern``), the qualifier in brackets and the footnote mark as
printed and as decided. A word the parser does not know, a row label out of place or a footnote
mark changed without a decision in the decision log stops the build, naming the cell.

The claims registry (data/claims/claims.yaml) makes each cell a claim; this module only reads
what the book printed.
"""

from __future__ import annotations

import re

import pandas as pd

from gvc_clusters.data.parse.common import Origin, PrintedTable, cell_map
from gvc_clusters.errors import InputError, InputErrors
from gvc_clusters.vocabulary import SECTOR_GROUPS

FILE = "clusters/table_10_3.csv"
TABLE = "10-3"
STUB = "Item"
PRINTED_COLUMNS = [STUB, "Traditional manufacturing", "Natural- resource- based", "Complex products",
                   "Specialized services"]
# Printed column header (hyphenation spaces removed) -> sector group. "Specialized services" is the
# group Table 10-1 calls specialized suppliers (software clusters; decision log, table 10-3).
SECTOR_COLUMNS = {"Traditional manufacturing": "traditional_manufacturing",
                  "Natural-resource-based": "natural_resource_based",
                  "Complex products": "complex_products",
                  "Specialized services": "specialized_suppliers"}
# The printed rows, in order: (row label, relation, upgrading type); a header row has no relation.
ROWS = {1: ("Pattern of learning according to Pavitt taxonomy", "learning_pattern", ""),
        2: ("Relation between collective efficiency and", None, None),
        3: ("Product upgrading", "collective_efficiency", "product"),
        4: ("Process upgrading", "collective_efficiency", "process"),
        5: ("Functional upgrading", "collective_efficiency", "functional"),
        6: ("Impact of global buyers'/leaders' operations on", None, None),
        7: ("Product upgrading", "global_buyers", "product"),
        8: ("Process upgrading", "global_buyers", "process"),
        9: ("Functional upgrading", "global_buyers", "functional"),
        10: ("Other critical sources of knowledge", "knowledge_sources", "")}
RELATIONS = ("learning_pattern", "collective_efficiency", "global_buyers", "knowledge_sources")
WORD_RELATIONS = ("collective_efficiency", "global_buyers")
# The words of the relation cells (whitespace after the slash as the OCR printed it).
WORDS = {"Positive": "positive", "Neutral": "neutral", "Often negative": "often_negative",
         "Neutral/negative": "neutral_or_negative", "None": "none"}
PATTERNS = tuple(WORDS.values())
CELL = re.compile(r"^(?P<word>Often negative|Neutral/ ?negative|Positive|Neutral|None)"
                  r"(?: \^?(?P<mark>[a-e]))?(?: \((?P<qualifier>[^)]+)\))?$")
# Note e defines the word "None" ("refers to the case in which the global buyer is not present"):
# a None cell's mark is e, whatever the OCR printed (the decision log must say so for each cell).
MARK_OF_WORD = {"none": "e"}
COLUMNS = ["sector_group", "relation", "upgrading_type", "printed_text", "pattern", "qualifier",
           "footnote_printed", "footnote", "source_row", "source_column"]


def sector_of(header: str) -> str | None:
    """The sector group of a printed column header ('Natural- resource- based' -> natural_resource_based)."""
    return SECTOR_COLUMNS.get(re.sub(r"-\s+", "-", str(header)).strip())


def parse_cell(text: str) -> dict | None:
    """A relation cell's word, footnote mark and qualifier ('Positive ^c (but passive)' ->
    positive, c, 'but passive'); None when the text is not one of the table's words."""
    match = CELL.match(" ".join(str(text).split()))
    if match is None:
        return None
    word = match["word"].replace("/ ", "/")
    return {"pattern": WORDS[word], "footnote_printed": match["mark"], "qualifier": match["qualifier"]}


def tidy_sector_patterns(t: PrintedTable, log: pd.DataFrame) -> pd.DataFrame:
    """One row per cell of the table (sector group x relation x upgrading type), as ``COLUMNS``."""
    raw, path = t.raw, t.path
    errors = []
    sectors = {column: sector_of(column) for column in raw.columns[1:]}
    unknown = [c for c, s in sectors.items() if s is None]
    if raw.columns[0] != STUB or unknown or sorted(sectors.values(), key=str) != sorted(SECTOR_GROUPS):
        raise InputError(path, "Table 10-3's columns are not the four sector groups", row=1,
                         column=", ".join(unknown) or raw.columns[0], value=list(raw.columns),
                         expected=[STUB, *SECTOR_COLUMNS])
    if list(raw.index) != list(ROWS):
        raise InputError(path, "Table 10-3 has other rows than the ten printed", value=list(raw.index),
                         expected=list(ROWS))
    decided = _decided_cells(log)
    out = []
    for row, (label, relation, utype) in ROWS.items():
        if raw.at[row, STUB] != label:
            errors.append(InputError(path, "row label out of place", row=row, column=STUB, value=raw.at[row, STUB],
                                     expected=label))
            continue
        for column, sector in sectors.items():
            text = raw.at[row, column]
            if relation is None:
                if text:
                    errors.append(InputError(path, "a header row has text in a sector column", row=row,
                                             column=column, value=text, expected="an empty cell"))
                continue
            record = {"sector_group": sector, "relation": relation, "upgrading_type": utype, "printed_text": text,
                      "pattern": None, "qualifier": None, "footnote_printed": None, "footnote": None,
                      "source_row": row, "source_column": column}
            if relation in WORD_RELATIONS:
                cell = parse_cell(text)
                if cell is None:
                    errors.append(InputError(path, "not one of Table 10-3's words", row=row, column=column, value=text,
                                             expected=f"{sorted(WORDS)}, optionally with a footnote mark ^a-^e and a "
                                                      "qualifier in brackets"))
                    continue
                mark = MARK_OF_WORD.get(cell["pattern"], cell["footnote_printed"])
                if mark != cell["footnote_printed"] and (row, column) not in decided:
                    errors.append(InputError(path, f"footnote mark {cell['footnote_printed']!r} is read as {mark!r} "
                                             "without a decision", row=row, column=column, value=text,
                                             expected="a glyph decision for this cell in data/raw/decision_log.csv"))
                record.update(cell, footnote=mark)
            out.append(record)
    if errors:
        raise InputErrors(errors)
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["sector_group"] = pd.Categorical(frame["sector_group"], list(SECTOR_GROUPS))
    return frame


def _decided_cells(log: pd.DataFrame) -> set[tuple[int, str]]:
    """The cells of Table 10-3 with a glyph decision (a footnote mark read otherwise than printed)."""
    rows = log[(log["table"] == TABLE) & (log["kind"] == "glyph") & (log["row"] != "*")]
    return {(int(r), c) for r, c in zip(rows["row"], rows["column"])}


def origin(t: PrintedTable, tidy: pd.DataFrame) -> Origin:
    """Where each processed cell was printed (schema failures name the raw cell)."""
    cells = []
    for rec in tidy.itertuples(index=False):
        cells.append(cell_map(t, int(rec.source_row), {c: rec.source_column for c in
                                                       ("printed_text", "pattern", "qualifier", "footnote_printed",
                                                        "footnote")}))
    return Origin(cells)
