"""What every workflow script shares: log to the rule's log file, turn bad input into a clear exit.

A script calls ``run_job(snakemake.log[0], main)``. Progress goes to the log; an InputError is
written to the log *and* to stderr as one readable message (file, row, column, value, expected),
and the job exits with status 1 instead of printing a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable

from .errors import InputError


def run_job(log_path: str, main: Callable[[], None]) -> None:
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=log_path, filemode="w", level=logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    try:
        main()
    except InputError as err:
        logging.error("%s", err)
        print(f"ERROR (bad input): {err}", file=sys.stderr)
        sys.exit(1)
