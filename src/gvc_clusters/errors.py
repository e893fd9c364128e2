"""The package's error types: every bad input names where it is and what was expected.

``InputError`` (and ``InputErrors``, several at once) locate a problem in an input file or config
value; ``ModelError`` names a model spec that cannot be estimated on its data.
"""

from __future__ import annotations


class InputError(ValueError):
    """A problem with an input file or config value, located precisely.

    The message always reads ``<file>: row <row>, column <column>: <problem> (got <value!r>; expected <expected>)``
    so that a user can go straight to the offending cell.
    """

    def __init__(self, file, problem, *, row=None, column=None, value=None, expected=None):
        self.file, self.problem, self.row, self.column = str(file), problem, row, column
        self.value, self.expected = value, expected
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        message = ", ".join(where) + f": {problem}"
        details = []
        if value is not None:
            details.append(f"got {value!r}")
        if expected is not None:
            details.append(f"expected {expected}")
        if details:
            message += f" ({'; '.join(details)})"
        super().__init__(message)


class InputErrors(InputError):
    """Several located problems found in one pass (validation collects all, then raises once)."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.file, first.problem, row=first.row, column=first.column,
                         value=first.value, expected=first.expected)
        self.args = (f"{len(errors)} problem(s):\n" + "\n".join(f"  - {e}" for e in errors),)


class ModelError(ValueError):
    """A model spec that cannot be estimated on the data it was given.

    A regressor that is not in the data, regressors the effects absorb, too few clusters, duplicate
    panel keys, ...: the estimators raise ``ModelError`` naming the spec and the problem, so a failing
    rule says which model to fix instead of surfacing a library traceback.
    """
