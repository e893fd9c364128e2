"""What frames the paper and the report: title, author line, date line, PDF metadata and the reference
list, written once and printed in both (LaTeX and HTML).

Deterministic by construction: the date line is the config's ``paper.date`` or, without one, the
package's version, never the build time, so two builds of the same inputs give the same bytes. The
reference list is plain data (``REFERENCES``) set as a ``thebibliography`` in the paper and an
ordered list in the report: no BibTeX run, no network. Each package reference names the version the
build used (the lock file decides it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

BOOK_TITLE = "Upgrading to Compete"
BOOK_FULL_TITLE = f"{BOOK_TITLE}: Global Value Chains, Clusters, and SMEs in Latin America"
TITLE = f"{BOOK_TITLE}, Replicated"
SUBTITLE = "Clusters, Value Chains and Export Performance in Latin America"
DEFAULT_AUTHOR = "The gvc-clusters authors"   # as CITATION.cff names them
PACKAGE = "gvc_clusters"
# The installed packages the front matter and the reference list name a version of.
VERSIONED = (PACKAGE, "statsmodels", "linearmodels", "pandas", "matplotlib", "krippendorff", "snakemake")


def installed_versions(names=VERSIONED) -> dict[str, str]:
    """package -> its installed version (requirements.lock pins it), for the packages installed."""
    from gvc_clusters.output.replication_readme import package_versions

    return {p["name"]: p["version"] for p in package_versions(list(names)) if p["version"] != "not installed"}


@dataclass(frozen=True)
class Reference:
    """One entry: ``before`` the italic part, the ``italic`` part (a book's or journal's title),
    ``after`` it. ``package``: the installed distribution whose version the entry names, if any."""
    key: str
    before: str
    italic: str
    after: str = ""
    package: str = ""


REFERENCES: tuple[Reference, ...] = (
    Reference("book", "Pietrobelli, C., and R. Rabellotti, eds. 2006. ",
              BOOK_FULL_TITLE, ". Washington, DC: Inter-American Development Bank."),
    Reference("amighini", "Amighini, A. 2006. “Upgrading in International Trade: Methods and Evidence from "
              "Selected Sectors in Latin America.” Chapter 9 in C. Pietrobelli and R. Rabellotti, eds., ",
              BOOK_FULL_TITLE, ". Washington, DC: Inter-American Development Bank."),
    Reference("kaplinsky_readman", "Kaplinsky, R., and J. Readman. 2005. “Globalization and Upgrading: What Can "
              "(and Cannot) Be Learnt from International Trade Statistics in the Wood Furniture Sector?” ",
              "Industrial and Corporate Change", " 14 (4): 679–703. The working paper of 2000 that chapter 9 cites."),
    Reference("mccullagh", "McCullagh, P. 1980. “Regression Models for Ordinal Data.” ",
              "Journal of the Royal Statistical Society, Series B", " 42 (2): 109–142."),
    Reference("venzon", "Venzon, D. J., and S. H. Moolgavkar. 1988. “A Method for Computing "
              "Profile-Likelihood-Based Confidence Intervals.” ", "Applied Statistics", " 37 (1): 87–94."),
    Reference("ai_norton", "Ai, C., and E. C. Norton. 2003. “Interaction Terms in Logit and Probit Models.” ",
              "Economics Letters", " 80 (1): 123–129."),
    Reference("young", "Young, A. 2019. “Channeling Fisher: Randomization Tests and the Statistical "
              "Insignificance of Seemingly Significant Experimental Results.” ",
              "Quarterly Journal of Economics", " 134 (2): 557–598."),
    Reference("cameron_miller", "Cameron, A. C., and D. L. Miller. 2015. “A Practitioner’s Guide to "
              "Cluster-Robust Inference.” ", "Journal of Human Resources", " 50 (2): 317–372."),
    Reference("stata", "StataCorp. 2023. ", "Stata 18 Base Reference Manual",
              ". College Station, TX: Stata Press. The small-sample conventions of clustered and robust "
              "standard errors (vce_option; xtreg)."),
    Reference("driscoll_kraay", "Driscoll, J. C., and A. C. Kraay. 1998. “Consistent Covariance Matrix "
              "Estimation with Spatially Dependent Panel Data.” ", "Review of Economics and Statistics",
              " 80 (4): 549–560."),
    Reference("mundlak", "Mundlak, Y. 1978. “On the Pooling of Time Series and Cross Section Data.” ",
              "Econometrica", " 46 (1): 69–85."),
    Reference("krippendorff", "Krippendorff, K. 2019. ", "Content Analysis: An Introduction to Its Methodology",
              ". 4th ed. Thousand Oaks, CA: SAGE."),
    Reference("statsmodels", "Seabold, S., and J. Perktold. 2010. “statsmodels: Econometric and Statistical "
              "Modeling with Python.” ", "Proceedings of the 9th Python in Science Conference", ": 92–96.",
              package="statsmodels"),
    Reference("linearmodels", "Sheppard, K., et al. ", "linearmodels: Linear (Regression) Models for Python",
              ". Software.", package="linearmodels"),
    Reference("pandas", "McKinney, W. 2010. “Data Structures for Statistical Computing in Python.” ",
              "Proceedings of the 9th Python in Science Conference", ": 56–61.", package="pandas"),
    Reference("matplotlib", "Hunter, J. D. 2007. “Matplotlib: A 2D Graphics Environment.” ",
              "Computing in Science & Engineering", " 9 (3): 90–95.", package="matplotlib"),
    Reference("krippendorff_package", "Castro, S. 2017. ", "Fast Krippendorff: Fast Computation of Krippendorff’s "
              "Alpha Agreement Measure", ". Software.", package="krippendorff"),
    Reference("snakemake", "Mölder, F., K. P. Jablonski, B. Letcher, M. B. Hall, C. H. Tomkins-Tinch, V. Sochat, "
              "J. Forster, S. Lee, S. O. Twardziok, A. Kanitz, A. Wilm, M. Holtgrewe, S. Rahmann, S. Nahnsen, and "
              "J. Köster. 2021. “Sustainable Data Analysis with Snakemake.” ", "F1000Research", " 10: 33.",
              package="snakemake"),
)


def front_matter(config: dict | None, versions: dict[str, str]) -> dict:
    """Title, subtitle, author and date line of both documents. ``config``: the run's validated
    configuration (``paper.author``, ``paper.date``); ``versions``: installed package -> version."""
    paper = (config or {}).get("paper") or {}
    version = versions.get(PACKAGE, "")
    date = paper.get("date") or (f"Replication package version {version}" if version else "")
    return {"title": TITLE, "subtitle": SUBTITLE, "author": paper.get("author") or DEFAULT_AUTHOR, "date": date}


def _version_note(ref: Reference, versions: dict[str, str]) -> str:
    version = versions.get(ref.package) if ref.package else None
    return f" Version {version} used here." if version else ""


def references_latex(versions: dict[str, str], escape) -> str:
    """The reference list as a ``thebibliography`` (no BibTeX run). ``escape``: the LaTeX escaper."""
    items = [rf"\bibitem{{{r.key}}} {escape(r.before)}\emph{{{escape(r.italic)}}}{escape(r.after)}"
             + escape(_version_note(r, versions)) for r in REFERENCES]
    return "\n".join([r"\begin{thebibliography}{99}", *items, r"\end{thebibliography}"])


def references_html(versions: dict[str, str]) -> str:
    """The reference list as an ordered list, each entry's id ``ref-<key>``."""
    e = html.escape
    items = [f'<li id="ref-{r.key}">{e(r.before)}<em>{e(r.italic)}</em>{e(r.after)}{e(_version_note(r, versions))}</li>'
             for r in REFERENCES]
    return '<ol class="references">\n' + "\n".join(items) + "\n</ol>"


def italic_titles(text: str, target: str) -> str:
    """The book's title in italics wherever the prose names it (``target`` "latex" or "html"); a
    title already set in italics is left alone."""
    wrap = (r"\emph{%s}" if target == "latex" else "<em>%s</em>") % BOOK_TITLE
    opened = r"\emph{" if target == "latex" else "<em>"
    return re.sub(rf"(?<!{re.escape(opened)}){re.escape(BOOK_TITLE)}", lambda m: wrap, text)
