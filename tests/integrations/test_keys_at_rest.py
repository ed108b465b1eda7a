"""Claude Code's Admin API key and GitHub Copilot's token, once connected and synced through the
CLI, are in no output and nowhere in the database files (free pages and the WAL too), in any
encoding we know of: as given, their secret part, URL-quoted, base64 (plain, URL-safe, and as
HTTP Basic would send it) and hex. The vault encrypts them at rest."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import stamina

from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.server import serve_in_thread
from tests.cli.invoke import run

NOW = 1_796_659_200_000  # 2026-12-07T16:00:00Z


def forms(secret: str) -> list[bytes]:
    """``secret`` in every encoding a leak could take, and its part after the prefix alone."""
    tail = secret.split("_", 1)[-1] if secret.startswith(("ghp_", "github_pat_")) else secret[14:]
    texts = [secret, tail, quote(secret, safe="")]
    raw = secret.encode()
    texts += [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
              base64.b64encode(raw + b":").decode(), raw.hex()]  # fmt: skip
    return [t.encode() for t in texts]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Iterator[Path]:
    """Both simulators, and the CLI pointed at them with a fresh home."""
    anthropic = create_anthropic_simulator(AnthropicConfig(
        now_ms=NOW, days=4, members=12, rate_limit_per_minute=None))  # fmt: skip
    github = create_github_simulator(GitHubConfig(now_ms=NOW, days=4, members=12))
    with (
        stamina.set_testing(True, attempts=10),
        serve_in_thread(anthropic) as anthropic_url,
        serve_in_thread(github) as github_url,
    ):
        monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
        monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)
        monkeypatch.setenv("PUMPVIEW_ANTHROPIC_BASE_URL", anthropic_url)
        monkeypatch.setenv("PUMPVIEW_GITHUB_BASE_URL", github_url)
        monkeypatch.setenv("PUMPVIEW_RATE_LIMIT", "off")
        monkeypatch.setenv("PUMPVIEW_NOW", "2026-12-07T16:00:00Z")
        yield tmp_path / "home"


def test_keys_are_in_no_output_and_nowhere_in_the_database(capsys, home):
    said = []
    for args in (
        ("integrations", "connect", "claude-code", "--api-key", DEMO_ANTHROPIC_KEY, "--sync"),
        ("integrations", "connect", "copilot", "--org", "acme", "--token", DEMO_GITHUB_TOKEN,
         "--sync"),
        ("integrations", "list", "--format", "json"),
        ("sync", "--integration", "copilot"),
        ("report", "users", "--format", "json"),
    ):  # fmt: skip
        code, out, err = run(capsys, *args)
        assert code == 0, err
        said.append((out + err).encode())
    assert b"claude-code" in said[2]  # both are connected: the checks below are not vacuous
    assert b"copilot" in said[2]
    held = b"".join(p.read_bytes() for p in home.glob("*.db*"))
    assert b"acme" in held.lower()  # the database holds the synced rows
    for secret in (DEMO_ANTHROPIC_KEY, DEMO_GITHUB_TOKEN):
        for form in forms(secret):
            assert form not in held, form[:6]
            for text in said:
                assert form not in text, form[:6]
