"""The sources manifest (data/raw/sources.yaml): provenance and SHA-256 of every raw file.

The pipeline verifies every checksum before it reads a table, so an edited raw file is reported
(file, expected and actual hash) before anything is built from it.

The files that decide numbers but are not raw tables -- the manifest itself and the decision log
-- are signed in ``data/raw/SHA256SUMS`` (``sha256sum`` format, so ``cd data/raw && sha256sum -c
SHA256SUMS`` checks them too); the chapter 9 verdicts and the cluster key are manifest entries, so
they are signed through the signed manifest. The workflow verifies the signatures when it starts,
before any job. After an intentional edit, re-sign everything with the one command
``python -m gvc_clusters.data.sources --update data/raw`` (:data:`RESIGN_COMMAND`).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import sys
from pathlib import Path

import jsonschema
import yaml

from gvc_clusters.data.rawtable import MAX_TEXT_BYTES, decode_utf8
from gvc_clusters.errors import InputError, InputErrors

CHECK_SCHEMA = {
    "type": "object",
    "required": ["type", "why"],
    "properties": {
        "type": {"enum": ["row_formula", "column_sum", "column_mean"]},
        "target": {"type": "string"},
        "expr": {"type": "string"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "total_row": {"type": "integer"},
        "mean_row": {"type": "integer"},
        "rows": {"type": "array", "items": {"type": "integer"}},
        "range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "tolerance": {"type": "number", "minimum": 0},
        "na_as_zero": {"type": "boolean"},
        "why": {"type": "string"},
    },
}

ENTRY_SCHEMA = {
    "type": "object",
    "required": ["file", "table", "chapter", "authors", "title", "units", "seed_lines", "sha256"],
    "properties": {
        "file": {"type": "string"},
        "table": {"type": "string"},
        "chapter": {"type": "integer"},
        "chapter_title": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "title": {"type": "string"},
        "units": {"type": "string"},
        "seed_lines": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "source_note": {"type": "string"},
        "notes": {"type": "string"},
        "checks": {"type": "array", "items": CHECK_SCHEMA},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
    "additionalProperties": False,
}

MANIFEST_SCHEMA = {"type": "array", "items": ENTRY_SCHEMA}

SIGNATURES = "SHA256SUMS"
SIGNED_FILES = ["decision_log.csv", "sources.yaml"]  # relative to the raw folder
RESIGN_COMMAND = "python -m gvc_clusters.data.sources --update data/raw"
# A printed table is a few kB (the largest raw file is ~9 kB); a file this large in its place is
# refused before it is hashed or parsed (minutes of parsing and a 100 MB log otherwise).
MAX_RAW_BYTES = MAX_TEXT_BYTES

# libyaml when available: the same result as yaml.SafeLoader, ten times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def key_lines(text: str) -> list[dict[str, int]]:
    """Per manifest entry: the line of each key in sources.yaml ('' = where the entry starts)."""
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.YAMLError:
        return []
    out = []
    if isinstance(root, yaml.SequenceNode):
        for item in root.value:
            keys = {"": item.start_mark.line + 1}
            if isinstance(item, yaml.MappingNode):
                for key, value in item.value:
                    keys.setdefault(str(key.value), key.start_mark.line + 1)
                    if key.value == "file" and isinstance(value, yaml.ScalarNode):
                        keys["=file"] = value.value
            out.append(keys)
    return out


def entry_lines(text: str) -> dict[str, int]:
    """Manifest file -> the line of its ``file:`` key in sources.yaml (for error messages)."""
    lines = {}
    for keys in key_lines(text):
        if "=file" in keys:
            lines.setdefault(keys["=file"], keys["file"])
    return lines


def _read_manifest_text(path: Path) -> str:
    if not path.exists():
        raise InputError(path, "sources manifest is missing", expected="data/raw/sources.yaml")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "sources manifest is empty", row=1, value="",
                         expected="a YAML list with one entry per raw file")
    return decode_utf8(path, data)


def load_manifest(path: str | Path) -> list[dict]:
    return _load_manifest(path)[0]


def _load_manifest(path: str | Path) -> tuple[list[dict], dict[str, int]]:
    """The validated entries and the line of each entry's ``file:`` key."""
    path = Path(path)
    text = _read_manifest_text(path)
    try:
        entries = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(path, f"sources manifest is not valid YAML: {getattr(err, 'problem', None) or err}",
                         row=mark.line + 1 if mark else None, expected="a YAML list of entries") from None
    try:
        jsonschema.validate(entries, MANIFEST_SCHEMA)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        index = err.absolute_path[0] if err.absolute_path and isinstance(entries, list) else None
        entry = entries[index] if index is not None and isinstance(entries[index], dict) else {}
        key = next((p for p in list(err.absolute_path)[1:2] if isinstance(p, str)), None)
        if key is None and err.validator == "additionalProperties" and isinstance(err.instance, dict):
            key = next((k for k in err.instance if k not in ENTRY_SCHEMA["properties"]), None)
        keys = key_lines(text)
        keys = keys[index] if index is not None and index < len(keys) else {}
        line = keys.get(key, keys.get(""))
        label = f"entry {entry.get('file')!r}" if entry.get("file") else f"entry #{(index or 0) + 1}"
        raise InputError(path, f"manifest {label} does not match the schema at {where or 'top level'}: "
                         f"{err.message}", row=line, column=key,
                         value=err.instance if not isinstance(err.instance, (dict, list)) else None,
                         expected=_describe_schema(err.schema)) from None
    lines = entry_lines(text)
    _check_expressions(path, entries, lines)
    files = [e["file"] for e in entries]
    dupes = sorted({f for f in files if files.count(f) > 1})
    if dupes:
        raise InputError(path, "file listed twice in the sources manifest", row=lines.get(dupes[0]), column="file",
                         value=dupes[0], expected="one entry per file")
    return entries, lines


def _check_expressions(path: Path, entries: list[dict], lines: dict[str, int]) -> None:
    """Every check expression must parse in the whitelist grammar (nothing of a data file is ever
    evaluated as code): rejected here, when the manifest is loaded, before any table is read."""
    from gvc_clusters.data.checks import ExpressionError, parse_expression

    errors = []
    for e in entries:
        for i, check in enumerate(e.get("checks", []), start=1):
            if "expr" not in check:
                continue
            try:
                parse_expression(check["expr"])
            except ExpressionError as err:
                errors.append(InputError(path, f"check {check.get('type')}#{i} of entry {e['file']!r}: expression "
                                         f"rejected: {err}", row=lines.get(e["file"]), column="expr",
                                         value=check["expr"], expected="`column names`, numbers, + - * / ( ), "
                                         "sum(...), mean(...) (see gvc_clusters/data/checks.py)"))
    if errors:
        raise InputErrors(errors)


def _describe_schema(schema: dict) -> str:
    if "pattern" in schema:
        return f"a string matching {schema['pattern']}"
    if "enum" in schema:
        return f"one of {schema['enum']}"
    if "type" in schema:
        extra = f" of {schema['minItems']}..{schema['maxItems']} items" if "minItems" in schema and "maxItems" in schema else ""
        return f"{schema['type']}{extra}"
    if "required" in schema:
        return f"the keys {schema['required']}"
    return "see ENTRY_SCHEMA in gvc_clusters/data/sources.py"


def entry_for(entries: list[dict], file: str) -> dict:
    for e in entries:
        if e["file"] == file:
            return e
    raise InputError(file, "raw file has no entry in the sources manifest", value=file,
                     expected="an entry in data/raw/sources.yaml")


def verify_checksums(manifest_path: str | Path, files: list[str] | None = None, *,
                     every_entry_present: bool = True) -> list[dict]:
    """Check that every manifest entry names an existing file and that the listed ``files`` (default:
    all) have their recorded hash.

    Existence is checked for every entry, whatever ``files`` says: an entry without its file is a
    defect of the manifest itself, caught when the workflow starts (``verify_inputs``). A job that
    reads only its declared raw files (a family's clean job, the readings solver) passes
    ``every_entry_present=False``.
    """
    manifest_path = Path(manifest_path)
    root = manifest_path.parent
    entries, lines = _load_manifest(manifest_path)
    listed = {e["file"] for e in entries}
    errors = []
    for f in files or []:
        if f not in listed:
            errors.append(InputError(root / f, "raw file has no entry in the sources manifest", value=f,
                                     expected=f"an entry with file: {f} in {manifest_path}"))
    for e in entries:
        path = root / e["file"]
        if not every_entry_present and files is not None and e["file"] not in files:
            continue
        if not path.is_file():
            errors.append(InputError(manifest_path, "manifest entry names a file that does not exist",
                                     row=lines.get(e["file"]), column="file", value=e["file"],
                                     expected=f"an existing raw file at {path}"))
            continue
        if files is not None and e["file"] not in files:
            continue
        size = path.stat().st_size
        if size > MAX_RAW_BYTES:
            errors.append(InputError(path, f"raw table file is {size:,} bytes, far larger than a printed table "
                                     "(a different file copied in its place?); refused before reading it",
                                     value=f"{size:,} bytes", expected=f"at most {MAX_RAW_BYTES:,} bytes"))
            continue
        actual = sha256(path)
        if actual != e["sha256"]:
            errors.append(InputError(path, "checksum mismatch: the raw file changed since its manifest entry "
                                     f"({manifest_path.name} line {lines.get(e['file'])}); after an intentional edit run "
                                     f"{RESIGN_COMMAND}",
                                     column="sha256", value=actual, expected=e["sha256"]))
    if errors:
        raise InputErrors(errors)
    return entries


def _signature_lines(raw_dir: Path) -> list[str]:
    return [f"{sha256(raw_dir / name)}  {name}\n" for name in SIGNED_FILES]


# One line of ``sha256sum`` output: the hash, a space, the mode (' ' text, '*' binary), the name.
SIGNATURE_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


def signature_lines(raw_dir: str | Path) -> list[tuple[int, str, str]]:
    """(line, file name, recorded SHA-256) of every line of ``<raw_dir>/SHA256SUMS``, as ``sha256sum
    -c`` reads it: the name normalised (``./sources.yaml`` is ``sources.yaml``), a name outside the
    raw folder refused, a duplicate line kept (each line is checked, as ``sha256sum -c`` does)."""
    path = Path(raw_dir) / SIGNATURES
    if not path.is_file():
        raise InputError(path, "signature file is missing", expected=f"the SHA-256 of {SIGNED_FILES}; "
                         f"create it with {RESIGN_COMMAND}")
    out = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = SIGNATURE_LINE.fullmatch(line)
        if not match:
            raise InputError(path, "line is not '<sha256>  <file>'", row=line_no, value=line,
                             expected="sha256sum format")
        name = posixpath.normpath(match[2])
        if name.startswith(("/", "../")) or name == "..":
            raise InputError(path, "a signed file outside the raw folder", row=line_no, value=match[2],
                             expected="a file name relative to the raw folder")
        out.append((line_no, name, match[1]))
    return out


def read_signatures(raw_dir: str | Path) -> dict[str, str]:
    """file -> recorded SHA-256, from ``<raw_dir>/SHA256SUMS`` (names normalised). A file listed twice
    with two different hashes is refused: ``sha256sum -c`` would fail one of the two lines."""
    path = Path(raw_dir) / SIGNATURES
    out: dict[str, str] = {}
    for line_no, name, digest in signature_lines(raw_dir):
        if out.get(name, digest) != digest:
            raise InputError(path, f"{name} is signed twice with different hashes", row=line_no, value=digest,
                             expected=f"one signature per file ({out[name]} above)")
        out[name] = digest
    return out


def verify_signatures(raw_dir: str | Path) -> None:
    """Every signed file (decision log, sources manifest) has the SHA-256 recorded in SHA256SUMS, and
    every other line of SHA256SUMS verifies too: the verdict is ``sha256sum -c``'s.

    Raises InputErrors naming each file, the recorded and the actual hash, and the re-sign command.
    """
    raw_dir = Path(raw_dir)
    recorded = read_signatures(raw_dir)
    errors = []
    for name in SIGNED_FILES:
        if name not in recorded:
            errors.append(InputError(raw_dir / SIGNATURES, "a file that decides numbers is not signed", value=name,
                                     expected=f"a line for {name}; run {RESIGN_COMMAND}"))
    for name in [*SIGNED_FILES, *sorted(set(recorded) - set(SIGNED_FILES))]:
        path = raw_dir / name
        if name not in recorded:
            continue
        if not path.is_file():
            errors.append(InputError(path, "signed file is missing", expected="the file listed in SHA256SUMS"))
        elif sha256(path) != recorded[name]:
            errors.append(InputError(path, "signature mismatch: the file changed since it was signed in "
                                     f"{raw_dir / SIGNATURES}; after an intentional edit run {RESIGN_COMMAND}",
                                     column="sha256", value=sha256(path), expected=recorded[name]))
    if errors:
        raise InputErrors(errors)


def verify_inputs(raw_dir: str | Path) -> list[dict]:
    """What the workflow checks when it starts, before any job: the signatures, then the manifest
    (schema, check expressions, every listed file present), then the decision log's own shape
    (every table one of the manifest's, every reading id well formed). Raw table hashes are checked by the
    cleaning job of their family (so a dry run still plans what an edit reruns)."""
    from gvc_clusters.data.decisions import read_decision_log

    verify_signatures(raw_dir)
    entries = verify_checksums(Path(raw_dir) / "sources.yaml", files=[])
    read_decision_log(Path(raw_dir) / "decision_log.csv", tables={e["table"] for e in entries})
    return entries


def sign(raw_dir: str | Path) -> Path:
    """Write ``<raw_dir>/SHA256SUMS`` for the files that decide numbers (after the manifest update)."""
    path = Path(raw_dir) / SIGNATURES
    path.write_text("".join(_signature_lines(Path(raw_dir))), encoding="utf-8")
    return path


def update_checksums(manifest_path: str | Path) -> int:
    """Rewrite the sha256 of every entry (for an intentional edit), then re-sign the manifest and
    the decision log. Returns how many raw-file hashes changed."""
    manifest_path = Path(manifest_path)
    entries = yaml.load(manifest_path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    changed = 0
    for e in entries:
        new = sha256(manifest_path.parent / e["file"])
        changed += e.get("sha256") != new
        e["sha256"] = new
    manifest_path.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100),
                             encoding="utf-8")
    sign(manifest_path.parent)
    return changed


def main(argv: list[str]) -> int:
    """``--update data/raw`` (the raw folder, as the README prints it) or ``--update data/raw/sources.yaml``."""
    if len(argv) != 2 or argv[0] != "--update":
        print(f"usage: {RESIGN_COMMAND}", file=sys.stderr)
        return 2
    target = Path(argv[1])
    manifest = target / "sources.yaml" if target.is_dir() else target
    if not manifest.is_file():
        print(f"{manifest}: no sources manifest there (expected the raw data folder, e.g. data/raw)",
              file=sys.stderr)
        return 2
    changed = update_checksums(manifest)
    print(f"{changed} raw-file checksum(s) updated in {manifest}; signed {', '.join(SIGNED_FILES)} "
          f"in {manifest.parent / SIGNATURES}")
    return 0


if __name__ == "__main__":  # pragma: no cover - a maintenance command (tested through a subprocess)
    sys.exit(main(sys.argv[1:]))
