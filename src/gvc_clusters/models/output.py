"""Write a spec's fitted models: the files every later rule (tables, figures, report) reads."""

from __future__ import annotations

from gvc_clusters.io import write_csv, write_json
from gvc_clusters.results import ModelResult, estimates_table, summaries


def write_model_outputs(fits: list[ModelResult], output) -> None:
    """``output`` has the keys of MODEL_FILES (gvc_clusters.workflow_plan). The estimates over the
    readings of the book's numbers are the reading analysis's (results/models/readings/)."""
    write_csv(estimates_table(fits), output.estimates)
    write_json(summaries(fits), output.models)
