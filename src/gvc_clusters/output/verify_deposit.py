"""``./pipeline.sh verify``: does this deposit reproduce? Checked against the manifest as deposited.

A check against ``results/MANIFEST.sha256`` verifies itself: the build rewrites that manifest, so an
edited result (estimates.csv 1.455 -> 1.555) followed by a build passes ``sha256sum -c``. This
check reads ``MANIFEST.deposited.sha256`` instead (written by gvc_clusters.output.package, read-only,
outside what any build writes) and does two things:

1. the files as unpacked against it: a result, a raw table or a line of code changed since the
   deposit is named;
2. a rebuild from scratch in a fresh folder (the deposited sources only: no results, no processed
   data, no Snakemake state), its results against it: a deposited result that the code and data do
   not produce is named.

Two files are not compared, for the reasons in ``NOT_COMPARED``; everything else must match byte
for byte. Prints one line per differing file and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gvc_clusters.layout import NOT_IN_MANIFEST
from gvc_clusters.output.package import DEPOSITED_MANIFEST, manifest_entries

# Where a build writes: the deposited results are here; the rebuild starts without them.
BUILT = ("results/", "data/processed/", "data/interim/", "data/simulated/", "logs/", "benchmarks/", ".snakemake/")
NOT_COMPARED = {
    "results/machine.json": "describes the machine that built the results, not a result (outside the results "
                            "manifest); every build rewrites it",
    "results/report/paper.pdf": NOT_IN_MANIFEST["paper.pdf"][1],
}


@dataclass(frozen=True)
class Difference:
    path: str
    what: str  # "differs" or "missing"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def differences(root: Path, entries: list[tuple[str, str]]) -> list[Difference]:
    """Each entry whose file under ``root`` is missing or has other bytes."""
    out = []
    for path, digest in entries:
        target = root / path
        if not target.is_file():
            out.append(Difference(path, "missing"))
        elif sha256(target) != digest:
            out.append(Difference(path, "differs"))
    return out


def is_built(path: str) -> bool:
    return path.startswith(BUILT)


def fresh_copy(root: Path, sources: list[str], target: Path) -> Path:
    """The deposited sources (not the results), copied into an empty ``target``."""
    for path in sources:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / path, target / path)
    return target


def rebuild(workspace: Path, cores: int, snakemake: str | None = None) -> subprocess.CompletedProcess:
    """Snakemake in ``workspace``, importing the workspace's own ``src/`` (not an installed copy)."""
    snakemake = snakemake or str(Path(sys.executable).parent / "snakemake")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(workspace / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([snakemake, "--cores", str(cores)], cwd=workspace, env=env, capture_output=True,
                          text=True, check=False)


def report_lines(title: str, found: list[Difference], compared: int) -> list[str]:
    if not found:
        return [f"{title}: all {compared} files identical"]
    lines = [f"{title}: {len(found)} of {compared} files DIFFER:"]
    lines += [f"  {d.what.upper():8} {d.path}" for d in found]
    return lines


def verify(root: str | Path = ".", *, against: str | Path | None = None, cores: int = 1,
           workdir: str | Path | None = None, keep: bool = False, snakemake: str | None = None,
           out=None) -> int:
    """Check the unpacked deposit and a rebuild from scratch against the deposited manifest. Returns
    the exit status: 0 when both match it, 1 when a file differs, 2 when it cannot check."""
    out = out or sys.stdout
    root = Path(root).resolve()
    manifest = Path(against) if against else root / DEPOSITED_MANIFEST
    if not manifest.is_file():
        print(f"verify: {manifest} not found: it comes with the deposit archive (./pipeline.sh package); in a "
              "repository, compare with a copy of results/MANIFEST.sha256 set aside before the build: "
              "./pipeline.sh verify --against COPY", file=out)
        return 2
    entries = manifest_entries(manifest)
    compared = [(p, d) for p, d in entries if p not in NOT_COMPARED]
    results = [(p, d) for p, d in compared if is_built(p)]
    print(f"verify: against {manifest.name} ({len(entries)} files as deposited)", file=out)
    for path, why in NOT_COMPARED.items():
        if any(p == path for p, _ in entries):
            print(f"  not compared: {path}: {why}", file=out)

    unpacked = differences(root, compared)
    for line in report_lines("1. the files as unpacked here", unpacked, len(compared)):
        print(line, file=out)

    scratch = Path(tempfile.mkdtemp(prefix="gvc-verify-", dir=workdir))
    sources = [p for p, _ in entries if not is_built(p) and (root / p).is_file()]
    if not sources:  # a results manifest set aside in a repository: the sources are the tracked files
        from gvc_clusters.output.package import source_files

        sources = source_files(root)
    workspace = fresh_copy(root, sources, scratch / "rebuild")
    print(f"2. rebuilding from scratch in {workspace} (snakemake --cores {cores}) ...", file=out, flush=True)
    run = rebuild(workspace, cores, snakemake)
    if run.returncode != 0:
        (scratch / "snakemake.log").write_text(run.stdout + run.stderr, encoding="utf-8")
        print(f"verify: the rebuild FAILED (snakemake exit {run.returncode}); its log: {scratch / 'snakemake.log'}",
              file=out)
        print("\n".join(run.stderr.splitlines()[-20:]), file=out)
        return 1
    rebuilt = differences(workspace, results)
    for line in report_lines("2. the rebuild from scratch, its results", rebuilt, len(results)):
        print(line, file=out)

    ok = not unpacked and not rebuilt
    if ok and not keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"   the rebuild is kept in {workspace}", file=out)
    print("verify: OK: the deposit is intact and reproduces from scratch" if ok else
          "verify: FAILED: the files above differ from the manifest as deposited", file=out)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--against", help=f"the manifest to compare with (default: {DEPOSITED_MANIFEST})")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", help="where the fresh folder is made (default: the system's temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the rebuild even when everything matches")
    args = parser.parse_args(argv)
    return verify(args.root, against=args.against, cores=args.cores, workdir=args.workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
