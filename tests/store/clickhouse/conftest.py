"""One chDB engine per test process (chDB opens one path per process), a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client

from pumpview.store.clickhouse import connection
from pumpview.store.clickhouse.schema import DATABASE, migrate


@pytest.fixture(scope="session")
def chdb_url(chdb_path: Path) -> Iterator[str]:
    """The URL of this process's embedded ClickHouse (the one path every test of the process
    shares: ``tests/conftest.py``), closed when the session ends."""
    url = f"chdb://{chdb_path}"
    yield url
    connection.close(url)


@pytest.fixture
def fresh(chdb_url: str) -> Iterator[Client]:
    """The process's chDB client on an empty database of its own, dropped afterwards."""
    client = connection.connect(chdb_url)
    name = f"test_{uuid.uuid4().hex}"
    client.command(f"CREATE DATABASE {name}")
    client.database = name
    try:
        yield client
    finally:
        client.database = DATABASE
        client.command(f"DROP DATABASE {name} SYNC")


@pytest.fixture
def facts(fresh: Client) -> Client:
    """A fresh database with the schema at head."""
    migrate(fresh)
    return fresh
