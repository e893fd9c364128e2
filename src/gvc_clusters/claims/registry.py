"""The registry of the book's claims (data/claims/claims.yaml): read, validated, its quotes checked.

Each claim quotes the book verbatim at a line of the OCR seed, says what the book predicts
(``positive``, ``negative``, ``none`` or ``nonpositive``) and either names the estimand that tests
it or why the book's data cannot (``testable: false`` with a ``reason``). The schema is
gvc_clusters/data/schemas/claims.schema.json; ``check_registry`` adds what a schema cannot say:
unique ids, quotes verbatim at their lines, and Table 10-3's cells each claimed once with the
direction their printed word says. The verdicts are :mod:`gvc_clusters.claims.verdicts`.

The cited seed lines are stored in data/claims/seed_lines.csv, so the build checks the quotes without
the seeds (which are not part of the repository); ``python -m gvc_clusters.claims.registry``
refreshes that file from the seeds, and tests/test_claims_registry.py checks it against them.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from gvc_clusters.errors import InputError, InputErrors

SEED_LINE_COLUMNS = ["seed", "line", "text"]
# The direction each word of Table 10-3 predicts: "Neutral" and "None" a relation of no practical
# size, "Neutral/negative" one that is not positive, "Often negative" a negative one.
PREDICTION_OF_PATTERN = {"positive": "positive", "neutral": "none", "often_negative": "negative",
                         "neutral_or_negative": "nonpositive", "none": "none"}
# The panels of the verdict table, in order, with their headings.
GROUPS = {"table_10_3_ce": "Table 10-3: collective efficiency and upgrading",
          "table_10_3_buyers": "Table 10-3: global buyers' and leaders' operations and upgrading",
          "table_10_3_learning": "Table 10-3: patterns of learning and sources of knowledge",
          "chapter_10_text": "Chapter 10's text",
          "chapter_9": "Chapter 9: export performance",
          "case_chapters": "Case chapters: printed series"}


def _schema() -> dict:
    return json.loads(resources.files("gvc_clusters.data.schemas").joinpath("claims.schema.json")
                      .read_text("utf-8"))


def normalize(text: str) -> str:
    """Whitespace-insensitive form of a quote (nothing else changes: OCR hyphenation and marks stay)."""
    return re.sub(r"\s+", " ", str(text)).strip()


def read_registry(path: str | Path) -> dict:
    """The registry, validated against its JSON schema (every error located by its path), ids unique."""
    import jsonschema

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from err
    validator = jsonschema.Draft202012Validator(_schema())
    errors = [InputError(path, err.message, column="/".join(str(p) for p in err.absolute_path) or "(top)")
              for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]
    if errors:
        raise InputErrors(errors)
    seen: set[str] = set()
    for k, claim in enumerate(doc["claims"]):
        if claim["id"] in seen:
            errors.append(InputError(path, "claim id used twice", column=f"claims/{k}/id", value=claim["id"]))
        seen.add(claim["id"])
    if errors:
        raise InputErrors(errors)
    return doc


def quotes(doc: dict):
    """(claim id, where, quote) for every quote of the registry: the claim's own, then its also_stated."""
    for claim in doc["claims"]:
        yield claim["id"], "quote", claim["quote"]
        for k, item in enumerate(claim.get("also_stated", [])):
            yield claim["id"], f"also_stated/{k}", item


def cited_lines(doc: dict) -> list[int]:
    return sorted({q["line"] for _, _, q in quotes(doc)})


def check_quotes(doc: dict, lines: dict[int, str], path: str | Path = "claims") -> list[InputError]:
    """Every quote verbatim (up to whitespace) at its line; ``lines``: line number -> text."""
    problems = []
    for claim_id, where, quote in quotes(doc):
        text = lines.get(quote["line"])
        if text is None:
            problems.append(InputError(path, f"{claim_id}: cited seed line is not available", column=where,
                                       value=quote["line"]))
        elif normalize(quote["text"]) not in normalize(text):
            problems.append(InputError(path, f"{claim_id}: quote not verbatim at seed line {quote['line']}",
                                       column=where, value=quote["text"][:80]))
    return problems


def check_cells(doc: dict, patterns: pd.DataFrame, path: str | Path = "claims") -> list[InputError]:
    """Table 10-3 (processed table sector_patterns): every cell is claimed exactly once, by a claim
    quoting its printed text and predicting what its word says."""
    problems = []
    claimed: dict[tuple, str] = {}
    by_cell = patterns.set_index(["relation", "sector_group", "upgrading_type"])
    for claim in doc["claims"]:
        cell = claim.get("cell")
        if cell is None:
            continue
        key = (cell["relation"], cell["sector_group"], cell["upgrading_type"])
        if key in claimed:
            problems.append(InputError(path, f"{claim['id']}: Table 10-3 cell already claimed by {claimed[key]}",
                                       column="cell", value=list(key)))
            continue
        claimed[key] = claim["id"]
        if key not in by_cell.index:
            problems.append(InputError(path, f"{claim['id']}: no such Table 10-3 cell", column="cell", value=list(key)))
            continue
        row = by_cell.loc[key]
        if (int(row["source_row"]), row["source_column"]) != (cell["row"], cell["column"]):
            problems.append(InputError(path, f"{claim['id']}: the cell is printed elsewhere", column="cell",
                                       value=[cell["row"], cell["column"]],
                                       expected=[int(row["source_row"]), row["source_column"]]))
        if normalize(claim["quote"]["text"]) != normalize(row["printed_text"]):
            problems.append(InputError(path, f"{claim['id']}: the quote is not the cell's printed text",
                                       column="quote/text", value=claim["quote"]["text"],
                                       expected=row["printed_text"]))
        if isinstance(row["pattern"], str) and claim["predicted"] != PREDICTION_OF_PATTERN[row["pattern"]]:
            problems.append(InputError(path, f"{claim['id']}: the prediction is not what the printed word says",
                                       column="predicted", value=claim["predicted"],
                                       expected=PREDICTION_OF_PATTERN[row["pattern"]]))
    for key in by_cell.index:
        if key not in claimed:
            problems.append(InputError(path, "a Table 10-3 cell has no claim", column="cell", value=list(key)))
    return problems


def read_seed_lines(path: str | Path) -> dict[int, str]:
    """data/claims/seed_lines.csv: the cited lines of the registry's seed, line -> text."""
    frame = pd.read_csv(path, dtype={"seed": str, "line": int, "text": str}, keep_default_na=False)
    if list(frame.columns) != SEED_LINE_COLUMNS:
        raise InputError(path, "unexpected columns", value=list(frame.columns), expected=SEED_LINE_COLUMNS)
    return dict(zip(frame["line"], frame["text"]))


def extract_seed_lines(doc: dict, seeds_dir: str | Path) -> pd.DataFrame:
    """The registry's cited lines, verbatim from its seed (what data/claims/seed_lines.csv holds)."""
    lines = (Path(seeds_dir) / doc["seed"]).read_text(encoding="utf-8").split("\n")
    return pd.DataFrame([{"seed": doc["seed"], "line": n, "text": lines[n - 1]} for n in cited_lines(doc)],
                        columns=SEED_LINE_COLUMNS)


def check_registry(doc: dict, lines: dict[int, str], patterns: pd.DataFrame, path: str | Path = "claims") -> None:
    """Quotes verbatim and Table 10-3 claimed cell by cell; every problem raised at once."""
    problems = check_quotes(doc, lines, path) + check_cells(doc, patterns, path)
    if problems:
        raise InputErrors(problems)


def main(argv: list[str] | None = None) -> None:
    """``python -m gvc_clusters.claims.registry`` refreshes data/claims/seed_lines.csv from the
    seeds after a claim is added or edited (tests/test_claims_registry.py says when it is stale)."""
    from gvc_clusters.analysis.cases import seed_lines_arguments

    root, seeds = seed_lines_arguments(argv, main.__doc__)
    doc = read_registry(root / "data/claims/claims.yaml")
    extract_seed_lines(doc, seeds).to_csv(root / "data/claims/seed_lines.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
