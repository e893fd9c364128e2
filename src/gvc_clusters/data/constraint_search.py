"""Enumerate every assignment of finite domains that satisfies linear constraints.

The generic half of the readings solver (``readings_solver`` turns a printed table and its checks
into a problem of this kind): variables with small finite domains (a glyph class, a garbled
cell), constraints ``sum(coef * var) + constant`` within a tolerance of zero. The search is plain
depth-first enumeration with interval pruning and a memo of completion counts, so it counts
exactly, lists every solution or draws a uniform sample, and, when there is none, names a minimal
conflicting set of constraints. Written here rather than taken from a CP library because exact
solution *counts* and uniform sampling are what the readings need, and the problems are tiny.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

EPS = 1e-9


class NoSolution(ValueError):
    """No assignment satisfies the checks; ``conflict`` names a minimal conflicting set of checks."""

    def __init__(self, table: str, conflict: list[str]):
        self.table, self.conflict = table, conflict
        super().__init__(f"table {table}: no reading of the garbled cells satisfies the printed checks; "
                         f"these checks conflict: {'; '.join(conflict)}")


@dataclass(frozen=True)
class Constraint:
    """``sum(coef * var) + constant`` must lie within ``[-tolerance, tolerance]``."""

    name: str
    coefs: dict[str, float]
    constant: float
    tolerance: float



# --------------------------------------------------------------------------- the solver

def _order(domains: dict[str, tuple[float, ...]], constraints: list[Constraint]) -> list[str]:
    """Glyph classes first (they touch many constraints), then cells in printed row order: the
    constraints still open at any depth stay few, which keeps the memoised count small."""
    def key(v):
        if "|" not in v:
            return (0, 0, v)
        row, col = v.split("|", 1)
        return (1, int(row), col)
    return sorted(domains, key=key)


class _Search:
    """Depth-first search over the variables in a fixed order, with interval pruning and a memo of
    the number of completions of each (depth, open partial sums) state."""

    def __init__(self, domains, constraints):
        for c in constraints:
            unknown = set(c.coefs) - set(domains)
            if unknown:
                raise KeyError(f"constraint {c.name} uses variables without a domain: {sorted(unknown)}")
        self.domains, self.constraints = domains, constraints
        self.order = order = _order(domains, constraints)
        n, m = len(order), len(constraints)
        pos = {v: k for k, v in enumerate(order)}
        self.rem_lo = [[0.0] * m for _ in range(n + 1)]
        self.rem_hi = [[0.0] * m for _ in range(n + 1)]
        self.touching = [[] for _ in range(n)]
        last = [-1] * m
        for i, c in enumerate(constraints):
            for v in c.coefs:
                self.touching[pos[v]].append(i)
                last[i] = max(last[i], pos[v])
        for k in range(n - 1, -1, -1):
            v = order[k]
            self.rem_lo[k][:] = self.rem_lo[k + 1]
            self.rem_hi[k][:] = self.rem_hi[k + 1]
            for i in self.touching[k]:
                vals = [constraints[i].coefs[v] * x for x in domains[v]]
                self.rem_lo[k][i] += min(vals)
                self.rem_hi[k][i] += max(vals)
        # constraints open at depth k: touched before k and again at or after k
        first = [min((pos[v] for v in c.coefs), default=n) for c in constraints]
        self.open = [tuple(i for i in range(m) if first[i] < k <= last[i]) for k in range(n + 1)]
        self.partial = [c.constant for c in constraints]
        self.tol = [c.tolerance + EPS for c in constraints]
        self.n, self.m = n, m
        self.memo: dict = {}

    def feasible_root(self) -> bool:
        return all(self.partial[i] + self.rem_lo[0][i] <= self.tol[i]
                   and self.partial[i] + self.rem_hi[0][i] >= -self.tol[i] for i in range(self.m))

    def _choices(self, k):
        v = self.order[k]
        partial, tol, lo, hi = self.partial, self.tol, self.rem_lo[k + 1], self.rem_hi[k + 1]
        terms = [(i, self.constraints[i].coefs[v]) for i in self.touching[k]]
        out = []
        for x in self.domains[v]:
            for i, a in terms:
                p = partial[i] + a * x
                if p + lo[i] > tol[i] or p + hi[i] < -tol[i]:
                    break
            else:
                out.append(x)
        return out

    def _push(self, k, x, sign):
        v = self.order[k]
        for i in self.touching[k]:
            self.partial[i] += sign * self.constraints[i].coefs[v] * x

    def count(self, k=0) -> int:
        if k == 0 and not self.feasible_root():
            return 0
        if k == self.n:
            return 1
        partial = self.partial
        key = (k, *[partial[i] for i in self.open[k]])  # sums of half steps are exact in binary
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        total = 0
        for x in self._choices(k):
            self._push(k, x, 1)
            total += self.count(k + 1)
            self._push(k, x, -1)
        self.memo[key] = total
        return total

    def _children(self, k):
        out = []
        for x in self._choices(k):
            self._push(k, x, 1)
            c = self.count(k + 1)
            self._push(k, x, -1)
            if c:
                out.append((x, c))
        return out

    def exists(self) -> bool:
        """Whether any assignment satisfies the constraints (depth-first, stops at the first)."""
        if not self.feasible_root():
            return False

        def rec(k):
            if k == self.n:
                return True
            key = (k, *[self.partial[i] for i in self.open[k]])
            if self.memo.get(key) == 0:
                return False
            for x in self._choices(k):
                self._push(k, x, 1)
                ok = rec(k + 1)
                self._push(k, x, -1)
                if ok:
                    return True
            self.memo[key] = 0
            return False

        return rec(0)

    def values_allowed(self) -> dict[str, set[float]]:
        """Per variable, the values it takes in at least one solution (one pass over the memo)."""
        allowed: dict[str, set[float]] = {v: set() for v in self.order}
        seen = set()

        def rec(k):
            if k == self.n:
                return
            key = (k, *[self.partial[i] for i in self.open[k]])
            if key in seen:
                return
            seen.add(key)
            for x, _ in self._children(k):
                allowed[self.order[k]].add(x)
                self._push(k, x, 1)
                rec(k + 1)
                self._push(k, x, -1)

        if self.count():
            rec(0)
        return allowed

    def all_solutions(self) -> list[dict[str, float]]:
        found, values = [], [0.0] * self.n

        def rec(k):
            if k == self.n:
                found.append(dict(zip(self.order, values)))
                return
            for x, _ in self._children(k):
                values[k] = x
                self._push(k, x, 1)
                rec(k + 1)
                self._push(k, x, -1)

        if self.count():
            rec(0)
        return found

    def sample(self, rng) -> dict[str, float]:
        """One solution drawn uniformly from all of them (walk down the tree by subtree counts)."""
        values = []
        for k in range(self.n):
            kids = self._children(k)
            weights = [c for _, c in kids]
            r = rng.random() * sum(weights)
            acc = 0
            for x, c in kids:
                acc += c
                if r < acc:
                    break
            values.append(x)
            self._push(k, x, 1)
        for k in range(self.n - 1, -1, -1):
            self._push(k, values[k], -1)
        return dict(zip(self.order, values))


def solve(domains: dict[str, tuple[float, ...]], constraints: list[Constraint], *, table: str = "?",
          max_solutions: int | None = None, seed: int = 0, search: _Search | None = None
          ) -> tuple[int, list[dict[str, float]]]:
    """The number of assignments of ``domains`` satisfying all ``constraints``, and the assignments.

    All of them (in a deterministic order) when there are at most ``max_solutions``; otherwise a
    uniform random sample of ``max_solutions`` distinct ones drawn with ``seed``. Raises
    :class:`NoSolution`, naming a minimal conflicting set of constraints, when there is none.
    """
    search = search or _Search(domains, constraints)
    total = search.count()
    if total == 0:
        raise NoSolution(table, conflicting_checks(domains, constraints))
    if max_solutions is None or total <= max_solutions:
        return total, search.all_solutions()
    import random

    rng = random.Random(seed)
    seen: dict[tuple, dict] = {}
    while len(seen) < max_solutions:
        s = search.sample(rng)
        seen.setdefault(tuple(s[v] for v in search.order), s)
    return total, list(seen.values())


def conflicting_checks(domains, constraints) -> list[str]:
    """A minimal infeasible subset of ``constraints`` (deletion filter), by name."""
    keep = list(constraints)
    for c in list(constraints):
        trial = [d for d in keep if d is not c]
        if _Search(domains, trial).count() == 0:
            keep = trial
    return [c.name for c in keep]


# --------------------------------------------------------------------------- linear expressions

class NotLinear(ValueError):
    pass


def linear_form(expr: str) -> tuple[dict[str, float], float]:
    """A check expression over backticked column names as ``({column: coefficient}, constant)``.

    Only + - and multiplication/division by constants are linear; anything else raises NotLinear.
    The expression is parsed with ``ast`` and never evaluated.
    """
    names: dict[str, str] = {}

    def sub(match):
        key = f"_c{len(names)}"
        names[key] = match.group(1)
        return key

    tree = ast.parse(re.sub(r"`([^`]*)`", sub, expr), mode="eval")

    def walk(node) -> tuple[dict[str, float], float]:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return {}, float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            return {names[node.id]: 1.0}, 0.0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            c, k = walk(node.operand)
            return {n: -a for n, a in c.items()}, -k
        if isinstance(node, ast.BinOp):
            (lc, lk), (rc, rk) = walk(node.left), walk(node.right)
            if isinstance(node.op, (ast.Add, ast.Sub)):
                s = 1.0 if isinstance(node.op, ast.Add) else -1.0
                out = dict(lc)
                for n, a in rc.items():
                    out[n] = out.get(n, 0.0) + s * a
                return out, lk + s * rk
            if isinstance(node.op, ast.Mult) and (not lc or not rc):
                coefs, k = (rc, lk) if not lc else (lc, rk)
                const = lk * rk
                return {n: a * k for n, a in coefs.items()}, const
            if isinstance(node.op, ast.Div) and not rc and rk != 0:
                return {n: a / rk for n, a in lc.items()}, lk / rk
        raise NotLinear(expr)

    return walk(tree)
