"""The output layer: the exhibits registry, tables and figures, report, paper, README, deposit."""
