"""The deposit archive: ``dist/<name>-<version>.zip`` with exactly what a replicator needs.

``./pipeline.sh package`` builds (a no-op when up to date), then runs ``python -m gvc_clusters.output.package``.
The archive holds every file git tracks (``git ls-files``: code, tests and their data, raw data with
its decision log and sources manifest, the cases, config, environment files, licences, citation,
docs), so whatever the build or the tests read is packed once it is committed, less ``NOT_DEPOSITED``;
and the built results: every file the results manifest lists, the manifest itself,
``results/machine.json`` and ``results/report/paper.pdf`` where it was built. Its top-level
``README.md`` is the replication README (``results/README.md``) with the machine facts filled in;
the repository's own README becomes ``README-developer.md``. Nothing else: no virtual environments,
caches, logs, benchmarks of other runs or editor files. A file git neither tracks nor ignores stops
the packing (commit it or remove it), except editor clutter (``EXCLUDED``), which is left out.

``MANIFEST.deposited.sha256`` (read-only, at the top) hashes every other file of the archive as
deposited. No build writes it: ``./pipeline.sh verify`` (gvc_clusters.output.verify_deposit) checks
the unpacked files against it and compares a rebuild from scratch with it.

Byte-identical across runs: entries are sorted, every timestamp is 1980-01-01 00:00, permissions
are 0644 (0755 for executables, 0444 for the deposited manifest), and the compression level is
fixed. Before packing, every file the results manifest lists is checked against it, so an archive
never ships results that are not the manifest's.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from gvc_clusters.errors import InputError
from gvc_clusters.output.replication_readme import machine_table

# Tracked files that are not packed as they are: path -> why.
NOT_DEPOSITED = {
    "README.md": "the developer's guide, packed as README-developer.md: the deposit's README.md is the "
                 "replication README",
    "results/.gitkeep": "git's placeholder of a folder the build fills (the archive holds its results)",
    "data/processed/.gitkeep": "git's placeholder of a folder the build fills (the archive holds its tables)",
}
# Never packed, wherever they are (and never a reason to stop when git does not know them).
EXCLUDED = ["__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".snakemake", ".venv", "venv", ".pytest_cache",
            ".hypothesis", ".ruff_cache", ".mypy_cache", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db",
            "*.swp", "*.swo", "*~", ".#*", "#*#", ".idea", ".vscode", "*.orig", "*.rej", "*.log", ".git"]
DEPOSITED_MANIFEST = "MANIFEST.deposited.sha256"
EPOCH = (1980, 1, 1, 0, 0, 0)
MACHINE_HEADING = "### Memory, runtime, storage requirements\n"


def project(root: Path) -> tuple[str, str]:
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"], meta["version"]


def excluded(rel: str) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/") for pattern in EXCLUDED)


def _git_files(root: Path, *options: str) -> list[str]:
    try:
        run = subprocess.run(["git", "-C", str(root), "ls-files", "-z", *options], capture_output=True,
                             check=False, timeout=120)
    except FileNotFoundError:
        run = None
    if run is None or run.returncode != 0:
        raise InputError(str(root), "the deposit packs the files git tracks, and this is not a git checkout "
                         "(or git is not installed)", expected="the repository, cloned with git")
    return sorted(f for f in run.stdout.decode("utf-8").split("\0") if f)


def source_files(root: Path) -> list[str]:
    """Every tracked file (``git ls-files``) but NOT_DEPOSITED and clutter. Stops on a file git
    neither tracks nor ignores (a new module not yet committed would be missing from the archive)."""
    unknown = [f for f in _git_files(root, "--others", "--exclude-standard") if not excluded(f)]
    if unknown:
        raise InputError(unknown[0], f"{len(unknown)} file(s) git neither tracks nor ignores, so the deposit "
                         "would leave them out: " + ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else ""),
                         expected="commit them (git add) or remove them")
    files = [f for f in _git_files(root, "--cached") if f not in NOT_DEPOSITED and not excluded(f)]
    gone = [f for f in files if not (root / f).is_file()]
    if gone:
        raise InputError(gone[0], "tracked by git but missing from the working tree",
                         expected="restore it (git checkout) or delete it from git (git rm)")
    return files


def manifest_entries(manifest: Path) -> list[tuple[str, str]]:
    entries = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, path = line.partition("  ")
        if len(digest) != 64 or not path:
            raise InputError(str(manifest), "not a sha256sum line", row=number, value=line,
                             expected="'<64 hex digits>  <path>'")
        if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts or "\\" in path:
            # the deposit packs what the manifest lists: never a file outside the repository
            raise InputError(str(manifest), "a path outside the repository", row=number, value=path,
                             expected="a relative path such as results/report/index.html, without '..'")
        entries.append((path, digest))
    return entries


def verify_results(root: Path, results: str = "results") -> list[str]:
    """The built files the manifest lists, after checking each against it."""
    manifest = root / results / "MANIFEST.sha256"
    if not manifest.is_file():
        raise InputError(str(manifest), "no results to pack", expected="a build first: ./pipeline.sh build")
    files = []
    for path, digest in manifest_entries(manifest):
        target = root / path
        if not target.is_file():
            raise InputError(path, "listed in the results manifest but missing", expected="a complete build")
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            raise InputError(path, "differs from the results manifest (changed after the build)",
                             expected=f"sha256 {digest[:12]}…: rebuild with ./pipeline.sh build")
        files.append(path)
    return files


def deposit_readme(root: Path, results: str = "results") -> bytes:
    """results/README.md with the machine facts of results/machine.json under its runtime heading."""
    readme = (root / results / "README.md").read_text(encoding="utf-8")
    machine = root / results / "machine.json"
    if MACHINE_HEADING in readme and machine.is_file():
        facts = json.loads(machine.read_text(encoding="utf-8"))
        table = ("\nThe machine that built the results in this archive (`results/machine.json`):\n\n"
                 + machine_table(facts))
        readme = readme.replace(MACHINE_HEADING, MACHINE_HEADING + table, 1)
    return readme.encode("utf-8")


def contents(root: Path, results: str = "results") -> dict[str, Path | bytes]:
    """Archive path -> file on disk (or bytes), for everything the deposit holds."""
    items: dict[str, Path | bytes] = {p: root / p for p in source_files(root)}
    items.update({p: root / p for p in verify_results(root, results)})
    for extra in (f"{results}/MANIFEST.sha256", f"{results}/machine.json", f"{results}/report/paper.pdf"):
        if (root / extra).is_file():
            items[extra] = root / extra
    items["README.md"] = deposit_readme(root, results)
    items["README-developer.md"] = root / "README.md"
    items[DEPOSITED_MANIFEST] = deposited_manifest(items)
    return items


def deposited_manifest(items: dict[str, Path | bytes]) -> bytes:
    """``sha256sum`` lines of every file of the archive (byte order, as ``LC_ALL=C sort``)."""
    lines = []
    for name in sorted((n for n in items if n != DEPOSITED_MANIFEST), key=lambda n: n.encode("utf-8")):
        source = items[name]
        data = source if isinstance(source, bytes) else source.read_bytes()
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    return "".join(lines).encode("utf-8")


def write_zip(items: dict[str, Path | bytes], output: Path, prefix: str) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(output.suffix + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(items):
            source = items[name]
            data = source if isinstance(source, bytes) else source.read_bytes()
            executable = not isinstance(source, bytes) and os.access(source, os.X_OK)
            info = zipfile.ZipInfo(f"{prefix}/{name}", date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below are honoured by unzip
            mode = 0o100444 if name == DEPOSITED_MANIFEST else 0o100755 if executable else 0o100644
            info.external_attr = (mode & 0xFFFF) << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    partial.replace(output)


def build_package(root: str | Path = ".", dist: str | Path = "dist", results: str = "results") -> Path:
    root = Path(root).resolve()
    name, version = project(root)
    output = Path(dist) if Path(dist).is_absolute() else root / dist
    output = output / f"{name}-{version}.zip"
    write_zip(contents(root, results), output, prefix=f"{name}-{version}")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--dist", default="dist")
    args = parser.parse_args(argv)
    try:
        output = build_package(args.root, args.dist)
    except InputError as err:
        print(f"package: {err}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(output) as archive:
        count = len(archive.infolist())
    print(f"{output}: {output.stat().st_size} bytes, {count} files")
    for warning in deposit_warnings(Path(args.root)):
        print(f"package: WARNING: {warning}", file=sys.stderr)
    return 0


def deposit_warnings(root: Path) -> list[str]:
    """What a data editor would send back, found before the deposit."""
    citation = root / "CITATION.cff"
    if citation.is_file() and "REPLACE-WITH" in citation.read_text(encoding="utf-8"):
        return ["CITATION.cff: repository-code is still a placeholder; put the code repository's address there"]
    return []


if __name__ == "__main__":
    sys.exit(main())
