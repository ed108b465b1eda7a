"""Claude Code through Anthropic's Admin API: one client (``client``), a module per endpoint, the
sync. What Anthropic reports and how we read it: ``/work/shared/reference/anthropic-admin-api.md``
(summarised in the README, "Claude Code")."""

NAME = "claude-code"
"""The default name of a Claude Code integration (one per Anthropic organisation)."""
PROVIDER = "claude-code"
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
"""The ``anthropic-version`` every request sends, as every documented example does."""
