"""What every workflow script shares: log to the rule's log file, turn bad input into a clear exit.

A script ends with ``run_job(snakemake, main)``. Progress goes to the rule's log; the log's first
lines record the rule and, on a cluster, the scheduler's job id (so a test can prove every job ran
under SLURM). An InputError is written to the log *and* to stderr as one readable message (file,
row, column, value, expected) and the job exits with status 1 instead of printing a traceback.

A rule that publishes (its outputs are declared ``published()`` in workflow/rules/common.smk)
also declares a ``receipt`` output, which :func:`write_receipt` writes once the job succeeded.

Fault injection: a rule named in config ``fail_rules`` fails on purpose before doing any work. It is
a config switch, not a code edit, so the reliability and cluster tests can break a run and then
repair it by changing the config back.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from gvc_clusters.errors import InputError, ModelError

SCHEDULER_VARIABLES = ("SLURM_JOB_ID", "SLURM_JOB_NAME", "SLURMD_NODENAME")
# File-system failures a user fixes outside the project (free space, a quota, permissions): one
# readable line naming the file, not a traceback. The rule's published outputs are kept (update()
# outputs, restored by Snakemake when the job fails; see workflow/rules/common.smk).
FILE_SYSTEM_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                      errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                      errno.EFBIG: "the file is too large for the file system"}


class InjectedFailure(RuntimeError):
    """Raised by a rule listed in config ``fail_rules``."""


def run_job(smk, main: Callable[[], None]) -> None:
    """Run ``main`` as the Snakemake job described by ``smk`` (the ``snakemake`` script object)."""
    log_path = smk.log[0]
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=log_path, filemode="w", level=logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    log = logging.getLogger("job")
    log.info("rule %s", smk.rule)
    for name in SCHEDULER_VARIABLES:
        if name in os.environ:
            log.info("%s=%s", name, os.environ[name])
    try:
        if smk.rule in smk.config["fail_rules"]:   # validated config: the schema fills its default []
            raise InjectedFailure(f"rule {smk.rule} failed on purpose: it is listed in config 'fail_rules'")
        main()
        write_receipt(smk)
    except (InputError, ModelError, InjectedFailure) as err:
        kind = ("bad input" if isinstance(err, InputError)
                else "model cannot be estimated" if isinstance(err, ModelError) else "injected failure")
        log.error("%s", err)
        print(f"ERROR ({kind}) in rule {smk.rule}: {err}\n(log: {log_path})", file=sys.stderr)
        sys.exit(1)
    except OSError as err:
        if err.errno not in FILE_SYSTEM_ERRORS:
            raise
        message = file_system_message(err)
        log.error("%s", message)
        print(f"ERROR (file system) in rule {smk.rule}: {message}\n(log: {log_path})", file=sys.stderr)
        sys.exit(1)


def write_receipt(smk) -> None:
    """The job's ``receipt`` output, if the rule declares one, written last: it exists only after the
    job succeeded (Snakemake deletes it when the job fails, so rule all reruns the job; see
    ``published()`` in workflow/rules/common.smk)."""
    output = getattr(smk, "output", None)
    receipt = dict(output.items()).get("receipt") if hasattr(output, "items") else None
    if receipt:
        Path(receipt).parent.mkdir(parents=True, exist_ok=True)
        Path(receipt).write_bytes(b"")


def file_system_message(err: OSError) -> str:
    """One line: the file, what went wrong in words, and that the published outputs are kept."""
    where = err.filename or "a file of the job"
    return (f"{where}: {FILE_SYSTEM_ERRORS[err.errno]} ({err.strerror}); this job's published outputs are "
            "kept as they were; fix the file system and rerun")
