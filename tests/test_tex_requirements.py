"""paper: {pdf: auto} on a machine whose TeX lacks packages: the requirements read from the paper's
template, the one-line note, and YAML's on/off booleans (gvc_clusters.output.tex_requirements)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from gvc_clusters.output.tex_requirements import (
    PROVIDERS,
    TEMPLATE,
    kpsewhich,
    missing_files,
    pdf_plan,
    pdf_setting,
    required_files,
)

EVERYTHING = {name for reqs in required_files(TEMPLATE.read_text(encoding="utf-8")) for alt in reqs for name in alt}


def test_requirements_are_read_from_the_template_lines():
    text = ("\\documentclass[11pt]{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs,array}% tables\n"
            "% \\usepackage{commented}\n\\IfFileExists{lmodern.sty}{\\usepackage{lmodern}}{\\usepackage{mathptmx}}\n")
    assert required_files(text) == [(("article.cls",),), (("inputenc.sty",),), (("booktabs.sty",),),
                                    (("array.sty",),), (("lmodern.sty",), ("mathptmx.sty", "ptmr8t.tfm"))]


def test_the_template_loads_what_the_paper_needs_and_every_file_has_a_provider():
    names = {name for reqs in required_files(TEMPLATE.read_text(encoding="utf-8")) for alt in reqs for name in alt}
    assert {"article.cls", "adjustbox.sty", "xltabular.sty", "hyperref.sty", "longtable.sty"} <= names
    assert names - set(PROVIDERS) == set()  # a package added to the template needs its provider here


@pytest.mark.skipif(shutil.which("dpkg") is None or not kpsewhich(["article.cls"]),
                    reason="needs Debian's dpkg and an installed TeX to compare the table with")
def test_providers_table_agrees_with_debian():
    for name, (_, debian) in PROVIDERS.items():
        path = subprocess.run(["kpsewhich", name], capture_output=True, text=True, check=False).stdout.strip()
        if not path:
            continue  # not installed here: nothing to compare
        owner = subprocess.run(["dpkg", "-S", str(Path(path).resolve())], capture_output=True, text=True,
                               check=False).stdout.split(":")[0]
        assert owner == debian, name


def test_auto_skips_the_pdf_with_one_line_naming_packages_and_providers():
    plan = pdf_plan("auto", latexmk=True, found=EVERYTHING - {"adjustbox.sty", "booktabs.sty"})
    assert not plan.build
    assert plan.note == ("paper.pdf skipped: TeX lacks booktabs, adjustbox (Debian: apt install texlive-latex-extra "
                         "texlive-latex-recommended; TeX Live: tlmgr install adjustbox booktabs); everything else "
                         "is built")
    assert "\n" not in plan.note
    assert pdf_plan("auto", latexmk=True, found=EVERYTHING).build
    assert "latexmk is not installed" in pdf_plan("auto", latexmk=False, found=EVERYTHING).note


def test_a_font_fallback_counts_only_with_its_metrics():
    without_lmodern = EVERYTHING - {"lmodern.sty"}
    assert pdf_plan("auto", latexmk=True, found=without_lmodern).build  # Times instead
    plan = pdf_plan("auto", latexmk=True, found=without_lmodern - {"ptmr8t.tfm"})
    assert not plan.build and "TeX lacks lmodern (Debian: apt install lmodern;" in plan.note


def test_on_and_off_whatever_the_machine():
    assert pdf_plan("on", latexmk=False, found=set()).build
    assert not pdf_plan("off", latexmk=True, found=EVERYTHING).build


def test_yaml_on_off_booleans_mean_what_was_written():
    import yaml

    assert pdf_setting(yaml.safe_load("pdf: off")["pdf"]) == "off"
    assert pdf_setting(yaml.safe_load("pdf: on")["pdf"]) == "on"
    assert pdf_setting("auto") == "auto"
    with pytest.raises(ValueError, match="auto, on or off"):
        pdf_setting("yes")


def test_missing_files_reports_the_preferred_alternative_once():
    reqs = [(("a.sty",),), (("x.sty",), ("y.sty", "y.tfm")), (("a.sty",),)]
    assert missing_files(reqs, {"y.sty"}) == ["a.sty", "x.sty"]
    assert missing_files(reqs, {"a.sty", "y.sty", "y.tfm"}) == []


def test_kpsewhich_finds_installed_files_only():
    if shutil.which("kpsewhich") is None:
        assert kpsewhich(["article.cls"]) == set()
    else:
        assert kpsewhich(["article.cls", "no-such-package-xyz.sty"]) == {"article.cls"}


# ---- a build where TeX lacks packages (slow: a workflow run) ---------------------------------------

def stand_in_tex(folder: Path, missing: set[str]) -> Path:
    """``kpsewhich`` of a TeX where every file but ``missing`` is installed, and a ``latexmk`` that
    stops as TeX does without them; both first on the PATH, the system TeX untouched."""
    folder.mkdir(parents=True)
    names = " ".join(sorted(missing))
    (folder / "kpsewhich").write_text(
        "#!/bin/sh\nfor f in \"$@\"; do case \" " + names + " \" in *\" $f \"*) ;; "
        "*) echo \"/stand-in/texmf-dist/tex/latex/$f\";; esac; done\n", encoding="utf-8")
    (folder / "latexmk").write_text("#!/bin/sh\necho \"! LaTeX Error: File \\`" + min(missing)
                                    + "' not found.\" >&2\nexit 12\n", encoding="utf-8")
    for tool in ("kpsewhich", "latexmk"):
        (folder / tool).chmod(0o755)
    return folder


@pytest.mark.slow
def test_a_build_on_a_latexmk_only_machine_finishes_everything_but_the_pdf(default_build, tmp_path_factory):
    """Debian's latexmk package alone (texlive-latex-base): without the others' files the build
    skips the PDF with one line and writes the README and the manifest (without the PDF)."""
    import os

    from workflow_copy import copy_build, isolated_env, snakemake

    work = copy_build(default_build, tmp_path_factory.mktemp("latexmk-only") / "built")
    for built in ("results/report/paper.pdf", "results/README.md", "results/MANIFEST.sha256", "results/machine.json"):
        (work / built).unlink()
    base_only = {name for name, (_, debian) in PROVIDERS.items() if debian != "texlive-latex-base"}
    tex = stand_in_tex(work.parent / "tex", base_only)
    env = isolated_env(work)
    env["PATH"] = f"{tex}{os.pathsep}{env['PATH']}"
    run = snakemake(work, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    notes = [line for line in run.stderr.splitlines() if "paper.pdf" in line and "TeX lacks" in line]
    assert notes == [("paper.pdf skipped: TeX lacks lmodern, booktabs, adjustbox, xltabular, caption, microtype, "
                     "placeins, needspace (Debian: apt install lmodern texlive-latex-extra texlive-latex-recommended; "
                     "TeX Live: tlmgr install adjustbox booktabs caption lm microtype needspace placeins xltabular); "
                     "everything else is built")]
    assert not (work / "results/report/paper.pdf").exists()
    assert (work / "results/machine.json").is_file()
    # the README lists the PDF apart whether or not it was built, so README and manifest are those of
    # a machine with the full TeX, byte for byte: a replicator's check does not depend on TeX
    assert (work / "results/README.md").read_bytes() == (default_build / "results/README.md").read_bytes()
    manifest = (work / "results/MANIFEST.sha256").read_text(encoding="utf-8")
    assert manifest == (default_build / "results/MANIFEST.sha256").read_text(encoding="utf-8")
    assert "results/README.md" in manifest and "paper.pdf" not in manifest


@pytest.mark.parametrize("written, meant", [("off", "off"), ("on", "on"), ("auto", "auto"), ('"off"', "off")])
def test_the_schema_takes_pdf_on_and_off_as_yaml_writes_them(written, meant):
    """The documented `paper: {pdf: off}`: YAML reads False, the schema accepts it, the workflow
    (common.smk) turns it back into "off"."""
    import yaml
    from conftest import ROOT
    from snakemake.utils import validate

    from gvc_clusters.config_defaults import SCHEMA

    book = (ROOT / "config/config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(book)
    config["paper"] = yaml.safe_load(f"{{pdf: {written}}}")
    validate(config, str(SCHEMA))
    assert pdf_setting(config["paper"]["pdf"]) == meant
    config["paper"] = {"pdf": "sometimes"}
    with pytest.raises(Exception, match="is not one of"):
        validate(config, str(SCHEMA))
