"""A config formula never runs Python (issue 22, section 1).

formulaic evaluates the Python inside a formula's calls; ``models/formula_syntax.check_formula``
accepts only the whitelist grammar and every path to formulaic goes through it (the fit's
``formula_design``, the columns ``formula_variables`` reads, preflight at workflow start, so
``snakemake -n`` already refuses). The attack of the issue is reproduced with a marker file that
must not appear; the validator is fuzzed with Hypothesis.
"""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workflow_copy import SNAKEMAKE

from gvc_clusters import preflight
from gvc_clusters.errors import ModelError
from gvc_clusters.models.formula import formula_design, formula_variables
from gvc_clusters.models.formula_syntax import (
    MAX_FORMULA_LENGTH,
    MAX_NESTING,
    FormulaSyntaxError,
    check_formula,
)

# Every formula the tests, config/README.md and the config schema's descriptions use, and the
# whitelist's other forms.
ACCEPTED = [
    "y ~ x",
    "upgrading ~ x + C(sector) + x:C(governance)",
    "upgrading ~ x + C(sector) + C(governance) + x:C(governance)",
    "upgrading ~ x + C(sector, Treatment('b')) + x:C(governance)",
    "upgrading ~ C(sector) * x",
    "upgrading ~ x + C(sectr)",
    "log_value ~ tariff + log_gdp + tariff:C(region)",
    "y ~ a + b + C(g) + a:C(g)",
    "y ~ C(g, Treatment(reference='b'))",
    'y ~ C(g, contr.treatment(base="b"))',
    "y ~ C(g, Treatment('Región Norte')) + C(h, Treatment(2))",
    "y ~ -1 + x",
    "y ~ x - 1",
    "y ~ 0 + x",
    "y ~ (a + b + c) ** 2",
    "y ~ a * b / c",
    "y ~ I(x ** 2) + log(x) + exp(x) + center(x) + scale(x)",
]


def _marker_attacks(marker) -> list[str]:
    shell = f"__import__('os').system('touch {marker}')"   # ran in the fit job before issue 22
    return [
        f"y ~ x1 + I(x1 + 0*{shell})",          # the issue's attack
        f"y ~ x1 + {{{shell}}}",                 # formulaic's {python} terms
        f"y ~ x1 + C(g, {shell})",
        f"y ~ x1 + log({shell})",
        f"y ~ x1 + {shell}",
        f"y ~ x1 + C(g, Treatment({shell}))",
        f"y ~ x1 + C(g, Treatment('a')) + I(x1 ** 2) + {shell}",
    ]


@pytest.mark.parametrize("formula", ACCEPTED)
def test_the_whitelist_accepts_what_users_write(formula):
    check_formula(formula)


@pytest.mark.parametrize("formula, position, text, problem", [
    ("y ~ x1 + I(x1 + 0*np.log(x1))", 10, "I(x1 + 0*np.log(x1))", "I() may only hold a power of a column"),
    ("y ~ {x + 1}", 5, "{", "character not allowed"),
    ("y ~ `a b`", 5, "`", "character not allowed"),
    ("y ~ x | g", 7, "|", "character not allowed"),
    ("y ~ x[0]", 6, "[", "character not allowed"),
    ("y ~ np.log(x)", 5, "np.log", "not an allowed function"),
    ("y ~ x.real", 5, "x.real", "not allowed in a formula"),
    ("y.__class__ ~ x", 1, "y.__class__", "the outcome must be one column name"),   # an attribute, found by the fuzz
    ("C.~0", 1, "C.", "the outcome must be one column name"),
    ("y ~ __import__", 5, "__import__", "expected a column name"),
    ("y ~ 2", 5, "2", "may only be 0 or 1"),
    ("y ~ True", 5, "True", "not allowed in a formula"),
    ("y ~ (a + b) ** 9", 16, "9", "a formula power must be a whole number 1..3"),
    ("y ~ I(x ** y)", 12, "y", "the power in I() must be a whole number"),
    ("y ~ C(g, Treatment('a' + 'b'))", 20, "'a' + 'b'", "a reference level must be a quoted text"),
    ("y ~ C(g, Treatment('a\\'b'))", 22, "\\", "character not allowed in a quoted level"),
    ("y ~ log(x, 2)", 5, "log(x, 2)", "log() takes one column"),
    ("y ~ x ~ z", 7, "~", "exactly one '~'"),
    ("y + z ~ x", 1, "y + z", "the outcome must be one column name"),
    ("y ~ x +", 7, "+", "not a formula"),
    ("y ~ (x", 5, "(x", "never closed"),
    ("y ~ ｘ", 5, "ｘ", "character not allowed"),
    ("y ~ " + "(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), 5 + MAX_NESTING, "(", "nested more than"),
])
def test_anything_else_is_refused_with_its_position_and_text(formula, position, text, problem):
    with pytest.raises(FormulaSyntaxError) as err:
        check_formula(formula)
    assert err.value.position == position
    assert err.value.text.startswith(text)
    assert problem in err.value.problem
    assert f"at position {position}" in str(err.value)


def test_the_attack_of_the_issue_runs_nothing_in_the_fit_nor_at_preflight(tmp_path):
    """``y ~ x1 + I(x1 + 0*__import__('os').system(...))``: before issue 22 formulaic ran the shell
    command inside the fit job (exit 0). Every variant is refused and the marker file never appears."""
    marker = tmp_path / "PWNED"
    data = pd.DataFrame({"y": [0, 1, 2, 1, 0, 2], "x1": np.arange(6.0), "g": list("ababab")})
    table = tmp_path / "firms.csv"
    data.to_csv(table, index=False)
    for formula in _marker_attacks(marker):
        with pytest.raises(ModelError, match="rejected"):
            formula_design(formula, data)
        with pytest.raises(ModelError, match="rejected"):
            formula_variables(formula)
        for kind in ("ordinal", "panel"):
            spec = {"table": str(table), "formula": formula}
            if kind == "panel":
                spec.update(entity="g", time="x1")
            config = {"ordinal": {"specs": {}}, "panel": {"specs": {}}, kind: {"specs": {"firms": spec}}}
            errors = preflight.check_formulas(config) + preflight.check_user_tables(config)
            assert [e.column for e in errors] == [f"{kind}.specs.firms.formula"], errors
            assert "formula rejected" in str(errors[0]) and "at position" in str(errors[0])
    assert not marker.exists()


def test_a_reference_level_is_quoted_into_the_formula_safely(tmp_path):
    data = pd.DataFrame({"y": [0, 1, 2, 1, 0, 2] * 3, "x": np.arange(18.0), "g": list("abc") * 6})
    _, _, design = formula_design("y ~ x + C(g)", data, reference={"g": "b"})
    assert design.factors["g"]["reference"] == "b" and sorted(design.factors["g"]["dummies"]) == ["a", "c"]
    _, _, design = formula_design("y ~ x + C(g, Treatment(reference='c'))", data)
    assert design.factors["g"]["reference"] == "c"
    with pytest.raises(ModelError, match="cannot be written into"):
        formula_design("y ~ x + C(g)", data, reference={"g": "b') + I(__import__('os').system('touch x')) + "
                                                              "C(g, Treatment('a"})


def test_snakemake_dry_run_already_refuses_the_attack(tmp_path):
    """The refusal happens at workflow start (preflight), so `snakemake -n` names the config key and
    no job, not even the dry run, hands the formula to formulaic."""
    marker = tmp_path / "PWNED"
    table = tmp_path / "firms.csv"
    table.write_text("y,x1\n0,1.0\n1,2.0\n2,3.0\n", encoding="utf-8")
    config = tmp_path / "attack.yaml"
    config.write_text(yaml.safe_dump({"ordinal": {"specs": {"firms": {
        "table": str(table), "formula": _marker_attacks(marker)[0]}}}}), encoding="utf-8")
    run = subprocess.run([SNAKEMAKE, "-n", "--quiet", "rules", "--configfile", str(ROOT / "config/config.yaml"),
                          str(config)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "column 'ordinal.specs.firms.formula': spec 'firms': formula rejected: I() may only hold a power of a " \
           "column, I(x ** 2) at position 10" in out, out[-2000:]
    assert not marker.exists()


# ---- fuzzing -------------------------------------------------------------------------------------
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMULA_ALPHABET = "abxyzCIlogexp_ ~+-*:/()'\",.=01239{}[]`|@%#\\\n\tｘ٣"
# What an accepted formula's text can hold: outside quotes, the formula alphabet, and a dot only
# in `contr.treatment`; every name followed by '(' is one of the whitelisted functions.
CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@FUZZ
@given(st.one_of(st.text(alphabet=FORMULA_ALPHABET, max_size=60), st.text(max_size=60),
                 st.text(min_size=MAX_FORMULA_LENGTH - 5, max_size=MAX_FORMULA_LENGTH + 5, alphabet="x+(")))
def test_random_text_is_accepted_or_refused_cleanly(text):
    """Any text: accepted, or FormulaSyntaxError with a position inside the text; never another
    exception. An accepted text calls no function outside the whitelist and holds no attribute,
    subscript or brace outside a quoted level."""
    try:
        check_formula(text)
    except FormulaSyntaxError as err:
        assert 1 <= err.position <= max(len(text), 1) + 1
        return
    bare = QUOTED.sub("''", text)
    assert not set(bare) & set("{}[]`|@%#\\\n")
    assert {m.group(1) for m in CALL.finditer(bare)} <= {"C", "I", "log", "exp", "center", "scale", "Treatment",
                                                          "contr.treatment"}
    assert "." not in bare.replace("contr.treatment", "")


COLUMNS = st.sampled_from(["x", "z", "sector", "w_2", "Log_gdp"])


def _term(draw) -> str:
    column = draw(COLUMNS)
    kind = draw(st.sampled_from(["column", "C", "C_ref", "C_kw", "log", "I", "paren"]))
    if kind == "C":
        return f"C({column})"
    if kind == "C_ref":
        return f"C({column}, Treatment('{draw(st.sampled_from(['a', 'b b', 'Región']))}'))"
    if kind == "C_kw":
        return f"C({column}, Treatment(reference=\"{draw(st.sampled_from(['a', '1']))}\"))"
    if kind in ("log",):
        return f"{draw(st.sampled_from(['log', 'exp', 'center', 'scale']))}({column})"
    if kind == "I":
        return f"I({column} ** {draw(st.integers(2, 10))})"
    if kind == "paren":
        return f"({column} + {draw(COLUMNS)}) ** {draw(st.integers(1, 3))}"
    return column


@st.composite
def formulas(draw) -> str:
    terms = [_term(draw) for _ in range(draw(st.integers(1, 6)))]
    ops = [draw(st.sampled_from([" + ", " - ", " * ", ":", " / ", "+"])) for _ in terms[1:]]
    rhs = terms[0] + "".join(op + t for op, t in zip(ops, terms[1:]))
    intercept = draw(st.sampled_from(["", "0 + ", "-1 + ", "1 + "]))
    return f"{draw(st.sampled_from(['y', 'upgrading', 'log_value']))} ~ {intercept}{rhs}"


@FUZZ
@given(formulas())
def test_generated_formulas_of_the_grammar_pass_and_formulaic_parses_them(formula):
    from formulaic import Formula

    check_formula(formula)
    Formula(formula.split("~", 1)[1])  # the same text is a formula to formulaic (parsed, not evaluated)
