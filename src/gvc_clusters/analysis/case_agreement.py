"""How much the two coders' agreement says: α pooled over all coded cells, and when α is uninformative.

Per-variable α (``cases.agreement``) rests on 0–4 units here, where it says little: with two units
and two coders only a few values of α are possible, and coders choosing at random reach α = 1 often.
``pooled_alpha`` pools every (case, variable) cell into one nominal α (the variables share no scale,
so nominal is the one level all cells have), once over the cells both coders coded and once with
"missing" as a category; ``chance_of_perfect_alpha`` and ``attainable_alphas`` measure how
informative an α on n units can be. α itself comes from the ``krippendorff`` package.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from gvc_clusters.analysis.cases import CE_ORDER, CE_VARIABLE, VARIABLES

# An α is reported as uninformative when coders choosing at random among the values in use would
# reach α = 1 at least this often.
UNINFORMATIVE_CHANCE = 0.05
_CE_OFFSET = 10.0  # CE levels as categories of their own, apart from the 0-3 codes, in the pooled α
_MISSING = -1.0


def _cell(variable: str, value) -> float:
    if value is None:
        return np.nan
    return _CE_OFFSET + CE_ORDER[value] if variable == CE_VARIABLE else float(value)


def _alpha(a: np.ndarray, b: np.ndarray, level: str = "nominal") -> float:
    import krippendorff

    values = np.unique(np.concatenate([a[~np.isnan(a)], b[~np.isnan(b)]]))
    pairable = (~np.isnan(a) & ~np.isnan(b)).sum()
    if pairable < 1 or len(values) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement=level))


def pooled_alpha(coding_a: dict[str, dict], coding_b: dict[str, dict]) -> dict:
    """Nominal α over every (case, variable) cell of the cases both coders coded: over the cells both
    gave a value (``alpha_coded``, ``n_units_coded``) and with missing as a category (``alpha_all``,
    ``n_units_all``), with the raw agreement over all cells (a value against a null disagrees)."""
    common = sorted(set(coding_a) & set(coding_b))
    a = np.array([_cell(v, coding_a[c]["codes"][v]["value"]) for c in common for v in VARIABLES])
    b = np.array([_cell(v, coding_b[c]["codes"][v]["value"]) for c in common for v in VARIABLES])
    both = ~np.isnan(a) & ~np.isnan(b)
    a_all, b_all = np.where(np.isnan(a), _MISSING, a), np.where(np.isnan(b), _MISSING, b)
    return {"n_cases": len(common), "n_units_all": len(a), "n_units_coded": int(both.sum()),
            "n_agree_all": int((a_all == b_all).sum()),
            "percent_agree_all": 100.0 * float((a_all == b_all).mean()) if len(a) else float("nan"),
            "alpha_coded": _alpha(np.where(both, a, np.nan), np.where(both, b, np.nan)),
            "alpha_all": _alpha(a_all, b_all)}


def chance_of_perfect_alpha(n_units: int, n_values: int) -> float:
    """P(α = 1) for two coders who each code ``n_units`` units uniformly at random among ``n_values``
    values, given that α is defined (not every code the same value).

    α = 1 needs every unit agreed (k^-n) with at least two distinct values among the agreed codes
    (1 - k^(1-n)); α is undefined when all 2n codes are one value (k^(1-2n)). With 2 units and 2 values:
    (1/4)(1/2) / (7/8) = 1/7.
    """
    n, k = int(n_units), int(n_values)
    if n < 1 or k < 2:
        return float("nan")
    defined = 1.0 - k ** (1 - 2 * n)
    return (k ** -n) * (1.0 - k ** (1 - n)) / defined


def attainable_alphas(n_units: int, n_values: int, level: str = "nominal", max_codings: int = 5000) -> list[float]:
    """Every α two coders can reach on ``n_units`` units with ``n_values`` values (sorted, rounded to
    3 decimals), enumerated with the krippendorff package; [] when there are more than
    ``max_codings`` codings to enumerate (the list is meant for the few-unit cases)."""
    n, k = int(n_units), int(n_values)
    if n < 1 or k < 2 or (k * k) ** n > max_codings:
        return []
    found = set()
    for codes in itertools.product(range(k), repeat=2 * n):
        a, b = np.array(codes[:n], dtype=float), np.array(codes[n:], dtype=float)
        alpha = _alpha(a, b, level)
        if not np.isnan(alpha):
            found.add(round(alpha, 3) + 0.0)
    return sorted(found)


def informativeness(agreement: pd.DataFrame, coding_a: dict[str, dict], coding_b: dict[str, dict]) -> pd.DataFrame:
    """Per variable of ``cases.agreement``: the units α rests on, the values in use, the chance that
    random coders reach α = 1, the αs that are possible (few units only), and whether α is
    informative (a chance below ``UNINFORMATIVE_CHANCE``)."""
    common = sorted(set(coding_a) & set(coding_b))
    rows = []
    for row in agreement.itertuples(index=False):
        values = {str(d[c]["codes"][row.variable]["value"]) for d in (coding_a, coding_b) for c in common
                  if d[c]["codes"][row.variable]["value"] is not None
                  and coding_a[c]["codes"][row.variable]["value"] is not None
                  and coding_b[c]["codes"][row.variable]["value"] is not None}
        n, k = int(row.n_coded_by_both), len(values)
        # one value in use: α is undefined; the chance is then the one for the smallest scale, two values
        chance = chance_of_perfect_alpha(n, max(k, 2)) if n >= 2 else float("nan")
        possible = attainable_alphas(n, max(k, 2), row.level) if n >= 2 else []
        rows.append({"variable": row.variable, "n_units": n, "n_values": k, "chance_perfect": chance,
                     "attainable": ", ".join(f"{x:g}" for x in possible),
                     "informative": bool(n >= 2 and k >= 2 and chance < UNINFORMATIVE_CHANCE)})
    return pd.DataFrame(rows, columns=["variable", "n_units", "n_values", "chance_perfect", "attainable",
                                       "informative"])
