"""The sources manifest (data/raw/sources.yaml): provenance and SHA-256 of every raw file.

The pipeline verifies every checksum before it reads a table, so an edited raw file is reported
(file, expected and actual hash) before anything is built from it. After an intentional edit,
refresh the hashes with ``python -m gvc_clusters.sources --update data/raw/sources.yaml``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jsonschema
import yaml

from .errors import InputError, InputErrors
from .rawtable import decode_utf8

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
    files = [e["file"] for e in entries]
    dupes = sorted({f for f in files if files.count(f) > 1})
    if dupes:
        raise InputError(path, "file listed twice in the sources manifest", row=lines.get(dupes[0]), column="file",
                         value=dupes[0], expected="one entry per file")
    return entries, lines


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
    return "see ENTRY_SCHEMA in gvc_clusters/sources.py"


def entry_for(entries: list[dict], file: str) -> dict:
    for e in entries:
        if e["file"] == file:
            return e
    raise InputError(file, "raw file has no entry in the sources manifest", value=file,
                     expected="an entry in data/raw/sources.yaml")


def verify_checksums(manifest_path: str | Path, files: list[str] | None = None) -> list[dict]:
    """Check that every manifest entry names an existing file and that the listed ``files`` (default:
    all) have their recorded hash.

    Existence is checked for every entry, whatever ``files`` says: an entry without its file is a
    defect of the manifest itself, caught at the first build.
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
        if not path.is_file():
            errors.append(InputError(manifest_path, "manifest entry names a file that does not exist",
                                     row=lines.get(e["file"]), column="file", value=e["file"],
                                     expected=f"an existing raw file at {path}"))
            continue
        if files is not None and e["file"] not in files:
            continue
        actual = sha256(path)
        if actual != e["sha256"]:
            errors.append(InputError(path, "checksum mismatch: the raw file changed since its manifest entry "
                                     f"({manifest_path.name} line {lines.get(e['file'])}); after an intentional edit run "
                                     f"python -m gvc_clusters.sources --update {manifest_path}",
                                     column="sha256", value=actual, expected=e["sha256"]))
    if errors:
        raise InputErrors(errors)
    return entries


def update_checksums(manifest_path: str | Path) -> int:
    """Rewrite the sha256 of every entry (for an intentional edit). Returns how many changed."""
    manifest_path = Path(manifest_path)
    entries = yaml.load(manifest_path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    changed = 0
    for e in entries:
        new = sha256(manifest_path.parent / e["file"])
        changed += e.get("sha256") != new
        e["sha256"] = new
    manifest_path.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100),
                             encoding="utf-8")
    return changed


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if len(sys.argv) == 3 and sys.argv[1] == "--update":
        print(f"{update_checksums(sys.argv[2])} checksum(s) updated")
    else:
        sys.exit("usage: python -m gvc_clusters.sources --update data/raw/sources.yaml")
