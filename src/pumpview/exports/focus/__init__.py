"""Cursor usage as a FOCUS file (FinOps Open Cost and Usage Specification), for FinOps tools."""
