"""A people mapping planned against the directory, line by line, then applied: on SQLite and
PostgreSQL, and seen by the people and teams reports through a FOCUS file's owner tags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pumpview.errors import UserInputError
from pumpview.integrations.focus.importer import import_file
from pumpview.people.mapping import Row, parse
from pumpview.people.membership import Membership
from pumpview.people.person import Person
from pumpview.people.plan import (
    PlanError,
    Stale,
    by_line,
    fingerprint,
    leave_teams,
    plan,
    summary,
    unalias,
)
from pumpview.reports import spend
from pumpview.reports.attribution import UNTAGGED
from pumpview.store import directory
from pumpview.store.directory import apply
from tests.integrations.focus.test_reader import HEADER as FOCUS_HEADER
from tests.integrations.focus.test_reader import write

NOW = 1_800_000_000_000
FEB, MAR = date(2026, 2, 1), date(2026, 3, 1)
MAPPING = """email,name,aliases,team,valid_from,valid_to
alex@corp.com,Alex Kim,alex;alex.kim,Platform,,2026-03-10
alex@corp.com,,,Data,2026-03-10,
,Build Bot,ci-bot,Platform,,
"""


def lines(changes) -> list[str]:
    return [f"{c.line}: {c}" for c in by_line(changes)]


def cursor_alex() -> dict[int, Person]:
    """Alex as a Cursor sync makes them: their email (both spellings), a billing group's team."""
    return {1: Person(1, "alex@corp.com", "alex", ["alex@corp.com", "alex_corp_com"],
                      [Membership("Platform", None, None, "cursor")])}  # fmt: skip


def test_an_empty_directory_gets_everyone_in_the_file():
    changes = plan({}, parse(MAPPING, "people.csv"))
    assert lines(changes) == [
        "2: Alex Kim (alex@corp.com): new person",
        "2: Alex Kim (alex@corp.com): alias alex added",
        "2: Alex Kim (alex@corp.com): alias alex.kim added",
        "2: Alex Kim (alex@corp.com): team: Platform until 2026-03-10, then Data from 2026-03-10",
        "4: Build Bot: new person",
        "4: Build Bot: alias ci-bot added",
        "4: Build Bot: team: Platform",
    ]
    assert summary(changes) == "2 new people, 3 aliases, 2 team changes"


def test_a_cursor_member_is_found_by_email_and_moves_team_with_history_kept():
    """The billing group's span is cut, not lost; the person leaves the billing groups' hands."""
    rows = [Row(2, "alex@corp.com", "Alex Kim", team="Data", valid_from=MAR)]
    assert lines(plan(cursor_alex(), rows)) == [
        "2: alex (alex@corp.com): name 'alex' → 'Alex Kim'",
        "2: Alex Kim (alex@corp.com): team: Platform until 2026-03-01, then Data from 2026-03-01 "
        "(was Platform, from Cursor's billing groups); Cursor's billing groups no "
        "longer change their team",
    ]


def test_a_span_inside_another_splits_it():
    rows = [Row(2, "alex@corp.com", team="Data", valid_from=FEB, valid_to=MAR)]
    (change,) = plan(cursor_alex(), rows)
    assert change.text.startswith(
        "team: Platform until 2026-02-01, then Data from 2026-02-01 until 2026-03-01, then "
        "Platform from 2026-03-01 (was Platform"
    )


def test_what_is_already_true_is_no_change():
    """The team and span as they are (set by a mapping before), aliases held, the same name,
    the email's own alias: nothing to do. A span inside one of the same team is already true."""
    people = cursor_alex()
    people[1].memberships = [Membership("Platform", None, None, "csv")]
    rows = [
        Row(2, "alex@corp.com", "alex", ("alex_corp_com", "alex@corp.com"), "Platform"),
        Row(3, "alex@corp.com", team="Platform", valid_from=FEB, valid_to=MAR),
    ]
    assert plan(people, rows) == []


def test_an_alias_moves_saying_from_whom_but_never_someone_elses_email():
    people = {**cursor_alex(), 2: Person(2, "sam@corp.com", "Sam Lee", ["sam@corp.com", "ax"])}
    changes = plan(people, parse("email,aliases\nalex@corp.com,ax\n", "p.csv"))
    assert lines(changes) == ["2: alex (alex@corp.com): alias ax moved from Sam Lee (sam@corp.com)"]
    with pytest.raises(PlanError) as bad:
        plan(people, parse("email,aliases\nalex@corp.com,Sam@Corp.com\n", "p.csv"))
    assert str(bad.value) == (
        "p.csv, line 2, column aliases: sam@corp.com is the email of Sam Lee (sam@corp.com): it "
        "names them alone"
    )
    assert bad.value.column == "aliases"


def test_one_alias_for_two_people_in_one_file_is_an_error():
    text = "email,aliases\nalex@corp.com,alex\nsam@corp.com,alex\n"
    with pytest.raises(UserInputError) as bad:
        plan({}, parse(text, "p.csv"))
    assert str(bad.value) == (
        "p.csv, line 3, column aliases: alias 'alex' was given to alex@corp.com on line 2"
    )


def test_a_cloud_owner_known_by_an_alias_gets_the_email_when_a_row_gives_it():
    people = {7: Person(7, None, None, ["alex"], [Membership("Data", None, None, "csv")])}
    changes = plan(people, [Row(2, "alex@corp.com", "Alex Kim", ("alex",))])
    assert lines(changes) == [
        "2: the person known as alex: email alex@corp.com",
        "2: alex@corp.com: named 'Alex Kim'",
    ]


def test_a_row_without_email_names_its_person_by_alias_then_by_name():
    people = {
        3: Person(3, None, "Build Bot", ["ci-bot"]),
        4: Person(4, "a@x.io", "Ann", ["a@x.io"]),
    }
    rows = [Row(2, name="Build Robot", aliases=("ci-bot",)), Row(3, name="ANN", team="Data")]
    assert lines(plan(people, rows)) == [  # a name that found its person, case aside, stays
        "2: Build Bot: name 'Build Bot' → 'Build Robot'",
        "3: Ann (a@x.io): team: Data",
    ]
    people[5] = Person(5, "ann@y.io", "Ann", ["ann@y.io"])
    with pytest.raises(PlanError) as bad:
        plan(people, parse("name,team\nAnn,Data\n", "p.csv"))
    assert str(bad.value) == (
        "p.csv, line 2, column name: 2 people are named 'Ann': add an email or an alias"
    )


def test_a_later_row_finds_by_name_whom_an_earlier_row_named_or_made():
    people = {4: Person(4, "a@x.io", None, ["a@x.io"])}
    rows = [Row(2, "a@x.io", "Ann Lee"), Row(3, name="ann lee", team="Data"),
            Row(4, name="Bo", aliases=("bo",)), Row(5, name="BO", team="Ops")]  # fmt: skip
    assert lines(plan(people, rows)) == [
        "2: a@x.io: named 'Ann Lee'",
        "3: Ann Lee (a@x.io): team: Data",
        "4: Bo: new person",
        "4: Bo: alias bo added",
        "5: Bo: team: Ops",
    ]


def test_an_admin_removes_an_alias_but_not_an_email_and_ends_a_membership():
    people = cursor_alex()
    assert [str(c) for c in unalias(people, 1, "ALEX_corp_com ")] == [
        "alex (alex@corp.com): alias alex_corp_com removed"
    ]
    for value, says in (
        ("alex@corp.com", "alex@corp.com is alex's email: it names them, and stays"),
        ("bob", "alex has no alias 'bob'"),
    ):
        with pytest.raises(PlanError) as bad:
            unalias(people, 1, value)
        assert (str(bad.value), bad.value.column) == (says, "alias")
    assert [str(c) for c in leave_teams(people, 1, MAR)] == [
        "alex (alex@corp.com): team: Platform until 2026-03-01 (was Platform, "
        "from Cursor's billing groups)"
    ]
    assert leave_teams({2: Person(2, None, "Bo", ["bo"])}, 2, MAR) == []


# -- applied, on both databases -------------------------------------------------------------


def test_applied_the_directory_says_what_the_file_says_and_again_plans_nothing(engine):
    mapping = parse(MAPPING, "people.csv")
    with engine.begin() as conn:
        done = apply(conn, mapping, now_ms=NOW)
    assert summary(done) == "2 new people, 3 aliases, 2 team changes"
    with engine.connect() as conn:
        people = directory.load(conn)
    got = {p.label: (p.email, sorted(p.aliases), p.memberships) for p in people.values()}
    assert got == {
        "Alex Kim": ("alex@corp.com", ["alex", "alex.kim", "alex@corp.com", "alex_corp_com"], [
            Membership("Platform", None, date(2026, 3, 10), "csv"),
            Membership("Data", date(2026, 3, 10), None, "csv")]),
        "Build Bot": (None, ["ci-bot"], [Membership("Platform", None, None, "csv")]),
    }  # fmt: skip
    assert plan(people, mapping) == []
    with engine.begin() as conn:
        assert apply(conn, mapping, now_ms=NOW) == []


def test_an_apply_after_the_directory_changed_since_its_preview_changes_nothing(engine):
    mapping = parse(MAPPING, "people.csv")
    with engine.connect() as conn:
        preview = plan(directory.load(conn), mapping)
    with engine.begin() as conn:
        directory.add_person(conn, "alex@corp.com", "Alex", "cursor", NOW)  # a sync, meanwhile
    with pytest.raises(Stale) as stale, engine.begin() as conn:
        apply(conn, mapping, now_ms=NOW, expect=fingerprint(preview))
    assert str(stale.value).startswith("the people changed since the preview of people.csv")
    with engine.connect() as conn:
        assert [p.label for p in directory.load(conn).values()] == ["Alex"]


def test_an_email_given_later_and_an_admins_edits_are_stored(engine):
    with engine.begin() as conn:
        apply(conn, parse("name,aliases\nAlex,alex\n", "a.csv"), now_ms=NOW)
        apply(conn, parse("email,aliases,team\nalex@corp.com,alex,Data\n", "b.csv"), now_ms=NOW)
        (alex,) = directory.load(conn).values()
        apply(conn, unalias(directory.load(conn), alex.id, "alex_corp_com"), now_ms=NOW)
        apply(conn, leave_teams(directory.load(conn), alex.id, MAR), now_ms=NOW)
        (alex,) = directory.load(conn).values()
    assert (alex.email, alex.name, sorted(alex.aliases)) == (
        "alex@corp.com", "Alex", ["alex", "alex@corp.com"])  # fmt: skip
    assert alex.memberships == [Membership("Data", None, MAR, "csv")]  # cut, still the file's


# -- what the reports make of it ------------------------------------------------------------


def focus_row(day: str, cost: str, tags: str = "") -> str:
    start, end = f"{day}T00:00:00Z", f"{day}T23:00:00Z"
    quoted = '"' + tags.replace('"', '""') + '"' if tags else ""
    return f"{cost},{cost},{cost},USD,2026-03-01,2026-04-01,{start},{end},AWS,EC2,{quoted},"


def test_the_reports_give_a_tagged_cost_to_its_person_and_the_team_of_its_day(engine, tmp_path):
    """Alex moves from Platform to Data on 10 March: their owner-tagged costs of the 8th and
    9th are Platform's, of the 10th and 11th Data's, to the last decimal; a team tag wins over
    the person's team; a cost with neither tag is untagged, in both reports."""
    costs = {  # day, owner tag value, team tag, cost
        ("2026-03-08", "alex", None): Decimal("1.0000000001"),
        ("2026-03-09", "Alex_Corp_Com", None): Decimal("2.25"),
        ("2026-03-10", "alex.kim", None): Decimal("4.125"),
        ("2026-03-11", "alex@corp.com", None): Decimal("8.0625"),
        ("2026-03-11", "alex", "Security"): Decimal("16.5"),
        ("2026-03-09", "ci-bot", None): Decimal("0.333333333"),
        ("2026-03-10", None, None): Decimal("64.01"),
    }
    body = [FOCUS_HEADER]
    for (day, owner, team), cost in costs.items():
        tags = {"owner": owner, "team": team}
        json = ", ".join(f'"{k}": "{v}"' for k, v in tags.items() if v)
        body.append(focus_row(day, str(cost), "{" + json + "}" if json else ""))
    focus = write(tmp_path, "\n".join(body) + "\n")
    with engine.begin() as conn:
        apply(conn, parse(MAPPING, "people.csv"), now_ms=NOW)
    import_file(engine, focus, source="aws", now_ms=NOW)

    def total(*keys: tuple[str, str | None, str | None]) -> Decimal:
        return sum((costs[k] for k in keys), Decimal(0))

    alex = [k for k in costs if k[1] and k[1].lower() in ("alex", "alex_corp_com", "alex.kim",
                                                         "alex@corp.com")]  # fmt: skip
    with engine.connect() as conn:
        where = spend.scope(conn, date(2026, 3, 8), date(2026, 3, 11))
        assert where is not None
        people = {(r.person, r.team): r.cloud_effective_cost for r in spend.people(conn, where)}
        teams = {r.team: (r.cloud_effective_cost, r.untagged_cloud_cost, r.members)
                 for r in spend.teams(conn, where)}  # fmt: skip
    assert people == {
        ("Alex Kim", "Data"): total(*alex),
        ("Build Bot", "Platform"): costs[("2026-03-09", "ci-bot", None)],
        (UNTAGGED, None): costs[("2026-03-10", None, None)],
    }
    assert teams == {
        "Platform": (total(("2026-03-08", "alex", None), ("2026-03-09", "Alex_Corp_Com", None),
                           ("2026-03-09", "ci-bot", None)), Decimal(0), 2),
        "Data": (total(("2026-03-10", "alex.kim", None), ("2026-03-11", "alex@corp.com", None)),
                 Decimal(0), 1),
        # a team tag alone: its cost is the team's, its owner is not one of its members
        "Security": (costs[("2026-03-11", "alex", "Security")], Decimal(0), 0),
        UNTAGGED: (costs[("2026-03-10", None, None)], costs[("2026-03-10", None, None)], 0),
    }  # fmt: skip
