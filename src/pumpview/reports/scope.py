"""What a report covers: a ``Scope`` (the Cursor integrations and a ``ranges.Range`` of UTC
days), resolved from names and open ends. Every figure is an exact sum over an inclusive range
of UTC days, read from the facts (``store.facts``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from pumpview.errors import UserInputError
from pumpview.reports.ranges import Range
from pumpview.store import facts
from pumpview.store import integrations as integrations_store

PROVIDERS = ("cursor", "claude-code", "copilot")
"""Every provider a report can be narrowed to (``integrations.providers``' names)."""


ALL = "all"
"""Every provider: the ``--provider`` / ``?provider=`` default."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: integration ids and an inclusive range of UTC days."""

    integration_ids: tuple[int, ...]
    range: Range
    provider: str = ALL
    """The provider asked for (``cursor``, ``claude-code``, ``copilot``), or ``all``."""
    providers: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """Each provider in scope with its integrations' ids, in the order of the providers'
    names."""

    def days(self) -> tuple[tuple[int, ...], date, date]:
        """The integrations, first and last day: what ``store.facts`` is asked with."""
        return self.integration_ids, self.range.since, self.range.until


def scope(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    provider: str | None = None,
) -> Scope | None:
    """The report scope, with an open end set to the stored data's; ``None`` when no data.

    ``integrations`` are names (all when ``None``), of ``provider`` only when given (``all``:
    every provider); an unknown name or provider is a ``UserInputError``.
    """
    ids = integration_ids(conn, integrations)
    kinds = {iid: kind for iid, kind in integrations_store.providers(conn).items() if iid in ids}
    chosen = provider or ALL
    if chosen != ALL:
        if chosen not in PROVIDERS:
            msg = f"unknown provider {chosen!r}; available: {', '.join((*PROVIDERS, ALL))}"
            raise UserInputError(msg, field="provider")
        ids = tuple(iid for iid in ids if kinds[iid] == chosen)
    grouped = _grouped(ids, kinds)
    if since is None or until is None:
        stored = facts.of(conn).span(ids)
        if stored is None:
            return None
        since, until = since or stored[0], until or stored[1]
    if since > until:
        return None
    return Scope(ids, Range("custom", since, until), chosen, grouped)


def of_ids(conn: Connection, integration_ids: Sequence[int], span: Range) -> Scope:
    """Every provider of the integrations ``integration_ids`` over ``span``, as ``scope`` makes
    it from names."""
    ids = tuple(sorted(integration_ids))
    return Scope(ids, span, ALL, _grouped(ids, integrations_store.providers(conn)))


def _grouped(ids: Sequence[int], kinds: dict[int, str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Each provider of ``ids`` with its ids, in the order of the providers' names."""
    return tuple(
        (kind, tuple(iid for iid in ids if kinds[iid] == kind))
        for kind in sorted({kinds[iid] for iid in ids})
    )


def integration_ids(
    conn: Connection, names: Sequence[str] | None, provider: str | None = None
) -> tuple[int, ...]:
    """The ids of the integrations ``names`` (all when ``None``), of ``provider`` only when
    given; an unknown name is a ``UserInputError`` that lists the known ones."""
    known = integrations_store.ids(conn)
    if names:
        unknown = sorted(set(names) - set(known))
        if unknown:
            msg = f"no integration named {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            raise UserInputError(msg)
        ids = sorted(known[name] for name in set(names))
    else:
        ids = sorted(known.values())
    if provider is not None:
        kinds = integrations_store.providers(conn)
        ids = [iid for iid in ids if kinds[iid] == provider]
    return tuple(ids)
