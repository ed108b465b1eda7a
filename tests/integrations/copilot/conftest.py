"""The GitHub simulators' fixture of ``test_sync.py``, for the other Copilot tests too."""

from tests.integrations.copilot.test_sync import github  # noqa: F401 - a fixture
