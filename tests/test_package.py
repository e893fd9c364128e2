"""The deposit archive: what git tracks (everything the build and the tests read) and the results,
byte-identical across runs, with the manifest as deposited; ``./pipeline.sh verify`` against it; and
(slow) unpacked in an empty folder, the README's commands pass and its verification catches an
edited result."""

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

TRACKED = ["Snakefile", "pipeline.sh", "pyproject.toml", "requirements.lock", "environment.yml", "LICENSE",
           "LICENSE-DATA.md", "CITATION.cff", "README.md", ".gitignore", "config/config.yaml", "src/pkg/m.py",
           "workflow/rules/a.smk", "tests/test_a.py", "tests/data/expected.csv", "data/raw/t.csv",
           "data/cases/case.yaml"]
GITIGNORE = ".venv/\n.snakemake/\n__pycache__/\n*.egg-info/\nresults/*\ndata/processed/*\n/logs/\n/benchmarks/\n" \
            "/data/interim/\n/dist/\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def fake_repository(root: Path) -> Path:
    """A git checkout: tracked files (the deposit's sources), a built result with its manifest, and
    clutter that git ignores or that an editor leaves (never packed)."""
    for item in TRACKED:
        (root / item).parent.mkdir(parents=True, exist_ok=True)
        (root / item).write_text(f"{item}\n", encoding="utf-8")
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.2.3"\n', encoding="utf-8")
    (root / "pipeline.sh").chmod(0o755)
    (root / "README.md").write_text("developer guide\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    clutter = ["src/pkg/__pycache__/m.cpython-311.pyc", "src/.m.py.swp", "src/m.py~", "workflow/.DS_Store",
               ".venv/bin/python", ".snakemake/log/x.log", "logs/x.log", "benchmarks/x.tsv", "src/pkg.egg-info/PKG-INFO",
               "results/benchmarks/rebuild.csv", "results/test-artifacts/report.png", "data/interim/x.csv",
               "src/.idea/workspace.xml", "dist/old.zip", "data/raw/t.csv~"]
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


def test_archive_holds_what_git_tracks_and_the_results(tmp_path):
    root = fake_repository(tmp_path / "repo")
    out = package.build_package(root, tmp_path / "dist")
    assert out.name == "demo-1.2.3.zip"
    with zipfile.ZipFile(out) as archive:
        names = [i.filename for i in archive.infolist()]
        infos = {i.filename: i for i in archive.infolist()}
        readme = archive.read("demo-1.2.3/README.md").decode()
    assert names == sorted(names) and all(n.startswith("demo-1.2.3/") for n in names)
    inside = {n.removeprefix("demo-1.2.3/") for n in names}
    assert inside == (set(TRACKED) - {"README.md"}) | {
        "data/processed/t.csv", "results/README.md", "results/report/table.csv", "results/MANIFEST.sha256",
        "results/machine.json", "README.md", "README-developer.md", "MANIFEST.deposited.sha256"}
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos.values())
    assert infos["demo-1.2.3/pipeline.sh"].external_attr >> 16 == 0o100755
    assert infos["demo-1.2.3/LICENSE"].external_attr >> 16 == 0o100644
    assert infos["demo-1.2.3/MANIFEST.deposited.sha256"].external_attr >> 16 == 0o100444  # read-only
    # the deposit README is the replication README with the machine facts filled in
    assert readme.startswith("# README") and "| CPU model | Test CPU |" in readme and "| CPU cores (logical) | 3 |" in readme


def test_the_deposited_manifest_hashes_every_other_file_of_the_archive(tmp_path):
    root = fake_repository(tmp_path / "repo")
    with zipfile.ZipFile(package.build_package(root, tmp_path / "dist")) as archive:
        files = {i.filename.removeprefix("demo-1.2.3/"): archive.read(i) for i in archive.infolist()}
    lines = files.pop("MANIFEST.deposited.sha256").decode().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert listed == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_a_file_git_does_not_know_stops_the_packing_editor_clutter_does_not(tmp_path):
    root = fake_repository(tmp_path / "repo")
    (root / "src/pkg/new_module.py").write_text("x = 1\n", encoding="utf-8")  # written, never committed
    with pytest.raises(InputError, match=r"src/pkg/new_module.py: 1 file\(s\) git neither tracks nor ignores"):
        package.build_package(root, tmp_path / "dist")
    git(root, "add", "src/pkg/new_module.py")
    with zipfile.ZipFile(package.build_package(root, tmp_path / "dist")) as archive:
        names = archive.namelist()
    assert "demo-1.2.3/src/pkg/new_module.py" in names
    assert not [n for n in names if n.endswith("~") or "__pycache__" in n]  # data/raw/t.csv~ left out


def test_outside_a_git_checkout_the_packing_stops_clearly(tmp_path):
    root = fake_repository(tmp_path / "repo")
    shutil.rmtree(root / ".git")
    with pytest.raises(InputError, match="the deposit packs the files git tracks, and this is not a git checkout"):
        package.build_package(root, tmp_path / "dist")


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


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="the deposit's file list is git's: an unpacked archive "
                    "has no .git (its own file list is MANIFEST.deposited.sha256)")
def test_the_real_sources_are_what_the_build_and_the_tests_read():
    files = package.source_files(ROOT)
    assert "pipeline.sh" in files and "data/raw/decision_log.csv" in files and "data/raw/sources.yaml" in files
    assert "requirements.lock" in files and "environment.yml" in files and "CITATION.cff" in files
    # the tests' own data and the cases beyond the book (the tests read them)
    assert "data/cases/seed_lines.csv" in files and any(f.startswith("data/cases/coding/") for f in files)
    assert any(f.startswith("tests/data/") for f in files) and "tests/conftest.py" in files
    assert "README.md" not in files  # packed as README-developer.md
    assert not [f for f in files if package.excluded(f)]
    assert not [f for f in files if f.startswith(("data/processed/", "data/interim", "results/", "logs/", ".venv"))]


# ---- ./pipeline.sh verify, with a stand-in for the rebuild ------------------------------------------

def unpacked_deposit(tmp_path: Path) -> Path:
    root = fake_repository(tmp_path / "repo")
    archive = package.build_package(root, tmp_path / "dist")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "unpacked")
    return tmp_path / "unpacked" / "demo-1.2.3"


def stand_in_snakemake(tmp_path: Path, table: str) -> str:
    """A "build" that writes the deposit's results as the code would make them (``table`` for the
    one result that matters), from the fresh folder's sources only."""
    script = tmp_path / "snakemake"
    script.write_text(f"""#!/bin/sh
set -e
test -f Snakefile && test ! -e results && test ! -e data/processed   # a fresh folder: sources only
mkdir -p results/report data/processed
printf 'x\\n1\\n' > data/processed/t.csv
printf '# README\\n\\n### Memory, runtime, storage requirements\\n\\nSee machine.\\n' > results/README.md
printf '{table}' > results/report/table.csv
sha256sum data/processed/t.csv results/README.md results/report/table.csv > results/MANIFEST.sha256
echo '{{"cores": 1}}' > results/machine.json
""", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def test_verify_passes_a_deposit_that_is_intact_and_reproduces(tmp_path, capsys):
    from gvc_clusters.output.verify_deposit import verify

    deposit = unpacked_deposit(tmp_path)
    status = verify(deposit, snakemake=stand_in_snakemake(tmp_path, "a,b\\n1,2\\n"), workdir=tmp_path)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "1. the files as unpacked here: all" in out and "2. the rebuild from scratch, its results: all 4" in out
    assert "not compared: results/machine.json" in out and "verify: OK" in out


def test_verify_names_a_packed_result_edited_after_the_deposit(tmp_path, capsys):
    from gvc_clusters.output.verify_deposit import verify

    deposit = unpacked_deposit(tmp_path)
    (deposit / "results/report/table.csv").write_text("a,b\n1,9\n", encoding="utf-8")
    (deposit / "results/MANIFEST.sha256").write_text("rewritten by a build\n", encoding="utf-8")
    status = verify(deposit, snakemake=stand_in_snakemake(tmp_path, "a,b\\n1,2\\n"), workdir=tmp_path)
    out = capsys.readouterr().out
    assert status == 1
    assert "1. the files as unpacked here: 2 of" in out
    assert "  DIFFERS  results/report/table.csv" in out and "  DIFFERS  results/MANIFEST.sha256" in out
    assert "2. the rebuild from scratch, its results: all 4 files identical" in out
    assert "verify: FAILED" in out


def test_verify_names_a_deposited_result_the_code_does_not_produce(tmp_path, capsys):
    from gvc_clusters.output.verify_deposit import verify

    deposit = unpacked_deposit(tmp_path)
    status = verify(deposit, snakemake=stand_in_snakemake(tmp_path, "a,b\\n1,3\\n"), workdir=tmp_path)
    out = capsys.readouterr().out
    assert status == 1
    assert "1. the files as unpacked here: all" in out
    assert "2. the rebuild from scratch, its results: 2 of 4 files DIFFER:" in out
    assert "  DIFFERS  results/report/table.csv" in out and "  DIFFERS  results/MANIFEST.sha256" in out
    assert "the rebuild is kept in" in out


def test_verify_without_a_deposited_manifest_says_where_it_comes_from(tmp_path, capsys):
    from gvc_clusters.output.verify_deposit import verify

    assert verify(tmp_path) == 2
    assert "comes with the deposit archive" in capsys.readouterr().out


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


def readme_commands(readme: str) -> list[str]:
    """The commands of the deposit README's instructions (its first bash block), without comments."""
    block = readme.split("## Instructions to replicators", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unzip") is None or shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs unzip, git and the repository (not an unpacked archive)")
def test_the_unpacked_archive_passes_its_readme_commands_and_its_check_catches_an_edited_result(
        default_build, tmp_path_factory):
    """What a data editor does: unpack the archive in an empty folder, run the README's commands
    (build, tests, verification), then edit a packed result (the CE coefficient 1.455 -> 1.555),
    build again as the README says, and verify: the edit is named, and the rebuild from scratch
    reproduces the deposited 1.455."""
    from workflow_copy import copy_build

    # a fresh clone of this working tree, built: the session's build plus every other tracked file
    source = copy_build(default_build, tmp_path_factory.mktemp("package") / "source")
    for rel in [*package.source_files(ROOT), "README.md"]:
        if not (source / rel).exists():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, source / rel)
    git(source, "init", "-q")
    git(source, "add", "-A")
    archive = package.build_package(source, source / "dist")
    assert archive.read_bytes() == package.build_package(source, source / "dist-again").read_bytes()

    empty = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["unzip", "-q", str(archive)], cwd=empty, check=True)
    (top,) = list(empty.iterdir())
    assert (top / "data/cases/seed_lines.csv").is_file() and (top / "tests/conftest.py").is_file()
    commands = readme_commands((top / "README.md").read_text(encoding="utf-8"))
    assert commands == ["./pipeline.sh build", './pipeline.sh test -m "not slow"', "./pipeline.sh verify"]
    env = {**os.environ, "VENV": str(shim_venv(empty / "venv", top / "requirements.lock")),
           "PYTHONPATH": str(top / "src"), "CORES": "2",
           "TMPDIR": str(tmp_path_factory.mktemp("verify"))}  # where verify keeps a rebuild that differs

    def run(command: str) -> subprocess.CompletedProcess:
        start = time.perf_counter()
        done = subprocess.run(command, shell=True, cwd=top, env=env, capture_output=True, text=True, timeout=3600,
                              check=False)
        print(f"\n[package] {command}: exit {done.returncode}, {time.perf_counter() - start:.0f} s")
        return done

    build, tests, verify = commands
    for command in (build, tests):
        done = run(command)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]

    estimates = top / "results/models/ordinal/ce_governance/estimates.csv"
    text = estimates.read_text(encoding="utf-8")
    assert text.count(",1.45545353803,") == 1
    estimates.write_text(text.replace(",1.45545353803,", ",1.55545353803,"), encoding="utf-8")
    done = run(build)  # the build takes the edited estimates up and rewrites results/MANIFEST.sha256 ...
    assert done.returncode == 0, done.stderr[-3000:]
    self_check = subprocess.run(["sha256sum", "-c", "--quiet", "results/MANIFEST.sha256"], cwd=top, check=False)
    assert self_check.returncode == 0  # ... so checking the build against its own manifest passes

    done = run(verify)
    print(done.stdout)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    unpacked, rebuilt = done.stdout.split("2. rebuilding from scratch", 1)
    assert "  DIFFERS  results/models/ordinal/ce_governance/estimates.csv" in unpacked
    named = re.findall(r"^  (DIFFERS|MISSING) +(\S+)$", unpacked, flags=re.MULTILINE)
    assert {what for what, _ in named} == {"DIFFERS"} and all(p.startswith("results/") for _, p in named)
    assert "  DIFFERS  results/MANIFEST.sha256" in unpacked  # the build's rewritten manifest
    assert re.search(r"2\. the rebuild from scratch, its results: all \d{3} files identical", rebuilt)
    assert "not compared: results/report/paper.pdf: its bytes depend on the TeX installation" in done.stdout
    assert "verify: FAILED" in done.stdout
