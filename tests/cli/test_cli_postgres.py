"""The CLI contract of ``tests/cli/test_cursor_cli.py``, end to end on PostgreSQL.

Every test here runs the real ``pumpview`` command with ``PUMPVIEW_DATABASE_URL`` set to a fresh
database on the session's throwaway PostgreSQL server. It takes the shared ``db_url`` fixture
with only its ``postgresql`` parameter (``pytestmark`` below parametrises it indirectly), so the
database is made exactly as the store tests make theirs. Figures are compared with the
simulator's ground truth (``pumpview.simulator.truth``) to the digit, as the SQLite tests do, and
the stored rows are checked with SQL through SQLAlchemy on the same URL (psycopg 3, as
``pumpview.store.engine.make_engine`` maps ``postgresql://``).
"""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import stamina
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from pumpview.cli import main
from pumpview.cli.report import Kind
from pumpview.reports import spend
from pumpview.reports.plain import plain
from pumpview.reports.usage import COLUMNS, UNATTRIBUTED_NAME
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.store import tables
from pumpview.store.integrations import DATA_TABLES
from pumpview.store.measures import MEASURES
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, from_ms
from tests.conftest import MONDAY_JUST_AFTER_MIDNIGHT

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


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
    engine = create_engine(make_url(db_url).set(drivername="postgresql+psycopg"))
    yield engine
    engine.dispose()


@pytest.fixture
def live(serve):
    """A simulator whose present is the CLI's (``PUMPVIEW_NOW``): a Monday just after midnight,
    the hour a wall clock once failed these tests at."""
    return serve(now_ms=MONDAY_JUST_AFTER_MIDNIGHT, days=5, members=8)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def plain_measures(totals: gt.Totals) -> dict[str, object]:
    """Ground-truth totals as the JSON contract writes them: every measure, money as text."""
    return {name: plain(getattr(totals, name)) for name in MEASURES}


def connect_and_sync(capsys, live) -> list[str]:
    """``integrations connect cursor`` then ``sync``; every output, for the key checks."""
    code, out1, err1 = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", live.url, "--team-name", "Acme",
    )  # fmt: skip
    assert code == 0, err1
    assert out1 == "Connected cursor (Acme).\n"
    code, out2, err2 = run(capsys, "sync")
    assert code == 0, err2
    return [out1, err1, out2, err2]


def report(capsys, kind: str, *extra: str) -> list[dict[str, object]]:
    code, out, err = run(capsys, "report", kind, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


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
    with sql.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_connect_sync_list_and_every_report_exactly(capsys, live, sql):
    """connect, sync, list and the four JSON reports on PostgreSQL: every figure equals the
    ground truth; the listing shows the key masked and it is in no output and no stored row."""
    outputs = connect_and_sync(capsys, live)
    team = live.sim.team
    visible = gt.visible_events(team, day_start_ms(team.first_day), team.now)
    days = {gt.by_day(e) for e in visible}
    assert outputs[2] == (
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
    assert row["events"] == count(sql, tables.usage_events) == len(visible)
    assert (row["first_day"], row["last_day"]) == (min(days).isoformat(), max(days).isoformat())
    assert row["sync"].startswith("run 1 ok at ")

    code, out, err = run(capsys, "integrations", "list")  # the on-screen cards too
    assert code == 0, err
    outputs += [out, err]
    for output in outputs:
        assert DEMO_KEY not in output
        assert DEMO_KEY[5:] not in output

    with sql.connect() as conn:
        for table in tables.metadata.sorted_tables:
            query = f"SELECT row_to_json(t)::text FROM {table.name} t"  # noqa: S608 - our names
            stored = conn.execute(text(query))
            for (line,) in stored:
                assert DEMO_KEY[5:] not in line, table.name

    assert_reports_exact(capsys, live)
    assert cli_connections(sql) == []  # every command closed what it opened


def cli_connections(sql: Engine) -> list[str]:
    """The other sessions open on the database: those the CLI's commands left behind."""
    with sql.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT application_name || ' ' || state FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def test_csv_reports_parse_to_the_json_rows(capsys, live):
    """Each ``--format csv`` report parses as CSV with every column, and holds the JSON rows
    (``connect --sync`` this time: the sync run by the connect itself)."""
    code, _out, err = run(
        capsys, "integrations", "connect", "cursor", "--api-key", DEMO_KEY,
        "--base-url", live.url, "--sync",
    )  # fmt: skip
    assert code == 0, err
    columns = {
        **COLUMNS,
        **spend.COLUMNS,
        "providers": tuple(c for c in spend.COLUMNS["providers"] if c != "service"),
    }
    for kind in Kind:
        code, out, err = run(capsys, "report", kind.value, "--format", "csv")
        assert code == 0, err
        reader = csv.DictReader(io.StringIO(out, newline=""))
        parsed = list(reader)
        assert tuple(reader.fieldnames or ()) == columns[kind.value]
        as_text = [
            {k: "" if v is None else str(v) for k, v in row.items()}
            for row in report(capsys, kind.value)
        ]
        assert parsed == as_text, kind
        assert len(parsed) > (0 if kind is Kind.providers else 1)  # Cursor is the one provider


def test_since_until_mid_range_is_exact(capsys, live):
    """``--since``/``--until`` over the middle days: the four reports equal those days' truth."""
    connect_and_sync(capsys, live)
    first_day = live.sim.team.first_day
    first, last = first_day + timedelta(days=1), first_day + timedelta(days=3)
    assert_reports_exact(capsys, live, first, last)
    days = [r["date"] for r in report(capsys, "daily", "--since", first.isoformat(),
                                      "--until", last.isoformat())]  # fmt: skip
    assert days == [(first + timedelta(days=i)).isoformat() for i in range(3)]


def test_second_sync_is_incremental_and_picks_up_late_events(capsys, live, sql):
    """A second sync re-reads only the recent, not yet final days (one window, where the first
    sync read a year): late events of yesterday arrive, nothing is duplicated, figures exact."""
    connect_and_sync(capsys, live)
    team = live.sim.team
    yesterday = day_start_ms(day_of(team.now)) - MS_PER_DAY
    late = team.add_arrivals(yesterday, yesterday + MS_PER_DAY - 1, 13)
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    recent = gt.visible_events(team, day_start_ms(day_of(team.now) - timedelta(days=3)), team.now)
    assert out == f"Synced {len(recent):,} events in 1 windows.\n"
    visible = gt.visible_events(team, day_start_ms(team.first_day), team.now)
    assert all(e in visible for e in late)
    assert count(sql, tables.usage_events) == len(visible)
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


def test_disconnect_purge_leaves_no_rows(capsys, live, sql):
    """Disconnect keeps the data; ``disconnect --purge`` deletes every row it synced."""
    connect_and_sync(capsys, live)
    code, out, err = run(capsys, "integrations", "disconnect", "cursor")
    assert (code, out) == (0, "Disconnected cursor; its data is kept.\n"), err
    assert count(sql, tables.usage_events) > 0
    assert len(report(capsys, "users")) > 0
    with sql.connect() as conn:
        assert conn.execute(select(tables.integrations.c.key_ciphertext)).scalar_one() is None

    code, out, err = run(capsys, "integrations", "disconnect", "cursor", "--purge")
    assert (code, out) == (0, "Disconnected cursor; its data was deleted.\n"), err
    for table in (*DATA_TABLES, tables.integrations):
        assert count(sql, table) == 0, table.name
    assert report(capsys, "users") == []
    code, out, err = run(capsys, "integrations", "list", "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again once returned: nothing listens


@pytest.mark.parametrize("where", ["unreachable port", "no such database"])
@pytest.mark.parametrize(
    "argv",
    [
        ("report", "users"), ("integrations", "list"), ("sync",),
        ("integrations", "connect", "cursor", "--api-key", DEMO_KEY, "--base-url", "http://127.0.0.1:9"),
        ("integrations", "disconnect", "cursor", "--purge"),
    ],
    ids=lambda argv: " ".join(argv[:2]),
)  # fmt: skip
def test_bad_postgres_url_is_one_error_line(capsys, monkeypatch, db_url, where, argv):
    """An unreachable server or a missing database: exit 1, one ``error:`` line naming the
    database (password hidden), no traceback."""
    url = make_url(db_url).set(password="s3cret-pw")
    if where == "unreachable port":
        url = url.set(port=_closed_port())
    else:
        url = url.set(database="no_such_database")
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", url.render_as_string(hide_password=False))
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: cannot open the database postgresql")
    assert "pumpview:***@127.0.0.1:" in err
    assert "s3cret-pw" not in err
    assert DEMO_KEY not in err
    assert "Traceback" not in err
    if where == "no such database":
        assert "no_such_database" in err


@pytest.mark.parametrize("scheme", ["postgres", "postgresql+psycopg"])
def test_other_postgres_url_schemes_work(capsys, monkeypatch, db_url, scheme):
    """``postgres://`` (as many hosts write it) and an explicit ``+psycopg`` reach the same
    database as ``postgresql://``."""
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", scheme + db_url.removeprefix("postgresql"))
    code, out, err = run(capsys, "integrations", "list", "--format", "json")
    assert (code, out, err) == (0, "[]\n", "")
