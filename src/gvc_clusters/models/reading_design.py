"""Which readings the re-estimation fits: the whole set where it is small, a declared sample where not.

The set of readings of an assumption is the product of independent factors
(:mod:`gvc_clusters.data.reading_space`). For the models a factor matters through what it changes
in the model dataset, on the clusters that have upgrading data (the only rows any model uses):

* a checked score table (10-4, 10-5, 10-6): each of its solutions sets the ratings of its clusters;
* an alternatives factor: each option sets the codes the decision log's alternative reading
  changes (data/processed/clusters/model_dataset_readings).

Options that change the model data identically are one *distinct* option, whose weight is the
number of readings it stands for; a factor with a single distinct option (Table 1-2's
alternatives, Monterrey's quasi-hierarchy: no upgrading data) moves no estimate and is folded into
the weights. Where every remaining factor lists all its options and their product is at most
``enumerate_up_to``, the readings are **enumerated**: every distinct combination is fitted once
with its weight (the number of readings of the set it stands for), and a share over them is exact.
Otherwise a **sample** of ``size`` readings is drawn with ``seed``: per factor a sequence of its
options, either independently and uniformly (``stratify: none``) or balanced (``stratify:
factors``: each option of each factor appears equally often, up to one, in a seeded random order;
factors independent of each other), so every draw is a uniform reading of the set. A table whose
solutions are too many to list contributes its uniform listed sample (the readings solver's
``drawn`` solutions), drawn without replacement. A share over the sample carries its Monte Carlo
standard error sqrt(p (1 - p) / n) (with balanced factors an upper bound).

The default reading (every factor at its default option) is always fitted; in a sample it is the
reference for signs, not one of the draws.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gvc_clusters.data.decisions import DEFAULT
from gvc_clusters.data.readings_solver import SCORE_TABLES, Assumption
from gvc_clusters.vocabulary import PRINTED_UPGRADING_TYPES

STRATIFY = ("factors", "none")
ENUMERATED, SAMPLED = "enumerated", "sampled"


@dataclass
class DesignFactor:
    """One factor as the models see it. ``options``: every option's id (a solution id or an
    alternative id), ``changes``: per option the model-data changes {(cluster_id, variable): value},
    ``pool``: the options a sample may draw (all of them, or a table's listed uniform sample),
    ``size``: the exact number of the factor's options, ``complete``: every option is listed,
    ``default``: the index of the decision log's default reading among the options (None when the
    default is not one of them: a checked table whose default breaks a check under the assumption)."""

    name: str
    kind: str
    options: list[str]
    changes: list[dict]
    pool: list[int]
    size: int
    complete: bool
    default: int | None = 0

    def distinct(self) -> list[tuple[int, int]]:
        """(representative option, weight) per distinct change set, the default's first."""
        seen: dict[tuple, list[int]] = {}
        for i, change in enumerate(self.changes):
            seen.setdefault(tuple(sorted(change.items())), []).append(i)
        return [(members[0], len(members)) for members in seen.values()]

    @property
    def moves_estimates(self) -> bool:
        return len(self.distinct()) > 1 or not self.complete


@dataclass
class Reading:
    """One fitted reading: its id, how many readings of the set it stands for (``weight``), whether
    it counts in the shares (``in_sample``) and is the default, its option per factor, and the
    model-data changes of the alternatives (``alternatives``, keyed by ``alternatives_id``) and of
    the score tables (``scores``)."""

    reading: str
    weight: int
    in_sample: bool
    is_default: bool
    choices: dict[str, str]
    alternatives_id: str
    alternatives: dict
    scores: dict


@dataclass
class Design:
    assumption: str
    label: str
    method: str                       # "enumerated" | "sampled"
    set_size: int                     # readings in the set (exact)
    readings: list[Reading]
    factors: list[DesignFactor]
    folded: dict[str, int] = field(default_factory=dict)   # factors that move no estimate: name -> size

    @property
    def n_in_sample(self) -> int:
        return sum(1 for r in self.readings if r.in_sample)


# ----------------------------------------------------------------------------------------------
# factors from the solver's listing and the decision log's alternatives
# ----------------------------------------------------------------------------------------------

def table_factors(readings: pd.DataFrame, counts: pd.DataFrame, upgrading: pd.DataFrame, assumption: str
                  ) -> list[DesignFactor]:
    """The score tables' factors under ``assumption``: per listed solution the ratings it sets,
    {(cluster_id, "<type>_upgrading_0to3"): value} (rating cells only; the default solution first).
    ``readings``/``counts``: the readings solver's listing and counts; ``upgrading`` maps a printed
    (table, row) to its cluster."""
    keys = upgrading[["source_table", "source_row", "cluster_id"]].drop_duplicates()
    keys = keys.rename(columns={"source_table": "table", "source_row": "row"})
    keys["row"] = keys["row"].astype("int64")
    sub = readings[(readings["assumption"] == assumption) & readings["table"].isin(SCORE_TABLES)
                   & readings["column"].isin(PRINTED_UPGRADING_TYPES)].copy()
    sub["row"] = sub["row"].astype("int64")
    sub = sub.merge(keys, on=["table", "row"], how="inner", sort=False)
    sub["variable"] = sub["column"].map(PRINTED_UPGRADING_TYPES) + "_upgrading_0to3"
    drawn_of = readings.drop_duplicates("reading_id").set_index("reading_id")
    out = []
    for table in sorted(SCORE_TABLES):
        hit = counts[(counts["table"] == table) & (counts["assumption"] == assumption)]
        if hit.empty:
            continue
        total = int(hit["solutions"].iloc[0])
        ids = list(drawn_of[(drawn_of["table"] == table) & (drawn_of["assumption"] == assumption)].index)
        group = sub[sub["table"] == table]
        sols: dict[str, dict] = {rid: {} for rid in ids}
        for rid, cid, var, value in zip(group["reading_id"], group["cluster_id"], group["variable"],
                                        group["value"].astype(float)):
            sols[rid][(cid, var)] = value
        default = [rid for rid in ids if bool(drawn_of.at[rid, "is_default"])]
        ordered = default + [rid for rid in ids if rid not in default]
        drawn = [i for i, rid in enumerate(ordered) if bool(drawn_of.at[rid, "drawn"])]
        out.append(DesignFactor(table, "checks", ordered, [sols[rid] for rid in ordered], drawn, total,
                                len(drawn) == total, 0 if default else None))
    return out


def alternative_design_factors(factors, alternatives: pd.DataFrame | None, dataset: pd.DataFrame
                               ) -> list[DesignFactor]:
    """The decision log's alternatives factors (reading_space.alternative_factors) with the model
    data each option changes, on clusters with upgrading data only (``alternatives``: the processed
    model_dataset_readings; ``dataset``: the model dataset)."""
    with_data = set(dataset.loc[dataset["has_upgrading_data"].astype(bool), "cluster_id"])
    effective = pd.DataFrame(columns=["reading", "cluster_id", "variable", "reading_value"]) if alternatives is None \
        else alternatives.dropna(subset=["cluster_id"])
    out = []
    for factor in factors:
        changes = []
        for option in factor.options:
            rows = effective[(effective["reading"] == option) & effective["cluster_id"].isin(with_data)]
            changes.append({(r.cluster_id, r.variable): float(r.reading_value) for r in rows.itertuples()}
                           if option != DEFAULT else {})
        out.append(DesignFactor(factor.name, "alternatives", list(factor.options), changes,
                                list(range(len(factor.options))), factor.size, True))
    return out


# ----------------------------------------------------------------------------------------------
# the design
# ----------------------------------------------------------------------------------------------

def reading_design(assumption: Assumption, factors: list[DesignFactor], set_size: int, *, size: int,
                   seed: int, stratify: str, enumerate_up_to: int) -> Design:
    """The readings to fit under ``assumption`` (see the module docstring). ``factors``: its checks
    and (when the assumption has them) alternatives factors; ``set_size``: the exact size of its
    set of readings (reading_space.reading_counts), of which the factors' product is a divisor
    (the factors left out change nothing the models use)."""
    if stratify not in STRATIFY:
        raise ValueError(f"readings.sample.stratify must be one of {STRATIFY}, got {stratify!r}")
    moving = [f for f in factors if f.moves_estimates]
    folded = {f.name: f.size for f in factors if not f.moves_estimates}
    product = math.prod(f.size for f in factors)
    if set_size % product:
        raise ValueError(f"assumption {assumption.name}: the factors' product {product} does not divide the set's "
                         f"size {set_size}")
    rest = set_size // math.prod(f.size for f in moving)   # readings each combination of moving options stands for
    distinct = [f.distinct() for f in moving]
    combinations = math.prod(len(d) for d in distinct)
    if all(f.complete for f in moving) and combinations <= enumerate_up_to:
        readings = []
        for k, combo in enumerate(itertools.product(*distinct), start=1):
            picks = [i for i, _ in combo]
            weight = rest * math.prod(w for _, w in combo)
            readings.append(_reading(f"{assumption.name}.{k:05d}", moving, picks, weight, True))
        if not any(r.is_default for r in readings):
            readings.insert(0, _reference(assumption.name, moving))
        return Design(assumption.name, assumption.label or assumption.name, ENUMERATED, set_size, readings,
                      factors, folded)
    rng = np.random.default_rng([seed, zlib.crc32(assumption.name.encode())])
    columns = [_draws(f, size, rng, stratify) for f in moving]
    readings = [_reference(assumption.name, moving)]
    for k in range(size):
        readings.append(_reading(f"{assumption.name}.{k + 1:05d}", moving, [c[k] for c in columns], 1, True))
    return Design(assumption.name, assumption.label or assumption.name, SAMPLED, set_size, readings, factors,
                  folded)


def _draws(factor: DesignFactor, size: int, rng, stratify: str) -> list[int]:
    """``size`` option indices of ``factor``: a uniform listed sample without replacement, or over
    a complete factor balanced (each option equally often, remainder at random) or independent."""
    if not factor.complete:
        if size > len(factor.pool):
            raise ValueError(f"table {factor.name}: a sample of {size} readings needs at least {size} listed "
                             f"solutions of its {factor.size:,}, the readings solver lists {len(factor.pool)} "
                             "(raise readings_solver.max_solutions or lower readings.sample.size)")
        return [factor.pool[i] for i in rng.permutation(len(factor.pool))[:size]]
    k = len(factor.options)
    if stratify == "none":
        return [int(i) for i in rng.integers(0, k, size)]
    blocks = np.concatenate([rng.permutation(k) for _ in range(-(-size // k))])
    return [int(i) for i in rng.permutation(blocks[:size])]


def _reference(assumption: str, moving: list[DesignFactor]) -> Reading:
    """The decision log's default reading: the model data as built, the sign reference of the shares
    (not one of the draws)."""
    choices = {f.name: f.options[f.default] if f.default is not None else DEFAULT for f in moving}
    return Reading(f"{assumption}.default", 0, False, True, choices, DEFAULT, {}, {})


def _reading(rid: str, moving: list[DesignFactor], picks: list[int], weight: int, in_sample: bool) -> Reading:
    choices, alternatives, scores, alt_key = {}, {}, {}, []
    for factor, i in zip(moving, picks):
        choices[factor.name] = factor.options[i]
        if factor.kind == "alternatives":
            alternatives.update(factor.changes[i])
            alt_key.append(factor.options[i])
        else:
            scores.update(factor.changes[i])
    return Reading(rid, weight, in_sample, all(i == f.default for f, i in zip(moving, picks)), choices,
                   "+".join(a for a in alt_key if a != DEFAULT) or DEFAULT, alternatives, scores)


def draws_frame(designs: list[Design]) -> pd.DataFrame:
    """One row per fitted reading: assumption, id, weight, in_sample, is_default, and its option
    of every factor that moves an estimate (an empty cell where the assumption has no such factor)."""
    names = list(dict.fromkeys(f.name for d in designs for f in d.factors if f.name not in d.folded))
    rows = [{"assumption": d.assumption, "reading": r.reading, "method": d.method, "weight": r.weight,
             "in_sample": r.in_sample, "is_default": r.is_default, **{n: r.choices.get(n, "") for n in names}}
            for d in designs for r in d.readings]
    frame = pd.DataFrame(rows, columns=["assumption", "reading", "method", "weight", "in_sample", "is_default",
                                        *names])
    frame["weight"] = frame["weight"].astype(object)
    return frame


FACTOR_COLUMNS = ["assumption", "factor", "kind", "options", "listed", "distinct_for_models", "moves_estimates"]


def factors_frame(designs: list[Design]) -> pd.DataFrame:
    """Per assumption and factor: its exact number of options, how many are listed, how many are
    distinct for the models, and whether it moves any estimate."""
    rows = []
    for d in designs:
        for f in d.factors:
            rows.append([d.assumption, f.name, f.kind, f.size, len(f.options), len(f.distinct()),
                         f.name not in d.folded])
    frame = pd.DataFrame(rows, columns=FACTOR_COLUMNS)
    frame["options"] = frame["options"].astype(object)
    return frame
