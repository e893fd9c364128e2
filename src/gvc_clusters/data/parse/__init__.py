"""Printed layout -> tidy, typed tables; one module per table family."""
