"""The project's own error type: every bad input names where it is and what was expected."""

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
