"""The Copilot importer against the GitHub simulator over real HTTP: connect, backfill, re-sync,
faults and the secondary rate limit, revocation, permissions, the switch to AI credits; every
stored figure equal to the simulator's ground truth, on every store."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest
import stamina
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pumpview.errors import AuthError, UserInputError
from pumpview.integrations import runner
from pumpview.integrations.copilot import connection
from pumpview.integrations.copilot.client import READ_ONLY_ROUTES, check_route
from pumpview.reports.scope import scope
from pumpview.simulator.config import Faults
from pumpview.simulator.github import (
    DEMO_GITHUB_FINE_TOKEN,
    DEMO_GITHUB_TOKEN,
    GitHubConfig,
    GitHubSimulator,
    create_github_simulator,
)
from pumpview.simulator.github.reports import latest_day
from pumpview.simulator.github.truth import (
    activity_truth,
    billing_truth,
    login_emails,
    seat_truth,
)
from pumpview.simulator.server import serve_in_thread
from pumpview.store import directory, facts, integrations, tables
from pumpview.store.engine import snapshot
from pumpview.timeutil import day_of
from pumpview.vault import Vault

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""
NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z, a Monday
JUNE = 1_780_675_200_000  # 2026-06-05T16:00:00Z: ten days span the switch to AI credits
DAYS = 10
SECRET = Fernet.generate_key()
CENTS = Decimal(100)


class Served:
    def __init__(self, url: str, sim: GitHubSimulator) -> None:
        self.url, self.sim = url, sim


def ticking(step: int) -> Callable[[], float]:
    """A wall clock that moves ``step`` seconds each time it is read (twice a request): the
    rate-limit minutes pass while stamina, in testing mode, retries without sleeping."""
    seconds = itertools.count(1_796_659_200, step)
    return lambda: float(next(seconds))


@pytest.fixture
def github() -> Iterator[Callable[..., Served]]:
    """Start GitHub simulators (``GitHubConfig`` fields override the small defaults)."""
    with ExitStack() as stack:
        stack.enter_context(stamina.set_testing(True, attempts=100, cap=True))

        def start(**fields: object) -> Served:
            config = {"now_ms": NOW, "days": DAYS, "members": 12, **fields}
            app = create_github_simulator(GitHubConfig(**config))  # type: ignore[arg-type]
            return Served(stack.enter_context(serve_in_thread(app)), app.state.sim)

        yield start


@pytest.fixture
def vault() -> Vault:
    return Vault(SECRET)


def _connect(
    engine: Engine,
    vault: Vault,
    served: Served,
    *,
    name: str = "copilot",
    token: str = DEMO_GITHUB_TOKEN,
    org: str | None = None,
    now_ms: int = NOW,
) -> int:
    return connection.connect(engine, vault, token, org=org or served.sim.config.org,
                              base_url=served.url, team_name=None, name=name, now_ms=now_ms,
                              pacing=False)  # fmt: skip


def _sync(engine: Engine, vault: Vault, name: str = "copilot", now_ms: int = NOW) -> None:
    runner.run_sync(engine, vault, name, pacing=False, backfill_days=DAYS,
                    clock=lambda: now_ms)  # fmt: skip


def _days(now_ms: int = NOW) -> list[date]:
    today = day_of(now_ms)
    return [today - timedelta(days=i) for i in range(DAYS)]


Sums = dict[tuple[date, str, str], tuple[Decimal, Decimal, Decimal]]


def _truth(sim: GitHubSimulator, days: list[date]) -> Sums:
    """(day, person key, model) -> (usage, billed, included) in cents."""
    out: dict[tuple[date, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for day in days:
        for (login, model, _sku), line in billing_truth(sim.org, day).items():
            sums = out[day, f"github:{login}", model]
            sums[0] += line.gross_amount * CENTS
            sums[1] += line.net_amount * CENTS
            sums[2] += line.discount_amount * CENTS
    return {k: (v[0], v[1], v[2]) for k, v in out.items() if any(v)}


def _stored(engine: Engine, days: list[date]) -> Sums:
    with snapshot(engine) as conn:
        where = scope(conn, min(days), max(days))
        assert where is not None
        rows = facts.of(conn).sums(*where.days(), by=("day", "email", "model"), measures=(
            "spend_cents", "on_demand_cents", "included_cents", "list_cents", "model_cost_cents",
            "estimated_cents"))  # fmt: skip
    out = {}
    for day, email, model, spend, on_demand, included, list_, model_cost, estimated in rows:
        assert spend == list_ == model_cost  # the usage value is the list price, the model's
        assert estimated == 0  # GitHub's billing is measured, not estimated
        if spend or on_demand or included:
            out[day, email, model] = (spend, on_demand, included)
    return out


def _activity(engine: Engine) -> dict[tuple[date, str, str], int]:
    a = tables.activity_daily
    with engine.connect() as conn:
        rows = conn.execute(select(a.c.day, a.c.email, a.c.measure, a.c.value)).all()
    return {(day, email, measure): value for day, email, measure, value in rows}


def _activity_truth(sim: GitHubSimulator, days: list[date]) -> dict[tuple[date, str, str], int]:
    """What the reports hold: today has none yet (GitHub's lag of a day)."""
    out = {}
    for day in days:
        if day > latest_day(sim.org):
            continue
        for login, t in activity_truth(sim.org, day).items():
            who = f"github:{login}"
            counts = (("interactions", t.interactions), ("code_generations", t.code_generations),
                      ("code_acceptances", t.code_acceptances), ("lines_added", t.lines_added),
                      ("lines_deleted", t.lines_deleted), ("active_days", 1))  # fmt: skip
            for measure, value in counts:
                if value:
                    out[day, who, measure] = value
    return out


def _org_lines(sim: GitHubSimulator, days: list[date]) -> dict[tuple[date, str], Decimal]:
    out: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for day in days:
        for (_login, model, sku), line in billing_truth(sim.org, day).items():
            out[day, f"{sku} · {model}"] += line.net_amount * CENTS
    return dict(out)


def _stored_lines(engine: Engine) -> dict[tuple[date, str], Decimal]:
    c = tables.provider_costs
    with engine.connect() as conn:
        rows = conn.execute(select(c.c.day, c.c.line, c.c.amount_cents)).all()
    return {(day, line): Decimal(cents) for day, line, cents in rows}


def _billing_calls(sim: GitHubSimulator) -> tuple[int, int]:
    """(aggregate calls, per-user calls) the simulator answered 200."""
    billing = [c for c in sim.calls if "/settings/billing/" in c.path and c.status == 200]
    users = sum(1 for c in billing if "user=" in c.query)
    return len(billing) - users, users


def test_a_backfill_stores_every_logins_billing_activity_and_the_org_bill_exactly(
    engine, vault, github
):
    """Every login's usage value, billed and included amounts per day and model are GitHub's;
    activity is the usage-metrics report's; the day's bill lines are the org aggregate."""
    served = github()
    _connect(engine, vault, served)
    _sync(engine, vault)
    days = _days()
    assert _stored(engine, days) == _truth(served.sim, days)
    assert _activity(engine) == _activity_truth(served.sim, days)
    assert _stored_lines(engine) == _org_lines(served.sim, days)
    with engine.connect() as conn:
        row = integrations.require(conn, "copilot")
        seats = {r.login for r in conn.execute(select(tables.copilot_seats.c.login))}
    assert row.provider == "copilot"
    assert row.account == "acme"
    assert row.status == "connected"
    assert row.message is None  # the users' sums were the aggregate every day
    assert seats == {s.user.login.lower() for s in seat_truth(served.sim.org) if s.user}
    sent = {(c.method, check_route(c.method, c.path)) for c in served.sim.calls}
    assert sent <= {("GET", route) for route in READ_ONLY_ROUTES}
    assert not served.sim.mutations


def test_the_billing_calls_stay_near_the_minimum(engine, vault, github):
    """One aggregate a day; users asked are the day's active ones (all seat holders on a day
    without a report), never more: the minimum is one call per user with usage."""
    served = github()
    _connect(engine, vault, served)
    before = _billing_calls(served.sim)
    _sync(engine, vault)
    aggregates, users = (a - b for a, b in zip(_billing_calls(served.sim), before, strict=True))
    days = _days()
    with_usage = sum(len({login for login, _m, _s in billing_truth(served.sim.org, d)})
                     for d in days)  # fmt: skip
    holders = len({s.user.login.lower() for s in seat_truth(served.sim.org) if s.user})
    reported = [d for d in days if d <= day_of(NOW) - timedelta(days=1)]
    active = sum(len(activity_truth(served.sim.org, d)) for d in reported)
    assert aggregates == len(days)
    assert with_usage <= users <= active + holders * (len(days) - len(reported))


def test_a_re_sync_later_changes_nothing_but_the_days_that_grew(engine, vault, github):
    served = github()
    _connect(engine, vault, served)
    _sync(engine, vault)
    later = NOW + 5 * 3_600_000
    served.sim.set_now(later)
    _sync(engine, vault, now_ms=later)
    days = _days(later)
    assert _stored(engine, days) == _truth(served.sim, days)
    assert _activity(engine) == _activity_truth(served.sim, days)
    assert _stored_lines(engine) == _org_lines(served.sim, days)


def test_faults_and_the_secondary_rate_limit_are_survived_and_the_figures_stay_exact(
    engine, vault, github
):
    served = github(faults=Faults(error_rate=0.1, burst_429_rate=0.05, seed=3),
                    secondary_per_minute=3, clock=ticking(6))  # fmt: skip
    _connect(engine, vault, served)
    _sync(engine, vault)
    days = _days()
    assert _stored(engine, days) == _truth(served.sim, days)
    assert _activity(engine) == _activity_truth(served.sim, days)
    statuses = {c.status for c in served.sim.calls}
    assert 403 in statuses  # the secondary limit (GitHub's default status for it)
    assert statuses & {500, 502}


def test_a_revoked_token_stops_the_sync_says_so_and_keeps_the_data(engine, vault, github):
    served = github()
    _connect(engine, vault, served)
    _sync(engine, vault)
    days = _days()
    before = _stored(engine, days)
    served.sim.revoke(DEMO_GITHUB_TOKEN)
    with pytest.raises(AuthError) as caught:
        _sync(engine, vault)
    assert "revoked" in str(caught.value)
    assert DEMO_GITHUB_TOKEN not in str(caught.value)
    with engine.connect() as conn:
        assert integrations.require(conn, "copilot").status == "revoked"
    assert _stored(engine, days) == before


def test_a_token_without_the_billing_permission_is_refused_naming_it(engine, vault, github):
    """The fine-grained token reads seats and metrics but lacks "Administration": the key's
    field says which permission to grant; nothing is stored."""
    served = github()
    with pytest.raises(AuthError) as caught:
        _connect(engine, vault, served, token=DEMO_GITHUB_FINE_TOKEN)
    assert caught.value.reason == "no_access"
    assert '"Administration" (organisation, read)' in str(caught.value)
    assert DEMO_GITHUB_FINE_TOKEN not in str(caught.value)
    with engine.connect() as conn:
        assert integrations.find(conn, "copilot") is None


@pytest.mark.parametrize(
    ("token", "org", "field", "said"),
    [
        ("not a token", "acme", "api_key", "starts with ghp_"),
        (DEMO_GITHUB_TOKEN, "globex", "org", "no organisation 'globex'"),
        (DEMO_GITHUB_TOKEN, "no such org!", "org", "letters, digits and dashes"),
        (DEMO_GITHUB_TOKEN, "", "org", "--org ORG"),
    ],
)
def test_a_bad_token_or_organisation_is_refused_at_its_field(
    engine, vault, github, token, org, field, said
):
    served = github()
    with pytest.raises(UserInputError) as caught:
        connection.connect(engine, vault, token, org=org, base_url=served.url, team_name=None,
                           now_ms=NOW, pacing=False)  # fmt: skip
    assert caught.value.field == field
    assert said in str(caught.value)
    with engine.connect() as conn:
        assert integrations.find(conn, "copilot") is None


def test_an_invalid_token_is_refused_as_bad_credentials(engine, vault, github):
    served = github()
    token = "ghp_" + "x" * 36
    with pytest.raises(AuthError) as caught:
        _connect(engine, vault, served, token=token)
    assert "invalid, expired or has been revoked" in str(caught.value)
    assert token not in str(caught.value)


def test_another_organisation_over_an_existing_integration_is_refused(engine, vault, github):
    first, other = github(), github(org="globex", seed=2)
    _connect(engine, vault, first)
    with pytest.raises(UserInputError) as caught:
        _connect(engine, vault, other)
    assert "another GitHub organisation" in str(caught.value)
    _connect(engine, vault, other, name="copilot-globex")  # beside it, under another name
    with pytest.raises(UserInputError) as again:
        _connect(engine, vault, first, name="copilot-2")
    assert "already connected as the integration 'copilot'" in str(again.value)


def test_the_switch_from_premium_requests_to_ai_credits_is_read_both_ways(engine, vault, github):
    """Ten days to 2026-06-05: premium requests until May 31, AI credits from June 1; both
    skus stored exactly, and the bill's lines name each."""
    served = github(now_ms=JUNE)
    _connect(engine, vault, served, now_ms=JUNE)
    _sync(engine, vault, now_ms=JUNE)
    days = _days(JUNE)
    assert _stored(engine, days) == _truth(served.sim, days)
    lines = _stored_lines(engine)
    assert lines == _org_lines(served.sim, days)
    skus = {line.split(" · ")[0] for _day, line in lines}
    assert skus == {"Copilot Premium Request", "Copilot AI Credits"}
    u = tables.usage_daily
    with engine.connect() as conn:
        kinds = {k for (k,) in conn.execute(select(u.c.kind).distinct())}
    if kinds:  # the SQL store's rollup (with ClickHouse the facts live there)
        assert kinds == skus


def test_a_seats_public_email_gives_a_known_person_the_login_as_an_alias(engine, vault, github):
    """Logins whose public profile email names a person of the directory are that person's
    ``github:`` alias; no one new is made for the others."""
    served = github()
    emails = login_emails(served.sim.org)
    with engine.begin() as conn:
        directory.meet(conn, [(e, None) for e in sorted(emails.values())], origin="cursor",
                       now_ms=NOW)  # fmt: skip
        people = len(directory.load(conn))
    _connect(engine, vault, served)
    _sync(engine, vault)
    known = set(emails.values())
    want = {f"github:{u.login.lower()}": u.public_email.lower()
            for u in served.sim.org.users
            if u.public_email and u.public_email.lower() in known}  # fmt: skip
    assert want  # the simulator plants a few
    with engine.connect() as conn:
        found = directory.load(conn)
    assert len(found) == people
    got = {a: p.email for p in found.values() for a in p.aliases if a.startswith("github:")}
    assert got == want


def test_an_enterprise_owned_organisation_says_why_per_user_billing_is_refused(
    engine, vault, github
):
    served = github(enterprise_owned=True)
    _connect(engine, vault, served)
    with pytest.raises(AuthError) as caught:
        _sync(engine, vault)
    assert "owned by an enterprise" in str(caught.value)
