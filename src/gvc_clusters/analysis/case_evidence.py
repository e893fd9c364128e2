"""What each quote of a final case file does, and the rule that a coded value needs a supporting quote.

Every quote of a final case file (data/cases/<case_id>.yaml; protocol in data/cases/README.md,
"Quotes") says what it does for the value beside it (``role``: ``supports`` it, ``contradicts`` it,
or only gives ``context``) and what it is about (``about``: the case's ``unit``, the industry
``wider`` than the unit, or an ``other`` referent: another place, other firms, another relationship).

The rule: a value that is not null needs at least one quote that supports it and is about the unit
or the wider industry; a quote about another referent never carries a value. A value without such a
quote is missing (``null``); a book variable carried only by quotes about the wider industry is low
confidence. Contrary quotes stay in the file, beside the value they argue against.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gvc_clusters.errors import InputError

ROLES = ("supports", "contradicts", "context")
REFERENTS = ("unit", "wider", "other")
# The groups of a final file whose entries are codes with evidence (ce_components: the CE parts).
CODE_GROUPS = ("codes", "ce_components", "extra")


def coded_entries(doc: dict):
    """(group, variable, code) for every code of a file, in file order."""
    for group in CODE_GROUPS:
        for variable, code in (doc.get(group) or {}).items():
            yield group, variable, code


def supporting(code: dict) -> list[dict]:
    """The quotes that carry a code's value: role ``supports``, about the unit or the wider industry."""
    return [e for e in code.get("evidence", []) if e.get("role") == "supports" and e.get("about") != "other"]


def check_support(doc: dict, path: str | Path = "case") -> list[InputError]:
    """Every value that is not null has a supporting quote; no quote about another referent supports."""
    problems = []
    for group, variable, code in coded_entries(doc):
        for item in code.get("evidence", []):
            if item.get("role") == "supports" and item.get("about") == "other":
                problems.append(InputError(path, "a quote about another referent cannot support a value",
                                           column=f"{group}/{variable}", value=item["quote"][:80],
                                           expected="role context (or contradicts), or about unit/wider"))
        if code["value"] is not None and not supporting(code):
            problems.append(InputError(path, "coded value without a supporting quote (make it null, or cite one)",
                                       column=f"{group}/{variable}", value=code["value"],
                                       expected="a quote with role: supports about the unit or the wider industry"))
        elif (group != "extra" and supporting(code) and all(e["about"] == "wider" for e in supporting(code))
              and code["confidence"] != "low"):  # extra: Samford's quadrants classify whole industries
            problems.append(InputError(path, "a value carried only by quotes about the wider industry is low confidence",
                                       column=f"{group}/{variable}/confidence", value=code["confidence"],
                                       expected="low"))
    return problems


def where(item: dict) -> str:
    """A quote's place as the section prints it: '002 l. 177' or '002 l. 259–261'."""
    start, end = item["lines"]
    return f"{item['seed'][:3]} l. {start}" + (f"–{end}" if end != start else "")


def evidence_table(cases: dict[str, dict]) -> pd.DataFrame:
    """One row per code of every case: its value, confidence, and its quotes counted by role and by
    referent, with the places of the supporting quotes (written to results/cases/evidence.csv)."""
    rows = []
    for case_id, doc in sorted(cases.items()):
        for group, variable, code in coded_entries(doc):
            items = code.get("evidence", [])
            rows.append({"case_id": case_id, "group": group, "variable": variable,
                         "value": "" if code["value"] is None else str(code["value"]),
                         "confidence": code["confidence"],
                         **{f"n_{r}": sum(e.get("role") == r for e in items) for r in ROLES},
                         **{f"n_{a}": sum(e.get("about") == a for e in items) for a in REFERENTS},
                         "supporting_lines": "; ".join(where(e) for e in supporting(code))})
    columns = ["case_id", "group", "variable", "value", "confidence", *(f"n_{r}" for r in ROLES),
               *(f"n_{a}" for a in REFERENTS), "supporting_lines"]
    return pd.DataFrame(rows, columns=columns)
