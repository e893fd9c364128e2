"""Evaluate the checksums a printed table carries (totals, row sums, averages).

The checks are declared per table in data/raw/sources.yaml. A failing check is a finding only
when the decision log registers a ``contradiction`` on a cell the check reads (a known book
inconsistency, reported in the replication check beside the printed and recomputed numbers);
an unregistered failure stops the build (:func:`require_registered`), so a raw edit that is
re-signed but breaks a printed total cannot move a number silently.

Row formulas (``expr``) are data, so they never reach ``eval``, ``DataFrame.eval``, ``query`` or a
shell. :func:`parse_expression` reads them with a whitelist grammar into a small tree that
:func:`_evaluate_tree` computes:

    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '/') factor)*
    factor := ('+' | '-') factor | number | `column name` | ('sum' | 'mean') '(' expr (',' expr)* ')'
              | '(' expr ')'

(``−``, ``×`` and ``÷`` are read as ``-``, ``*`` and ``/``; digits are ASCII 0-9 only, as in the
cells.) Parentheses, signs and function calls nest at most :data:`MAX_NESTING` deep (a deeper
expression is refused with its position instead of exhausting Python's recursion). Anything else -- an attribute access,
a bare name, a call of any other function, ``@`` locals, brackets, quotes -- is rejected with the
position of the offending character. Why no library: the evaluators that accept Python-like syntax
(pandas.eval, numexpr, simpleeval, asteval) all start from Python's own expression syntax and then
try to forbid the dangerous parts, which is the approach that let one line of sources.yaml run a
shell command; a grammar of six token kinds that *allows* only what a printed checksum needs is
short enough to audit in full here, and needs no new dependency.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from gvc_clusters.errors import InputError, InputErrors

CHECK_COLUMNS = ["table", "check", "row", "column", "printed", "recomputed", "difference", "tolerance",
                 "status", "why"]


MAX_EXPRESSION_LENGTH = 500
MAX_NESTING = 32
FUNCTIONS = {"sum", "mean"}
_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)|`(?P<column>[^`]+)`|(?P<name>[A-Za-z_]\w*)"
                    r"|(?P<op>[-+*/(),\u2212\u00d7\u00f7]))")
_ALIASES = {"\u2212": "-", "\u00d7": "*", "\u00f7": "/"}


class ExpressionError(ValueError):
    """A check's expression is outside the whitelist grammar (message says where and why)."""


def _tokens(text: str) -> list[tuple[str, object, int]]:
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long (at most {MAX_EXPRESSION_LENGTH})")
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise ExpressionError(f"character {text[start]!r} at position {start + 1} is not allowed "
                                  "(allowed: `column names`, numbers, + - * / ( ), sum(...), mean(...))")
        kind = match.lastgroup
        value = match.group(kind)
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if kind == "name" and value not in FUNCTIONS:
            raise ExpressionError(f"name {value!r} at position {start + 1} is not allowed (column names go in "
                                  f"backquotes; the only functions are {sorted(FUNCTIONS)})")
        if kind == "number":
            value = float(value)
        if kind == "op":
            value = _ALIASES.get(value, value)
        out.append((kind, value, start))
        pos = match.end()
    out.append(("end", None, len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.i, self.depth = text, _tokens(text), 0, 0

    def peek(self):
        return self.tokens[self.i]

    def take(self, *ops):
        kind, value, _ = self.peek()
        if kind == "op" and value in ops:
            self.i += 1
            return value
        return None

    def fail(self, what: str):
        kind, value, pos = self.peek()
        got = "the end of the expression" if kind == "end" else repr(value)
        raise ExpressionError(f"expected {what} at position {pos + 1}, got {got}")

    def expression(self):
        node = self.term()
        while (op := self.take("+", "-")) is not None:
            node = (op, node, self.term())
        return node

    def term(self):
        node = self.factor()
        while (op := self.take("*", "/")) is not None:
            node = (op, node, self.factor())
        return node

    def factor(self):
        self.depth += 1
        try:
            return self._factor()
        finally:
            self.depth -= 1

    def _factor(self):
        if self.depth > MAX_NESTING:
            _, _, pos = self.peek()
            raise ExpressionError(f"expression nests parentheses, signs or sum/mean more than {MAX_NESTING} deep "
                                  f"at position {pos + 1}")
        if (op := self.take("+", "-")) is not None:
            inner = self.factor()
            return inner if op == "+" else ("neg", inner)
        kind, value, _ = self.peek()
        if kind == "number":
            self.i += 1
            return ("num", value)
        if kind == "column":
            self.i += 1
            return ("col", value)
        if kind == "name":
            self.i += 1
            if self.take("(") is None:
                self.fail(f"'(' after {value}")
            args = [self.expression()]
            while self.take(",") is not None:
                args.append(self.expression())
            if self.take(")") is None:
                self.fail("',' or ')'")
            return (value, *args)
        if self.take("(") is not None:
            node = self.expression()
            if self.take(")") is None:
                self.fail("')'")
            return node
        self.fail("a number, a `column`, sum(...), mean(...) or '('")


def parse_expression(text: str):
    """The tree of a check expression, or ExpressionError (whitelist grammar, see module docstring)."""
    parser = _Parser(text)
    tree = parser.expression()
    if parser.peek()[0] != "end":
        parser.fail("an operator or the end of the expression")
    return tree


def expression_columns(tree) -> list[str]:
    """The column names a parsed expression reads, in order of appearance."""
    if tree[0] == "col":
        return [tree[1]]
    if tree[0] == "num":
        return []
    return [c for child in tree[1:] for c in expression_columns(child)]


def _evaluate_tree(tree, row) -> float:
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "col":
        return float(row[tree[1]])
    if kind == "neg":
        return -_evaluate_tree(tree[1], row)
    values = [_evaluate_tree(child, row) for child in tree[1:]]
    if kind == "sum":
        return math.fsum(values) if not any(math.isnan(v) for v in values) else math.nan
    if kind == "mean":
        return math.fsum(values) / len(values) if not any(math.isnan(v) for v in values) else math.nan
    left, right = values
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if kind == "/":
        return math.nan if right == 0 or math.isnan(right) else left / right
    raise ExpressionError(f"unknown node {kind!r}")  # pragma: no cover - the parser builds no other node


def evaluate_expression(text: str, row) -> float:
    """Evaluate ``text`` on one row (a mapping column -> number); NaN in, NaN out."""
    return _evaluate_tree(parse_expression(text), row)


def _rows(check: dict, frame: pd.DataFrame) -> list[int]:
    if "rows" in check:
        return list(check["rows"])
    if "range" in check:
        first, last = check["range"]
        return list(range(first, last + 1))
    return list(frame.index)


def _status(printed: float, recomputed: float, tolerance: float) -> str:
    if math.isnan(printed) or math.isnan(recomputed):
        return "not_checkable"
    return "match" if abs(printed - recomputed) <= tolerance + 1e-9 else "mismatch"


def verify_references(checks: list[dict], numbers: pd.DataFrame, raw_path, manifest_path="sources.yaml") -> None:
    """Every row and column a declared check names must be in the (numeric part of the) table.

    A truncated table, or a check naming a column the parser does not read, would otherwise fail
    inside pandas with a bare KeyError; here it is reported with the table file, the row or column
    and the check.
    """
    errors = []
    for i, check in enumerate(checks, start=1):
        label = f"{check.get('type')}#{i}"
        result_row = check.get("total_row", check.get("mean_row"))
        named_column = check.get("target") or (check.get("columns") or [None])[0]
        rows = _rows(check, numbers) + ([result_row] if result_row is not None else [])
        for row in rows:
            if row not in numbers.index:
                errors.append(InputError(raw_path, f"row {row} named by check {label} in {manifest_path} is not in "
                                         "the table (truncated file?)", row=row, column=named_column, value=row,
                                         expected=f"printed rows 1..{len(numbers)}"))
        columns = list(check.get("columns", [])) + ([check["target"]] if "target" in check else [])
        for col in columns:
            if col not in numbers.columns:
                errors.append(InputError(raw_path, f"column named by check {label} in {manifest_path} is not a "
                                         "numeric column of the table", column=col, value=col,
                                         expected=f"one of {list(numbers.columns)}"))
        if check.get("type") == "row_formula" and "expr" in check:
            try:
                tree = parse_expression(check["expr"])
            except ExpressionError as err:
                errors.append(InputError(manifest_path, f"expression of check {label} for {raw_path} is rejected: "
                                         f"{err}", column="expr", value=check["expr"],
                                         expected="the whitelist grammar of gvc_clusters.data.checks"))
                continue
            for col in expression_columns(tree):
                if col not in numbers.columns:
                    errors.append(InputError(raw_path, f"column named in the expression of check {label} in "
                                             f"{manifest_path} is not a numeric column of the table", column=col,
                                             value=col, expected=f"one of {list(numbers.columns)}"))
    if errors:
        raise InputErrors(errors)


def evaluate(table: str, checks: list[dict], numbers: pd.DataFrame) -> pd.DataFrame:
    """One result row per (check, cell). ``numbers`` is the decided numeric table indexed by row."""
    out = []
    for i, check in enumerate(checks, start=1):
        tol = float(check.get("tolerance", 0.0))
        # Some printed aggregates treat "not available" as zero (Table 10-4 averages over all 15 rows).
        values_for = numbers.fillna(0.0) if check.get("na_as_zero") else numbers
        label = f"{check['type']}#{i}"
        if check["type"] == "row_formula":
            for row in _rows(check, numbers):
                tree = parse_expression(check["expr"])
                recomputed = float(_evaluate_tree(tree, values_for.loc[row]))
                printed = float(numbers.at[row, check["target"]])
                out.append([table, label, row, check["target"], printed, recomputed, printed - recomputed,
                            tol, _status(printed, recomputed, tol), check["why"]])
        else:
            rows = _rows(check, numbers)
            result_row = check["total_row"] if check["type"] == "column_sum" else check["mean_row"]
            for col in check["columns"]:
                part = values_for.loc[rows, col]
                recomputed = float(part.sum(min_count=1)) if check["type"] == "column_sum" else float(part.mean())
                printed = float(numbers.at[result_row, col])
                out.append([table, label, result_row, col, printed, recomputed, printed - recomputed, tol,
                            _status(printed, recomputed, tol), check["why"]])
    return pd.DataFrame(out, columns=CHECK_COLUMNS)


def _cells_read(check: dict, row, column: str, numbers: pd.DataFrame) -> set[tuple[int, str]]:
    """The printed cells one check result depends on: the printed result cell and every cell summed,
    averaged or combined into the recomputed value."""
    cells = {(row, column)}
    if check["type"] == "row_formula":
        cells |= {(row, c) for c in expression_columns(parse_expression(check["expr"]))}
    else:
        cells |= {(r, column) for r in _rows(check, numbers)}
    return cells


def require_registered(table: str, checks: list[dict], results: pd.DataFrame, numbers: pd.DataFrame,
                       log: pd.DataFrame, raw_path, log_path="decision_log.csv") -> None:
    """Stop on a printed checksum that fails without a known contradiction behind it.

    A ``mismatch`` is accepted (kept as a finding) when the decision log registers a
    ``contradiction`` of ``table`` on a cell the check reads (row and column, or ``*``); otherwise
    the raw data were edited (and perhaps re-signed) into disagreement with the book's own totals,
    and the error names the table, the check, the row, the column and both values.
    """
    if not len(results):
        return
    known = log[(log["table"] == table) & (log["kind"] == "contradiction")]
    registered = {(r, c) for r, c in zip(known["row"], known["column"])}
    by_label = {f"{c['type']}#{i}": c for i, c in enumerate(checks, start=1)}
    errors = []
    for rec in results[results["status"] == "mismatch"].itertuples(index=False):
        check = by_label[rec.check]
        cells = _cells_read(check, rec.row, rec.column, numbers)
        if any((str(r), c) in registered or ("*", c) in registered or (str(r), "*") in registered
               for r, c in cells) or ("*", "*") in registered:
            continue
        errors.append(InputError(raw_path, f"table {table}: printed checksum {rec.check} fails and no "
                                 f"contradiction is registered for it in {log_path} ({rec.why})",
                                 row=rec.row, column=rec.column,
                                 value=f"printed {rec.printed:g}, recomputed {rec.recomputed:g}",
                                 expected=f"agreement within {rec.tolerance:g}, or a decision log row of kind "
                                          "'contradiction' on a cell the check reads"))
    if errors:
        raise InputErrors(errors)
