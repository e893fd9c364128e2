"""Formulas (``"y ~ x + C(sector) + x:C(governance)"``) for user specs, through formulaic.

formulaic builds the model matrix (categorical expansion, interactions); ``formula_design`` maps
each of its columns back to the base variables it is made of, so the marginal-effects code sees a
``Design``: a numeric factor is a variable; a categorical ``C(g)`` is a set of 0/1 dummies
``g[level]`` that move together (the effect of a level is the change from the reference); a product
column ``x:g[level]`` lists its components, so the effect of ``x`` moves it. The Design rebuilds the
matrix from the base variables and this module checks that it equals formulaic's, column by column.

A formula is config data: :func:`formula_parts`, which every path to formulaic goes through, first
checks it against the whitelist grammar of ``models/formula_syntax.py`` (formulaic evaluates the
Python inside a formula's calls).

The reference level of a categorical is ``C(g, Treatment('a'))`` in the formula, else the spec's
``reference: {g: a}``, else the first level in sorted order (formulaic's default). An ordered
model has no intercept (the cutpoints take its place): the formula is expanded with one, so that
categoricals are coded against their reference, and the ``Intercept`` column is dropped.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from gvc_clusters.errors import ModelError
from gvc_clusters.models.formula_syntax import FormulaSyntaxError, check_formula
from gvc_clusters.models.ordinal.effects import Design


def formula_errors() -> tuple[type[Exception], ...]:
    """What building a formula's matrix can raise: formulaic's own errors, a bad column or level
    (imported lazily: formulaic takes most of a second to import, and preflight runs at every start)."""
    from formulaic.errors import FormulaicError

    return (FormulaicError, ValueError, KeyError, TypeError, NameError, SyntaxError)

_C_CALL = re.compile(r"^C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:,\s*(?:Treatment|contr\.treatment)\(\s*"
                     r"(?:(?:base|reference)\s*=\s*)?['\"]?([^'\")]*)['\"]?\s*\)\s*)?\)$")


def formula_parts(formula: str) -> tuple[str, str]:
    """(outcome, right-hand side) of ``"y ~ rhs"``, once the formula is inside the whitelist grammar
    (``formula_syntax.check_formula``: nothing else reaches formulaic)."""
    try:
        check_formula(formula)
    except FormulaSyntaxError as err:
        raise ModelError(f"formula {formula!r} rejected: {err}") from None
    if formula.count("~") != 1:
        raise ModelError(f"formula {formula!r} needs exactly one '~' (outcome ~ regressors)")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", lhs):
        raise ModelError(f"formula {formula!r}: the outcome must be one column name, got {lhs!r}")
    return lhs, rhs


def formula_variables(formula: str) -> list[str]:
    """Columns of the data a formula reads (outcome first)."""
    from formulaic import Formula

    outcome, rhs = formula_parts(formula)
    names = sorted(Formula(rhs).required_variables)
    return [outcome, *[n for n in names if n != outcome]]


def _with_references(rhs: str, reference: dict[str, str]) -> str:
    """``C(g)`` -> ``C(g, contr.treatment('a'))`` for every ``g`` in ``reference`` without one."""
    def repl(match: re.Match) -> str:
        var = match.group(1)
        return f"C({var}, contr.treatment({str(reference[var])!r}))" if var in reference else match.group(0)
    return re.sub(r"C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)", repl, rhs)


def _split_column(name: str) -> list[str]:
    """``"x:C(g)[T.b]"`` -> ``["x", "C(g)[T.b]"]`` (':' outside brackets and parentheses)."""
    parts, depth, current = [], 0, ""
    for ch in name:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def formula_design(formula: str, data: pd.DataFrame, *, reference: dict | None = None, model_id: str = "model"
                   ) -> tuple[pd.Series, pd.DataFrame, Design]:
    """The outcome, the base variables (one column per Design variable) and the Design of ``formula``.

    ``data`` must have no missing values in the formula's columns (the caller drops and counts them).
    """
    from formulaic import model_matrix

    outcome, rhs = formula_parts(formula)
    reference = {str(k): v for k, v in (reference or {}).items()}
    spec_rhs = _with_references(rhs, reference)
    try:   # the configured reference levels are quoted into the formula: the result is checked again
        check_formula(f"{outcome} ~ {spec_rhs}")
    except FormulaSyntaxError as err:
        raise ModelError(f"{model_id}: a reference level of {reference} cannot be written into {formula!r}: "
                         f"{err}") from None
    try:
        matrix = model_matrix("1 + " + spec_rhs if not re.search(r"(^|\+)\s*[01]\s*($|\+)|-\s*1", spec_rhs)
                              else spec_rhs, data, na_action="raise")
    except formula_errors() as err:
        raise ModelError(f"{model_id}: cannot build the model matrix of {formula!r}: {err}") from None
    cat_var, cat_ref = _categoricals(matrix, data, reference, model_id)
    variables: list[str] = []
    values: dict[str, np.ndarray] = {}
    factors: dict[str, dict] = {}
    products: dict[str, tuple[str, ...]] = {}
    own: list[str] = []
    columns: dict[str, np.ndarray] = {}

    def base_of(part: str) -> str:
        for expr, var in cat_var.items():
            if part.startswith(expr + "["):
                level = part[len(expr) + 1:-1]
                level = level.removeprefix("T.")
                name = f"{var}[{level}]"
                if name not in values:
                    values[name] = (data[var].astype(str).to_numpy() == level).astype(float)
                    info = factors.setdefault(var, {"reference": cat_ref[expr], "dummies": {}})
                    info["dummies"][level] = name
                    variables.append(name)
                return name
        if part not in values:
            try:
                values[part] = np.asarray(model_matrix("0 + " + part, data, na_action="raise"),
                                          dtype=float)[:, 0]
            except formula_errors() as err:
                raise ModelError(f"{model_id}: cannot evaluate {part!r} of {formula!r}: {err}") from None
            variables.append(part)
        return part

    for name in matrix.columns:
        if name == "Intercept":
            continue
        parts = [base_of(part) for part in _split_column(str(name))]
        clean = ":".join(parts)
        columns[clean] = np.asarray(matrix[name], dtype=float)
        if len(parts) == 1:
            own.append(parts[0])
        else:
            products[clean] = tuple(parts)
    if not columns:
        raise ModelError(f"{model_id}: formula {formula!r} has no regressors")
    variables = [v for v in variables if v in own] + [v for v in variables if v not in own]
    base = pd.DataFrame({v: values[v] for v in variables}, index=data.index)
    binary = {v: bool(np.isin(base[v].to_numpy(), (0.0, 1.0)).all()) for v in variables}
    design = Design(variables=variables, products=products, binary=binary, factors=factors,
                    hidden=tuple(v for v in variables if v not in own))
    rebuilt = design.matrix(base.to_numpy())
    expected = np.column_stack([columns[c] for c in design.columns])
    if rebuilt.shape != expected.shape or not np.allclose(rebuilt, expected, rtol=1e-12, atol=1e-12):
        raise ModelError(f"{model_id}: formula {formula!r} has terms the effects code cannot rebuild from "
                         "their variables (use columns, C(column) and products with ':')")
    return data[outcome], base, design


def _categoricals(matrix, data: pd.DataFrame, reference: dict, model_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """The model matrix's categorical factors: (factor expression -> data column, -> reference level),
    each a column of ``data`` and any configured reference one of its levels."""
    cat_var: dict[str, str] = {}      # factor expression -> data column
    cat_ref: dict[str, str] = {}
    for factor, state in matrix.model_spec.factor_contrasts.items():
        expr = str(factor)
        m = _C_CALL.match(expr)
        var = m.group(1) if m else expr
        if var not in data.columns:
            raise ModelError(f"{model_id}: categorical {expr!r} must be a column or C(column[, Treatment('level')])")
        base = getattr(state.contrasts, "base", None)
        levels = [str(lv) for lv in state.levels]
        ref = levels[0] if base is None or "UNSET" in str(base) else str(base)   # formulaic's default: first
        if var in reference and str(reference[var]) not in levels:
            raise ModelError(f"{model_id}: reference level {reference[var]!r} of {var!r} is not one of its levels "
                             f"{levels}")
        cat_var[expr], cat_ref[expr] = var, ref
    return cat_var, cat_ref


def formula_reference_note(design: Design) -> str:
    """"Categorical references: sector = a, governance = u" (or empty)."""
    refs = [f"{v} = {info['reference']}" for v, info in design.factors.items()]
    return ("categorical variables coded against their reference level: " + ", ".join(refs)) if refs else ""
