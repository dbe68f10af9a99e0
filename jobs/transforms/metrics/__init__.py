"""Metrics layer: one module per KPI table, each a pure function of the fact layer."""
