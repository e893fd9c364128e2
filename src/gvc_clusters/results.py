"""The neutral result record every estimator returns and every renderer reads.

One vocabulary across model kinds (ordered probit/logit, PanelOLS, RandomEffects, ...), in the
spirit of fixest/pyfixest's `etable`: the renderer never needs to know which library fitted the
model. Estimates are a long table, one row per (role, term, category):

    role       "coef" | "cutpoint" | "ame" (average marginal effect) | "stat"
    term       regressor name (cutpoints: "0/1", "1/2", ...)
    category   outcome category an AME refers to ("" otherwise)
    estimate, std_error, statistic, p_value, ci_low, ci_high   (NaN where undefined)
    p_value_permutation   randomization-inference p-value where computed (NaN otherwise)

Model-level facts go in `ModelResult` fields; anything else worth reporting goes in `notes`
(human-readable) or `extra` (machine-readable).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

ESTIMATE_COLUMNS = ["role", "term", "category", "estimate", "std_error", "statistic", "p_value",
                    "ci_low", "ci_high", "p_value_permutation"]
ROLES = ("coef", "cutpoint", "ame", "stat")


@dataclass
class ModelResult:
    model_id: str                 # the spec name from config, plus the reading/variant if any
    kind: str                     # "ordered_probit", "ordered_logit", "panel_ols", "random_effects", ...
    outcome: str
    estimates: pd.DataFrame       # ESTIMATE_COLUMNS, see module docstring
    n_obs: int
    se_type: str                  # "nonrobust", "robust (HC0)", "clustered by cluster_id", ...
    converged: bool
    statistic_name: str = "z"     # "z" for ML, "t" for OLS-type
    n_clusters: int | None = None
    loglik: float | None = None
    loglik_null: float | None = None
    pseudo_r2: float | None = None           # McFadden
    r2: float | None = None
    r2_within: float | None = None
    lr_test: dict | None = None              # {"statistic":, "df":, "p_value":}
    fixed_effects: dict[str, bool] = field(default_factory=dict)  # {"Cluster": True, "Type": True}
    sample: str = ""                          # e.g. "clusters with upgrading data, excl. software"
    n_excluded: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in ESTIMATE_COLUMNS if c not in self.estimates.columns]
        if missing:
            raise ValueError(f"estimates lack columns {missing}")
        bad = set(self.estimates["role"]) - set(ROLES)
        if bad:
            raise ValueError(f"unknown estimate roles {sorted(bad)}")
        self.estimates = self.estimates[ESTIMATE_COLUMNS].reset_index(drop=True)

    def summary(self) -> dict:
        """Model-level facts as a JSON-ready dict (floats as plain floats, NaN as None)."""
        out = {k: v for k, v in asdict(self).items() if k != "estimates"}
        return _clean(out)

    def estimates_frame(self) -> pd.DataFrame:
        """Estimates with the model's identity in front: the CSV every renderer reads."""
        frame = self.estimates.copy()
        frame.insert(0, "outcome", self.outcome)
        frame.insert(0, "kind", self.kind)
        frame.insert(0, "model_id", self.model_id)
        return frame


def estimate_rows(rows: list[dict]) -> pd.DataFrame:
    """Build an estimates frame from dicts, filling absent fields with NaN / ''."""
    frame = pd.DataFrame(rows)
    for col in ESTIMATE_COLUMNS:
        if col not in frame.columns:
            frame[col] = "" if col in ("category",) else math.nan
    frame["category"] = frame["category"].fillna("").astype(str)
    return frame[ESTIMATE_COLUMNS]


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def estimates_table(results: list[ModelResult]) -> pd.DataFrame:
    """Every estimate of several models in one long table, in a stable order."""
    frames = [r.estimates_frame() for r in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["model_id", "kind", "outcome", *ESTIMATE_COLUMNS])


def summaries(results: list[ModelResult]) -> dict:
    """Model-level facts keyed by model id (JSON-ready)."""
    return {r.model_id: r.summary() for r in results}


def load_results(estimates: pd.DataFrame, summary: dict) -> list[ModelResult]:
    """The inverse of estimates_table + summaries: rebuild the records a renderer reads."""
    out = []
    # the estimates keep the order the models were fitted in (the JSON's keys are sorted)
    order = list(dict.fromkeys(estimates["model_id"])) + sorted(set(summary) - set(estimates["model_id"]))
    for model_id in order:
        facts = summary[model_id]
        rows = estimates[estimates["model_id"] == model_id][ESTIMATE_COLUMNS].copy()
        rows["category"] = rows["category"].map(lambda v: "" if pd.isna(v) else str(v))
        out.append(ModelResult(estimates=rows, **facts))
    return out


def read_estimates(path) -> pd.DataFrame:
    """An estimates.csv as written by ``estimates_table`` (the one reader of the file): categories stay
    text ("1" is not 1.0), and only an empty cell is missing (a term called "NA" stays a name)."""
    frame = pd.read_csv(path, dtype={"category": str, "term": str, "model_id": str}, keep_default_na=False,
                        na_values=[""])
    frame["category"] = frame["category"].fillna("")
    return frame
