"""The Cursor Admin API: one client (allowlist, pacing, errors, retries), a module per endpoint."""
