"""GitHub logins and people: Cursor and GitHub Copilot synced into one store from simulators
that share their people; a login an alias ties to a person is that person in the users report
(one row, each provider's part, exact against both simulators' truth), the others stay rows of
their own and are listed as unmapped, with a suggested person; the person page reads both."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet

from pumpview.integrations import runner
from pumpview.integrations.copilot import connection
from pumpview.reports import github_logins, person, person_keys, usage
from pumpview.reports.github_logins import Candidate, suggest
from pumpview.reports.ranges import Range
from pumpview.reports.scope import scope
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.truth import billing_truth, login_emails, seat_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.simulator.truth import by_user, totals
from pumpview.store import directory
from pumpview.store.engine import snapshot
from pumpview.timeutil import day_of, day_start_ms
from pumpview.vault import Vault
from tests.conftest import sync_served

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z, a Monday
DAYS = 8
MEMBERS = 12
CENTS = Decimal(100)
TODAY = day_of(NOW)
FIRST = TODAY - timedelta(days=DAYS - 1)


@dataclass
class Both:
    cursor: dict[str, Decimal]
    """Email -> Cursor's usage value over the days (cents)."""
    copilot: dict[str, Decimal]
    """``github:<login>`` -> Copilot's usage value over the days (cents)."""
    emails: dict[str, str]
    """``github:<login>`` -> the Cursor roster's email of the same person (not contractors)."""
    logins: set[str]
    """Every login with a seat (lower-case)."""


@pytest.fixture
def both(engine, serve) -> Both:
    """Cursor and Copilot of one organisation synced over the same days; the truth of each."""
    cursor = serve(now_ms=NOW, days=DAYS, members=MEMBERS)
    sync_served(engine, cursor, days=DAYS, now_ms=NOW)
    app = create_github_simulator(GitHubConfig(now_ms=NOW, days=DAYS, members=MEMBERS))
    org = app.state.sim.org
    vault = Vault(Fernet.generate_key())
    with serve_in_thread(app) as url, stamina.set_testing(True, attempts=100, cap=True):
        connection.connect(engine, vault, DEMO_GITHUB_TOKEN, org="acme", base_url=url,
                           team_name=None, now_ms=NOW, pacing=False)  # fmt: skip
        runner.run_sync(engine, vault, "copilot", pacing=False, backfill_days=DAYS,
                        clock=lambda: NOW)  # fmt: skip
    per_user = totals(cursor.sim.team, day_start_ms(FIRST), NOW, by_user)
    copilot: dict[str, Decimal] = defaultdict(Decimal)
    for offset in range(DAYS):
        for (login, _model, _sku), line in billing_truth(org, FIRST + timedelta(offset)).items():
            copilot[person_keys.GITHUB + login] += line.gross_amount * CENTS
    return Both(
        cursor={(e or "").lower(): t.spend_cents for e, t in per_user.items()},
        copilot={k: v for k, v in copilot.items() if v},
        emails={person_keys.GITHUB + k: v for k, v in login_emails(org).items()},
        logins={s.login.lower() for s in seat_truth(org) if s.login},
    )


def _linked(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return person_keys.linked_logins(conn)


def _map(engine, key: str, email: str) -> None:
    """What the page's Map button does: the login an alias of the person with ``email``."""
    with engine.begin() as conn:
        (who,) = [p.id for p in directory.load(conn).values() if p.email == email]
        directory.add_aliases(conn, who, [key], "admin")


def _users(engine) -> list[usage.UserRow]:
    with snapshot(engine) as conn:
        where = scope(conn, FIRST, TODAY)
        assert where is not None
        return usage.users(conn, where)


def _expected(both: Both, linked: dict[str, str]) -> dict[str, dict[str, Decimal]]:
    """Each row's key -> each provider's usage value, from the simulators' truth alone."""
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for email, cents in both.cursor.items():
        if cents:
            out[email]["cursor"] = cents
    for key, cents in both.copilot.items():
        out[linked.get(key, key)]["copilot"] = cents
    return out


def test_a_login_tied_to_a_person_is_one_row_with_both_providers_exactly(engine, both):
    """A person's row sums Cursor and their Copilot login exactly, each provider's part its
    truth; unmapped logins stay rows of their own, named ``GitHub <login>``."""
    auto = _linked(engine)
    assert auto  # the simulator plants public work emails: those logins are linked by the sync
    mapped = next(k for k in sorted(both.copilot) if k in both.emails and k not in auto)
    _map(engine, mapped, both.emails[mapped])
    linked = _linked(engine)
    assert linked == {**auto, mapped: both.emails[mapped]}
    rows = _users(engine)
    got = {
        r.email or "": {p: s.usage_cents for p, s in (r.providers or {}).items() if s.usage_cents}
        for r in rows
        if r.spend_cents
    }
    assert got == _expected(both, linked)
    by_email = {r.email: r for r in rows}
    mine = by_email[both.emails[mapped]]
    assert mine.spend_cents == both.cursor[mine.email or ""] + both.copilot[mapped]
    assert mapped not in by_email
    unmapped = [r for r in rows if (r.email or "").startswith(person_keys.GITHUB)]
    assert unmapped
    assert not {r.email for r in unmapped} & set(linked)
    for row in unmapped:
        assert row.name == f"GitHub {(row.email or '').removeprefix('github:')}"


def test_the_people_count_is_the_rows_of_the_report(engine, both):
    key = next(k for k in sorted(both.copilot) if k in both.emails and k not in _linked(engine))
    _map(engine, key, both.emails[key])
    with snapshot(engine) as conn:
        where = scope(conn, FIRST, TODAY)
        assert where is not None
        assert usage.people_count(conn, where) == len(usage.users(conn, where))


def test_unmapped_logins_are_the_logins_no_alias_names_with_their_usage(engine, both):
    """Every seat's and every usage's login no alias names, its usage value over the range its
    truth; a login mapped leaves the list."""
    with snapshot(engine) as conn:
        found = github_logins.unmapped(conn, FIRST, TODAY)
    linked = _linked(engine)
    everyone = both.logins | {k.removeprefix("github:") for k in both.copilot}
    assert {g.login for g in found.logins} == everyone - {k.removeprefix("github:") for k in linked}
    for g in found.logins:
        assert g.usage_cents == both.copilot.get("github:" + g.login, Decimal(0))
        assert g.last_day is None or FIRST <= g.last_day <= TODAY
    assert [g.usage_cents for g in found.logins] == sorted(
        (g.usage_cents for g in found.logins), reverse=True
    )
    first = found.logins[0]
    if "github:" + first.login in both.emails:
        _map(engine, "github:" + first.login, both.emails["github:" + first.login])
    else:
        with engine.begin() as conn:
            directory.add_aliases(conn, found.people[0].id, ["github:" + first.login], "admin")
    with snapshot(engine) as conn:
        again = github_logins.unmapped(conn, FIRST, TODAY)
    assert first.login not in {g.login for g in again.logins}
    assert len(again.logins) == len(found.logins) - 1


def test_a_roster_login_suggests_its_person_and_a_contractor_no_one(engine, both):
    """The simulator's logins are their Cursor email's local part with dashes: each suggests
    that person; the contractors (no Cursor email) suggest no one."""
    with snapshot(engine) as conn:
        found = github_logins.unmapped(conn, FIRST, TODAY)
    ids = {p.email: p.id for p in found.people}
    for g in found.logins:
        email = both.emails.get("github:" + g.login)
        assert g.suggested == (ids[email] if email else None), g.login


def test_the_person_page_holds_their_github_rows(engine, both):
    """A person's page (``reports.person``) sums their Cursor rows and their linked login's."""
    key = next(k for k in sorted(both.copilot) if k in both.emails)
    email = both.emails[key]
    _map(engine, key, email)
    with engine.connect() as conn:
        assert key in person_keys.keys_of(conn, email)
        assert person_keys.keys_of(conn, "nobody@acme.dev") == ["nobody@acme.dev"]
    shown = person.build(engine, email, Range("custom", FIRST, TODAY))
    assert shown is not None
    assert shown.total.spend_cents == both.cursor.get(email, Decimal(0)) + both.copilot[key]


# -- pure ---------------------------------------------------------------------------------------


def test_resolve_adds_a_linked_logins_values_into_its_person_exactly():
    rows = [
        ("ada@acme.dev", 2, Decimal("0.1")),
        ("github:ada-l", 3, Decimal("0.2")),
        ("github:bob", 1, Decimal("5")),
        (None, 1, Decimal("1")),
    ]
    got = person_keys.resolve(rows, {"github:ada-l": "ada@acme.dev", "github:eve": "eve@x"})
    assert got == [
        ("ada@acme.dev", 5, Decimal("0.3")),
        ("github:bob", 1, Decimal("5")),
        (None, 1, Decimal("1")),
    ]
    alone = person_keys.resolve([("github:ada-l", 1, Decimal("1e-20"))], {"github:ada-l": "a@b"})
    assert alone == [("a@b", 1, Decimal("1e-20"))]


def test_a_key_naming_no_person_is_labelled_by_its_kind():
    assert person_keys.label("github:ada-l") == "GitHub ada-l"
    assert person_keys.label("api-key:ci") == "API key ci"
    assert person_keys.label("ada@acme.dev") is None
    assert person_keys.label("github:") is None


@pytest.mark.parametrize(
    ("login", "want"),
    [
        ("ada-lovelace", 1),  # ada.lovelace@
        ("Ada-Lovelace", 1),
        ("grace_hopper", 2),  # by name: Grace Hopper
        ("alan", None),  # two people spell it
        ("octo-contractor", None),
        ("---", None),
    ],
)
def test_a_login_suggests_the_one_person_who_spells_it(login, want):
    people = [
        Candidate(1, "Ada King", "ada.lovelace@acme.dev"),
        Candidate(2, "Grace Hopper", "gh@acme.dev"),
        Candidate(3, "Alan T", "alan@acme.dev"),
        Candidate(4, None, "alan@other.dev"),
    ]
    assert suggest(login, people) == want


def test_a_candidate_is_labelled_by_name_and_email():
    assert Candidate(1, "Ada", "ada@x").label == "Ada (ada@x)"
    assert Candidate(1, None, "ada@x").label == "ada@x"
    assert Candidate(7, None, None).label == "person #7"
