"""./pipeline.sh's set-up on machines a newcomer may have: Debian without python3-venv (pip's
--user install is refused there, PEP 668), two commands started at once in a fresh clone, and
the number of cores. Run on a copy of the script with stand-in tools on the PATH (no PyPI)."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

REAL_PYTHON = os.path.realpath(sys.executable)  # the interpreter itself, not a shim that needs a full PATH


def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "profiles/default").mkdir(parents=True)
    shutil.copy2(ROOT / "pipeline.sh", repo / "pipeline.sh")
    shutil.copy2(ROOT / "requirements.lock", repo / "requirements.lock")
    shutil.copy2(ROOT / "profiles/default/config.yaml", repo / "profiles/default/config.yaml")
    return repo


def tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


def run(repo: Path, fake_bin: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}", **env}
    environ.pop("VENV", None)
    return subprocess.run(["./pipeline.sh", *args], cwd=repo, env=environ, capture_output=True, text=True,
                          timeout=120, check=False)


def test_without_python3_venv_it_says_what_to_install_and_never_pip_installs(tmp_path):
    repo = repository(tmp_path)
    fake = tmp_path / "bin"
    tool(fake, "python3", f"""\
        case "$1 $2" in
          "-m venv") mkdir -p "$3"; echo "ensurepip is not available" >&2; exit 1;;
          "-m virtualenv") echo "No module named virtualenv" >&2; exit 1;;
          "-m pip") echo "$*" >> "{tmp_path}/pip-calls"; exit 1;;
        esac
        exec "{REAL_PYTHON}" "$@"
        """)
    result = run(repo, fake, "build")
    assert result.returncode == 2
    assert "sudo apt install python3-venv" in result.stderr
    assert not (tmp_path / "pip-calls").exists()  # no `pip install --user virtualenv` (PEP 668)
    assert not (repo / ".venv").exists()  # the half-made environment is not left behind


def fake_venv_maker(tmp_path: Path) -> Path:
    """python3 whose venv takes a second and leaves a no-op python and pytest; each creation is counted."""
    fake = tmp_path / "bin"
    tool(fake, "python3", f"""\
        if [ "$1 $2" = "-m venv" ]; then
          echo created >> "{tmp_path}/creations"
          sleep 1
          mkdir -p "$3/bin"
          printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python"
          cp "$3/bin/python" "$3/bin/pytest"
          chmod +x "$3/bin/python" "$3/bin/pytest"
          exit 0
        fi
        exec "{REAL_PYTHON}" "$@"
        """)
    return fake


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) is util-linux's (the lock directory is tested instead)")
def test_two_commands_at_once_in_a_fresh_clone_create_the_environment_once(tmp_path):
    repo = repository(tmp_path)
    fake = fake_venv_maker(tmp_path)
    environ = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    environ.pop("VENV", None)
    both = [subprocess.Popen(["./pipeline.sh", "test"], cwd=repo, env=environ, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [p.communicate(timeout=120) for p in both]
    assert [p.returncode for p in both] == [0, 0], outcomes
    assert (tmp_path / "creations").read_text().splitlines() == ["created"]


def test_without_flock_a_lock_directory_serialises_creation(tmp_path):
    repo = repository(tmp_path)
    fake = fake_venv_maker(tmp_path)
    tool(fake, "flock", "exit 1\n")
    # `command -v flock` must fail: a PATH of the stand-ins and the basic tools, without flock
    no_flock = tmp_path / "no-flock"
    no_flock.mkdir()
    for name in ("sh", "bash", "cat", "mkdir", "rmdir", "rm", "sleep", "dirname", "cp", "chmod", "printf", "pwd"):
        found = shutil.which(name)
        if found:
            (no_flock / name).symlink_to(found)
    (fake / "flock").unlink()
    environ = {**os.environ, "PATH": f"{fake}{os.pathsep}{no_flock}"}
    environ.pop("VENV", None)
    both = [subprocess.Popen(["bash", "./pipeline.sh", "test"], cwd=repo, env=environ, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [p.communicate(timeout=120) for p in both]
    assert [p.returncode for p in both] == [0, 0], outcomes
    assert (tmp_path / "creations").read_text().splitlines() == ["created"]
    assert not (repo / ".venv.create-lock.d").exists()


def ready_venv(repo: Path) -> None:
    """An environment stamped with the lock's hash, whose snakemake prints its arguments."""
    import hashlib

    bin_dir = repo / ".venv/bin"
    tool(bin_dir, "python", "exit 0\n")
    tool(bin_dir, "snakemake", 'echo "snakemake $*"\n')
    (repo / ".venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    (repo / ".venv/.lock-sha256").write_text(hashlib.sha256((repo / "requirements.lock").read_bytes()).hexdigest())


def test_build_uses_every_core_of_the_machine_unless_told(tmp_path):
    repo = repository(tmp_path)
    ready_venv(repo)
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    assert run(repo, tmp_path / "bin", "build", "-n").stdout.strip() == f"snakemake --cores {cores} -n"
    assert run(repo, tmp_path / "bin", "build", "--cores", "1").stdout.strip() == \
        f"snakemake --cores {cores} --cores 1"  # snakemake reads the last one
    assert run(repo, tmp_path / "bin", "build", CORES="3").stdout.strip() == "snakemake --cores 3"
    assert "cores: all" in (ROOT / "profiles/default/config.yaml").read_text()  # plain snakemake too
