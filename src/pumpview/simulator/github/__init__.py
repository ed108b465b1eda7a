"""A faithful GitHub Copilot API simulator (billing usage, seats, usage-metrics reports) with
seeded data that overlaps the Cursor simulator's roster, and exact ground truth (``truth``)."""

from __future__ import annotations

from pumpview.simulator.github.app import GitHubSimulator, create_github_simulator
from pumpview.simulator.github.config import (
    DEMO_GITHUB_FINE_TOKEN,
    DEMO_GITHUB_TOKEN,
    Faults,
    GitHubConfig,
    Permission,
    Scope,
    TokenGrant,
)

__all__ = [
    "DEMO_GITHUB_FINE_TOKEN",
    "DEMO_GITHUB_TOKEN",
    "Faults",
    "GitHubConfig",
    "GitHubSimulator",
    "Permission",
    "Scope",
    "TokenGrant",
    "create_github_simulator",
]
