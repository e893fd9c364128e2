# Config validation, the package on the path, and the input/output helpers every rule uses.
import os
import sys
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

# The library lives in src/. The Snakefile reads the layout from it, and every script puts
# src/ on its own path (first lines), so the workflow runs from a plain checkout, in any
# environment that has the dependencies (venv, conda env of `conda:`, a cluster node).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from gvc_clusters.layout import FAMILY_FILES, FAMILY_TABLES, REPLICATION_OUTPUTS

RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
INTERIM = config["interim_dir"]
RESULTS = config["results_dir"]
FAMILIES = config["families"]


def raw_files(family):
    return [f"{RAW}/{f}" for f in FAMILY_FILES[family]]


def interim_tables(family, ext):
    return [f"{INTERIM}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]


def processed_tables(family, ext):
    return [f"{PROCESSED}/{family}/{name}.{ext}" for name in FAMILY_TABLES[family]]


def processed_outputs():
    return [
        path
        for family in FAMILIES
        for ext in ("parquet", "csv")
        for path in processed_tables(family, ext)
    ]


def replication_outputs():
    if "clusters" not in FAMILIES:
        return []
    return [f"{RESULTS}/replication/{name}" for name in REPLICATION_OUTPUTS]
