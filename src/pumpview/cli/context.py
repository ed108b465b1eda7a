"""What every command needs, built once at the edge from settings and global flags."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from pumpview.reports.billing import Billing
    from pumpview.settings import Settings
    from pumpview.timeutil import Clock
    from pumpview.vault import Vault


@dataclass
class Context:
    settings: Settings

    # Imported when first used: ``pumpview --help`` needs no SQLAlchemy, cryptography or pydantic.
    @cached_property
    def engine(self) -> Engine:
        from pumpview.settings import private_home  # noqa: PLC0415

        private_home(self.settings)
        return self.settings.open_store()

    @cached_property
    def vault(self) -> Vault:
        from pumpview.settings import private_home  # noqa: PLC0415

        private_home(self.settings)
        return self.settings.vault()

    @property
    def clock(self) -> Clock:
        """The present every command reads (``PUMPVIEW_NOW`` fixes it)."""
        return self.settings.clock

    @property
    def billing(self) -> Billing:
        """The billing settings in force: the stored ones (``pumpview billing set``, Settings →
        Billing) over the ``PUMPVIEW_*`` defaults. Every command that prices seats reads them."""
        from pumpview.reports.billing import resolve  # noqa: PLC0415 - SQLAlchemy, when read

        with self.engine.connect() as conn:
            return resolve(conn, self.settings.billing)

    def close(self) -> None:
        """Close the store's connections, if a command opened it (PostgreSQL's are sockets)."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def current(ctx: typer.Context) -> Context:
    """The context the root callback stored (a fresh one when a command runs on its own)."""
    if (found := ctx.find_object(Context)) is not None:
        return found
    from pumpview.settings import load_settings  # noqa: PLC0415 - pydantic, once a command runs

    return Context(load_settings())
