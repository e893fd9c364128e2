"""Checks the workflow runs when it starts, before any job: config values the schema cannot judge,
the signatures of the files that decide numbers, and the cost of what the config asks for.

``workflow/rules/common.smk`` calls :func:`preflight` right after the JSON-schema validation. Every
problem is collected and raised once as InputErrors, each naming the config key (or file), the
value and what was expected, so a user fixes them all in one go instead of meeting a traceback
inside a job minutes later.
"""

from __future__ import annotations

import csv
import difflib
import re
from pathlib import Path

from .errors import InputError, InputErrors
from .layout import MODEL_OUTCOMES, MODEL_REGRESSORS
from .models.cost import MAX_PERMUTATION_SECONDS, estimated_seconds

# Paths the workflow accepts: letters, digits and . _ - + / (no space, no shell character, no
# leading dash). The jobs are Python, but Snakemake itself, log names and the replicator's
# `sha256sum -c results/MANIFEST.sha256` all treat paths as plain words.
SAFE_PATH = re.compile(r"[A-Za-z0-9_./+-]+")
PATH_KEYS = ["raw_dir", "interim_dir", "processed_dir", "results_dir"]

# Columns of the ordinal models' data (gvc_clusters.coding.model_variables) a spec may cluster on.
ORDINAL_CLUSTER_BY = ["cluster_id", "sector_group", "ce_degree", *MODEL_OUTCOMES, *MODEL_REGRESSORS]

# Randomization inference is priced by the one cost model of the batched fit that runs it
# (gvc_clusters.models.cost.estimated_seconds, calibrated by workflow/benchmarks/permutation.py);
# a request over its MAX_PERMUTATION_SECONDS is refused before any job runs.
BOOK_CLUSTERS = 40  # an upper bound on the book's cluster rows (Table 10-1 lists 35)
MAX_CUTPOINTS = 7   # upgrading scores 0-3 in half steps: at most 7 cutpoints


def permutation_seconds(n_rows: int, n_draws: int, n_terms: int, n_regressors: int, n_outcomes: int = 1,
                        n_interactions: int = 0) -> float:
    """Estimated wall time of the permutation draws of one ordinal spec (seconds)."""
    n_params = n_regressors + n_interactions + MAX_CUTPOINTS
    return estimated_seconds(n_draws, n_rows, n_params, n_outcomes * n_terms)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_paths(config: dict, where: str = "config") -> list[InputError]:
    errors = []
    paths = [(key, config.get(key)) for key in PATH_KEYS]
    paths += [(f"panel.specs.{name}.table", spec.get("table"))
              for name, spec in config.get("panel", {}).get("specs", {}).items()]
    for key, value in paths:
        if not isinstance(value, str):
            continue
        bad = [(i, c) for i, c in enumerate(value) if not SAFE_PATH.fullmatch(c)]
        if bad or not value or value.startswith("-"):
            i, c = bad[0] if bad else (0, value[:1])
            what = "a space" if c == " " else f"the character {c!r}"
            errors.append(InputError(where, f"path has {what} at position {i + 1}, which the workflow does not "
                                     "accept (paths are passed to Snakemake, logs and sha256sum as plain words)",
                                     column=key, value=value,
                                     expected="letters, digits and . _ - + / only, not starting with '-'"))
    return errors


def check_ordinal_specs(config: dict, where: str = "config") -> list[InputError]:
    errors = []
    for name, spec in config.get("ordinal", {}).get("specs", {}).items():
        if spec.get("se_type") != "cluster":
            continue
        key = f"ordinal.specs.{name}.cluster_by"
        if "cluster_by" not in spec:
            errors.append(InputError(where, "se_type: cluster needs cluster_by, the column whose groups are the "
                                     "clusters", column=key, expected=f"one of {ORDINAL_CLUSTER_BY}"))
        elif spec["cluster_by"] not in ORDINAL_CLUSTER_BY:
            close = difflib.get_close_matches(str(spec["cluster_by"]), ORDINAL_CLUSTER_BY, n=1)
            errors.append(InputError(where, "cluster_by is not a column of the ordinal models' data"
                                     + (f" (did you mean {close[0]!r}?)" if close else ""), column=key,
                                     value=spec["cluster_by"], expected=f"one of {ORDINAL_CLUSTER_BY}"))
    return errors


def table_header(path: Path) -> list[str]:
    """The column names of a user table (CSV header line or Parquet schema), without reading rows."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh), [])


def check_user_tables(config: dict, produced: tuple[str, ...] = (), where: str = "config") -> list[InputError]:
    """A panel spec's ``table:`` exists and has every column the spec names (header only).

    Tables under a folder in ``produced`` are built by the workflow (the scale profile's panel):
    they are checked by the job that reads them.
    """
    errors = []
    for name, spec in config.get("panel", {}).get("specs", {}).items():
        if "table" not in spec:
            continue
        table = str(spec["table"])
        if any(table.startswith(p.rstrip("/") + "/") for p in produced):
            continue
        key = f"panel.specs.{name}.table"
        path = Path(table)
        if not path.is_file():
            errors.append(InputError(where, "the panel table named in config does not exist", column=key,
                                     value=table, expected="a CSV or Parquet file (path relative to the repository)"))
            continue
        try:
            header = table_header(path)
        except (OSError, UnicodeDecodeError, csv.Error, ValueError) as err:
            errors.append(InputError(path, f"cannot read the header of the panel table: {err}", column=key,
                                     expected="a UTF-8 CSV file with a header line, or a Parquet file"))
            continue
        wanted = {"entity": [spec.get("entity")], "time": [spec.get("time")], "outcome": [spec.get("outcome")],
                  "regressors": list(spec.get("regressors", []))}
        for field, columns in wanted.items():
            for column in columns:
                if column is not None and column not in header:
                    close = difflib.get_close_matches(str(column), header, n=1)
                    errors.append(InputError(path, f"column named by panel.specs.{name}.{field} is not in the "
                                             "table's header" + (f" (did you mean {close[0]!r}?)" if close else ""),
                                             column=column, value=column, expected=f"one of {header}"))
    return errors


def check_permutations(config: dict, where: str = "config") -> list[InputError]:
    errors = []
    ordinal = config.get("ordinal", {})
    draws = int(ordinal.get("n_permutations", 0))
    if draws <= 0:
        return errors
    rows_simulated = int(config.get("scale", {}).get("cross_section_rows", 1_000_000))
    for name, spec in ordinal.get("specs", {}).items():
        terms = spec.get("permutation_terms", [])
        if not terms:
            continue
        simulated = spec.get("dataset", "book") == "simulated"
        n_rows = rows_simulated if simulated else BOOK_CLUSTERS
        seconds = permutation_seconds(n_rows, draws, len(terms), len(spec.get("regressors", [])),
                                      len(spec.get("outcomes", [])), len(spec.get("interactions", [])))
        if seconds > MAX_PERMUTATION_SECONDS:
            fits = len(spec.get("outcomes", [])) * len(terms) * draws
            errors.append(InputError(where, f"spec {name!r}: {draws} permutation draws x {len(terms)} term(s) x "
                                     f"{len(spec.get('outcomes', []))} outcome(s) = {fits:,} refits of {n_rows:,} rows "
                                     f"would take about {_duration(seconds)}; refused", column="ordinal.n_permutations",
                                     value=draws, expected=f"at most about {_duration(MAX_PERMUTATION_SECONDS)} "
                                     "(fewer draws or terms, or n_permutations: 0 at scale; cost model in "
                                     "gvc_clusters/models/cost.py)"))
    return errors


def unknown_keys(value, schema: dict, where: str = "") -> list[tuple[str, list[str]]]:
    """(dotted key, known keys) of every key the schema does not allow (``additionalProperties: false``)."""
    out = []
    if not isinstance(value, dict) or not isinstance(schema, dict):
        return out
    known = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        dotted = f"{where}.{key}" if where else str(key)
        if key in known:
            out += unknown_keys(item, known[key], dotted)
        elif extra is False:
            out.append((dotted, sorted(known)))
        elif isinstance(extra, dict):
            out += unknown_keys(item, extra, dotted)
    return out


def check_keys(config: dict, schema: dict, where: str = "config") -> list[InputError]:
    """A mistyped key (here, in config/scale.yaml or a --configfile) named with the key meant."""
    errors = []
    for dotted, known in unknown_keys(config, schema):
        name = dotted.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(name, known, n=1)
        errors.append(InputError(where, "unknown config key" + (f" (did you mean {close[0]!r}?)" if close else ""),
                                 column=dotted, value=name, expected=f"one of {known}"))
    return errors


def preflight_paths(config: dict, schema_path: str | Path | None = None) -> None:
    """Run before the JSON-schema validation (whose messages are terse): mistyped keys (with the
    key meant) and paths the workflow cannot handle."""
    errors = []
    if schema_path is not None:
        import yaml

        errors += check_keys(config, yaml.safe_load(Path(schema_path).read_text(encoding="utf-8")))
    errors += check_paths(config)
    if errors:
        raise InputErrors(errors)


def preflight(config: dict, *, verify_raw: bool = True) -> None:
    """Every start-of-workflow check; raises InputErrors listing all problems found."""
    errors = check_paths(config) + check_ordinal_specs(config) + check_permutations(config)
    if not any(e.column == "processed_dir" for e in errors):
        errors += check_user_tables(config, produced=(str(config.get("processed_dir", "data/processed")),))
    if errors:
        raise InputErrors(errors)
    if verify_raw:
        from .sources import verify_inputs

        verify_inputs(config["raw_dir"])


# ---- profiles ----------------------------------------------------------------------------------
def snakemake_options() -> set[str]:
    """Every long option of the installed snakemake (plugins' included), without the dashes."""
    from snakemake.cli import get_argument_parser

    parser = get_argument_parser()
    return {o[2:] for a in parser._actions for o in a.option_strings if o.startswith("--")}


def check_profile(path: str | Path, options: set[str] | None = None) -> list[InputError]:
    """Keys of a Snakemake profile (``profiles/<name>/config.yaml``) that snakemake does not know.

    Snakemake itself reports such a key as ``unrecognized arguments: --key=value`` after a
    100-line usage text, and a truncated key (``rerun-incomplet``) even as a misleading
    ``ignored explicit argument``; this names the file, the line and the option meant.
    """
    import yaml

    path = Path(path)
    options = snakemake_options() if options is None else options
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    errors = []
    if root is None:
        return errors
    if not isinstance(root, yaml.MappingNode):
        return [InputError(path, "a profile must be a mapping of snakemake options", expected="key: value lines")]
    for key, _ in root.value:
        name = str(key.value).replace("_", "-")
        if name not in options:
            close = difflib.get_close_matches(name, sorted(options), n=1)
            errors.append(InputError(path, "unknown snakemake option in a profile"
                                     + (f" (did you mean {close[0]!r}?)" if close else ""),
                                     row=key.start_mark.line + 1, column=key.value, value=key.value,
                                     expected="a long option of `snakemake --help` without its dashes"))
    return errors


def main(argv: list[str]) -> int:
    """``python -m gvc_clusters.preflight profiles/default [profiles/slurm ...]``: check profiles."""
    import sys

    errors = []
    options = snakemake_options()
    for arg in argv:
        path = Path(arg)
        errors += check_profile(path / "config.yaml" if path.is_dir() else path, options)
    for e in errors:
        print(f"ERROR: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":  # pragma: no cover - exercised through pipeline.sh and a subprocess test
    import sys

    sys.exit(main(sys.argv[1:]))
