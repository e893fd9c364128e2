"""The codebook of the processed tables and their Frictionless Data Package descriptor, generated
from the pandera schemas and the vocabulary (``schemas.vocabulary``); nothing here is typed twice.

``codebook`` turns the schemas into plain data (one entry per table, one per column: name, type,
unit, allowed values or range, meaning of missing, description); ``markdown``, ``html_fragment``
and ``latex_fragment`` render it; ``datapackage`` declares every processed CSV with its Table
Schema (types, constraints, primary key, SHA-256 and size). All outputs are byte-stable.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pandera.pandas as pa

from gvc_clusters.layout import FAMILY_TABLES
from gvc_clusters.output.render.tables import latex_escape as tables_latex_escape
from gvc_clusters.output.render.tables import typeset_text

BOOK = ("Pietrobelli, C., and R. Rabellotti (eds.). 2006. Upgrading to Compete: Global Value Chains, "
        "Clusters, and SMEs in Latin America. Washington, DC: Inter-American Development Bank.")
DATA_LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                "path": "https://creativecommons.org/licenses/by/4.0/"}


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def type_of(column: pa.Column) -> tuple[str, str]:
    """(words for the codebook, Frictionless field type)."""
    dtype = str(column.dtype).lower()
    if dtype.startswith("int"):
        return ("integer" + (" (nullable)" if column.nullable else ""), "integer")
    if dtype.startswith("float"):
        return ("number", "number")
    if dtype.startswith("bool"):
        return ("boolean (True/False)", "boolean")
    if dtype.startswith("category"):
        return ("category", "string")
    return ("text", "string")


def constraints_of(column: pa.Column) -> tuple[list[str], dict]:
    """The column's checks in words and as Table Schema constraints."""
    words, constraints = [], {}
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            values = [_number(v) for v in stats["allowed_values"]]
            words.append("one of " + ", ".join(str(v) for v in values))
            constraints["enum"] = values
        elif check.name == "equal_to":
            words.append(f"exactly {stats['value']}")
            constraints["enum"] = [_number(stats["value"])]
        elif check.name == "in_range":
            words.append(f"{_number(stats['min_value'])} to {_number(stats['max_value'])}")
            constraints.update(minimum=_number(stats["min_value"]), maximum=_number(stats["max_value"]))
        elif check.name == "greater_than_or_equal_to":
            words.append(f">= {_number(stats['min_value'])}")
            constraints["minimum"] = _number(stats["min_value"])
        elif check.name == "greater_than":
            # every strictly positive check of the schemas is on an integer column
            words.append(f"> {_number(stats['min_value'])}")
            constraints["minimum"] = _number(stats["min_value"]) + 1
        elif check.name == "str_matches":
            words.append(f"text matching {stats['pattern']}")
            constraints["pattern"] = stats["pattern"].removeprefix("^").removesuffix("$")
        elif check.name == "str_length":
            words.append("non-empty text")
            constraints["minLength"] = stats["min_value"]
        else:
            words.append(check.error or check.name)
    # an allowed empty text ("" in the enum) is a missing cell once written to CSV: not required
    if not column.nullable and "" not in constraints.get("enum", []):
        constraints["required"] = True
    return words, constraints


def csv_files(files: list[str | Path], processed_dir: str | Path) -> dict[str, Path]:
    """The processed CSVs a job was given, by their name in the descriptor (relative to its folder)."""
    return {Path(p).relative_to(processed_dir).as_posix(): Path(p) for p in files}


def _csv(files: dict[str, Path] | None, processed_dir: Path, name: str) -> Path | None:
    """A table's CSV: from ``files`` (a job reads only what it was given) or, without them, the folder."""
    if files is None:
        return processed_dir / name
    return files.get(name)


def codebook(schemas: dict[str, pa.DataFrameSchema], families: list[str], processed_dir: str | Path,
             files: dict[str, Path] | None = None) -> list[dict]:
    """One entry per processed table of the configured families, in the layout's order (``files``:
    see :func:`csv_files`)."""
    processed_dir = Path(processed_dir)
    tables = []
    for family in families:
        for name in FAMILY_TABLES[family]:
            schema = schemas[name]
            csv = _csv(files, processed_dir, f"{family}/{name}.csv")
            rows = sum(1 for _ in csv.open(encoding="utf-8")) - 1 if csv is not None and csv.is_file() else None
            columns = []
            for col_name, column in schema.columns.items():
                words, constraints = constraints_of(column)
                type_words, field_type = type_of(column)
                columns.append({
                    "name": col_name, "type": type_words, "field_type": field_type,
                    "unit": column.metadata["unit"], "allowed": "; ".join(words) or "any",
                    "constraints": constraints, "missing": column.metadata["missing"],
                    "description": column.description,
                })
            rules = [c.error or c.name for c in schema.checks]
            tables.append({"name": name, "family": family, "description": schema.description,
                           "csv": f"{family}/{name}.csv", "parquet": f"{family}/{name}.parquet",
                           "rows": rows, "key": list(schema.unique or []), "rules": rules, "columns": columns})
    return tables


# ---- renderings ------------------------------------------------------------------------------------

def markdown(tables: list[dict], processed_dir: str = "data/processed") -> str:
    out = ["# Codebook of the processed data", "",
           "Generated from the pandera schemas (`src/gvc_clusters/data/schemas/`) and their vocabulary",
           "(`src/gvc_clusters/data/schemas/vocabulary.py`) by the rule `codebook`; do not edit by hand. Every table",
           f"is in `{processed_dir}/` as CSV (UTF-8, comma-separated, empty cell = missing) and Parquet;",
           f"`{processed_dir}/datapackage.json` declares the CSVs as a Frictionless Data Package.",
           "Licence: CC BY 4.0 for the project's tables; the printed numbers are the book's (LICENSE-DATA.md).", ""]
    for t in tables:
        out += [f"## `{t['csv']}`", "", t["description"], "",
                f"Rows: {t['rows']}. Key: {', '.join(t['key']) or 'none'}."
                + (" Row rules: " + "; ".join(t["rules"]) + "." if t["rules"] else ""), "",
                "| column | type | unit | allowed values | missing means | description |",
                "|---|---|---|---|---|---|"]
        for c in t["columns"]:
            cells = [f"`{c['name']}`", c["type"], c["unit"], c["allowed"], c["missing"], c["description"]]
            out.append("| " + " | ".join(str(x).replace("|", "/") for x in cells) + " |")
        out.append("")
    return "\n".join(out)


def html_fragment(tables: list[dict]) -> str:
    """A fragment (no <html>/<head>) that the report page includes as its codebook section."""
    def e(text: str) -> str:
        return html.escape(typeset_text(text))

    out = ['<section class="codebook" id="codebook">']
    for t in tables:
        # in the page's scroll box, as every table: a phone scrolls the table, not the page
        out.append(f'<div class="table-wrap"><table class="gvc-table codebook-table" id="codebook-{e(t["name"])}">')
        out.append(f"<caption><code>{e(t['csv'])}</code>: {e(t['description'])} Rows: {t['rows']}; key: "
                   f"{e(', '.join(t['key']) or 'none')}.</caption>")
        out.append("<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in
                   ("column", "type", "unit", "allowed values", "missing means", "description")) + "</tr></thead>")
        out.append("<tbody>")
        for c in t["columns"]:
            out.append("<tr>" + "".join(f"<td>{e(str(x))}</td>" for x in
                       (c["name"], c["type"], c["unit"], c["allowed"], c["missing"], c["description"])) + "</tr>")
        out.append("</tbody>")
        out.append("</table></div>")
    out.append("</section>")
    return "\n".join(out) + "\n"


def latex_escape(text: str) -> str:
    """The document's one escaper, identifiers breakable after each underscore (narrow columns)."""
    return tables_latex_escape(text, break_underscores=True)


# An identifier of the data (a column, a category, a file): letters and digits joined by underscores.
IDENTIFIER = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
# LaTeX preamble of the codebook (it is \input where the paper wants it): identifiers in typewriter
# type that never hyphenate and break only after an underscore (\gvcid); columns set ragged right.
LATEX_PREAMBLE = (r"\providecommand{\gvcid}[1]{{\ttfamily\hyphenchar\font=-1 #1}}",)
RAGGED = r">{\raggedright\arraybackslash}"


def tex_identifier(name: str) -> str:
    """An identifier in typewriter type, never hyphenated, breakable only after its underscores."""
    return r"\gvcid{" + latex_escape(name) + "}"


def tex_prose(text: str) -> str:
    """Free text with its identifiers set as identifiers (``tex_identifier``): a word like
    sector_group is never hyphenated as if it were English ("tra- ditional_ manufacturing")."""
    out, at = [], 0
    for m in IDENTIFIER.finditer(str(text)):
        out += [tables_latex_escape(text[at:m.start()]), tex_identifier(m.group(0))]
        at = m.end()
    return "".join(out + [tables_latex_escape(text[at:])])


def tex_allowed(column: dict) -> str:
    """The allowed values: a category's values and a pattern in typewriter type (a regular
    expression's caret is a character, never an accent), ranges and bounds in words."""
    constraints = column["constraints"]
    words = column["allowed"]
    if words.startswith("text matching ") and "pattern" in constraints:
        return "text matching " + tex_identifier(words.removeprefix("text matching "))
    if words.startswith("one of ") and "enum" in constraints:
        values = [str(v) for v in constraints["enum"]]
        if all(not IDENTIFIER.fullmatch(v) for v in values):
            return tex_prose(words)
        return "one of " + ", ".join(tex_identifier(v) for v in values)
    return tex_prose(words)


def _tex_type(column: dict) -> str:
    """Type, unit (where there is one) and allowed values in one cell."""
    allowed_says_type = column["allowed"].startswith(column["type"] + " ")   # "text matching ..."
    parts = [] if allowed_says_type else [latex_escape(column["type"])]
    if column["unit"] not in ("none", ""):
        parts.append(tex_prose(column["unit"]))
    if column["allowed"] != "any":
        parts.append(tex_allowed(column))
    return "; ".join(parts)


def _tex_description(column: dict) -> str:
    """The description, then what a missing cell means (when a cell can be missing)."""
    text = tex_prose(column["description"])
    if column["missing"] not in ("never missing", ""):
        text += r" \emph{Missing:} " + tex_prose(column["missing"])
    return text


def latex_fragment(tables: list[dict]) -> str:
    """An appendix section for the paper (\\input{codebook.tex}): per table a three-column long table
    (column; type, unit and allowed values; description and what a missing cell means), ragged
    right, identifiers in typewriter type. Needs booktabs, array and xltabular (the paper loads them)."""
    out = ["% Generated by the rule codebook from the pandera schemas. Do not edit.", *LATEX_PREAMBLE,
           r"\section{Codebook of the processed data}\label{app:codebook}",
           ("Every table is in data/processed as CSV (UTF-8, comma-separated, an empty cell is missing) and "
            "Parquet; datapackage.json there declares the CSVs as a Frictionless Data Package."), ""]
    for t in tables:
        out += [r"\subsection*{\texttt{" + latex_escape(t["csv"]) + "}}",
                tex_prose(t["description"]) + f" Rows: {t['rows']}; key: "
                + (", ".join(tex_identifier(k) for k in t["key"]) or "none") + ".", "",
                r"{\footnotesize\setlength{\tabcolsep}{4pt}",
                rf"\begin{{xltabular}}{{\linewidth}}{{@{{}}{RAGGED}p{{3.3cm}}{RAGGED}p{{4.3cm}}{RAGGED}X@{{}}}}",
                r"\toprule", r"Column & Type, unit, allowed values & Description \\", r"\midrule", r"\endhead",
                r"\bottomrule", r"\endfoot"]
        for c in t["columns"]:
            out.append(" & ".join([tex_identifier(c["name"]), _tex_type(c), _tex_description(c)]) + r" \\")
        out += [r"\end{xltabular}", "}", ""]
    return "\n".join(out)


# ---- Frictionless Data Package ---------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def datapackage(tables: list[dict], processed_dir: str | Path, version: str,
                files: dict[str, Path] | None = None) -> dict:
    """The descriptor of ``processed_dir/datapackage.json`` (paths relative to it; ``files``: see
    :func:`csv_files`)."""
    processed_dir = Path(processed_dir)
    resources = []
    for t in tables:
        path = _csv(files, processed_dir, t["csv"])
        if path is None:
            raise KeyError(f"{t['csv']}: a processed table of the codebook that is not among the job's inputs")
        fields = []
        for c in t["columns"]:
            field = {"name": c["name"], "type": c["field_type"], "description": c["description"]}
            if c["constraints"]:
                field["constraints"] = c["constraints"]
            unit = c["unit"]
            if unit != "none":
                field["unit"] = unit  # not a Table Schema property; kept for readers
            field["missing"] = c["missing"]
            fields.append(field)
        schema = {"fields": fields, "missingValues": [""]}
        nullable_key = any(not next(c for c in t["columns"] if c["name"] == k)["constraints"].get("required")
                           for k in t["key"])
        if t["key"] and not nullable_key:
            schema["primaryKey"] = t["key"]
        resources.append({
            "name": t["name"], "path": t["csv"], "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "description": t["description"],
            "hash": f"sha256:{_sha256(path)}", "bytes": path.stat().st_size,
            "dialect": {"delimiter": ",", "header": True, "quoteChar": '"', "lineTerminator": "\n"},
            "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "gvc-clusters-processed",
        "title": "Upgrading to Compete: the processed tables of the replication package",
        "version": version,
        "description": "Tidy, validated tables transcribed from the printed tables of the book; "
                       "codebook in results/codebook.md.",
        "licenses": [DATA_LICENSE],
        "sources": [{"title": BOOK}],
        "resources": resources,
    }


def write_codebook(*, families: list[str], csv: list[str], version: str, datapackage_out: str,
                   markdown_out: str, html_out: str, tex_out: str) -> None:
    """``csv``: the processed tables' CSVs (the rule's inputs; only these are read). The descriptor
    names them relative to its own folder, ``processed_dir`` (Frictionless Data Package)."""
    from gvc_clusters.data.schemas.vocabulary import annotated_schemas

    processed_dir = Path(datapackage_out).parent.as_posix()
    files = csv_files(csv, processed_dir)
    tables = codebook(annotated_schemas(), families, processed_dir, files)
    outputs = {
        datapackage_out: json.dumps(datapackage(tables, processed_dir, version, files), indent=2,
                                    ensure_ascii=False) + "\n",
        markdown_out: markdown(tables, processed_dir),
        html_out: html_fragment(tables),
        tex_out: latex_fragment(tables),
    }
    for path, text in outputs.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
