"""Helpers of the end-to-end tests: copy the workflow into a scratch directory and run snakemake there.

Not a test module (pytest only collects test_*.py); imported by conftest.py and the slow
tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
# What a workspace needs: the workflow, its config and profile, the package, the raw data, the cases and the claims.
COPIED = ["Snakefile", "workflow", "config", "profiles", "src", "data/raw", "data/cases", "data/claims", "pyproject.toml",
          "requirements.lock"]
# Where the workflow writes what it builds (hashed by `hashes`).
BUILT = ("data/processed", "results")
# Timing files: measured, never compared.
TIMING = ("results/benchmarks", "results/machine.json")


def make_workspace(target: Path, source: Path = ROOT) -> Path:
    """Copy the workflow from ``source`` (the repository, or a snapshot made by this function)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in COPIED:
        src = source / item
        if src.is_dir():
            shutil.copytree(src, target / item, ignore=shutil.ignore_patterns("_fragments", "__pycache__"))
        else:
            shutil.copy2(src, target / item)
    return target


def isolated_env(workspace: Path) -> dict[str, str]:
    """Environment that makes every job of the workspace import the workspace's own ``src/``.

    Without it a job may import the package the venv has installed (editable, from the repository),
    so a concurrent edit of the repository's src/ would leak into a run in the copy.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(workspace / "src")] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def snakemake(workspace: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess:
    return subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=workspace, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def hashes(workspace: Path, folders=BUILT, exclude=TIMING) -> dict[str, str]:
    """SHA-256 of every file under ``folders`` (relative path -> hex digest), timing files excluded."""
    out = {}
    for folder in folders:
        for path in sorted((workspace / folder).rglob("*")):
            rel = path.relative_to(workspace).as_posix()
            if path.is_file() and not any(rel == e or rel.startswith(e + "/") for e in exclude):
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def clean_build(tmp_path_factory, name: str) -> Path:
    """A fresh copy of the repository, built with the default config (conftest's ``default_build``)."""
    workspace = make_workspace(tmp_path_factory.mktemp(name))
    run = snakemake(workspace)
    assert run.returncode == 0, run.stderr[-3000:]
    return workspace


def copy_build(built: Path, target: Path) -> Path:
    """A private copy of a built workspace that Snakemake still sees as up to date: ``copytree``
    keeps the files' mtimes and copies .snakemake's metadata."""
    shutil.copytree(built, target, symlinks=True)
    return target


def env_without_slurm(workspace: Path) -> dict[str, str]:
    """``isolated_env`` with a stub ``scontrol`` first on PATH (no SLURM controller: the executor plugin's
    probe fails at once instead of waiting), for the tests that run the workflow locally."""
    env = isolated_env(workspace)
    stub = workspace / ".test_bin" / "scontrol"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    stub.chmod(0o755)
    env["PATH"] = f"{stub.parent}{os.pathsep}{env['PATH']}"
    return env
