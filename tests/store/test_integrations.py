"""The integrations' names, read in one place: their ids, what a person calls them, and which
hold a key (the ones the scheduler syncs)."""

from __future__ import annotations

from pumpview.store import integrations
from tests.conftest import NOW_MS


def add(conn, name, team_name=None):
    """A connected integration ``name``: a stand-in sealed key (nothing here opens it)."""
    return integrations.save(
        conn,
        {"name": name, "team_name": team_name, "key_ciphertext": "sealed", "key_hint": "key_…1234",
         "base_url": "http://127.0.0.1:9", "status": "connected", "connected_at_ms": NOW_MS,
         "backfill_days": 30},
    )  # fmt: skip


def test_names_come_in_the_order_of_the_names_whatever_the_order_they_were_added(engine):
    """Ids, display names (the team name, else the name) and the connected are all by name."""
    with engine.begin() as conn:
        eu = add(conn, "cursor-eu", "Acme Europe")
        main = add(conn, "cursor")
        assert integrations.ids(conn) == {"cursor": main, "cursor-eu": eu}
        assert list(integrations.ids(conn)) == ["cursor", "cursor-eu"]
        assert integrations.display_names(conn) == {"cursor": "cursor", "cursor-eu": "Acme Europe"}
        assert integrations.connected(conn) == ["cursor", "cursor-eu"]


def test_a_disconnected_integration_is_named_but_not_connected(engine):
    """Its key forgotten and its data kept, it is still a name to filter by, never synced."""
    with engine.begin() as conn:
        add(conn, "cursor")
        add(conn, "cursor-eu", "Acme Europe")
        integrations.forget_key(conn, "cursor", purge=False)
        assert integrations.connected(conn) == ["cursor-eu"]
        assert [row.name for row in integrations.names(conn)] == ["cursor", "cursor-eu"]
        assert [row.connected for row in integrations.names(conn)] == [False, True]


def test_no_integration_no_names(engine):
    """An empty store: nothing to name, nothing to sync."""
    with engine.connect() as conn:
        assert integrations.names(conn) == []
        assert integrations.ids(conn) == {}
        assert integrations.connected(conn) == []
