"""Threads of the server's own process in place of processes, when the facts are embedded chDB:
one process at a time may open it. The same calls as a ``multiprocessing`` context (the syncs'
and the FOCUS imports')."""

from __future__ import annotations

import threading
from typing import Any


class InThreads:
    """``Process`` and ``Event`` as ``multiprocessing``'s context names them, in threads."""

    Event = threading.Event

    @staticmethod
    def Process(**kwargs: Any) -> threading.Thread:  # noqa: N802 - multiprocessing's name
        return threading.Thread(**kwargs)
