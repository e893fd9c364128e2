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


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_manifest(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "sources manifest is missing")
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(path, f"sources manifest is not valid YAML: {err}") from None
    try:
        jsonschema.validate(entries, MANIFEST_SCHEMA)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        entry = entries[err.absolute_path[0]] if err.absolute_path and isinstance(entries, list) else {}
        raise InputError(path, f"manifest entry does not match the schema at {where}: {err.message}",
                         row=(entry or {}).get("file")) from None
    files = [e["file"] for e in entries]
    dupes = sorted({f for f in files if files.count(f) > 1})
    if dupes:
        raise InputError(path, "file listed twice in the sources manifest", value=dupes[0])
    return entries


def entry_for(entries: list[dict], file: str) -> dict:
    for e in entries:
        if e["file"] == file:
            return e
    raise KeyError(file)


def verify_checksums(manifest_path: str | Path, files: list[str] | None = None) -> list[dict]:
    """Check that every manifest entry (or the listed ``files``) exists and has its recorded hash."""
    manifest_path = Path(manifest_path)
    root = manifest_path.parent
    entries = load_manifest(manifest_path)
    listed = {e["file"] for e in entries}
    errors = []
    for f in files or []:
        if f not in listed:
            errors.append(InputError(root / f, "raw file has no entry in the sources manifest",
                                     expected=f"an entry in {manifest_path}"))
    for e in entries:
        if files is not None and e["file"] not in files:
            continue
        path = root / e["file"]
        if not path.exists():
            errors.append(InputError(manifest_path, "manifest entry names a file that does not exist",
                                     row=e["file"], column="file", value=str(path)))
            continue
        actual = sha256(path)
        if actual != e["sha256"]:
            errors.append(InputError(path, "checksum mismatch: the raw file changed since its manifest entry",
                                     column="sha256", value=actual, expected=e["sha256"]))
    if errors:
        raise InputErrors(errors)
    return entries


def update_checksums(manifest_path: str | Path) -> int:
    """Rewrite the sha256 of every entry (for an intentional edit). Returns how many changed."""
    manifest_path = Path(manifest_path)
    entries = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
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
