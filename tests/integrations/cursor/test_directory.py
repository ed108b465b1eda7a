"""Cursor's members and billing groups into the directory: found as a mapping's rows are found,
moved between groups from the day seen, and nothing written when nothing changed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, insert

from pumpview.integrations.cursor import directory as cursor_directory
from pumpview.people.mapping import parse
from pumpview.people.membership import Membership
from pumpview.store import directory, integrations, tables
from pumpview.store.directory import apply

NOW = 1_800_000_000_000
MAR_1, MAR_9 = date(2026, 3, 1), date(2026, 3, 9)


def _team(conn, members: dict[str, str | None]) -> None:
    """One Cursor team whose members (email -> billing group) are as given, as a sync stores
    them."""
    for table in (tables.group_members, tables.billing_groups, tables.cursor_members):
        conn.execute(table.delete())
    iid = conn.execute(tables.integrations.select().with_only_columns(
        tables.integrations.c.id)).scalar()  # fmt: skip
    if iid is None:
        iid = integrations.save(conn, {"name": "cursor", "base_url": "x", "status": "connected",
                                       "connected_at_ms": NOW, "backfill_days": 1})  # fmt: skip
    for email, group in members.items():
        name = email.split("@")[0].title()
        conn.execute(insert(tables.cursor_members).values(
            integration_id=iid, email=email, name=name, is_removed=False))  # fmt: skip
        if group:
            conn.execute(insert(tables.billing_groups).prefix_with("OR IGNORE")
                         if conn.dialect.name == "sqlite" else insert(tables.billing_groups),
                         {"integration_id": iid, "group_id": group, "name": group})  # fmt: skip
            conn.execute(insert(tables.group_members).values(
                integration_id=iid, group_id=group, email=email))  # fmt: skip


def test_a_member_is_the_person_a_mapping_knew_by_their_label_spelling(engine):
    """A mapping names Alex without an email, by the alias ``alex_corp_com``; Cursor then lists
    alex@corp.com: one person, who gets the email, keeps the alias, the mapping's name and team."""
    with engine.begin() as conn:
        apply(conn, parse(b"email,name,aliases,team\n,Alex,alex_corp_com,Platform\n", "m.csv"),
              now_ms=NOW)  # fmt: skip
        _team(conn, {"alex@corp.com": "Data"})
        cursor_directory.refresh(conn, MAR_1, NOW)
        (alex,) = directory.load(conn).values()
    assert (alex.email, alex.name) == ("alex@corp.com", "Alex")
    assert {"alex@corp.com", "alex_corp_com"} <= set(alex.aliases)
    assert alex.memberships == [Membership("Platform", None, None, "csv")]  # not the group's


def test_a_group_move_dates_from_the_day_seen_and_an_unchanged_roster_writes_nothing(engine):
    with engine.begin() as conn:
        _team(conn, {"bo@corp.com": "Data", "cy@corp.com": None})
        cursor_directory.refresh(conn, MAR_1, NOW)
    deletes: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(statement)

    with engine.begin() as conn:
        cursor_directory.refresh(conn, MAR_9, NOW)  # the same roster: nothing to write
        assert deletes == []
        _team(conn, {"bo@corp.com": "Mobile", "cy@corp.com": None})
        cursor_directory.refresh(conn, MAR_9, NOW)
        people = {p.email: p for p in directory.load(conn).values()}
    event.remove(engine, "before_cursor_execute", seen)
    assert people["bo@corp.com"].memberships == [
        Membership("Data", None, MAR_9, "cursor"), Membership("Mobile", MAR_9, None, "cursor"),
    ]  # fmt: skip
    assert (people["bo@corp.com"].name, people["cy@corp.com"].memberships) == ("Bo", [])
