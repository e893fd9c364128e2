"""The book's built-in panels (config ``panel: <name>``): one registry, one entry per panel.

Each entry says which cleaning family provides its data and which processed tables it reads
(name -> path relative to ``processed_dir``). The workflow (rule inputs, which specs can run) and
the spec runner (models/specs.py) both read this registry, so adding a built-in panel is one entry
here plus its builder and fitter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BuiltinPanel:
    name: str
    family: str  # the cleaning family whose processed tables the panel reads
    tables: dict[str, str] = field(default_factory=dict)  # input name -> path under processed_dir
    # The alternative-readings table (decision log), read when the spec sets ``readings: true``.
    readings_table: str | None = None


BUILTIN_PANELS: dict[str, BuiltinPanel] = {
    panel.name: panel
    for panel in (
        BuiltinPanel("upgrading", "clusters", {"model_dataset": "clusters/model_dataset.parquet"},
                     readings_table="clusters/model_dataset_readings.parquet"),
        BuiltinPanel("trade_share_change", "trade", {"export_performance": "trade/export_performance.parquet"}),
        BuiltinPanel("us_imports", "furniture", {"us_furniture_imports": "furniture/us_furniture_imports.parquet"}),
    )
}
