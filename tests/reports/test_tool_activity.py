"""Activity beside cost: each person's and team's activity with Claude Code and Copilot, their
usage value, and the cost per unit within one provider, exactly as the simulators' truth has
them; ``pumpview report activity`` gives the same rows."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from sqlalchemy import Engine

from pumpview.cli import main
from pumpview.people.membership import Membership
from pumpview.reports import person_keys, tool_activity
from pumpview.store import directory
from pumpview.store.engine import snapshot
from pumpview.timeutil import from_ms
from tests.reports.three_tools import Truth, fill

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z
DAYS = 8
MEMBERS = 12


@pytest.fixture
def three(engine: Engine, serve) -> Truth:
    return fill(engine, serve(now_ms=NOW, days=DAYS, members=MEMBERS), now_ms=NOW, days=DAYS,
                members=MEMBERS)  # fmt: skip


def _unit(usage: Decimal, units: int, per: int = 1) -> Decimal | None:
    if not units:
        return None
    return (usage * per / units).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def test_someone_uses_all_three_tools(three):
    """The store's organisation has people on Cursor, Claude Code and Copilot at once."""
    assert len(three.everyone()) >= 2


def test_claude_code_activity_and_cost_per_person_are_the_truth(engine, three):
    view = tool_activity.build(engine, three.first, three.last, provider="claude-code")
    assert view is not None
    rows = {r.email: r for r in view.people}
    want = {who: t for who, t in three.claude.items() if t.usage or any(t.activity.values())}
    assert set(rows) == set(want)
    for who, truth in want.items():
        row = rows[who]
        assert row.provider == "claude-code"
        assert row.usage_cents == truth.usage == row.billed_cents
        assert row.estimated is (truth.usage != 0)
        assert row.activity == {name: truth.activity[name]
                                for name in tool_activity.ACTIVITY["claude-code"]}  # fmt: skip
        units = row.per_unit
        assert units["cents_per_commit"] == _unit(truth.usage, truth.activity["commits"])
        assert units["cents_per_1000_lines_added"] == _unit(
            truth.usage, truth.activity["lines_added"], 1000
        )
        assert "Anthropic's estimate" in row.caveat


def test_copilot_activity_and_cost_per_person_are_the_truth_through_the_aliases(engine, three):
    """Each login a person's alias is that person's row, under their email; the others stay
    under their login."""
    view = tool_activity.build(engine, three.first, three.last, provider="copilot")
    assert view is not None
    rows = {r.email: r for r in view.people}
    want = {three.logins.get(login, f"github:{login}"): t for login, t in three.copilot.items()}
    assert set(rows) == set(want)
    assert any(e.startswith("github:") for e in rows)  # the contractors, unmapped
    for who, truth in want.items():
        row = rows[who]
        assert (row.usage_cents, row.billed_cents) == (truth.usage, truth.billed)
        assert not row.estimated
        assert row.activity == {name: truth.activity.get(name, 0)
                                for name in tool_activity.ACTIVITY["copilot"]}  # fmt: skip
        units = row.per_unit
        assert units["cents_per_active_day"] == _unit(truth.usage, truth.activity["active_days"])
        assert units["cents_per_code_acceptance"] == _unit(
            truth.usage, truth.activity["code_acceptances"]
        )
        assert "telemetry" in row.caveat
        assert "GitHub.com" in row.caveat


def test_cost_per_unit_never_crosses_providers(engine, three):
    """A Claude Code row has no Copilot unit cost nor the reverse; Cursor has no row at all."""
    view = tool_activity.build(engine, three.first, three.last)
    assert view is not None
    assert {r.provider for r in view.people} == {"claude-code", "copilot"}
    for row in tool_activity.records(view.people, "people"):
        if row["provider"] == "claude-code":
            assert row["cents_per_active_day"] is None
            assert row["code_acceptances"] is None
        else:
            assert row["cents_per_commit"] is None
            assert row["commits"] is None


def test_teams_sum_their_peoples_activity_by_their_team_on_the_last_day(engine, three):
    """People are put in teams; a team's row is the exact sum of its people's rows."""
    everyone = sorted(three.everyone())
    with engine.begin() as conn:
        ids = {p.email: p.id for p in directory.load(conn).values() if p.email}
        for i, email in enumerate(everyone):
            directory.set_memberships(
                conn, ids[email], [Membership("Platform" if i % 2 else "Payments", None, None,
                                              "admin")])  # fmt: skip
    view = tool_activity.build(engine, three.first, three.last)
    assert view is not None
    for provider in ("claude-code", "copilot"):
        teams = {t.team: t for t in view.teams if t.provider == provider}
        people = [r for r in view.people if r.provider == provider]
        assert sum(t.usage_cents for t in teams.values()) == sum(r.usage_cents for r in people)
        for name, team in teams.items():
            mine = [r for r in people if (r.team or "untagged") == name]
            assert team.members == len(mine)
            assert team.usage_cents == sum((r.usage_cents for r in mine), Decimal(0))
            for measure, value in team.activity.items():
                assert value == sum(r.activity[measure] for r in mine)
        assert {"Platform", "Payments"} <= set(teams)


def test_a_persons_keys_are_their_email_and_their_github_logins(engine, three):
    email = sorted(three.everyone())[0]
    logins = sorted(f"github:{lo}" for lo, e in three.logins.items() if e == email)
    with snapshot(engine) as conn:
        assert person_keys.keys_of(conn, email) == [email, *logins]
        assert person_keys.keys_of(conn, "nobody@acme.dev") == ["nobody@acme.dev"]


def test_report_activity_in_json_is_the_report(
    engine, three, capsys, db_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("PUMPVIEW_NOW", from_ms(NOW).isoformat())
    with pytest.raises(SystemExit) as done:
        main(["--db", db_url, "report", "activity", "--since", str(three.first), "--until",
              str(three.last), "--provider", "copilot", "--format", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert done.value.code in (0, None), err
    view = tool_activity.build(engine, three.first, three.last, provider="copilot")
    assert view is not None
    assert json.loads(out) == tool_activity.records(view.people, "people")
    rows = json.loads(out)
    assert all(r["provider"] == "copilot" for r in rows)
    assert all(isinstance(r["usage_cents"], str) for r in rows)
