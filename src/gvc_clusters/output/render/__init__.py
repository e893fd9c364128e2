"""Tables and figures from the neutral result record and the processed data.

``tables``: one renderer (``regression_table``) for every model kind and ``descriptive_table`` for
plain data, each giving a ``Table`` that ``to_latex`` (booktabs), ``to_html`` and ``to_csv_frame``
print; presets "aer" (no stars) and "stars". ``figures``: pure ``figure_*`` functions returning a
matplotlib Figure, and ``save_figure`` writing byte-stable SVG and PNG.
"""

from gvc_clusters.output.render.figures import (
    figure_coefficients,
    figure_dairy,
    figure_export_quadrants,
    figure_furniture,
    figure_governance,
    figure_reading_distributions,
    figure_salmon,
    figure_upgrading,
    save_figure,
)
from gvc_clusters.output.render.tables import (
    PRESETS,
    Table,
    chapter10_table,
    classification_table,
    descriptive_table,
    get_preset,
    regression_table,
    replication_check_table,
    to_csv_frame,
    to_html,
    to_latex,
    write_table,
)

__all__ = ["PRESETS", "Table", "chapter10_table", "classification_table", "descriptive_table",
           "figure_coefficients", "figure_dairy", "figure_export_quadrants", "figure_furniture", "figure_governance",
           "figure_reading_distributions", "figure_salmon", "figure_upgrading", "get_preset", "regression_table",
           "replication_check_table", "save_figure", "to_csv_frame", "to_html", "to_latex", "write_table"]
