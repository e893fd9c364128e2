"""The book's built-in panels (config ``panel: <name>``): one registry, one entry per panel.

Each entry says which cleaning family provides its data, which processed tables it reads
(name -> path relative to ``processed_dir``), how its long table is built from them
(``build(spec, tables) -> PanelBuild``, models/panel_data.py) and how it is fitted
(``fit(build, name, spec) -> [ModelResult, ...]``, models/builtin_fits.py). Whether the decision
log's alternative readings apply to it is whether it has a ``readings_table``; whether its estimates
are descriptive rather than causal, and why, is its ``descriptive`` (the fits carry the caveat as a
note and the report prints it under the panel's table: ``descriptive_panel``). The workflow (rule
inputs, which specs can run) and the spec runner (models/specs.py, models/reading_batch.py) both
read this registry, so adding a built-in panel is one entry here plus its builder and fitter
(and its name in the config schema's ``panel`` enum, which a test holds equal to this registry).

The spec a builder or fitter receives is validated and has the schema's defaults filled
(workflow/schemas/config.schema.yaml; gvc_clusters.config_defaults outside Snakemake): it
indexes keys, it never supplies a default of its own.

Light on purpose (no pandas at import): the workflow imports it when it builds its DAG; the
builders and fitters import the estimation code when called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from gvc_clusters.models.panel_data import PanelBuild
    from gvc_clusters.results import ModelResult

Builder = Callable[[dict, "dict[str, pd.DataFrame]"], "PanelBuild"]
Fitter = Callable[["PanelBuild", str, dict], "list[ModelResult]"]


# ----------------------------------------------------------------------------------------------
# Builders (spec + processed tables -> PanelBuild) and fitters (PanelBuild -> fitted models)
# ----------------------------------------------------------------------------------------------

def _build_upgrading(spec: dict, tables: dict) -> PanelBuild:
    from gvc_clusters.models.panel_data import upgrading_panel

    return upgrading_panel(tables["model_dataset"], chains=tuple(spec["chains"]), threshold=spec["chain_threshold"])


def _fit_upgrading(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    from gvc_clusters.models.builtin_fits import fit_upgrading_governance

    fits = fit_upgrading_governance(build, model_id=name, se_type=spec["se_type"],
                                    cluster_convention=spec["cluster_convention"])
    return [fits["fe"], fits["re"]]


def _build_trade_share_change(spec: dict, tables: dict) -> PanelBuild:
    from gvc_clusters.models.panel_data import trade_share_change

    return trade_share_change(tables["export_performance"])


def _fit_trade_share_change(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    from gvc_clusters.models.builtin_fits import fit_trade_share_change

    return [fit_trade_share_change(build, model_id=name, se_type=spec["se_type"])]


def _build_us_imports(spec: dict, tables: dict) -> PanelBuild:
    from gvc_clusters.models.panel_data import us_imports_panel

    return us_imports_panel(tables["us_furniture_imports"])


def _fit_us_imports(build: PanelBuild, name: str, spec: dict) -> list[ModelResult]:
    from gvc_clusters.models.builtin_fits import fit_us_furniture_imports

    return [fit_us_furniture_imports(build, model_id=name, se_type=spec["se_type"])]


# ----------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Descriptive:
    """Why a built-in panel's estimates are descriptive, not causal: ``note`` goes with each fit (its
    notes), ``table_note`` under the panel's table in the report, formatted with the fit's ``n_obs``
    and ``n_params`` (parameters counting the effects)."""
    note: str
    table_note: str


@dataclass(frozen=True)
class BuiltinPanel:
    name: str
    family: str  # the cleaning family whose processed tables the panel reads
    tables: dict[str, str] = field(default_factory=dict)  # input name -> path under processed_dir
    # The alternative-readings table (decision log), read when the spec sets ``readings: true``.
    readings_table: str | None = None
    build: Builder | None = field(default=None, compare=False, repr=False)   # (spec, tables) -> PanelBuild
    fit: Fitter | None = field(default=None, compare=False, repr=False)      # (build, name, spec) -> results
    descriptive: Descriptive | None = None   # None: the estimates are read as the book reads them

    @property
    def has_readings(self) -> bool:
        """Whether the spec option ``readings: true`` re-estimates it over the alternative readings."""
        return self.readings_table is not None


BUILTIN_PANELS: dict[str, BuiltinPanel] = {
    panel.name: panel
    for panel in (
        BuiltinPanel("upgrading", "clusters", {"model_dataset": "clusters/model_dataset.parquet"},
                     readings_table="clusters/model_dataset_readings.parquet",
                     build=_build_upgrading, fit=_fit_upgrading),
        BuiltinPanel("trade_share_change", "trade", {"export_performance": "trade/export_performance.parquet"},
                     build=_build_trade_share_change, fit=_fit_trade_share_change,
                     descriptive=Descriptive(
                         "descriptive association, not a causal effect: share and unit value come from the "
                         "same trade flows, so part of the relation is mechanical",
                         "Descriptive association, not a causal effect: share and unit value come from the "
                         "same trade flows, so part of the relation is mechanical.")),
        BuiltinPanel("us_imports", "furniture", {"us_furniture_imports": "furniture/us_furniture_imports.parquet"},
                     build=_build_us_imports, fit=_fit_us_imports,
                     descriptive=Descriptive(
                         "descriptive: few observations for its parameters, on a top-10 sample selected on the "
                         "outcome",
                         "Descriptive: N = {n_obs} with {n_params} parameters on a top-10 sample selected on the "
                         "outcome.")),
    )
}


def builtin_panel(spec: dict) -> BuiltinPanel | None:
    """The registry entry of a spec with ``panel:``; None for a user-table spec."""
    if "panel" not in spec:
        return None
    try:
        return BUILTIN_PANELS[spec["panel"]]
    except KeyError:
        from gvc_clusters.errors import InputError

        raise InputError("config", "unknown built-in panel", column="panel", value=spec["panel"],
                         expected=" | ".join(BUILTIN_PANELS)) from None


def readings_apply(spec: dict) -> bool:
    """Whether a panel spec is re-estimated over the alternative readings (``readings: true`` on a
    built-in panel that has a readings table)."""
    entry = builtin_panel(spec)
    return bool(spec["readings"]) and entry is not None and entry.has_readings


def descriptive_panel(results: list[ModelResult]) -> BuiltinPanel | None:
    """The descriptive built-in panel these fits are of, known by the caveat its fits carry (their
    ``extra["interpretation"]`` and the entry's note); None for any other spec."""
    for entry in BUILTIN_PANELS.values():
        if entry.descriptive is not None and any(
                r.extra.get("interpretation") == "descriptive" and entry.descriptive.note in r.notes for r in results):
            return entry
    return None


def descriptive_table_note(entry: BuiltinPanel, results: list[ModelResult]) -> str:
    """The note under a descriptive panel's table: its entry's wording with the first descriptive fit's
    number of observations and of parameters (``extra["df_model"]``, the effects counted)."""
    fit = next(r for r in results if r.extra.get("interpretation") == "descriptive")
    return entry.descriptive.table_note.format(n_obs=fit.n_obs, n_params=fit.extra["df_model"])
