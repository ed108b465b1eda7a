"""What every command needs, built once at the edge from settings and global flags."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import typer
from sqlalchemy import Engine

from pumpview.settings import Settings, load_settings
from pumpview.store.engine import open_store
from pumpview.vault import Vault


@dataclass
class Context:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.settings.db_url)

    @cached_property
    def vault(self) -> Vault:
        return Vault.from_settings(self.settings)


def current(ctx: typer.Context) -> Context:
    """The context the root callback stored (a fresh one when a command runs on its own)."""
    found = ctx.find_object(Context)
    return found if found is not None else Context(load_settings())
