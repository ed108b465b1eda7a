"""Pump View: Cursor AI spend beside the organisation's cloud costs."""

from __future__ import annotations

__version__ = "0.1.0"
