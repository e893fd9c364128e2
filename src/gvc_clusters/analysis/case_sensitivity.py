"""How much each case, and each version of a changed protocol rule, moves the with-cases estimates.

The models are fitted on the book's clusters plus one set of cases at a time (asymptotic inference,
as in ``models.case_fits.compare_samples``):

- ``book``: no case (the reference);
- ``all``: every selected case, with the protocol as decided;
- ``only``: each selected case added alone;
- ``without``: every selected case but one (leave one case out);
- ``protocol``: every selected case, with the codes of one changed rule under its other version
  (``case_protocol.protocol_scenarios``).

One row per scenario × model × coefficient (results/cases/sensitivity.csv); ``verdicts`` reads one
term's 5 % verdict off it, the CE × complex-products interaction by default.
"""

from __future__ import annotations

import pandas as pd

from gvc_clusters.analysis.case_protocol import protocol_scenarios

KEY_TERM = "ce_level:sector_complex_products"   # the CE × complex-products interaction of ce_governance
ALPHA = 0.05
SCENARIO_COLUMNS = ["scenario", "kind", "case_id", "rule", "cases"]
COLUMNS = [*SCENARIO_COLUMNS, "spec", "outcome", "link", "model_id", "n_obs", "cases_entered", "categories",
           "term", "estimate", "std_error", "p_value", "significant_5"]


def scenarios(selected: list[str], deviations: list[dict]) -> list[dict]:
    """Every case set to fit: label, kind, the case left out or added alone, the rule flipped, the
    cases and the rule versions."""
    decided = protocol_scenarios(deviations)[0][2] if deviations else {}
    out = [{"scenario": "book", "kind": "book", "case_id": "", "rule": "", "cases": [], "versions": decided},
           {"scenario": "all cases", "kind": "all", "case_id": "", "rule": "", "cases": list(selected),
            "versions": decided}]
    if len(selected) > 1:
        out += [{"scenario": f"only {c}", "kind": "only", "case_id": c, "rule": "", "cases": [c], "versions": decided}
                for c in selected]
        out += [{"scenario": f"without {c}", "kind": "without", "case_id": c, "rule": "",
                 "cases": [s for s in selected if s != c], "versions": decided} for c in selected]
    for label, rule, versions in protocol_scenarios(deviations)[1:]:
        out.append({"scenario": label, "kind": "protocol", "case_id": "", "rule": rule, "cases": list(selected),
                    "versions": versions})
    return out


def verdicts(fits: pd.DataFrame, model_id: str, term: str = KEY_TERM) -> pd.DataFrame:
    """One term of one model across the scenarios: estimate, p, the 5 % verdict and whether it differs
    from the book's (scenario order kept)."""
    rows = fits[(fits["model_id"] == model_id) & (fits["term"] == term)]
    rows = rows[[*SCENARIO_COLUMNS, "n_obs", "cases_entered", "estimate", "std_error", "p_value", "significant_5"]]
    book = rows.loc[rows["kind"] == "book", "significant_5"]
    flips = rows["significant_5"].astype(bool) != (bool(book.iloc[0]) if len(book) else False)
    return rows.assign(verdict_changes=flips.to_numpy()).reset_index(drop=True)
