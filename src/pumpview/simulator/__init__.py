"""A faithful Cursor Admin API simulator with seeded data and exact ground truth."""

from __future__ import annotations

from pumpview.simulator.app import ByKey, Simulator, create_simulator
from pumpview.simulator.config import (
    DEMO_KEY,
    DEMO_LEGACY_KEY,
    DEMO_SECOND_KEY,
    Faults,
    Grant,
    SimConfig,
)

__all__ = [
    "DEMO_KEY",
    "DEMO_LEGACY_KEY",
    "DEMO_SECOND_KEY",
    "ByKey",
    "Faults",
    "Grant",
    "SimConfig",
    "Simulator",
    "create_simulator",
]
