"""Upstream sources: each fetches raw pages, transforms them purely, and hands rows to the store."""
