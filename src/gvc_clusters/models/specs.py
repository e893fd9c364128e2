"""From a model spec in config to fitted ModelResults: the one place that reads a spec.

A rule gives this module one spec (a dict from config/config.yaml) and the processed tables; it
returns every fitted model of that spec (each outcome, each link, the FE/RE pair, ...). The key
estimates over the readings of the book's numbers are the reading analysis's
(:mod:`gvc_clusters.models.reading_batch`, for the specs with ``readings: true``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gvc_clusters.analysis.coding import estimation_sample, model_variables
from gvc_clusters.errors import InputError
from gvc_clusters.models.book_panels import PanelBuild, builtin_panel
from gvc_clusters.models.options import ORDINAL_COV_TYPES
from gvc_clusters.models.panel import fit as panel
from gvc_clusters.results import ModelResult

# The texts pandas would silently read as missing. In a user's table a missing value is an empty
# cell (config/README.md); one of these in a cell is refused, located, rather than guessed at.
MISSING_VALUE_TEXTS = frozenset({"NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "<NA>",
                                 "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"})


# ----------------------------------------------------------------------------------------------
# Panel specs
# ----------------------------------------------------------------------------------------------

def panel_build(spec: dict, tables: dict[str, pd.DataFrame]) -> PanelBuild:
    """The long table of a built-in panel (``panel:``) from the processed tables it needs, by the
    builder its entry in the registry (models/panels.py) names."""
    return builtin_panel(spec).build(spec, tables)


def read_user_table(path: str | Path, columns: list[str] | None = None,
                    numeric: list[str] | None = None) -> pd.DataFrame:
    """A user's long table: Parquet (only ``columns`` are read: at 1e7 rows that is what keeps the
    panel path under 3 GB), or CSV for small data.

    A table with a header but no rows, a cell holding a missing-value text such as "NA" or "nan"
    (a missing value is an empty cell), a ``numeric`` column (outcome, regressors) holding text
    such as "n.a." or an infinite number raises InputError naming the file, the row (CSV: the file
    line), the column and the value.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "the panel table named in config does not exist", column="table")
    if path.suffix != ".parquet":
        try:
            frame = pd.read_csv(path, usecols=columns, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise InputError(path, "the panel table is empty", row=1, expected="a header line and rows") from None
        except ValueError as err:  # usecols naming a column the header lacks
            raise InputError(path, f"the panel spec names columns the table does not have: {err}",
                             row=1, expected="columns of " + path.name) from None
        first_row = 2  # file line of the first record
        _refuse_missing_texts(frame, path, first_row)
    else:
        if columns is not None:
            import pyarrow.parquet as pq

            missing = sorted(set(columns) - set(pq.read_schema(path).names))
            if missing:
                raise InputError(path, "the panel spec names columns the table does not have",
                                 column=", ".join(missing), expected="columns of " + path.name)
        frame = pd.read_parquet(path, columns=columns)
        first_row = 1  # row position, 1-based
    if numeric is not None and not len(frame):  # a user table (the built-in tables are validated)
        raise InputError(path, "the panel table has a header but no rows", row=1, value=list(frame.columns),
                         expected="at least one row of data")
    _require_numeric(frame, [c for c in (numeric or []) if c in frame.columns], path, first_row)
    return frame


def _refuse_missing_texts(frame: pd.DataFrame, path: Path, first_row: int) -> None:
    """No text cell of a CSV user table spells a missing value ("NA", "nan", ...): InputError at the first."""
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        marked = values.astype("string").str.strip().isin(MISSING_VALUE_TEXTS).fillna(False).to_numpy(dtype=bool)
        if marked.any():
            position = int(marked.nonzero()[0][0])
            raise InputError(path, f"a missing-value text in the user table ({int(marked.sum())} cell(s) of this "
                             "column); a missing value must be an empty cell", row=first_row + position,
                             column=column, value=values.iloc[position],
                             expected="an empty cell for a missing value, or a value")


def _require_numeric(frame: pd.DataFrame, columns: list[str], path: Path, first_row: int) -> None:
    """Every non-empty cell of ``columns`` is a finite number; else InputError at the first text or
    infinite cell."""
    for column in columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            _require_finite(values, column, path, first_row)
            continue
        as_number = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & as_number.isna()
        if bad.any():
            position = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(path, f"text in a numeric column of the panel table ({int(bad.sum())} cell(s); "
                             "missing values must be empty cells)", row=first_row + position, column=column,
                             value=values.iloc[position], expected="a number, or an empty cell for a missing value")
        _require_finite(as_number, column, path, first_row)
        frame[column] = as_number


def _require_finite(values: pd.Series, column: str, path: Path, first_row: int) -> None:
    """No infinite number (``inf`` in a CSV, or in a Parquet float column): the fits would fail
    inside a linear-algebra routine with no word about the cell."""
    import numpy as np

    if pd.api.types.is_bool_dtype(values):
        return
    infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        position = int(infinite.nonzero()[0][0])
        raise InputError(path, f"an infinite number in a numeric column of the user table ({int(infinite.sum())} "
                         "cell(s))", row=first_row + position, column=column, value=str(values.iloc[position]),
                         expected="a finite number, or an empty cell for a missing value")


def _entity_columns(spec: dict) -> list[str]:
    return list(spec["entity"]) if isinstance(spec["entity"], list) else [spec["entity"]]


def _model_columns(spec: dict) -> tuple[list[str], list[str]]:
    """(outcome and regressor columns, the ones that must be numeric) of a panel user spec."""
    if "formula" in spec:
        from gvc_clusters.models.formula import formula_variables

        used = formula_variables(spec["formula"])
        return used, used[:1]   # the formula decides how the right-hand side is coded
    return [spec["outcome"], *spec["regressors"]], [spec["outcome"], *spec["regressors"]]


def spec_columns(spec: dict) -> list[str] | None:
    """The columns a user-table spec needs (None for the book's panels: read whole)."""
    if "table" not in spec:
        return None
    return list(dict.fromkeys([*_entity_columns(spec), spec["time"], *_model_columns(spec)[0],
                               *([spec["weights"]] if spec.get("weights") else []), *spec["absorb"]]))


def numeric_columns(spec: dict) -> list[str]:
    """The columns of a user table that must be numbers (outcome, regressors, weights)."""
    if "table" not in spec:
        return []
    return list(dict.fromkeys([*_model_columns(spec)[1], *([spec["weights"]] if spec.get("weights") else [])]))


def panel_formula_frame(name: str, spec: dict, frame: pd.DataFrame,
                        path: str | Path) -> tuple[pd.DataFrame, str, list[str], int]:
    """A panel spec's formula as columns: (frame with the model matrix's columns added, outcome,
    regressors, rows dropped for a missing formula variable). Categoricals become ``g[level]``
    dummies against their reference, products ``a:b`` (models/formula.py); the panel estimator
    adds its own constant. ``path``: the table's file, for the error naming a clash."""
    from gvc_clusters.models.formula import formula_design, formula_variables

    used = formula_variables(spec["formula"])
    complete = frame[used].notna().all(axis=1)
    data = frame.loc[complete]
    y, base, design = formula_design(spec["formula"], data, reference=spec.get("reference"), model_id=name)
    matrix = pd.DataFrame(design.matrix(base.to_numpy()), columns=design.columns, index=data.index)
    clash = [c for c in design.columns if c in data.columns and c not in used]
    if clash:
        raise InputError(path, f"panel spec {name!r}: formula columns {clash} clash with columns of the "
                         "table", column=", ".join(clash))
    data = data.drop(columns=[c for c in design.columns if c in data.columns]).join(matrix)
    return data, str(y.name), list(design.columns), int((~complete).sum())


def run_panel_spec(name: str, spec: dict, tables: dict[str, pd.DataFrame], *,
                   user_table: str | Path | None = None) -> list[ModelResult]:
    """Fit one panel spec: a built-in panel of the book (``tables``: its processed tables) or a
    user's table (``table:``), read from ``user_table`` - the rule's declared input ``user``, the
    file the workflow tracks (the config's ``table`` names it) - with only the spec's columns."""
    se_type = spec["se_type"]
    if "table" in spec:
        path = _user_table_path(name, "panel", user_table)
        frame = read_user_table(path, spec_columns(spec), numeric_columns(spec))
        outcome, regressors, n_formula_missing = spec.get("outcome"), spec.get("regressors"), 0
        if "formula" in spec:
            frame, outcome, regressors, n_formula_missing = panel_formula_frame(name, spec, frame, path)
        estimators = spec["estimator"]
        several = isinstance(estimators, list)
        fits = []
        for estimator in (estimators if several else [estimators]):
            effects = estimator == "panel_ols"   # effects belong to the within estimator only
            fits.append(panel.fit_panel(
                frame, entity=spec["entity"], time=spec["time"], outcome=outcome,
                regressors=regressors, estimator=estimator,
                entity_effects=spec["entity_effects"] and effects,
                time_effects=spec["time_effects"] and effects, se_type=se_type,
                bandwidth=spec.get("bandwidth"), model_id=f"{name}__{estimator}" if several else name,
                sample=str(path), weights=spec.get("weights"),
                absorb=spec["absorb"] if effects else ()))
            if "formula" in spec:
                fits[-1].extra["formula"] = spec["formula"]
                fits[-1].n_excluded += n_formula_missing
        return fits
    entry = builtin_panel(spec)
    return entry.fit(entry.build(spec, tables), name, spec)


# ----------------------------------------------------------------------------------------------
# Ordered probit / logit specs
# ----------------------------------------------------------------------------------------------

def run_ordinal_spec(name: str, spec: dict, dataset: pd.DataFrame | None, *, halves: str, n_permutations: int,
                     seed: int, permutations: bool = True, user_table: str | Path | None = None) -> list[ModelResult]:
    """Fit every outcome × link of one ordered-model spec on the clusters with upgrading data
    (``dataset``), or, for a spec with ``table:``, on the user's table read from ``user_table`` (the
    rule's declared input ``user``; ``dataset`` is then None)."""
    if "table" in spec:
        return run_ordinal_table_spec(name, spec, _user_table_path(name, "ordinal", user_table),
                                      n_permutations=n_permutations, seed=seed, permutations=permutations)
    from gvc_clusters.models.ordinal import (
        fit as ordinal,  # statsmodels import is heavy; panel-only jobs need not pay it
    )

    halves = spec_halves(spec, halves)
    variables = model_variables(dataset, halves=halves)
    regressors = list(spec["regressors"])
    interactions = [list(c) for c in spec["interactions"]]
    strata_column = spec.get("permutation_strata")
    if strata_column and strata_column not in variables.columns:
        raise InputError("config", f"ordinal spec {name!r}: permutation_strata names a column the model "
                         "variables do not have", column="permutation_strata", value=strata_column,
                         expected="e.g. sector_group")
    terms = list(spec["permutation_terms"]) if permutations else []
    if terms and n_permutations > 0:
        check_permutation_budget(name, spec, variables, n_permutations)
    precomputed = [r for r in regressors if r in PRECOMPUTED_PRODUCTS]
    results = []
    for outcome in spec["outcomes"]:
        sample, excluded = estimation_sample(variables, outcome, regressors)
        for i, link in enumerate(spec["links"]):
            model_id = f"{name}__{outcome}__{link}"
            # Randomization inference for the main link (the first) only: the others are
            # robustness columns, and each permutation draw is a full refit.
            permute = permutations and i == 0
            groups = sample[spec["cluster_by"]] if spec["se_type"] == "cluster" else None
            result = ordinal.fit_ordered(
                sample[outcome], sample[regressors], distr=link, model_id=model_id, outcome=outcome,
                cov_type=ORDINAL_COV_TYPES[spec["se_type"]], groups=groups, interactions=interactions,
                categoricals=spec.get("categoricals"),
                permutation_terms=terms if permute else [],
                n_permutations=n_permutations if permute else 0, seed=seed,
                permutation_strata=sample[strata_column] if strata_column else None,
                profile=permute and len(sample) <= PROFILE_MAX_ROWS)
            if precomputed:
                result.notes.append(f"{precomputed} are precomputed product columns: the marginal effects of "
                                    f"their components hold them fixed (partial effects); declare the interaction "
                                    f"under `interactions` for effects that move it")
            result.n_excluded = sum(len(v) for v in excluded.values())
            result.sample = "clusters with upgrading data and every variable of the spec"
            result.extra["excluded_clusters"] = excluded
            result.extra["halves"] = halves
            results.append(result)
    return results


def ordinal_table_columns(spec: dict) -> tuple[list[str], list[str]]:
    """(every column a user-table ordinal spec reads, the ones that must be numbers)."""
    if "formula" in spec:
        from gvc_clusters.models.formula import formula_variables

        used = formula_variables(spec["formula"])
        numeric = [used[0]]                       # the outcome; the formula decides the rest
    else:
        used = [*spec["outcomes"], *spec["regressors"]]
        numeric = list(used)
    extra = [spec[k] for k in ("cluster_by", "permutation_strata") if spec.get(k)]
    return list(dict.fromkeys([*used, *extra])), list(dict.fromkeys(numeric))


def _ordinal_table_inputs(name: str, spec: dict, frame: pd.DataFrame, outcome: str, path: str | Path):
    """(y, base variables, Design or None, excluded row count) of one outcome of a user-table spec
    (``path``: its file, for the error naming it)."""
    from gvc_clusters.models.formula import formula_design

    columns, _ = ordinal_table_columns(spec)
    if "formula" not in spec:   # the other outcomes' missing values do not exclude a row
        columns = [outcome, *[c for c in columns if c not in spec["outcomes"]]]
    used = columns
    complete = frame[used].notna().all(axis=1)
    data = frame.loc[complete, used]
    if not len(data):
        raise InputError(path, f"ordinal spec {name!r}: no row has every column of the spec",
                         column=", ".join(used), expected="rows with outcome and regressors filled")
    if "formula" in spec:
        y, base, design = formula_design(spec["formula"], data, reference=spec.get("reference"),
                                         model_id=f"{name}__{outcome}")
        return y, base, design, data, int((~complete).sum())
    return data[outcome], data[list(spec["regressors"])], None, data, int((~complete).sum())


def run_ordinal_table_spec(name: str, spec: dict, path: str | Path, *, n_permutations: int, seed: int,
                           permutations: bool = True) -> list[ModelResult]:
    """Every outcome × link of an ordered-model spec on a user's table (CSV or Parquet) at ``path``
    (the rule's declared input; only the spec's columns are read).

    Rows missing a column of the spec are dropped and counted. Regressors are the spec's
    ``regressors`` (+ ``interactions``) or its ``formula``; effects, SE options, separation checks
    and randomization inference are those of the book's specs (``ordinal.fit_ordered``).
    """
    from gvc_clusters.models.formula import formula_parts, formula_reference_note
    from gvc_clusters.models.ordinal import fit as ordinal

    frame = read_user_table(path, *ordinal_table_columns(spec))
    outcomes = [formula_parts(spec["formula"])[0]] if "formula" in spec else list(spec["outcomes"])
    terms = list(spec["permutation_terms"]) if permutations else []
    results = []
    for outcome in outcomes:
        y, base, design, data, n_excluded = _ordinal_table_inputs(name, spec, frame, outcome, path)
        strata = spec.get("permutation_strata")
        for i, link in enumerate(spec["links"]):
            permute = permutations and i == 0
            model_id = f"{name}__{outcome}__{link}"
            result = ordinal.fit_ordered(
                y, base, distr=link, model_id=model_id, outcome=outcome, cov_type=ORDINAL_COV_TYPES[spec["se_type"]],
                groups=data[spec["cluster_by"]] if spec["se_type"] == "cluster" else None,
                interactions=[list(c) for c in spec["interactions"]] if design is None else (),
                design=design, categoricals=spec.get("categoricals") if design is None else None,
                permutation_terms=terms if permute else [],
                n_permutations=n_permutations if permute else 0, seed=seed,
                permutation_strata=data[strata] if strata else None,
                profile=permute and len(data) <= PROFILE_MAX_ROWS)
            result.n_excluded = n_excluded
            result.sample = f"rows of {path} with every column of the spec"
            result.extra["user_table"] = str(path)
            if design is not None:
                result.extra["formula"] = spec["formula"]
                if formula_reference_note(design):
                    result.notes.append(formula_reference_note(design))
            results.append(result)
    return results


PROFILE_MAX_ROWS = 20_000          # profile-likelihood CIs refit per evaluation: cheap at N ~ 34
# Product columns that coding.model_variables precomputes (usable, but their effects are partial).
PRECOMPUTED_PRODUCTS = {"ce_x_complex": ("ce_level", "sector_complex_products"),
                        "quasi_hierarchy_global_x_complex": ("quasi_hierarchy_global", "sector_complex_products")}


def _user_table_path(name: str, kind: str, user_table: str | Path | None) -> str | Path:
    """The path of a user-table spec's table: the rule's declared input ``user``, never re-read from
    config (a missing one is a caller's mistake)."""
    if user_table is None:
        raise ValueError(f"{kind} spec {name!r} reads a user table: pass its path (the rule's input `user`) "
                         "as user_table")
    return user_table


def spec_halves(spec: dict, halves: str) -> str:
    """The spec's ``halves``, which overrides config ``ordinal.halves`` (passed as ``halves``) when
    set: one config key overriding another, which a schema default cannot express."""
    return spec.get("halves") or halves   # a spec without its own halves (they are non-empty words)


def check_permutation_budget(name: str, spec: dict, variables: pd.DataFrame, n_permutations: int) -> float:
    """Refuse a spec whose permutation tests would run for more than an hour, with the estimate."""
    from gvc_clusters.models.cost import MAX_PERMUTATION_SECONDS, estimated_seconds

    n_obs = int(variables["has_upgrading_data"].sum())
    n_params = len(spec["regressors"]) + len(spec["interactions"]) + 7   # + at most 7 cutpoints
    n_tests = len(spec["outcomes"]) * len(spec["permutation_terms"])
    seconds = estimated_seconds(n_permutations, n_obs, n_params, n_tests)
    if seconds > MAX_PERMUTATION_SECONDS:
        raise InputError("config", f"ordinal spec {name!r}: {n_tests} permutation tests x {n_permutations} draws on "
                         f"{n_obs:,} rows would take about {seconds / 3600:.1f} hours", column="n_permutations",
                         value=n_permutations, expected="fewer draws, fewer permutation_terms, or 0 at this scale")
    return seconds
