"""Publishing staged outputs and writing the results manifest, in Python (no shell).

These two steps were shell rules that interpolated config paths unquoted: a path with a space
copied into the wrong folder, and ``$(...)`` in a path ran. Here paths are only ever arguments of
Python file functions, never words of a shell command line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)


def publish(sources: list[str], targets: list[str]) -> None:
    """Copy each staged file to its partner (same order), in two phases: every file is first copied
    beside its target (``.<name>.partial``), then all are renamed into place. A failure while
    copying (a full disk) removes the partial copies and leaves every target as it was; a rename
    is atomic, so a target is always either the old file or the complete new one."""
    sources, targets = list(sources), [Path(t) for t in targets]
    if len(sources) != len(targets):
        raise ValueError(f"publish: {len(sources)} staged files for {len(targets)} targets")
    partials = [target.with_name(f".{target.name}.partial") for target in targets]
    try:
        for source, target, partial in zip(sources, targets, partials):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, partial)
    except BaseException:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise
    for source, target, partial in zip(sources, targets, partials):
        os.replace(partial, target)
        log.info("published %s -> %s", source, target)


def manifest_lines(paths: list[str]) -> str:
    """``sha256sum`` output for ``paths``, sorted as ``LC_ALL=C sort`` sorts them (byte order)."""
    lines = []
    for path in sorted(paths, key=lambda p: str(p).encode("utf-8")):
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        lines.append(f"{digest}  {path}\n")
    return "".join(lines)


def write_manifest(paths: list[str], output: str) -> None:
    Path(output).write_text(manifest_lines(paths), encoding="utf-8", newline="")
    log.info("manifest of %d files written to %s", len(paths), output)
