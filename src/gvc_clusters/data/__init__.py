"""The data layer: raw tables as printed, decisions, checks, the families that clean them, readings."""
