"""The CLI contract users' scripts rely on: connect, sync, list, report, disconnect.

Every test runs the real ``pumpview`` command on SQLite and on PostgreSQL: the shared ``db_url``
fixture makes a fresh database (PostgreSQL's on the session's throwaway server) and
``PUMPVIEW_DATABASE_URL`` points the CLI at it. Figures are compared with the simulator's ground
truth (``pumpview.simulator.truth``) to the digit, and ``sql`` looks at the rows the CLI stored.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import stamina
from sqlalchemy import Engine, func, select, text

from pumpview.cli.report import Kind
from pumpview.reports import limits, reconciliation, seat_use, spend, tool_activity
from pumpview.reports.plain import plain
from pumpview.reports.usage import COLUMNS, UNATTRIBUTED_NAME
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.store import tables
from pumpview.store.clickhouse import connection
from pumpview.store.engine import make_engine, open_store
from pumpview.store.integrations import DATA_TABLES
from pumpview.store.measures import MEASURES
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, from_ms, to_ms
from tests.cells import cell
from tests.cli.invoke import run
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT, events_seen

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_RATE_LIMIT", "off")
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(MONDAY_JUST_AFTER_MIDNIGHT).isoformat())
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", db_url)
    monkeypatch.delenv("PUMPVIEW_SECRET_KEY", raising=False)
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture
def sql(db_url) -> Iterator[Engine]:
    """Our own engine on the CLI's database, to look at the rows it stored."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def live(serve):
    """A simulator whose present is the CLI's (``PUMPVIEW_NOW``): a Monday just after midnight,
    the hour a wall clock once failed these tests at."""
    return serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=8)


def connect(capsys, live, *extra: str) -> tuple[int, str, str]:
    return run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", live.url, "--team-name", "Acme", *extra,
    )  # fmt: skip


def report(capsys, kind: str, *extra: str) -> list[dict[str, object]]:
    code, out, err = run(capsys, "report", kind, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def listing(capsys) -> list[dict[str, object]]:
    code, out, err = run(capsys, "integrations", "list", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def plain_measures(totals: gt.Totals) -> dict[str, object]:
    """Ground-truth totals as the JSON contract writes them: every measure, money as text."""
    return {name: plain(getattr(totals, name)) for name in MEASURES}


def measures(row: dict[str, object]) -> dict[str, object]:
    return {name: row[name] for name in MEASURES}


def spend_premium(live) -> dict[str, int]:
    """Cursor's own ``fastPremiumRequests`` per member, as ``/teams/spend`` sends it now."""
    with live.client() as http:
        payload = http.post("/teams/spend", json={"page": 1, "pageSize": 100}).json()
    assert payload["totalPages"] == 1
    return {r["email"].lower(): r["fastPremiumRequests"] for r in payload["teamMemberSpend"]}


def assert_reports_exact(capsys, live, first=None, last=None) -> None:
    """users, models, requests and daily (JSON) over ``[first, last]`` (open ends: all the
    simulated history) equal the ground truth, every measure to the digit."""
    team: Team = live.sim.team
    start = day_start_ms(first or team.first_day)
    end = day_start_ms(last) + MS_PER_DAY - 1 if last else team.now
    extra = [*(("--since", first.isoformat()) if first else ()),
             *(("--until", last.isoformat()) if last else ())]  # fmt: skip
    events = gt.visible_events(team, start, end)
    assert events  # the range holds data: an empty report would pass vacuously
    old_api = team.config.old_api

    by_user = gt.group(events, gt.by_user, old_api)
    names = {m.email.lower(): m.name for m in team.members if m.listed or m.is_service_account}
    users = report(capsys, "users", *extra)
    assert {r["email"]: measures(r) for r in users} == {
        email: plain_measures(t) for email, t in by_user.items()
    }
    assert {r["email"]: r["name"] for r in users} == {
        email: names[email] if email else UNATTRIBUTED_NAME for email in by_user
    }
    spends = [r["spend_cents"] for r in users]
    assert spends == sorted(spends, key=lambda cents: -Decimal(str(cents)))  # by spend

    by_model = gt.group(events, gt.by_model, old_api)
    models = report(capsys, "models", *extra)
    assert {r["model"]: {"users": r["users"], **measures(r)} for r in models} == {
        model: {"users": len({gt.by_user(e) for e in events if e.model == model}),
                **plain_measures(t)}
        for model, t in by_model.items()
    }  # fmt: skip

    premium = spend_premium(live)
    requests = report(capsys, "requests", *extra)
    assert {r["email"]: {k: v for k, v in r.items() if k != "name"} for r in requests} == {
        email: {
            "email": email,
            "fast_requests": t.fast_requests,
            "slow_requests": t.slow_requests,
            "not_charged_requests": t.not_charged_requests,
            "cursor_fast_premium_requests": premium.get(email) if email else None,
        }
        for email, t in by_user.items()
    }

    by_day = gt.group(events, gt.by_day, old_api)
    assert report(capsys, "daily", *extra) == [
        {"date": day.isoformat(), **plain_measures(by_day[day])} for day in sorted(by_day)
    ]


def count(sql: Engine, table) -> int:
    """The rows ``table`` holds: in ClickHouse for the facts when they live there."""
    facts_url = os.environ.get("PUMPVIEW_CLICKHOUSE_URL")
    if facts_url and table.name in ("usage_events", "usage_daily"):
        client = connection.connect(facts_url)
        sql_text = f"SELECT count() FROM {table.name}"  # noqa: S608 - our own table names
        return int(client.query(sql_text).result_rows[0][0])
    with sql.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def facts_seen(db_url: str) -> int:
    """The events the CLI's reports see, through a store opened as the CLI opens it."""
    engine = open_store(db_url, os.environ.get("PUMPVIEW_CLICKHOUSE_URL"))
    try:
        return events_seen(engine)
    finally:
        engine.dispose()


def stored(sql: Engine) -> bytes:
    """All the database holds: on SQLite its files whole (free pages and the WAL too); on
    PostgreSQL, whose files are the server's, every row of every table as JSON."""
    if sql.dialect.name == "sqlite":
        path = Path(str(sql.url.database))
        return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))
    with sql.connect() as conn:
        return "\n".join(
            line
            for table in tables.metadata.sorted_tables
            for line in conn.execute(
                text(f"SELECT row_to_json(t)::text FROM {table.name} t")  # noqa: S608 - our names
            ).scalars()
        ).encode()


def cli_connections(sql: Engine) -> list[str]:
    """The other sessions open on the PostgreSQL database: those the CLI's commands left."""
    with sql.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT application_name || ' ' || state FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def test_connect_sync_list_and_every_report_exactly(capsys, live, sql, db_url):
    """connect, sync, list and the four JSON reports: every figure equals the ground truth; the
    listing shows the key masked and the key is in no output and nowhere in the database."""
    code, out, err = connect(capsys, live)
    assert (code, out) == (0, "Connected cursor (Acme).\n"), err
    outputs = [out, err]
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    outputs += [out, err]
    team = live.sim.team
    visible = gt.visible_events(team, day_start_ms(team.first_day), team.now)
    days = {gt.by_day(e) for e in visible}
    assert out == (
        f"Synced {len(visible):,} events in 53 windows"  # a year of 7-day windows
        f"; Cursor returned data back to {min(days)}.\n"
    )

    code, out, err = run(capsys, "integrations", "list", "--format", "json")
    assert code == 0, err
    outputs += [out, err]
    (row,) = json.loads(out)
    assert (row["name"], row["team_name"], row["status"], row["key"]) == (
        "cursor", "Acme", "connected", f"crsr_…{DEMO_KEY[-4:]}",
    )  # fmt: skip
    assert row["events"] == facts_seen(db_url) == len(visible)
    assert (row["first_day"], row["last_day"]) == (min(days).isoformat(), max(days).isoformat())
    assert row["sync"].startswith("run 1 ok at ")

    code, out, err = run(capsys, "integrations", "list")  # the on-screen cards too
    assert code == 0, err
    outputs += [out, err]
    for output in outputs:
        assert DEMO_KEY not in output
        assert DEMO_KEY[5:] not in output
    held = stored(sql)
    assert b"Acme" in held  # the dump holds the rows: the check below is not vacuous
    assert DEMO_KEY[5:].encode() not in held  # the key's secret part, whole or prefixed

    assert_reports_exact(capsys, live)
    if sql.dialect.name == "postgresql":  # SQLite has no server to hold sessions open
        assert cli_connections(sql) == []  # every command closed what it opened


def test_csv_reports_parse_to_the_json_rows(capsys, live):
    """Each ``--format csv`` report parses as CSV with every column, and holds the JSON rows
    (``connect --sync`` this time: the sync run by the connect itself, the key in no output)."""
    code, out, err = connect(capsys, live, "--sync")
    assert code == 0, err
    assert DEMO_KEY[5:] not in out + err
    columns = {
        **COLUMNS,
        **spend.COLUMNS,
        "providers": tuple(c for c in spend.COLUMNS["providers"] if c != "service"),
        "seats": seat_use.COLUMNS,
        "users": (*COLUMNS["users"], *limits.COLUMNS),  # and each person's Cursor limit
        "reconciliation": reconciliation.COLUMNS,
        "activity": tool_activity.COLUMNS["people"],
    }
    for kind in (k for k in Kind if k is not Kind.anomalies):  # its own test: test_anomalies_cli
        code, out, err = run(capsys, "report", kind.value, "--format", "csv")
        assert code == 0, err
        reader = csv.DictReader(io.StringIO(out, newline=""))
        parsed = list(reader)
        assert tuple(reader.fieldnames or ()) == columns[kind.value]
        as_text = [{k: cell(v) for k, v in row.items()} for row in report(capsys, kind.value)]
        assert parsed == as_text, kind
        if kind is Kind.activity:  # Cursor reports no activity: the header alone
            assert parsed == []
        else:
            assert len(parsed) > (0 if kind is Kind.providers else 1)  # Cursor is the one provider


def test_since_and_until_are_inclusive_and_exact(capsys, live):
    """``--since``/``--until`` over the middle days, and ``--since D --until D`` over yesterday
    alone: the four reports equal those days' truth, the last day included."""
    assert connect(capsys, live, "--sync")[0] == 0
    first_day = live.sim.team.first_day
    first, last = first_day + timedelta(days=1), first_day + timedelta(days=3)
    assert_reports_exact(capsys, live, first, last)
    days = [r["date"] for r in report(capsys, "daily", "--since", first.isoformat(),
                                      "--until", last.isoformat())]  # fmt: skip
    assert days == [(first + timedelta(days=i)).isoformat() for i in range(3)]
    yesterday = day_of(live.sim.team.now) - timedelta(days=1)
    assert_reports_exact(capsys, live, yesterday, yesterday)


def test_second_sync_is_incremental_and_picks_up_late_events(capsys, live, sql, db_url):
    """A second sync re-reads only the recent, not yet final days (one window, where the first
    sync read a year): late events of yesterday arrive, nothing is duplicated, figures exact."""
    assert connect(capsys, live, "--sync")[0] == 0
    team = live.sim.team
    yesterday = day_start_ms(day_of(team.now)) - MS_PER_DAY
    late = team.add_arrivals(yesterday, yesterday + MS_PER_DAY - 1, 13)
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    recent = gt.visible_events(team, day_start_ms(day_of(team.now) - timedelta(days=3)), team.now)
    assert out == f"Synced {len(recent):,} events in 1 windows.\n"
    visible = gt.visible_events(team, day_start_ms(team.first_day), team.now)
    assert all(e in visible for e in late)
    assert facts_seen(db_url) == len(visible)
    with sql.connect() as conn:
        ran = conn.execute(
            select(tables.sync_runs.c.outcome, tables.sync_runs.c.windows_total).order_by(
                tables.sync_runs.c.id
            )
        ).all()
    assert [r.outcome for r in ran] == ["ok", "ok"]
    assert ran[0].windows_total > 1
    assert ran[1].windows_total == 1
    assert_reports_exact(capsys, live)


def test_disconnect_keeps_the_data_and_purge_deletes_it(capsys, live, sql, db_url):
    """Disconnect forgets the key but keeps the data (a sync says to connect again);
    ``disconnect --purge`` deletes every row it synced."""
    assert connect(capsys, live, "--sync")[0] == 0
    code, out, err = run(capsys, "integrations", "disconnect", "cursor")
    assert (code, out) == (0, "Disconnected cursor; its data is kept.\n"), err
    assert facts_seen(db_url) > 0
    assert len(report(capsys, "users")) > 0
    with sql.connect() as conn:
        assert conn.execute(select(tables.integrations.c.key_ciphertext)).scalar_one() is None
    assert listing(capsys)[0]["key"] is None
    code, _out, err = run(capsys, "sync")
    assert code == 1
    assert "connect it again" in err

    code, out, err = run(capsys, "integrations", "disconnect", "cursor", "--purge")
    assert (code, out) == (0, "Disconnected cursor; its data was deleted.\n"), err
    for table in (*DATA_TABLES, tables.integrations):
        assert count(sql, table) == 0, table.name
    assert report(capsys, "users") == []
    assert listing(capsys) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("integrations", "connect", "github", "--api-key", DEMO_KEY), "unknown integration"),
        (("integrations", "connect", "cursor", "--api-key", "sk-not-a-cursor-key"), "key_"),
        (("report", "users", "--since", "2025-13-01"), "--since"),
        (("report", "users", "--since", "20261101"), "expected YYYY-MM-DD"),
        (("report", "daily", "--since", "2025-03-02", "--until", "2025-03-01"), "after"),
        (("report", "bogus"), "bogus"),
        (("sync",), "no cursor integration"),
        (("sync", "--backfill-days", "0"), "--backfill-days"),
        (("integrations", "disconnect", "cursor"), "no cursor integration"),
    ],
)
def test_user_mistakes_get_one_line_errors(capsys, argv, message):
    """Each mistake ends with one `error:` line naming the problem and a non-zero exit."""
    code, _out, err = run(capsys, *argv)
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert "sk-not-a-cursor-key" not in err


def test_the_present_is_pumpview_nows_for_every_command(capsys, live, monkeypatch):
    """A sync, its run and the list all read the fixed present: a sync at a Monday just after
    midnight says so to the second, and the same store a day later shows that day."""
    assert connect(capsys, live, "--sync")[0] == 0
    assert listing(capsys)[0]["last_success"] == "2026-12-07 00:00 UTC"
    monkeypatch.setenv("PUMPVIEW_NOW", "2026-12-08T09:30:00+01:00")  # an offset is honoured
    live.sim.team.set_now(to_ms(datetime(2026, 12, 8, 8, 30, tzinfo=UTC)))
    assert run(capsys, "sync")[0] == 0
    assert listing(capsys)[0]["last_success"] == "2026-12-08 08:30 UTC"


def test_an_empty_report_says_why(capsys):
    code, out, err = run(capsys, "report", "users")
    assert (code, out) == (0, "")
    assert err == "No Cursor usage stored yet: run pumpview sync.\n"
    code, out, err = run(capsys, "report", "seats")
    assert (code, out) == (0, "")
    assert err == "No paid seats stored yet: run pumpview sync.\n"


def test_the_seats_report_counts_the_idle_seats_and_takes_no_range(capsys, live):
    """On screen, seats end with the idle ones' count and, with no price, say none is set; a
    range is refused in one line (seats are as of today)."""
    assert connect(capsys, live, "--sync")[0] == 0
    rows = report(capsys, "seats")
    idle = sum(1 for row in rows if row["idle"])
    code, out, err = run(capsys, "report", "seats")
    assert code == 0, err
    assert out.endswith(
        f"{idle} of {len(rows)} paid seats are idle; no seat price is set "
        "(Settings → Billing, or PUMPVIEW_SEAT_PRICE).\n"
    )
    code, _out, err = run(capsys, "report", "seats", "--since", "2026-12-01")
    assert code != 0
    assert err.strip().splitlines() == [
        "error: --since and --until are not for the seats report: seats are as of today"
    ]


def test_invalid_key_is_refused_with_what_to_do(capsys, live):
    """A well-formed key Cursor does not know is refused: invalid or revoked, make a new one."""
    unknown = "crsr_" + "0" * 64
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", unknown, "--base-url", live.url
    )
    assert code == 1
    assert "invalid or has been revoked" in err
    assert unknown not in err


def test_unreachable_base_url_is_a_clear_error(capsys):
    """Connecting to a port where nothing listens fails with one line, no traceback."""
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "127.0.0.1:9" in err or "connect" in err.lower()


def test_list_shows_each_integration_whole_on_a_narrow_terminal(capsys, live, monkeypatch):
    """On screen each integration is a card, so an 80-column terminal still shows the whole
    status message; with none connected, the list says how to connect."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _err = run(capsys, "integrations", "list")
    assert (code, out.strip()) == (
        0,
        "No integrations yet: pumpview integrations connect cursor --api-key KEY",
    )
    connect(capsys, live)
    live.sim.revoke(DEMO_KEY)
    assert run(capsys, "sync")[0] == 1
    _code, out, _err = run(capsys, "integrations", "list")
    message = listing(capsys)[0]["message"]
    assert len(message) > 40  # longer than a squeezed column would show
    card = _card(out)
    assert (card["status"], card["message"], card["key"]) == (
        "revoked",
        message,
        "crsr_…" + DEMO_KEY[-4:],
    )


def _card(text: str) -> dict[str, str]:
    """A printed field/value card as a dict; a value wrapped over several lines is joined."""
    card: dict[str, str] = {}
    field = ""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) != 2:
            continue
        field = cells[0] or field
        card[field] = f"{card[field]} {cells[1]}" if cells[0] == "" else cells[1]
    return card


def test_two_cursor_teams_live_side_by_side_and_are_never_merged(capsys, serve):
    """A second team's key over the first integration is refused; as its own integration it
    syncs apart, and each report equals its own team's ground truth. The first team again
    under a new name is refused too: every report would count it twice."""
    one, two = (
        serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=10, seed=s) for s in (1, 2)
    )
    rosters = [{m.email.lower() for m in x.sim.team.members if m.email} for x in (one, two)]
    assert 0 < len(rosters[0] & rosters[1]) < 4  # two teams with a few people in common
    assert connect(capsys, one, "--sync")[0] == 0
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", two.url,
    )  # fmt: skip
    assert code == 1
    assert "different Cursor team" in err
    assert "--name" in err
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--name", "cursor-eu", "--api-key",
        DEMO_KEY, "--base-url", two.url, "--team-name", "Acme EU", "--sync",
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--name", "cursor-2", "--api-key",
        DEMO_KEY, "--base-url", one.url,
    )  # fmt: skip
    assert (code, err.strip()) == (
        1,
        "error: this key's Cursor team is already connected as the integration 'cursor'; to "
        "give it a new key: pumpview integrations connect cursor --name cursor",
    )
    for name, served in (("cursor", one), ("cursor-eu", two)):
        team = served.sim.team
        want = gt.totals(team, day_start_ms(team.first_day), team.now, gt.by_user)
        users = report(capsys, "users", "--integration", name)
        assert {r["email"]: r["spend_cents"] for r in users} == {
            email: plain(t.spend_cents) for email, t in want.items()
        }
    assert {r["name"]: r["team_name"] for r in listing(capsys)} == {
        "cursor": "Acme",
        "cursor-eu": "Acme EU",
    }


def test_reconnecting_without_a_team_name_keeps_it(capsys, live):
    connect(capsys, live)
    code, _out, _err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url", live.url
    )
    assert code == 0
    assert listing(capsys)[0]["team_name"] == "Acme"


def test_upstream_strings_reach_the_terminal_without_control_characters(capsys, live):
    """A team name with an ANSI escape and a carriage return is shown inert on screen, and a
    CSV row holding a bare \\r stays one row."""
    nasty = "Acme\x1b[31m RED\rX\x07"
    code, out, _err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url",
        live.url, "--team-name", nasty,
    )  # fmt: skip
    assert code == 0
    assert "\x1b" not in out
    assert "\r" not in out
    _code, out, _err = run(capsys, "integrations", "list")
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\r" not in out
    _code, out, _err = run(capsys, "integrations", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["team_name"] for r in rows] == [nasty]  # kept exactly, quoted, one row


def test_list_says_when_the_key_can_no_longer_be_decrypted(capsys, live, tmp_path):
    """With another secret the stored key is unreadable: list says so instead of connected."""
    connect(capsys, live)
    (tmp_path / "home" / "secret.key").write_bytes(b"Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=")
    (row,) = listing(capsys)
    assert row["status"] == "error"
    assert "cannot be decrypted" in row["message"]


def test_a_sync_that_finds_the_key_revoked_prints_its_alert_once(capsys, live):
    """``pumpview sync`` evaluates the alerts after its run, failed or not: the revoked key is
    one alert (on stderr), and the next sync prints none; ``alerts list`` shows it."""
    assert connect(capsys, live)[0] == 0
    assert run(capsys, "sync")[0] == 0
    live.sim.revoke(DEMO_KEY)
    code, _out, err = run(capsys, "sync")
    assert code == 1
    assert err.count("Alert: Cursor no longer accepts the key of ") == 1
    code, _out, err = run(capsys, "sync")
    assert code == 1
    assert "Alert:" not in err
    code, out, _ = run(capsys, "alerts", "list", "--format", "json")
    assert [(a["rule"], a["scope_value"]) for a in json.loads(out)] == [("integration", "cursor")]
