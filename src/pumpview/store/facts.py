"""Reading the facts: every question the reports ask of Cursor's usage, asked in one place.

The facts (usage events and their day x person x model x kind rollup) live in the SQL store, or
in ClickHouse when ``PUMPVIEW_CLICKHOUSE_URL`` is set (``store.clickhouse``); the metadata
(integrations, rosters, the day bookmarks, budgets...) always in the SQL store. A report opens
one metadata snapshot and asks ``of(conn)`` for the facts as of that snapshot: the SQL store
answers from its aligned blocks (``store.sql_facts``), ClickHouse from its daily rollup, with
the same rows to the last decimal.

Every answer is exact: money as ``Decimal`` cents, counts as ``int``. ``sums`` returns tuples,
the ``by`` keys first (``"day"``, ``"email"``, ``"model"``, in the order asked), then the
``measures`` in the order asked. Days are inclusive UTC ranges; instants epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, Engine

from pumpview.store.measures import MEASURES
from pumpview.store.sql_facts import SqlFacts

Dimension = Literal["day", "email", "model"]
CLICKHOUSE = "pumpview_clickhouse"
"""The execution option of an engine whose facts live in ClickHouse (``store.engine``): the
ClickHouse client, carried by every connection the engine hands out."""
CLUSTER = "pumpview_clickhouse_cluster"
"""The execution option naming the ClickHouse cluster the facts are spread over, if any: its
deletes go to the shards' local tables ``ON CLUSTER``."""


class Facts(Protocol):
    """The facts as of one metadata snapshot, for the integrations each call names."""

    def span(self, ids: Sequence[int]) -> tuple[date, date] | None:
        """The first and last day holding usage, or ``None``."""
        ...

    def sums(
        self,
        ids: Sequence[int],
        first: date,
        last: date,
        by: Sequence[Dimension] = (),
        *,
        measures: Sequence[str] = MEASURES,
        emails: Collection[str] | None = None,
        model: str | None = None,
    ) -> list[tuple[Any, ...]]:
        """The ``measures`` summed over ``[first, last]`` per value of ``by`` (one row, zeros
        when empty, for ``by=()``), only of ``emails`` and ``model`` when given. Rows in no
        particular order."""
        ...

    def people_count(self, ids: Sequence[int], first: date, last: date) -> int:
        """Distinct people with usage (the unattributed bucket counts as one)."""
        ...

    def people_per_model(self, ids: Sequence[int], first: date, last: date) -> dict[str, int]:
        """Distinct people per model (the unattributed bucket counts as one)."""
        ...

    def last_days(self, ids: Sequence[int], first: date, last: date) -> dict[str, date]:
        """Each person's last day with usage in the range, keyed by stored email."""
        ...

    def active_spans(
        self, members: Iterable[tuple[int, str]], until: date
    ) -> dict[tuple[int, str], tuple[date, date]]:
        """(integration, email) -> the first and last day with usage up to ``until``."""
        ...

    def has_model(self, ids: Sequence[int], model: str) -> bool:
        """Whether any stored day holds the model."""
        ...

    def person_days(
        self, ids: Sequence[int], email: str, first: date, last: date
    ) -> list[tuple[Any, ...]]:
        """One person's (day, model, every measure in ``MEASURES`` order) rows in the range."""
        ...

    def events(
        self,
        ids: Sequence[int],
        start_ms: int,
        end_ms: int,
        columns: Sequence[str],
        *,
        email: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """The events of ``[start_ms, end_ms)`` (``usage_events`` columns named as there),
        streamed integration by integration (by id), each oldest first and, within an instant,
        in the order they were stored."""
        ...

    def recent_events(
        self, ids: Sequence[int], email: str, start_ms: int, end_ms: int, limit: int
    ) -> list[tuple[Any, ...]]:
        """A person's newest ``limit`` events of ``[start_ms, end_ms)``: (ts_ms, model, kind,
        cost_cents, input_tokens, output_tokens), newest first, pages that never overlap."""
        ...


def clickhouse(bind: Engine | Connection) -> Any:
    """The ClickHouse client the facts go to, or ``None`` when they stay in the database."""
    return bind.get_execution_options().get(CLICKHOUSE)


def cluster(bind: Engine | Connection) -> str | None:
    """The cluster the facts' tables are spread over, or ``None`` on one node."""
    return bind.get_execution_options().get(CLUSTER)


def of(conn: Connection) -> Facts:
    """The facts as of ``conn``'s snapshot: ClickHouse's when the engine has it, else SQL's."""
    client = clickhouse(conn)
    if client is None:
        return SqlFacts(conn)
    from pumpview.store.clickhouse.read import ClickHouseFacts  # noqa: PLC0415 - only then

    return ClickHouseFacts(conn, client)
