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

from gvc_clusters.errors import InputError, InputErrors
from gvc_clusters.layout import MODEL_OUTCOMES, MODEL_REGRESSORS
from gvc_clusters.models.cost import MAX_PERMUTATION_SECONDS, estimated_seconds
from gvc_clusters.models.formula import formula_errors
from gvc_clusters.models.formula_syntax import ALLOWED as FORMULA_GRAMMAR
from gvc_clusters.models.formula_syntax import FormulaSyntaxError, check_formula

# Paths the workflow accepts: letters, digits and . _ - + / (no space, no shell character, no
# leading dash). The jobs are Python, but Snakemake itself, log names and the replicator's
# `sha256sum -c results/MANIFEST.sha256` all treat paths as plain words.
SAFE_PATH = re.compile(r"[A-Za-z0-9_./+-]+")
PATH_KEYS = ["raw_dir", "interim_dir", "processed_dir", "results_dir"]

# Columns of the ordinal models' data (gvc_clusters.analysis.coding.model_variables) a spec may cluster on.
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
    paths += [(f"{kind}.specs.{name}.table", spec.get("table")) for kind in ("panel", "ordinal")
              for name, spec in config.get(kind, {}).get("specs", {}).items()]
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


def check_categoricals(config: dict, where: str = "config") -> list[InputError]:
    """An ordinal spec's ``categoricals``: every level is one of the spec's regressors and a level of
    one categorical only, and a categorical is not named like a regressor (its name is what
    ``permutation_terms`` may list). Whether the levels exclude each other is a fact of the data,
    checked by the fit (models/ordinal/effects.py ``declared_factors``)."""
    errors = []
    for name, spec in config.get("ordinal", {}).get("specs", {}).items():
        regressors = list(spec.get("regressors", []))
        owner: dict[str, str] = {}
        for factor, info in (spec.get("categoricals") or {}).items():
            key = f"ordinal.specs.{name}.categoricals.{factor}"
            if factor in regressors:
                errors.append(InputError(where, "a categorical is named like one of the spec's regressors; name the "
                                         "categorical itself", column=key, value=factor, expected="e.g. sector"))
            for level in info.get("levels", []):
                if level not in regressors:
                    errors.append(InputError(where, "a level of the categorical is not one of the spec's regressors",
                                             column=f"{key}.levels", value=level, expected=f"one of {regressors}"))
                elif level in owner:
                    errors.append(InputError(where, f"a dummy is a level of one categorical only (also in "
                                             f"{owner[level]!r})", column=f"{key}.levels", value=level))
                owner.setdefault(level, factor)
            if info.get("reference") in info.get("levels", []):
                errors.append(InputError(where, "the reference is the level with every listed dummy at 0, not one "
                                         "of the listed levels", column=f"{key}.reference", value=info["reference"],
                                         expected="a name, e.g. traditional manufacturing"))
    return errors


def check_ordinal_specs(config: dict, where: str = "config") -> list[InputError]:
    errors = check_categoricals(config, where)
    for name, spec in config.get("ordinal", {}).get("specs", {}).items():
        if spec.get("se_type") != "cluster" or "table" in spec:   # a user table: checked on its header
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


def table_schema(path: Path) -> dict[str, str]:
    """Column -> type of a Parquet file ("numeric", "text" or "other"), read from its schema; {} for CSV
    (a CSV header has no types: the job checks every cell and names the first bad row)."""
    if path.suffix != ".parquet":
        return {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = {}
    for field in pq.read_schema(path):
        t = field.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        out[field.name] = ("numeric" if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                           or pa.types.is_decimal(t) else "text" if pa.types.is_string(t) or
                           pa.types.is_large_string(t) else "other")
    return out


def table_rows(path: Path) -> int:
    """Number of data rows of a user table (Parquet metadata, or CSV lines minus the header)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _spec_table_fields(kind: str, spec: dict) -> tuple[dict[str, list[str]], list[str]]:
    """(field -> columns the spec names, the columns that must be numeric) of a user-table spec."""
    if kind == "panel":
        entity = spec.get("entity")
        wanted = {"entity": entity if isinstance(entity, list) else [entity], "time": [spec.get("time")],
                  "outcome": [spec.get("outcome")], "regressors": list(spec.get("regressors", [])),
                  "weights": [spec.get("weights")]}
        absorb = spec.get("absorb", [])
        wanted["absorb"] = list(absorb)
        numeric = [spec.get("outcome"), *spec.get("regressors", []), spec.get("weights")]
        if "formula" in spec:
            from gvc_clusters.models.formula import formula_variables

            wanted["formula"] = formula_variables(spec["formula"])
            numeric.append(wanted["formula"][0])
    elif "formula" in spec:
        from gvc_clusters.models.formula import formula_variables

        used = formula_variables(spec["formula"])
        wanted = {"formula": used}
        numeric = used[:1]
    else:
        wanted = {"outcomes": list(spec.get("outcomes", [])), "regressors": list(spec.get("regressors", []))}
        numeric = [*wanted["outcomes"], *wanted["regressors"]]
    for key in ("cluster_by", "permutation_strata"):
        wanted[key] = [spec.get(key)]
    wanted["permutation_terms"] = [t for t in spec.get("permutation_terms", []) if kind == "ordinal"
                                   and "formula" in spec]
    return wanted, [c for c in numeric if c is not None]


def check_formulas(config: dict, where: str = "config") -> list[InputError]:
    """Every spec's ``formula:`` inside the whitelist grammar (models/formula_syntax.py), before
    anything hands it to formulaic (which evaluates the Python in a formula's calls): a formula
    that is not is named with its config key, the position and the offending text."""
    errors = []
    for kind in ("panel", "ordinal"):
        for name, spec in config.get(kind, {}).get("specs", {}).items():
            if "formula" not in spec:
                continue
            try:
                check_formula(spec["formula"])
            except FormulaSyntaxError as err:
                errors.append(InputError(where, f"spec {name!r}: formula rejected: {err.problem} at position "
                                         f"{err.position}: {err.text!r}", column=f"{kind}.specs.{name}.formula",
                                         value=spec["formula"],
                                         expected=f"only {FORMULA_GRAMMAR} (models/formula_syntax.py)"))
    return errors


def _formula_rejected(spec: dict) -> bool:
    if "formula" not in spec:
        return False
    try:
        check_formula(spec["formula"])
    except FormulaSyntaxError:
        return True
    return False


def check_user_tables(config: dict, produced: tuple[str, ...] = (), where: str = "config") -> list[InputError]:
    """A panel or ordinal spec's ``table:`` exists, has every column the spec names (header only) and,
    for Parquet, numeric types where the model needs numbers. Each error names the spec's key, the
    column and the file.

    Tables under a folder in ``produced`` are built by the workflow (the scale profile's panel):
    they are checked by the job that reads them.
    """
    errors = []
    specs = [(kind, name, spec) for kind in ("panel", "ordinal")
             for name, spec in config.get(kind, {}).get("specs", {}).items()]
    for kind, name, spec in specs:
        if "table" not in spec or _formula_rejected(spec):   # a rejected formula: check_formulas names it
            continue
        table = str(spec["table"])
        if any(table.startswith(p.rstrip("/") + "/") for p in produced):
            continue
        key = f"{kind}.specs.{name}.table"
        path = Path(table)
        if not path.is_file():
            errors.append(InputError(where, f"the {kind} table named in config does not exist", column=key,
                                     value=table, expected="a CSV or Parquet file (path relative to the repository)"))
            continue
        try:
            header, types = table_header(path), table_schema(path)
            wanted, numeric = _spec_table_fields(kind, spec)
        except (OSError, UnicodeDecodeError, csv.Error, ValueError) as err:
            errors.append(InputError(path, f"cannot read the header of the {kind} table: {err}", column=key,
                                     expected="a UTF-8 CSV file with a header line, or a Parquet file"))
            continue
        except formula_errors() as err:  # a formula formulaic cannot parse
            errors.append(InputError(where, f"cannot parse the formula of {kind}.specs.{name}: {err}",
                                     column=f"{kind}.specs.{name}.formula", value=spec.get("formula")))
            continue
        for field, columns in wanted.items():
            for column in columns:
                if field == "permutation_terms":   # a formula's variables (a categorical by its name)
                    if column not in wanted["formula"][1:]:
                        errors.append(InputError(path, f"{kind}.specs.{name}.permutation_terms names a variable "
                                                 "that is not on the right-hand side of the formula",
                                                 column=column, value=column,
                                                 expected=f"one of {wanted['formula'][1:]}"))
                    continue
                if column is not None and column not in header:
                    close = difflib.get_close_matches(str(column), header, n=1)
                    errors.append(InputError(path, f"column named by {kind}.specs.{name}.{field} is not in the "
                                             "table's header" + (f" (did you mean {close[0]!r}?)" if close else ""),
                                             column=column, value=column, expected=f"one of {header}"))
        for column in dict.fromkeys(numeric):
            if types.get(column, "numeric") != "numeric":
                errors.append(InputError(path, f"column named by {kind}.specs.{name} must be numeric but the "
                                         f"Parquet schema says {types[column]}", column=column, value=types[column],
                                         expected="an integer, float or boolean column"))
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
        if "table" in spec:   # a user's table: its row count (Parquet metadata or CSV lines)
            try:
                n_rows = table_rows(Path(spec["table"]))
            except OSError:
                continue      # a missing table is reported by check_user_tables
        n_regressors, outcomes = len(spec.get("regressors", [])), spec.get("outcomes", [])
        if "formula" in spec:   # one outcome; the terms of the right-hand side approximate the columns
            n_regressors, outcomes = spec["formula"].split("~", 1)[1].count("+") + 1, ["formula"]
        seconds = permutation_seconds(n_rows, draws, len(terms), n_regressors,
                                      len(outcomes), len(spec.get("interactions", [])))
        if seconds > MAX_PERMUTATION_SECONDS:
            fits = len(outcomes) * len(terms) * draws
            errors.append(InputError(where, f"spec {name!r}: {draws} permutation draws x {len(terms)} term(s) x "
                                     f"{len(outcomes)} outcome(s) = {fits:,} refits of {n_rows:,} rows "
                                     f"would take about {_duration(seconds)}; refused", column="ordinal.n_permutations",
                                     value=draws, expected=f"at most about {_duration(MAX_PERMUTATION_SECONDS)} "
                                     "(fewer draws or terms, or n_permutations: 0 at scale; cost model in "
                                     "gvc_clusters/models/cost.py)"))
    return errors


def check_trade_flows(config: dict, where: str = "config") -> list[InputError]:
    """Config ``trade_flows.periods`` (when the classification is enabled): in order, at most 64 years."""
    options = config.get("trade_flows", {})
    if not options.get("enabled") or "periods" not in options:
        return []
    from gvc_clusters.analysis.trade_flows_input import check_periods

    try:
        check_periods(options["periods"], where)
    except InputError as err:
        return [err]
    return []


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


def check_reading_sample(config: dict, where: str = "config") -> list[InputError]:
    """The re-estimation draws a table's readings from the solver's listing (readings_solver.max_solutions
    per table): a larger sample than the listing cannot be drawn without repeats."""
    size = config.get("readings", {}).get("sample", {}).get("size")
    listed = config.get("readings_solver", {}).get("max_solutions")
    if size is not None and listed is not None and size > listed:
        return [InputError(where, "the sample of readings is larger than the readings the solver lists per table",
                           column="readings.sample.size", value=size,
                           expected=f"at most readings_solver.max_solutions ({listed}), or raise that")]
    return []


def preflight(config: dict, *, verify_raw: bool = True) -> None:
    """Every start-of-workflow check; raises InputErrors listing all problems found."""
    errors = check_paths(config) + check_formulas(config) + check_ordinal_specs(config) + check_permutations(config) \
        + check_reading_sample(config)
    errors += check_trade_flows(config)
    if not any(e.column == "processed_dir" for e in errors):
        errors += check_user_tables(config, produced=(str(config.get("processed_dir", "data/processed")),))
    if errors:
        raise InputErrors(errors)
    if verify_raw:
        from gvc_clusters.data.sources import verify_inputs

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
