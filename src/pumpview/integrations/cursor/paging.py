"""``PageReader``: a window's usage-event pages, requested ahead of the code that stores them.

Requests go out one at a time, in order, from one worker thread (Cursor's limits are per team, so
parallel requests would buy nothing but 429s). Up to ``AHEAD`` answered pages wait in memory, so
an answer that is slow now and then does not stall storing; once a window's last page is asked
for, the next window's first page is asked for too. Nothing is requested beyond the ``numPages``
the API announced, so the request count stays the minimum.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future
from queue import SimpleQueue
from types import TracebackType
from typing import Any, TypeVar

from pumpview.errors import BadResponse
from pumpview.integrations.cursor import usage_events
from pumpview.integrations.cursor.client import CursorClient
from pumpview.timeutil import Window

AHEAD = 4
"""Pages requested ahead of the one being stored: a few MB of parsed events at most."""

Page = tuple[int, list[dict[str, Any]], bool, int]
"""``(totalUsageEventsCount, usageEvents, hasNextPage, numPages)`` of one answer."""
T = TypeVar("T")


class Worker:
    """One daemon thread that runs calls in the order they were submitted.

    ``ThreadPoolExecutor`` would do, except that its threads are waited for when the process
    exits: a sync stopped with Ctrl-C would then sit out a pacing pause of up to a minute.
    """

    def __init__(self, name: str) -> None:
        self._calls: SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = SimpleQueue()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._calls.put((future, call))
        return future

    def close(self) -> None:
        self._calls.put(None)

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            future, call = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on it
                    future.set_exception(exc)


class PageReader:
    """Reads windows' pages through ``client`` on a worker thread; use as a context manager."""

    def __init__(self, client: CursorClient, ahead: int = AHEAD) -> None:
        self._client = client
        self._ahead = ahead
        self._worker = Worker("cursor-pages")
        self._early: tuple[Window, Future[Page]] | None = None

    def __enter__(self) -> PageReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._early is not None:
            self._early[1].cancel()
        self._worker.close()  # a request still in flight is dropped, not waited for

    def pages(
        self, window: Window, following: Window | None = None
    ) -> Generator[tuple[int, list[dict[str, Any]]], None, None]:
        """``(total, events)`` for each page of ``window`` in order; ``following`` is the window
        that will be read next, whose first page is requested early."""
        queue: deque[Future[Page]] = deque([self._first(window)])
        asked = page = 1
        try:
            while queue:
                total, events, more, pages = queue.popleft().result()
                last = max(pages, 1)
                if more and page >= last:
                    msg = "Cursor's pagination claims more pages than numPages"
                    raise BadResponse(msg)
                while asked < last and len(queue) < self._ahead:
                    asked += 1
                    queue.append(self._ask(window, asked))
                if asked >= last and following is not None and self._early is None:
                    self._early = (following, self._ask(following, 1))
                yield total, events
                if not more:
                    return
                page += 1
        finally:
            for pending in queue:  # left over when the caller stops early (a shift, an error);
                pending.cancel()  # one still in flight finishes before any later request starts

    def _first(self, window: Window) -> Future[Page]:
        if self._early is not None and self._early[0] == window:
            early, self._early = self._early[1], None
            return early
        return self._ask(window, 1)

    def _ask(self, window: Window, page: int) -> Future[Page]:
        return self._worker.submit(lambda: self._read(window, page))

    def _read(self, window: Window, page: int) -> Page:
        payload = self._client.post(usage_events.PATH, usage_events.request_body(window, page))
        try:
            pagination = payload["pagination"]
            return (
                int(payload["totalUsageEventsCount"]),
                list(payload["usageEvents"]),
                bool(pagination["hasNextPage"]),
                int(pagination["numPages"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"unexpected usage events page from Cursor ({type(exc).__name__}: {exc})"
            raise BadResponse(msg) from None
