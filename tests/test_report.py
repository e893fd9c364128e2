"""The report and the replication package, on a full build in a scratch copy (marked slow).

Checks what a data editor checks: every output the generated README lists exists and every result
file is listed; the HTML report is one self-contained page (nothing fetched) with every table and
figure; the LaTeX paper compiles where TeX is installed; headless Chromium renders the page and the
page requests nothing, read from the page's own Resource Timing entries (screenshot kept as a test
artifact).
"""

import html as html_lib
import json
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from workflow_copy import copy_build

from gvc_clusters.output.tex_requirements import pdf_plan

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "results" / "test-artifacts"
NOT_CATALOGUED = ("results/benchmarks/", "results/test-artifacts/")
NOT_CATALOGUED_FILES = {"results/README.md", "results/MANIFEST.sha256"}


@pytest.fixture(scope="module")
def built(default_build, tmp_path_factory):
    """This module's copy of the session's build (``snakemake --report`` writes next to it)."""
    return copy_build(default_build, tmp_path_factory.mktemp("report") / "built")


def catalogued(readme: str) -> list[str]:
    section = readme.split("## List of tables, figures and programs", 1)[1]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def test_readme_lists_every_result_and_every_listed_output_exists(built):
    readme = (built / "results/README.md").read_text(encoding="utf-8")
    listed = catalogued(readme)
    assert len(listed) > 100
    missing = [p for p in listed if not (built / p).is_file()]
    # listed wherever config allows it; built where this machine's TeX can (tex_requirements)
    assert missing == ([] if pdf_plan("auto").build else ["results/report/paper.pdf"])
    on_disk = {str(p.relative_to(built)) for p in (built / "results").rglob("*") if p.is_file()}
    unlisted = sorted(p for p in on_disk - set(listed) - NOT_CATALOGUED_FILES if not p.startswith(NOT_CATALOGUED))
    assert unlisted == []


def test_readme_follows_the_data_editors_template(built):
    readme = (built / "results/README.md").read_text(encoding="utf-8")
    sections = ["## Overview", "## Data availability and provenance statements", "## Dataset list",
                "## Computational requirements", "## Description of programs/code",
                "## Instructions to replicators", "## List of tables, figures and programs"]
    positions = [readme.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "./pipeline.sh build" in readme and "./pipeline.sh test" in readme
    assert "seed: 20060215" in readme
    # machine facts live outside the manifest, so the README is the same on every machine
    assert "results/machine.json" in readme and "less than 10 minutes" not in readme
    assert "results/machine.json" not in (built / "results/MANIFEST.sha256").read_text()
    assert (built / "results/machine.json").is_file()
    assert "`data/raw/clusters/table_10_4.csv` | 10-4 | 10 |" in readme
    # the README counts and numbers the exhibits as the report and the paper number them
    html = (built / "results/report/index.html").read_text(encoding="utf-8")
    tables = set(re.findall(r'class="number">Table (\d+)', html))
    figures = set(re.findall(r'class="number">Figure (\d+)', html))
    assert len(figures) == len(list((built / "results/report/figures").glob("*.svg")))
    overview = readme.split("## Data availability", 1)[0].replace("\n", " ")
    assert f"produces {len(tables)} tables and {len(figures)} figures" in overview
    for k in sorted(tables, key=int):
        assert f"| Table {k} |" in readme


def test_html_report_is_self_contained_with_every_table_and_figure(built):
    html = (built / "results/report/index.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", html)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)  # SVG's url(#clip) is internal
    figures = sorted(p.stem for p in (built / "results/report/figures").glob("*.svg"))
    for name in figures:
        assert f'id="figure-{name}"' in html
    assert html.count("<svg") >= len(figures)
    tables = sorted(p.stem for p in (built / "results/report/tables").glob("*.html"))
    for name in tables:
        assert f'id="section-{name}"' in html
    # the provenance table lists every raw file of the manifest
    assert html.count('<th scope="row">clusters/table_') == 8
    # honest numbers: the chapter 9 agreement quoted in the text is the one computed
    agreement = (built / "results/classification/verdict_agreement_summary.csv").read_text()
    text_agree = next(line for line in agreement.splitlines() if line.startswith("text,")).split(",")[1]
    assert f"agrees with the chapter's verdicts in {text_agree} cases" in " ".join(html.split())
    # every element id once on the page (each inline SVG's ids carry its figure's name)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) > 1000 and len(ids) == len(set(ids)), [i for i in set(ids) if ids.count(i) > 1][:10]
    for target in set(re.findall(r'href="#([^"]+)"', html)) | set(re.findall(r"url\(#([^)]+)\)", html)):
        assert target in set(ids), target
    # every negative number of the page's text has a true minus sign (figures are drawn as paths)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(svg|style)\b.*?</\1>", "", html, flags=re.DOTALL))
    assert not re.findall(r"(?:^|[\s(\[])-\.?\d[\d.,]*", text) and "\u2212" in text
    # the codebook is a numbered appendix in the contents, the references a section of their own
    assert re.search(r'<a href="#sec-codebook">B\. Codebook of the processed data</a>', html)
    assert '<section id="sec-references">' in html and '<li id="ref-book">' in html


def test_latex_paper_inputs_exist_and_numbers_are_defined(built):
    report = built / "results/report"
    paper = (report / "paper.tex").read_text(encoding="utf-8")
    for path in re.findall(r"\\input\{([^}]+)\}", paper):
        assert (report / path).is_file(), path
    for path in re.findall(r"\\includegraphics\[[^]]*\]\{([^}]+)\}", paper):
        assert (report / path).is_file(), path
    numbers = (report / "numbers.tex").read_text(encoding="utf-8")
    defined = set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", numbers))
    used = set(re.findall(r"\\([A-Z][A-Za-z]+)\{\}", paper))
    assert used and used <= defined
    assert len(defined) == numbers.count("\\newcommand")  # no macro defined twice


@pytest.mark.skipif(shutil.which("latexmk") is None,
                    reason="TeX is not installed (CI installs it from Debian packages)")
def test_latex_paper_compiles_and_fits_the_page(built, tmp_path):
    """No overfull box over 1 pt, no float too large, no undefined reference, no Type 3 font; the
    pages as PNGs are kept as test artifacts (results/test-artifacts/paper/) to look at."""
    from gvc_clusters.output.paper import compile_pdf

    report = built / "results/report"
    assert (report / "paper.pdf").is_file()  # config paper.pdf: auto, and latexmk is here
    pdf = tmp_path / "paper.pdf"
    reads = [report / "numbers.tex", report / "codebook.tex", *sorted(report.glob("tables/*.tex")),
             *sorted(report.glob("figures/*.png"))]   # what build_paper declares
    problems = compile_pdf(report / "paper.tex", pdf, inputs=reads, log=tmp_path / "paper.log")
    assert problems == []
    assert pdf.read_bytes() == (report / "paper.pdf").read_bytes()  # the rule's PDF, byte for byte
    pages = ARTIFACTS / "paper"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    shutil.copy(pdf, pages / "paper.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(pages / "page")], check=True, timeout=300)
        assert len(list(pages.glob("page-*.png"))) >= 15
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    tables = set(re.findall(r"\\label\{(tab:[^}]+)\}", "".join(
        p.read_text(encoding="utf-8") for p in (report / "tables").glob("*.tex"))))
    assert "There were undefined references" not in log and len(tables) >= 10
    if shutil.which("pdfinfo"):   # the PDF's metadata: the title block's title and author, no build date
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Title:\s+Upgrading to Compete, Replicated: Clusters", info, flags=re.MULTILINE)
        assert re.search(r"^Author:\s+The gvc-clusters authors$", info, flags=re.MULTILINE)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


# A fresh profile with the browser's own services off. Whatever the browser still fetches for itself
# (Debian's Chromium calls www.google.com and accounts.google.com) is not the page's doing and is not
# tested: the test reads what the page requested from the page itself.
BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--virtual-time-budget=5000")
# Written into a copy of the page: on load, the document's own URL and every resource it fetched or
# tried to fetch (Resource Timing lists failed loads too), as JSON in an attribute of <body>.
REQUEST_PROBE = ("<script>window.addEventListener('load', () => document.body.setAttribute('data-requests',"
                 " JSON.stringify({document: document.URL,"
                 " resources: performance.getEntriesByType('resource').map(e => e.name)})));</script>")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the page's requests are read from the page, not from this log
        pass


def page_requests(html: str, folder: Path, profile: Path) -> tuple[dict, str]:
    """Serve ``html`` with the request probe from an otherwise empty ``folder`` over HTTP on
    127.0.0.1 (Resource Timing leaves file:// loads out; served, a relative reference becomes a
    listed request too), load it in headless Chromium and return (what the probe recorded, the DOM)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(html.replace("</body>", REQUEST_PROBE + "</body>"), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    try:
        run = subprocess.run([chromium(), *BROWSER_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,4000",
                              "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
    found = re.search(r'data-requests="([^"]+)"', run.stdout)
    assert found, f"the probe did not run (exit {run.returncode}): {run.stderr[-2000:]}"
    recorded = json.loads(html_lib.unescape(found.group(1)))
    assert recorded["document"] == url
    return recorded, run.stdout


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (CI installs it from Debian packages)")
def test_probe_sees_every_kind_of_request_a_page_can_make(tmp_path):
    """The probe of the next test, on a page that does fetch: an image, a stylesheet and a CSS
    background elsewhere, and a figure beside the page. Each is listed, so an empty list means
    nothing was requested."""
    html = ("<html><head><link rel='stylesheet' href='http://127.0.0.1:9/style.css'>"
            "<style>body {background: url(https://example.invalid/background.png)}</style></head>"
            "<body><img src='https://example.invalid/logo.png'><img src='figures/figure.svg'></body></html>")
    recorded, _ = page_requests(html, tmp_path / "served", tmp_path / "profile")
    requested = recorded["resources"]
    assert "http://127.0.0.1:9/style.css" in requested
    assert "https://example.invalid/background.png" in requested
    assert "https://example.invalid/logo.png" in requested
    assert any(url.endswith("/figures/figure.svg") for url in requested)


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (CI installs it from Debian packages)")
def test_report_renders_in_headless_chromium_without_network_requests(built, tmp_path):
    html = (built / "results/report/index.html").read_text(encoding="utf-8")
    recorded, rendered = page_requests(html, tmp_path / "served", tmp_path / "profile")
    assert recorded["resources"] == []  # the page fetches nothing: no file beside it, no network
    for name in (p.stem for p in (built / "results/report/figures").glob("*.svg")):
        assert f'id="figure-{name}"' in rendered
    assert rendered.count("<table") >= 10
    shot = tmp_path / "report.png"
    subprocess.run([chromium(), *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}",
                    "--window-size=1280,4000", f"--screenshot={shot}", (built / "results/report/index.html").as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report.png")


def test_snakemake_report_has_every_figure_by_chapter(built, tmp_path):
    from workflow_copy import snakemake

    out = tmp_path / "snakemake-report.html"
    run = snakemake(built, "--report", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    text = out.read_text(encoding="utf-8", errors="replace")
    chapters = ["Chapter 02: Nicaraguan dairy", "Chapter 04: Chilean salmon", "Chapter 05: Mexican furniture",
                "Chapter 09: export performance", "Chapter 10: clusters"]
    for chapter in chapters:
        assert chapter in text
    assert sorted(chapters) == chapters  # the menu sorts categories as text: chapter order
    assert "table_10_2.html" in text and "replication_check.html" in text  # tables, not only figures
    assert "index.html" in text


def _measured(html: Path, tmp_path: Path, width: int = 1280) -> dict[str, str]:
    """Load a copy of the page with a probe script (the report itself has none) in headless
    Chromium, in a frame ``width`` px wide, and read back what the probe wrote into the DOM: widths,
    the table of contents' links, the widest table note and caption, and the smallest scale a figure
    is drawn at (CSS px per SVG pt: 1.33 is the drawn size). A frame, because Chromium will not make
    its window narrower than 500 px: at --window-size=390 the page is laid out at 500 and a phone's
    overflow goes unseen. The frame's ``srcdoc`` keeps the page same-origin with the probe's target."""
    probe = ("<script>window.addEventListener('load', () => { const d = document.documentElement;"
             " const missing = [...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href').slice(1))"
             ".filter(id => !document.getElementById(id));"
             " const widest = sel => Math.max(0, ...[...document.querySelectorAll(sel)]"
             ".map(e => e.getBoundingClientRect().width));"
             " const scales = [...document.querySelectorAll('figure svg')]"
             ".map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width);"
             " window.parent.document.body.setAttribute('data-probe', JSON.stringify({scroll: d.scrollWidth,"
             " client: d.clientWidth, height: d.scrollHeight, links: document.querySelectorAll('nav.toc a').length,"
             " missing: missing, note: widest('tfoot div.note'), caption: widest('table.gvc-table caption'),"
             " figure_scale: Math.min(...scales)})); });"
             "</script>")
    page = html.read_text(encoding="utf-8").replace("</body>", probe + "</body>")
    frame = tmp_path / "probe.html"
    frame.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe style="width:{width}px;height:900px;'
                     f'border:0" srcdoc="{html_lib.escape(page, quote=True)}"></iframe></body></html>',
                     encoding="utf-8")
    run = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--window-size={max(width, 500) + 40},900", "--virtual-time-budget=5000", "--dump-dom",
                          frame.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<body[^>]*data-probe="([^"]+)"', run.stdout)
    assert found, run.stderr[-2000:]
    probed = json.loads(html_lib.unescape(found.group(1)))
    # laid out at the width asked for (less the frame's vertical scroll bar)
    assert width - 20 <= probed["client"] <= width, probed
    return probed


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (CI installs it from Debian packages)")
def test_report_table_of_contents_and_width_at_1280_px(built, tmp_path):
    """Every table and figure in the table of contents is on the page; nothing is wider than a
    1280 px window; full-page screenshots are kept as artifacts (results/test-artifacts/html/)."""
    page = built / "results/report/index.html"
    probe = _measured(page, tmp_path)
    assert probe["links"] >= 25 and probe["missing"] == []
    assert probe["scroll"] <= 1280
    shots = ARTIFACTS / "html"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    height = min(int(probe["height"]) + 50, 30000)
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                    f"--window-size=1280,{height}", f"--screenshot={shots / 'report-full.png'}", page.as_uri()],
                   capture_output=True, timeout=180, check=False)
    assert (shots / "report-full.png").stat().st_size > 100_000


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (CI installs it from Debian packages)")
def test_report_reads_on_a_phone_at_390_px(built, tmp_path):
    """At 390 px the page itself never scrolls sideways (wide tables and figures scroll inside their
    own box), every table note and caption wraps at the screen's width, and every figure keeps its
    drawn size (its 9-point type stays readable: it scrolls rather than shrinks)."""
    probe = _measured(built / "results/report/index.html", tmp_path, width=390)
    assert probe["scroll"] <= 390
    assert 0 < probe["note"] <= 390 and 0 < probe["caption"] <= 390
    assert probe["figure_scale"] >= 1.3
