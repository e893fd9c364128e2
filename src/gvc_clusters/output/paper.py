"""Compile the paper (results/report/paper.tex) to PDF and read TeX's log for what a referee sees.

``compile_pdf`` runs latexmk in a scratch tree holding the paper's declared inputs only (TeX's
by-products never join the results) with a fixed SOURCE_DATE_EPOCH, so the PDF carries no build date (the template sets
``\\pdftrailerid{}`` for a fixed document id). ``layout_problems`` lists every overfull box wider
than 1 pt, every float too large for the page, every undefined reference or citation and every
Type 3 (bitmap) font: the paper test fails on any of them, and the rule writes them to its log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)[^\n]*")
FLOAT_TOO_LARGE = re.compile(r"Float too large[^\n]*")
UNDEFINED = re.compile(r"(?:Reference|Citation) `[^']+' on page \d+ undefined[^\n]*|There were undefined references")
REPRODUCIBLE_ENV = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}


class PaperError(RuntimeError):
    """The paper cannot be compiled (no TeX, or TeX stops with an error)."""


def latexmk() -> str | None:
    return shutil.which("latexmk")


def layout_problems(log: str, fonts: str = "") -> list[str]:
    """What is wrong with the compiled paper: one line per problem, [] when it is fit to read."""
    problems = [f"overfull box {m.group(1)} pt: {m.group(0)}" for m in OVERFULL.finditer(log)
                if float(m.group(1)) > 1.0]
    problems += [f"float too large: {m.group(0)}" for m in FLOAT_TOO_LARGE.finditer(log)]
    problems += [f"undefined: {m.group(0)}" for m in UNDEFINED.finditer(log)]
    problems += [f"Type 3 font: {line.split()[0]}" for line in fonts.splitlines() if " Type 3 " in line]
    return problems


def pdf_fonts(pdf: str | Path) -> str:
    """``pdffonts`` output ('' when poppler-utils is missing)."""
    if shutil.which("pdffonts") is None:
        return ""
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=False).stdout


def compile_pdf(tex: str | Path, out_pdf: str | Path, *, inputs: list[str | Path] = (), log: str | Path | None = None,
                timeout: int = 600) -> list[str]:
    """Compile ``tex`` to ``out_pdf``; return the layout problems. ``inputs``: every file the paper
    reads (numbers, tables, figures, codebook, cases section: the rule's declared inputs), copied into
    a scratch tree at the same place relative to ``tex``; nothing else of the report folder is seen.
    Raises PaperError without latexmk or when TeX stops on an error (the end of its log quoted)."""
    tex = Path(tex)
    if latexmk() is None:
        raise PaperError("config paper.pdf is 'on' but latexmk is not installed: install TeX (Debian: latexmk "
                         "texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern) or "
                         "set paper: {pdf: auto}")
    with tempfile.TemporaryDirectory(prefix="paper-") as scratch:
        work = Path(scratch) / "report"
        for source in [tex, *inputs]:
            target = work / os.path.relpath(Path(source).resolve(), tex.parent.resolve())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        run = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                             cwd=work, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, **REPRODUCIBLE_ENV}, check=False)
        tex_log = (work / tex.with_suffix(".log").name)
        log_text = tex_log.read_text(encoding="utf-8", errors="replace") if tex_log.is_file() else run.stdout
        if log is not None:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            Path(log).write_text(log_text, encoding="utf-8")
        pdf = work / tex.with_suffix(".pdf").name
        if run.returncode != 0 or not pdf.is_file():
            raise PaperError(f"latexmk failed on {tex} (exit {run.returncode}); end of the TeX log:\n"
                             + log_text[-3000:])
        Path(out_pdf).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out_pdf)
    return layout_problems(log_text, pdf_fonts(out_pdf))
