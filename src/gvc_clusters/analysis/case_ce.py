"""The CE degree of a case from the book's components, where the text speaks to enough of them.

The book rates each component of collective efficiency from absent (0) to high (3), sums the
external-economy ratings (EE) and the joint-action ratings (JA), and averages the two sums (seed 001
lines 269 and 273; Table 10-1, "Collective Efficiency Index = 0.5*EE + 0.5*JA"). Table 10-1's EE of
9.10 exceeds the 9 that three components can reach, so EE has four components (labour, inputs,
information, markets) and JA four (backward, forward, bilateral, multilateral): the index runs 0–12.

The book prints only the resulting degree (Low / Medium / High), never its cut-offs. ``DEGREE_BANDS``
is this project's reading, stated as an assumption: the degree is the label of the component scale
(1 low, 2 medium, 3 high) nearest the average rating index / 4, so Low below 6, Medium from 6 to
below 10, High from 10. ``bands_against_table_10_1`` checks it against the book: each sector's mean
index (Table 10-1) falls in the band of the sector's most common degree (Tables 10-4 to 10-6).

A case whose text leaves components open has an index interval (each open component 0 to 3); the
degree is derived only when the whole interval lies in one band ("enough are known"). Otherwise the
case's CE code is a holistic judgement and says so (``basis: holistic``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gvc_clusters.errors import InputError

EE_COMPONENTS = ("ee_labour", "ee_inputs", "ee_information", "ee_markets")
JA_COMPONENTS = ("ja_backward", "ja_forward", "ja_bilateral", "ja_multilateral")
COMPONENTS = (*EE_COMPONENTS, *JA_COMPONENTS)
COMPONENT_LABELS = {"ee_labour": "specialised labour", "ee_inputs": "local inputs", "ee_information": "information",
                    "ee_markets": "access to markets", "ja_backward": "backward vertical",
                    "ja_forward": "forward vertical", "ja_bilateral": "bilateral horizontal",
                    "ja_multilateral": "multilateral horizontal"}
RATING_MAX = 3.0
INDEX_MAX = RATING_MAX * len(EE_COMPONENTS)          # 0.5 * (12 + 12)
# (degree, lower bound inclusive) on the index; the last band runs to INDEX_MAX.
DEGREE_BANDS = (("Low", 0.0), ("Medium", 6.0), ("High", 10.0))


def degree_of_index(index: float) -> str:
    """The degree whose band holds an index value (0–12)."""
    if not 0 <= index <= INDEX_MAX:
        raise ValueError(f"CE index {index} outside 0–{INDEX_MAX:g}")
    return [name for name, lower in DEGREE_BANDS if index >= lower][-1]


def index_interval(ratings: dict[str, float | None]) -> tuple[float, float]:
    """(lowest, highest) index the ratings allow: each open (None) component anywhere from 0 to 3."""
    def sums(names):
        known = [ratings.get(n) for n in names]
        low = sum(float(v) for v in known if v is not None)
        return low, low + RATING_MAX * sum(v is None for v in known)

    ee, ja = sums(EE_COMPONENTS), sums(JA_COMPONENTS)
    return 0.5 * (ee[0] + ja[0]), 0.5 * (ee[1] + ja[1])


def derive_degree(ratings: dict[str, float | None]) -> dict:
    """The index interval of a case's component ratings and the degree it fixes (None when the
    interval spans two bands: the components known are not enough)."""
    low, high = index_interval(ratings)
    lowest, highest = degree_of_index(low), degree_of_index(high)
    return {"n_known": sum(ratings.get(n) is not None for n in COMPONENTS), "index_min": low, "index_max": high,
            "degree_min": lowest, "degree_max": highest, "derived": lowest if lowest == highest else None}


def ratings_of(doc: dict) -> dict[str, float | None]:
    """A final case file's component ratings (None = the text does not speak to it)."""
    comps = doc.get("ce_components") or {}
    return {n: (None if comps.get(n, {}).get("value") is None else float(comps[n]["value"])) for n in COMPONENTS}


def ce_table(cases: dict[str, dict]) -> pd.DataFrame:
    """Per case: the eight ratings, the index interval, the degree it fixes, the coded degree and its
    basis (written to results/cases/ce_components.csv)."""
    rows = []
    for case_id, doc in sorted(cases.items()):
        ratings = ratings_of(doc)
        derived = derive_degree(ratings)
        code = doc["codes"]["ce_degree"]
        rows.append({"case_id": case_id, **ratings, **derived, "coded": code["value"], "basis": code.get("basis", "")})
    return pd.DataFrame(rows, columns=["case_id", *COMPONENTS, "n_known", "index_min", "index_max", "degree_min",
                                       "degree_max", "derived", "coded", "basis"])


def check_ce_basis(doc: dict, path: str | Path = "case") -> list[InputError]:
    """The CE code says how it was reached, truthfully: ``derived`` exactly when the components fix
    the degree (and then it is that degree), ``holistic`` otherwise."""
    code = doc["codes"]["ce_degree"]
    derived = derive_degree(ratings_of(doc))["derived"]
    if derived is not None and (code.get("basis") != "derived" or code["value"] != derived):
        return [InputError(path, "the CE components fix the degree: code it as derived", column="codes/ce_degree",
                           value=f"{code['value']} ({code.get('basis')})", expected=f"{derived} (derived)")]
    if derived is None and code.get("basis") == "derived":
        return [InputError(path, "the CE components do not fix the degree: the code is holistic",
                           column="codes/ce_degree/basis", value="derived", expected="holistic")]
    return []


def bands_against_table_10_1(sector_index: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Per sector group with printed degrees: Table 10-1's mean index, the band it falls in, and the
    sector's most common degree in Tables 10-4 to 10-6 (``sector_index``: the processed
    sector_ce_index table; ``clusters``: the processed clusters table)."""
    means = sector_index[sector_index["component"] == "collective_efficiency"].set_index("sector_group")["average_points"]
    rows = []
    for sector, degrees in clusters.dropna(subset=["ce_degree"]).groupby("sector_group", sort=True)["ce_degree"]:
        counts = degrees.astype(str).value_counts()
        modal = sorted(counts.index[counts == counts.max()])
        band = degree_of_index(float(means[sector]))
        rows.append({"sector_group": sector, "mean_index": float(means[sector]), "band": band,
                     "modal_degree": ", ".join(modal), "n_clusters": int(counts.sum()), "agrees": band in modal})
    return pd.DataFrame(rows, columns=["sector_group", "mean_index", "band", "modal_degree", "n_clusters", "agrees"])
