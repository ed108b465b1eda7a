"""An exact money column: NUMERIC on PostgreSQL, TEXT on SQLite (which has no decimal type and would
round-trip NUMERIC through float). Values go in and come out as ``Decimal``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

SQLITE_TEXT = Decimal.__str__
"""Money as SQLite stores it: the Decimal's own exact text, which ``Decimal(text)`` reads back."""


class Money(TypeDecorator[Decimal]):
    """Exact decimal cents, whatever the backend."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            msg = f"money must be Decimal, got {type(value).__name__}"
            raise TypeError(msg)
        return SQLITE_TEXT(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value)
