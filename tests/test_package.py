"""The deposit archive (issue 15 §4): exactly what a replicator needs, byte-identical across runs,
and (slow) it rebuilds itself: unpacked in an empty directory, the README's build command
reproduces the packed results byte for byte."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from gvc_clusters.errors import InputError
from gvc_clusters.output import package


def fake_repository(root: Path) -> Path:
    """The files package.SOURCES names, a built result with its manifest, and clutter to leave out."""
    for item in package.SOURCES:
        path = root / item
        if "." in Path(item).name or item in ("Snakefile", "LICENSE"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{item}\n", encoding="utf-8")
        else:
            path.mkdir(parents=True, exist_ok=True)
            (path / "file.txt").write_text(f"{item}\n", encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.2.3"\n', encoding="utf-8")
    (root / "pipeline.sh").chmod(0o755)
    (root / "README.md").write_text("developer guide\n", encoding="utf-8")
    clutter = ["src/pkg/__pycache__/m.cpython-311.pyc", "src/.m.py.swp", "src/m.py~", "workflow/.DS_Store",
               ".venv/bin/python", ".snakemake/log/x.log", "logs/x.log", "benchmarks/x.tsv", "src/pkg.egg-info/PKG-INFO",
               "results/benchmarks/rebuild.csv", "results/test-artifacts/report.png", "data/interim/x.csv",
               "src/.idea/workspace.xml", "dist/old.zip"]
    for rel in clutter:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("clutter\n", encoding="utf-8")
    (root / "results/report").mkdir(parents=True)
    (root / "data/processed").mkdir(parents=True)
    (root / "results/report/table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "data/processed/t.csv").write_text("x\n1\n", encoding="utf-8")
    (root / "results/README.md").write_text("# README\n\n### Memory, runtime, storage requirements\n\nSee machine.\n",
                                            encoding="utf-8")
    (root / "results/machine.json").write_text(json.dumps({"cpu_model": "Test CPU", "cores": 3}), encoding="utf-8")
    lines = [f"{hashlib.sha256((root / p).read_bytes()).hexdigest()}  {p}"
             for p in ("data/processed/t.csv", "results/README.md", "results/report/table.csv")]
    (root / "results/MANIFEST.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_archive_holds_exactly_what_a_replicator_needs(tmp_path):
    root = fake_repository(tmp_path / "repo")
    out = package.build_package(root, tmp_path / "dist")
    assert out.name == "demo-1.2.3.zip"
    with zipfile.ZipFile(out) as archive:
        names = [i.filename for i in archive.infolist()]
        infos = {i.filename: i for i in archive.infolist()}
        readme = archive.read("demo-1.2.3/README.md").decode()
    assert names == sorted(names) and all(n.startswith("demo-1.2.3/") for n in names)
    inside = {n.removeprefix("demo-1.2.3/") for n in names}
    expected_sources = {p if "." in Path(p).name or p in ("Snakefile", "LICENSE") else f"{p}/file.txt"
                        for p in package.SOURCES}
    assert inside == expected_sources | {
        "data/processed/t.csv", "results/README.md", "results/report/table.csv", "results/MANIFEST.sha256",
        "results/machine.json", "README.md", "README-developer.md"}
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos.values())
    assert infos["demo-1.2.3/pipeline.sh"].external_attr >> 16 == 0o100755
    assert infos["demo-1.2.3/LICENSE"].external_attr >> 16 == 0o100644
    # the deposit README is the replication README with the machine facts filled in
    assert readme.startswith("# README") and "| CPU model | Test CPU |" in readme and "| CPU cores (logical) | 3 |" in readme


def test_archive_is_byte_identical_across_runs(tmp_path):
    root = fake_repository(tmp_path / "repo")
    first = package.build_package(root, tmp_path / "one").read_bytes()
    os.utime(root / "LICENSE", (1_900_000_000, 1_900_000_000))  # a touched file: same bytes, new mtime
    second = package.build_package(root, tmp_path / "two").read_bytes()
    assert first == second


def test_paper_pdf_is_packed_where_built(tmp_path):
    root = fake_repository(tmp_path / "repo")
    (root / "results/report/paper.pdf").write_bytes(b"%PDF-1.5\n")
    with zipfile.ZipFile(package.build_package(root, tmp_path / "dist")) as archive:
        assert "demo-1.2.3/results/report/paper.pdf" in archive.namelist()


def test_results_that_differ_from_their_manifest_are_not_packed(tmp_path):
    root = fake_repository(tmp_path / "repo")
    (root / "results/report/table.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"results/report/table.csv: differs from the results manifest"):
        package.build_package(root, tmp_path / "dist")
    (root / "results/report/table.csv").unlink()
    with pytest.raises(InputError, match="listed in the results manifest but missing"):
        package.build_package(root, tmp_path / "dist")
    (root / "results/MANIFEST.sha256").unlink()
    with pytest.raises(InputError, match=r"no results to pack \(expected a build first: ./pipeline.sh build\)"):
        package.build_package(root, tmp_path / "dist")


def test_the_real_sources_have_no_clutter():
    files = package.source_files(ROOT)
    assert "pipeline.sh" in files and "data/raw/decision_log.csv" in files and "data/raw/sources.yaml" in files
    assert "requirements.lock" in files and "environment.yml" in files and "CITATION.cff" in files
    assert not [f for f in files if package.excluded(f)]
    assert not [f for f in files if f.startswith(("data/processed", "data/interim", "results/", "logs/", ".venv"))]


# ---- the package rebuilds itself (slow: two full builds) ---------------------------------------------

def shim_venv(target: Path, lock: Path) -> Path:
    """A venv directory whose tools are this interpreter's (no install from PyPI), stamped with the
    unpacked lock's hash so that pipeline.sh's ensure_env accepts it and never deletes anything."""
    bin_dir = target / "bin"
    bin_dir.mkdir(parents=True)
    here = Path(sys.executable).parent
    for tool in ("python", "snakemake", "pytest"):
        # a wrapper, not a symlink: a venv's python finds its site-packages only when started by
        # its own path (a symlink elsewhere would run the bare base interpreter)
        wrapper = bin_dir / tool
        wrapper.write_text(f'#!/bin/sh\nexec "{here / tool}" "$@"\n')
        wrapper.chmod(0o755)
    (target / ".lock-sha256").write_text(hashlib.sha256(lock.read_bytes()).hexdigest() + "\n")
    return target


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unzip") is None or shutil.which("sha256sum") is None,
                    reason="needs unzip and sha256sum")
def test_the_package_rebuilds_itself(default_build, tmp_path_factory):
    from workflow_copy import COPIED, copy_build

    built = copy_build(default_build, tmp_path_factory.mktemp("package") / "source")
    for item in ("pipeline.sh", "pyproject.toml", "requirements.lock", "environment.yml", "LICENSE",
                 "LICENSE-DATA.md", "CITATION.cff", "README.md", "tests"):
        source = ROOT / item
        if item not in COPIED:
            (shutil.copytree if source.is_dir() else shutil.copy2)(
                source, built / item, **({"ignore": shutil.ignore_patterns("__pycache__")} if source.is_dir() else {}))
    archive = package.build_package(built, built / "dist")
    again = package.build_package(built, built / "dist-again")
    assert archive.read_bytes() == again.read_bytes()

    empty = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["unzip", "-q", str(archive)], cwd=empty, check=True)
    (top,) = list(empty.iterdir())
    packed = (top / "results/MANIFEST.sha256").read_text(encoding="utf-8")
    (empty / "MANIFEST.packed.sha256").write_text(packed, encoding="utf-8")
    shutil.rmtree(top / "results")
    shutil.rmtree(top / "data/processed")
    readme = (top / "README.md").read_text(encoding="utf-8")
    command = re.search(r"```bash\n(\./pipeline\.sh build)\b", readme)[1]  # the README's build command
    env = {**os.environ, "VENV": str(shim_venv(empty / "venv", top / "requirements.lock")),
           "PYTHONPATH": str(top / "src")}
    start = time.perf_counter()
    run = subprocess.run(f"{command} --cores 1", shell=True, cwd=top, env=env, capture_output=True, text=True,
                         timeout=3600, check=False)
    elapsed = time.perf_counter() - start
    assert run.returncode == 0, run.stderr[-3000:]
    check = subprocess.run(["sha256sum", "-c", str(empty / "MANIFEST.packed.sha256")], cwd=top,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout[-3000:]
    assert check.stdout.count(": OK") == len(packed.splitlines()) > 100
    print(f"unpack-and-rebuild: {elapsed:.0f} s for {len(packed.splitlines())} files")
