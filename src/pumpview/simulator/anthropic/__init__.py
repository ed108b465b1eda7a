"""A faithful Anthropic Admin API simulator (Claude Code usage, cost, users, API keys) with seeded
data and exact ground truth (``truth``)."""

from __future__ import annotations

from pumpview.simulator.anthropic.app import AnthropicSimulator, create_anthropic_simulator
from pumpview.simulator.anthropic.config import (
    DEMO_ANTHROPIC_API_KEY,
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
)

__all__ = [
    "DEMO_ANTHROPIC_API_KEY",
    "DEMO_ANTHROPIC_KEY",
    "AnthropicConfig",
    "AnthropicSimulator",
    "create_anthropic_simulator",
]
