"""``pumpview integrations connect copilot --org ORG --token TOKEN``, as a user runs it, against
the GitHub simulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stamina

from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.server import serve_in_thread
from tests.cli.invoke import run

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z


@pytest.fixture
def github(tmp_path, monkeypatch) -> Iterator[str]:
    """A small simulated organisation ``acme``, and the CLI pointed at it (a fresh home)."""
    app = create_github_simulator(GitHubConfig(now_ms=NOW, days=5, members=12))
    with stamina.set_testing(True, attempts=10), serve_in_thread(app) as url:
        monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
        monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
        monkeypatch.setenv("PUMPVIEW_GITHUB_BASE_URL", url)
        monkeypatch.setenv("PUMPVIEW_RATE_LIMIT", "off")
        monkeypatch.setenv("PUMPVIEW_NOW", "2026-12-07T16:00:00Z")
        yield url


def test_connect_copilot_with_its_organisation_and_sync(capsys, github):
    code, out, err = run(capsys, "integrations", "connect", "copilot", "--org", "Acme",
                         "--token", DEMO_GITHUB_TOKEN, "--sync")  # fmt: skip
    assert code == 0, err
    assert "Connected copilot" in out
    code, out, _err = run(capsys, "integrations", "list", "--format", "json")
    assert code == 0
    [row] = json.loads(out)
    assert row["provider"] == "copilot"
    assert row["status"] == "connected"
    assert DEMO_GITHUB_TOKEN not in out


def test_connect_copilot_without_an_organisation_says_to_name_it(capsys, github):
    code, _out, err = run(capsys, "integrations", "connect", "copilot", "--token",
                          DEMO_GITHUB_TOKEN)  # fmt: skip
    assert code != 0
    assert "--org ORG" in err


def test_org_is_refused_for_a_provider_that_reads_its_keys_own_account(capsys, github):
    code, _out, err = run(capsys, "integrations", "connect", "cursor", "--org", "acme",
                          "--api-key", "key_x")  # fmt: skip
    assert code != 0
    assert "--org is for copilot" in err
