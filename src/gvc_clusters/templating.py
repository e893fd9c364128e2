"""One Jinja2 set-up for every template-rendered output (Markdown, HTML, LaTeX).

StrictUndefined: a template naming a value the code did not pass fails loudly instead of printing
an empty string into a published report. Templates live in workflow/templates/, not in Python; the
package never looks for them itself: every entry point gets its template paths from the rule's
``input:``. This is the only place a ``jinja2.Environment`` is made.
"""

from __future__ import annotations

from pathlib import Path

import jinja2


def environment(folder: str | Path, *, autoescape: bool = False, latex: bool = False,
                trim: bool = True) -> jinja2.Environment:
    """``trim``: drop the newline after a block tag and the indentation before it (off for a template
    written for Jinja's defaults, replication_check.md.j2)."""
    options = {"loader": jinja2.FileSystemLoader(str(folder)), "autoescape": autoescape,
               "keep_trailing_newline": True, "undefined": jinja2.StrictUndefined, "trim_blocks": trim,
               "lstrip_blocks": trim}
    if latex:
        # LaTeX is full of {% and {{ lookalikes; use delimiters TeX never contains.
        options.update(block_start_string="<%", block_end_string="%>", variable_start_string="<<",
                       variable_end_string=">>", comment_start_string="<#", comment_end_string="#>")
    return jinja2.Environment(**options)


def render_template(template: str | Path, context: dict, **options) -> str:
    template = Path(template)
    return environment(template.parent, **options).get_template(template.name).render(**context)
