"""What a config ``formula:`` may say, checked before formulaic ever sees it.

A config is data. formulaic evaluates the Python inside a formula's calls (``I(...)``,
``C(...)``, ``{...}``), so ``y ~ x + I(x + 0*np.<module>.<function>('...'))`` would run any
function numpy's namespace reaches (a shell command among them) in the fit job, on any machine
that builds the config. :func:`check_formula`
therefore reads the formula's syntax tree itself and *allows* only what a model formula needs:

    formula  := outcome '~' rhs                         (outcome: one column name)
    rhs      := term, joined by + - * / : and ( ), with '-' in front of a term
    term     := column | 0 | 1 | term ** n              (n an integer 1..MAX_POWER)
              | C(column) | C(column, Treatment('level')) | C(column, Treatment(reference='level'))
                (also ``contr.treatment`` for ``Treatment`` and ``base=`` for ``reference=``)
              | log(column) | exp(column) | center(column) | scale(column)
              | I(column ** n)                           (n an integer 2..MAX_POWER)

A column is a plain ASCII name (letters, digits, ``_``; not starting with ``__``); a level is a
quoted text without quotes, backslashes, backticks or braces, or a number. Anything else (an
attribute, a subscript, any other call, a keyword, a string outside a level, ``{...}``, backticks,
``|``, ``%``) is rejected with its position (1-based, in characters) and its text.

Why Python's ``ast`` as the parser: a formula's right-hand side is a Python expression once the
formula operator ``:`` is written as ``@`` (the same position in the text; precedence does not
matter for a whitelist). ``ast.parse`` only parses, it never evaluates; the whitelist below is
what decides, and it is short enough to audit in full. The paren depth and the length are bounded
first, so neither the parser nor the walk can recurse without limit.
"""

from __future__ import annotations

import ast
import re

MAX_FORMULA_LENGTH = 1000
MAX_NESTING = 16          # parentheses inside parentheses
MAX_POWER = 3             # (a + b + c) ** 3: all interactions up to order 3
MAX_COLUMN_POWER = 10     # I(x ** 10)
TRANSFORMS = ("log", "exp", "center", "scale")
ALLOWED = ("column names, 0/1/-1, + - * / : ** ( ), C(column[, Treatment('level')]), "
           "log/exp/center/scale(column), I(column ** n)")

_OUTSIDE = re.compile(r"[A-Za-z0-9_ \t~+\-*/:(),.='\"]")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LEVEL_FORBIDDEN = set("'\"\\`{}")


class FormulaSyntaxError(ValueError):
    """A formula outside the whitelist; ``position`` (1-based, in characters) and ``text`` say where."""

    def __init__(self, formula: str, position: int, text: str, problem: str):
        self.formula, self.position, self.text, self.problem = formula, position, text, problem
        super().__init__(f"{problem} at position {position}: {text!r} (a formula may use only {ALLOWED})")


def check_formula(formula) -> None:
    """Raise :class:`FormulaSyntaxError` unless ``formula`` is inside the whitelist grammar."""
    if not isinstance(formula, str):
        raise FormulaSyntaxError(str(formula), 1, str(formula)[:40], f"a formula must be text, got "
                                 f"{type(formula).__name__}")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaSyntaxError(formula, MAX_FORMULA_LENGTH + 1, formula[MAX_FORMULA_LENGTH:][:40],
                                 f"formula is {len(formula)} characters long (at most {MAX_FORMULA_LENGTH})")
    tilde = _scan(formula)
    if len(tilde) != 1:
        where = tilde[1] if tilde else len(formula)
        raise FormulaSyntaxError(formula, where + 1, formula[where:where + 1] or formula[-20:],
                                 "a formula needs exactly one '~' (outcome ~ regressors)")
    lhs, rhs = formula[:tilde[0]], formula[tilde[0] + 1:]
    # a column name, as on the right: formulaic evaluates the outcome as Python, and a dot there is an
    # attribute access ("y.__class__"), so no dot either
    if not _COLUMN.fullmatch(lhs.strip()):
        start = len(lhs) - len(lhs.lstrip())
        raise FormulaSyntaxError(formula, start + 1, lhs.strip() or "~", "the outcome must be one column name")
    if not rhs.strip():
        raise FormulaSyntaxError(formula, len(formula), "~", "the formula has no right-hand side")
    _check_rhs(formula, tilde[0] + 1)


def _scan(formula: str) -> list[int]:
    """Check every character (outside quotes: the formula alphabet; inside: a level's text) and the
    paren depth; return the offsets of '~' outside quotes."""
    tildes, opened, i = [], [], 0
    while i < len(formula):
        ch = formula[i]
        if ch in "'\"":
            end = formula.find(ch, i + 1)
            if end < 0:
                raise FormulaSyntaxError(formula, i + 1, formula[i:i + 20], "unterminated quoted level")
            bad = next((j for j in range(i + 1, end) if formula[j] in _LEVEL_FORBIDDEN
                        or not formula[j].isprintable()), None)
            if bad is not None:
                raise FormulaSyntaxError(formula, bad + 1, formula[bad], "character not allowed in a quoted level")
            i = end + 1
            continue
        if not _OUTSIDE.fullmatch(ch):
            raise FormulaSyntaxError(formula, i + 1, ch, "character not allowed in a formula")
        if ch == "(":
            opened.append(i)
            if len(opened) > MAX_NESTING:
                raise FormulaSyntaxError(formula, i + 1, formula[i:i + 20],
                                         f"parentheses nested more than {MAX_NESTING} deep")
        elif ch == ")":
            if not opened:
                raise FormulaSyntaxError(formula, i + 1, ch, "')' without its '('")
            opened.pop()
        elif ch == "~":
            tildes.append(i)
        i += 1
    if opened:
        raise FormulaSyntaxError(formula, opened[-1] + 1, formula[opened[-1]:opened[-1] + 20], "'(' never closed")
    return tildes


def _check_rhs(formula: str, offset: int) -> None:
    rhs = formula[offset:]
    # ':' (formula product) -> '@' outside quotes, so the right-hand side parses as Python; every
    # other character keeps its place, so node offsets are positions in the formula.
    source, quote = [], None
    for ch in rhs:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ":":
            ch = "@"
        source.append(ch)
    source = "(" + "".join(source) + "\n)"   # parenthesised: leading spaces and line structure do not matter
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        # offset is 1-based in the parenthesised source; past the last line: the formula ends too soon
        col = len(rhs.rstrip()) if (err.lineno or 1) > 1 else max(1, min(len(rhs), (err.offset or 2) - 1))
        raise FormulaSyntaxError(formula, offset + col, rhs[col - 1:col + 19] or rhs[-20:],
                                 "the right-hand side is not a formula") from None
    except (RecursionError, MemoryError, ValueError):   # pragma: no cover - the scan bounds the nesting
        raise FormulaSyntaxError(formula, offset + 1, rhs[:20], "the right-hand side cannot be parsed") from None
    _Walker(formula, offset - 1, source).formula_term(tree.body)


class _Walker:
    """The whitelist, node by node. Formula-level terms are walked with an explicit stack: a long
    ``a + b + c + ...`` is a deep left-leaning tree."""

    def __init__(self, formula: str, offset: int, source: str):
        self.formula, self.offset, self.source = formula, offset, source
        self._encoded = source.encode("utf-8")

    def fail(self, node: ast.AST, problem: str):
        # ast offsets count UTF-8 bytes of their line; the source is one line (quoted levels may
        # hold non-ASCII letters), so convert to characters.
        col = len(self._encoded[:node.col_offset].decode("utf-8", errors="ignore"))
        text = ast.get_source_segment(self.source, node) or self.source[col:col + 20]
        raise FormulaSyntaxError(self.formula, self.offset + col + 1, text.replace("@", ":"), problem)

    def literal(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def formula_term(self, root: ast.AST) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                self.integer(node.right, 1, MAX_POWER, "a formula power")
                stack.append(node.left)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div,
                                                                      ast.MatMult)):
                stack += [node.right, node.left]
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                stack.append(node.operand)
            elif isinstance(node, ast.Constant):
                if type(node.value) is not int:
                    self.fail(node, "not allowed in a formula")
                if self.literal(node) not in ("0", "1"):
                    self.fail(node, "a number in a formula may only be 0 or 1 (the intercept)")
            elif isinstance(node, ast.Name):
                self.column(node)
            elif isinstance(node, ast.Call):
                self.call(node)
            else:
                self.fail(node, "not allowed in a formula")

    def column(self, node: ast.AST) -> str:
        if not isinstance(node, ast.Name) or not _COLUMN.fullmatch(node.id) or node.id.startswith("__"):
            self.fail(node, "expected a column name")
        return node.id

    def integer(self, node: ast.AST, low: int, high: int, what: str) -> None:
        text = self.literal(node)
        if not (isinstance(node, ast.Constant) and re.fullmatch(r"[0-9]+", text) and low <= int(text) <= high):
            self.fail(node, f"{what} must be a whole number {low}..{high}")

    def call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in ("C", "I", *TRANSFORMS):
            self.fail(node.func, "not an allowed function (C, I, log, exp, center, scale)")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            self.fail(node, "no * or ** arguments")
        if name == "C":
            if node.keywords or not 1 <= len(node.args) <= 2:
                self.fail(node, "C() takes a column and optionally Treatment('level')")
            self.column(node.args[0])
            if len(node.args) == 2:
                self.contrast(node.args[1])
        elif name == "I":
            arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
            if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Pow)):
                self.fail(node, "I() may only hold a power of a column, I(x ** 2)")
            self.column(arg.left)
            self.integer(arg.right, 2, MAX_COLUMN_POWER, "the power in I()")
        else:
            if node.keywords or len(node.args) != 1:
                self.fail(node, f"{name}() takes one column")
            self.column(node.args[0])

    def contrast(self, node: ast.AST) -> None:
        func = node.func if isinstance(node, ast.Call) else None
        named = (isinstance(func, ast.Name) and func.id == "Treatment") or (
            isinstance(func, ast.Attribute) and func.attr == "treatment" and isinstance(func.value, ast.Name)
            and func.value.id == "contr")
        if not named:
            self.fail(node, "the second argument of C() must be Treatment('level')")
        values = list(node.args) + [k.value for k in node.keywords]
        if len(values) > 1 or any(k.arg not in ("reference", "base") for k in node.keywords) \
                or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "Treatment() takes one reference level")
        for value in values:
            ok = isinstance(value, ast.Constant) and (
                isinstance(value.value, str) or (type(value.value) in (int, float)
                                                 and re.fullmatch(r"[0-9]+(\.[0-9]+)?", self.literal(value))))
            if not ok:
                self.fail(value, "a reference level must be a quoted text or a number")
