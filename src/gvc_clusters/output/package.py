"""The deposit archive: ``dist/<name>-<version>.zip`` with exactly what a replicator needs.

``./pipeline.sh package`` builds (a no-op when up to date), then runs ``python -m gvc_clusters.output.package``.
The archive holds the code, the raw data with its decision log and sources manifest, the config,
the environment files, the licences and citation, and the built results: every file the results
manifest lists, the manifest itself, ``results/machine.json`` and ``results/report/paper.pdf`` where
it was built. Its top-level ``README.md`` is the replication README (``results/README.md``) with the
machine facts filled in; the repository's own README becomes ``README-developer.md``. Nothing else:
no virtual environments, caches, logs, benchmarks of other runs or editor files.

Byte-identical across runs: entries are sorted, every timestamp is 1980-01-01 00:00, permissions
are 0644 (0755 for executables), and the compression level is fixed. Before packing, every file
the manifest lists is checked against it, so an archive never ships results that are not the
manifest's.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from gvc_clusters.errors import InputError
from gvc_clusters.output.replication_readme import machine_table

# What a replicator needs besides the built results (files, or folders walked recursively).
SOURCES = ["Snakefile", "pipeline.sh", "pyproject.toml", "requirements.lock", "environment.yml", "LICENSE",
           "LICENSE-DATA.md", "CITATION.cff", "config", "profiles", "src", "workflow", "tests", "data/raw"]
# Never packed, wherever they are.
EXCLUDED = ["__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".snakemake", ".venv", "venv", ".pytest_cache",
            ".hypothesis", ".ruff_cache", ".mypy_cache", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db",
            "*.swp", "*.swo", "*~", ".#*", "#*#", ".idea", ".vscode", "*.orig", "*.rej", "*.log", ".git"]
EPOCH = (1980, 1, 1, 0, 0, 0)
MACHINE_HEADING = "### Memory, runtime, storage requirements\n"


def project(root: Path) -> tuple[str, str]:
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"], meta["version"]


def excluded(rel: str) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/") for pattern in EXCLUDED)


def source_files(root: Path) -> list[str]:
    out = []
    for item in SOURCES:
        path = root / item
        if path.is_file():
            out.append(item)
        elif path.is_dir():
            out += [p.relative_to(root).as_posix() for p in path.rglob("*")
                    if p.is_file() and not excluded(p.relative_to(root).as_posix())]
        else:
            raise InputError(item, "a file the replication package needs is missing",
                             expected="the repository's file (see gvc_clusters.output.package.SOURCES)")
    return out


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
    return items


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
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
