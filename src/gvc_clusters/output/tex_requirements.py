"""Can this machine's TeX compile the paper? The LaTeX packages the paper loads, read from its
template, looked up with ``kpsewhich``; and what config ``paper.pdf`` then means.

Debian's ``latexmk`` package brings only ``texlive-latex-base``, so "latexmk is installed" does not
mean the paper compiles: without ``adjustbox.sty`` TeX stops after half the workflow with sixty
lines of log. ``pdf_plan`` decides before any job runs: with ``auto`` and a package missing, the
PDF is left out of the build and ``note`` says in one line which packages are missing and which
Debian and TeX Live packages provide them; everything else is built.

The list of packages is parsed from the template's ``\\documentclass``/``\\usepackage`` lines
(``required_files``), so it cannot drift from what the paper loads. Where they come from
(``PROVIDERS``) is a table, because nothing on a machine without a package says where to get it;
a test fails when the template loads a package the table lacks, and on Debian compares the table
with ``dpkg -S``. Packages loaded in turn by these packages (``adjustbox`` loads ``collectbox``)
are not followed: their providers ship them together.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[3] / "workflow" / "templates" / "paper.tex.j2"
PDF_SETTINGS = ("auto", "on", "off")

# TeX file -> (TeX Live package, Debian 12 package) for every file the paper template loads.
PROVIDERS = {
    "article.cls": ("latex", "texlive-latex-base"),
    "inputenc.sty": ("latex", "texlive-latex-base"),
    "fontenc.sty": ("latex", "texlive-latex-base"),
    "textcomp.sty": ("latex", "texlive-latex-base"),
    "lmodern.sty": ("lm", "lmodern"),
    "mathptmx.sty": ("psnfss", "texlive-latex-base"),
    "ptmr8t.tfm": ("times", "texlive-fonts-recommended"),
    "geometry.sty": ("geometry", "texlive-latex-base"),
    "booktabs.sty": ("booktabs", "texlive-latex-recommended"),
    "array.sty": ("tools", "texlive-latex-base"),
    "graphicx.sty": ("graphics", "texlive-latex-base"),
    "adjustbox.sty": ("adjustbox", "texlive-latex-extra"),
    "xltabular.sty": ("xltabular", "texlive-latex-extra"),
    "caption.sty": ("caption", "texlive-latex-recommended"),
    "microtype.sty": ("microtype", "texlive-latex-recommended"),
    "placeins.sty": ("placeins", "texlive-latex-extra"),
    "needspace.sty": ("needspace", "texlive-latex-extra"),
    "hyperref.sty": ("hyperref", "texlive-latex-base"),
    "longtable.sty": ("tools", "texlive-latex-base"),
}
# Font packages whose .sty is not enough: mathptmx (the fallback when lmodern is missing) sets Times
# in T1 encoding, whose metrics Debian ships apart from the .sty (texlive-fonts-recommended); without
# them TeX stops with "Font T1/ptm/m/n/10.95=ptmr8t at 10.95pt not loadable".
FONT_METRICS = {"mathptmx.sty": ("ptmr8t.tfm",)}

_COMMENT = re.compile(r"(?<!\\)%.*")
_LOADS = re.compile(r"\\(usepackage|RequirePackage|documentclass)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
_IF_FILE = re.compile(r"\\IfFileExists\{([^}]*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


def _loaded_files(text: str) -> list[str]:
    files = []
    for command, names in _LOADS.findall(text):
        suffix = ".cls" if command == "documentclass" else ".sty"
        files += [name.strip() + suffix for name in names.split(",") if name.strip()]
    return [f for sty in files for f in (sty, *FONT_METRICS.get(sty, ()))]


def required_files(template: str) -> list[tuple[tuple[str, ...], ...]]:
    """Every requirement of the template, in order: a tuple of alternatives, each a tuple of the
    TeX files it needs. ``\\usepackage{a,b}`` gives two requirements with one alternative;
    ``\\IfFileExists{x.sty}{\\usepackage{x}}{\\usepackage{y}}`` one requirement with two (the
    template uses y where x is missing)."""
    requirements = []
    for line in template.splitlines():
        line = _COMMENT.sub("", line)
        branch = _IF_FILE.search(line)
        if branch:
            first, second = tuple(_loaded_files(branch.group(2))), tuple(_loaded_files(branch.group(3)))
            requirements.append(tuple(alt for alt in (first, second) if alt))
            line = line[:branch.start()] + line[branch.end():]
        requirements += [((name,),) for name in _loaded_files(line)]
    return requirements


def kpsewhich(files: list[str]) -> set[str]:
    """The files TeX finds (``kpsewhich`` prints the path of each one it finds, nothing for the others)."""
    if not files or shutil.which("kpsewhich") is None:
        return set()
    run = subprocess.run(["kpsewhich", *files], capture_output=True, text=True, check=False, timeout=60)
    found = {Path(line.strip()).name for line in run.stdout.splitlines() if line.strip()}
    return {name for name in files if name in found}


def missing_files(requirements, found: set[str]) -> list[str]:
    """The files of each unmet requirement's preferred (first) alternative, in template order."""
    missing = []
    for alternatives in requirements:
        if not any(all(name in found for name in alt) for alt in alternatives):
            missing += [name for name in alternatives[0] if name not in found and name not in missing]
    return missing


def missing_text(missing: list[str]) -> str:
    """What is missing and what to install (Debian and TeX Live), as one clause."""
    names = [Path(name).stem for name in missing]
    debian = sorted({PROVIDERS.get(name, ("", "texlive-full"))[1] for name in missing})
    texlive = sorted({PROVIDERS.get(name, (Path(name).stem, ""))[0] for name in missing})
    return (f"TeX lacks {', '.join(names)} (Debian: apt install {' '.join(debian)}; "
            f"TeX Live: tlmgr install {' '.join(texlive)})")


NO_LATEXMK = ("latexmk is not installed (Debian: apt install latexmk texlive-latex-recommended texlive-latex-extra "
              "texlive-fonts-recommended lmodern)")


def tex_problem(template: Path = TEMPLATE, *, latexmk: bool | None = None, found: set[str] | None = None
                ) -> str | None:
    """Why this machine cannot compile the paper (one clause), or None when it can: latexmk is
    installed and kpsewhich finds every file the template loads. ``latexmk``/``found`` stand in for
    the machine in tests."""
    if not (shutil.which("latexmk") is not None if latexmk is None else latexmk):
        return NO_LATEXMK
    requirements = required_files(template.read_text(encoding="utf-8"))
    if found is None:
        found = kpsewhich(sorted({name for alts in requirements for alt in alts for name in alt}))
    missing = missing_files(requirements, found)
    return missing_text(missing) if missing else None


@dataclass(frozen=True)
class PdfPlan:
    """Whether the build makes paper.pdf, and the one line to print when ``auto`` leaves it out."""

    build: bool
    note: str | None = None


def pdf_setting(value) -> str:
    """Config ``paper.pdf`` as one of auto/on/off. YAML 1.1 reads an unquoted ``on``/``off`` as a
    boolean (``pdf: off`` is False), so booleans are accepted and mean what was written."""
    if value is True:
        return "on"
    if value is False:
        return "off"
    if value not in PDF_SETTINGS:
        raise ValueError(f"config paper.pdf must be auto, on or off, not {value!r}")
    return value


def pdf_plan(setting, template: Path = TEMPLATE, *, latexmk: bool | None = None,
             found: set[str] | None = None) -> PdfPlan:
    """``on``: always (compiling then fails clearly without TeX); ``off``: never; ``auto``: when
    ``tex_problem`` finds none."""
    setting = pdf_setting(setting)
    if setting != "auto":
        return PdfPlan(setting == "on")
    problem = tex_problem(template, latexmk=latexmk, found=found)
    return PdfPlan(True) if problem is None else PdfPlan(False, f"paper.pdf skipped: {problem}; "
                                                                 "everything else is built")
