"""The cases' protocol after coding: rule deviations, the review's recodes, and who did what when.

- ``data/cases/protocol/deviations.yaml``: each protocol rule that changed after coding began, with both
  versions and the codes they set differently. The final case files follow the decided version
  (``restored``: the first; ``kept``: the revision). ``apply_versions`` sets the listed codes to any
  choice of versions, so the models can be fitted under both versions of each rule
  (``protocol_scenarios``).
- ``data/cases/review_log.csv``: values the review changed after the reconciliation (checked by
  ``cases.check_reconciliation``).
- ``data/cases/protocol/provenance.yaml``: roles and dated steps (git commits), printed in the section.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from gvc_clusters.analysis.cases import VARIABLES, format_value
from gvc_clusters.errors import InputError, InputErrors

VERSIONS = ("original", "revised")
ADOPTED = {"restored": "original", "kept": "revised"}
REVIEW_COLUMNS = ["case_id", "variable", "reconciled", "final", "reason"]
PROVENANCE_ROLES = ("coder_a", "coder_b", "protocol_author", "reconciler", "reviewer")


def read_deviations(path: str | Path) -> list[dict]:
    """The deviations log, validated against its JSON schema (errors name the place in the file)."""
    import jsonschema

    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    schema = json.loads(resources.files("gvc_clusters.data.schemas").joinpath("deviations.schema.json")
                        .read_text("utf-8"))
    errors = [InputError(path, err.message, column="/".join(map(str, err.absolute_path)) or "(top)")
              for err in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    if errors:
        raise InputErrors(errors)
    return doc["deviations"]


def adopted_versions(deviations: list[dict]) -> dict[str, str]:
    """rule id -> the version the protocol now follows."""
    return {d["id"]: ADOPTED[d["decision"]["status"]] for d in deviations}


def other_version(version: str) -> str:
    return VERSIONS[1 - VERSIONS.index(version)]


def apply_versions(cases: dict[str, dict], deviations: list[dict], versions: dict[str, str]) -> dict[str, dict]:
    """The cases with every code a deviation lists set to its value under the chosen version of its
    rule (``versions``: rule id -> original | revised; rules not named keep the adopted version).
    A copy: the input is not changed."""
    chosen = {**adopted_versions(deviations), **versions}
    out = copy.deepcopy(cases)
    for dev in deviations:
        for code in dev["codes"]:
            if code["case_id"] in out:
                out[code["case_id"]]["codes"][code["variable"]]["value"] = code[chosen[dev["id"]]]
    return out


def protocol_scenarios(deviations: list[dict]) -> list[tuple[str, str, dict[str, str]]]:
    """(label, rule id, versions) for the protocol as decided and, for each rule, its other version."""
    adopted = adopted_versions(deviations)
    scenarios = [("protocol as decided", "", dict(adopted))]
    for dev in deviations:
        flipped = other_version(adopted[dev["id"]])
        scenarios.append((f"{dev['id']}: {flipped} rule", dev["id"], {**adopted, dev["id"]: flipped}))
    return scenarios


def check_deviations(cases: dict[str, dict], deviations: list[dict],
                     path: str | Path = "deviations.yaml") -> list[InputError]:
    """Every code a deviation lists exists, differs between the versions, and the final case file
    holds its value under the decided version."""
    problems = []
    adopted = adopted_versions(deviations)
    for dev in deviations:
        for code in dev["codes"]:
            case_id, variable = code["case_id"], code["variable"]
            if case_id not in cases or variable not in VARIABLES:
                problems.append(InputError(path, "deviation names an unknown case or variable", column=dev["id"],
                                           value=f"{case_id}/{variable}"))
                continue
            if format_value(code["original"]) == format_value(code["revised"]):
                problems.append(InputError(path, "the two versions set the same value: not a deviation of the codes",
                                           column=dev["id"], value=f"{case_id}/{variable}"))
            final = format_value(cases[case_id]["codes"][variable]["value"])
            expected = format_value(code[adopted[dev["id"]]])
            if final != expected:
                problems.append(InputError(f"{case_id}.yaml", f"final code does not follow the {adopted[dev['id']]} "
                                           f"version of rule {dev['id']} (deviations.yaml)", column=variable,
                                           value=final, expected=expected))
    return problems


def read_review(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(frame.columns) != REVIEW_COLUMNS:
        raise InputError(path, "unexpected columns", value=list(frame.columns), expected=REVIEW_COLUMNS)
    return frame


def read_provenance(path: str | Path) -> dict:
    """Roles and dated steps; every step names a known role, a date and what was done."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [InputError(path, "unknown role", column="roles", value=r) for r in doc.get("roles", {})
                if r not in PROVENANCE_ROLES]
    for i, step in enumerate(doc.get("steps", [])):
        missing = [k for k in ("date", "commit", "role", "did") if not str(step.get(k, "")).strip()]
        if missing or step.get("role") not in doc.get("roles", {}):
            problems.append(InputError(path, "step without date, commit, a known role or what was done",
                                       column=f"steps/{i}", value=missing or step.get("role")))
    if problems:
        raise InputErrors(problems)
    return doc


def timeline(provenance: dict) -> pd.DataFrame:
    """The dated steps as a table: date (day and time as committed), commit (short), role, what."""
    def short(commit: str) -> str:
        return commit[:8] if all(ch in "0123456789abcdef" for ch in commit) else commit

    rows = [{"date": str(s["date"]).replace("T", " ").replace("+00:00", " UTC"), "commit": short(str(s["commit"])),
             "role": s["role"].replace("_", " "), "did": " ".join(str(s["did"]).split())}
            for s in provenance["steps"]]
    return pd.DataFrame(rows, columns=["date", "commit", "role", "did"])
