"""FOCUS cost files (FinOps Open Cost and Usage Specification): cloud costs to import."""
