"""The Cursor Admin API: one client (allowlist, pacing, errors, retries), a module per endpoint."""

NAME = "cursor"
"""The default name of a Cursor integration (one per Cursor team: cursor, cursor-eu, ...)."""
DEFAULT_BASE_URL = "https://api.cursor.com"
