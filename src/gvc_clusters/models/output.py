"""Write a spec's fitted models: the files every later rule (tables, figures, report) reads."""

from __future__ import annotations

import pandas as pd

from gvc_clusters.io import write_csv, write_json
from gvc_clusters.models.specs import reading_ranges
from gvc_clusters.results import ModelResult, estimates_table, summaries


def write_model_outputs(fits: list[ModelResult], readings: pd.DataFrame, output) -> None:
    """``output`` has the keys of MODEL_FILES (gvc_clusters.workflow_plan)."""
    write_csv(estimates_table(fits), output.estimates)
    write_json(summaries(fits), output.models)
    write_csv(readings, output.readings)
    write_csv(reading_ranges(readings), output.reading_ranges)
