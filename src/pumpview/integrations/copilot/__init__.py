"""GitHub Copilot through GitHub's REST API: one client (``client``), a module per endpoint
(``billing``, ``metrics``, ``seats``), the sync. What GitHub reports and how we read it:
``/work/shared/reference/github-copilot-api.md``."""

NAME = "copilot"
"""The default name of a Copilot integration (one per GitHub organisation)."""
PROVIDER = "copilot"
DEFAULT_BASE_URL = "https://api.github.com"
API_VERSION = "2026-03-10"
"""The ``X-GitHub-Api-Version`` every request sends: the version the current docs name."""
