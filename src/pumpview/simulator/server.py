"""Serve an ASGI app (the simulator, the web app) on 127.0.0.1 in a background thread: real HTTP
for tests, benchmarks and the demo."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serve_in_thread(app: ASGIApp, port: int = 0, *, lifespan: bool = False) -> Iterator[str]:
    """Run ``app`` with uvicorn on ``127.0.0.1:port`` (0 = any free port); yield its base URL.
    With ``lifespan`` the app's start-up and shutdown run too, as under ``pumpview serve`` (the
    web app's shutdown stops its syncs; tests wait on them themselves)."""
    # proxy_headers off: the web app believes X-Forwarded-For only from the proxies its own
    # settings name (PUMPVIEW_TRUSTED_PROXIES); uvicorn's default believes it from 127.0.0.1.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on" if lifespan else "off", proxy_headers=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            msg = "the server did not start"
            raise RuntimeError(msg)
        time.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=60 if lifespan else 10)
