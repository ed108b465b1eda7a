"""``pumpview demo`` ends with the web app serving its data and a sign-in it prints."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.web.conftest import csrf

PUMPVIEW = str(Path(sys.executable).with_name("pumpview"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_serves_the_web_app_with_the_sign_in_it_prints(tmp_path):
    """The demo serves its data with the sign-in it prints, Cursor, Claude Code and Copilot
    connected, and a second simulated Cursor team whose printed key connects from the web app
    as another team."""
    port = _free_port()
    env = {**os.environ, "PUMPVIEW_HOME": str(tmp_path / "demo")}
    env["PUMPVIEW_NOW"] = "2026-12-07T00:00:30Z"  # a fixed present, at the hardest hour
    env.pop("PUMPVIEW_DATABASE_URL", None)
    errors = (tmp_path / "stderr.txt").open("w", encoding="utf-8")
    demo = subprocess.Popen(  # noqa: S603 - our own command
        [PUMPVIEW, "demo", "--members", "3", "--days", "3", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=errors, text=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # the demo prints the sign-in once the server is about to listen
            if found := re.search(r"Sign in as (\S+) with the password (\S+)", line):
                break
        else:
            raise AssertionError("the demo ended without printing a sign-in")
        email, password = found.groups()
        for line in demo.stdout:  # then the simulated teams' keys, one a line
            if second := re.search(r"Acme EU +(crsr_\w+)", line):
                break
        else:
            raise AssertionError("the demo printed no key for its second team")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
            page = browser.get("/sign-in")  # the port listens before the line is printed
            signed = browser.post("/sign-in", follow_redirects=True, data={
                "email": email, "password": password, "csrf_token": csrf(page.text)})  # fmt: skip
            assert signed.status_code == 200  # followed to the Overview
            assert "Overview" in signed.text
            listed = browser.get("/api/integrations").json()
            assert [(i["name"], i["provider"], i["status"]) for i in listed] == [
                ("claude-code", "claude-code", "connected"),
                ("copilot", "copilot", "connected"),
                ("cursor", "cursor", "connected"),
            ]
            page = browser.get("/settings/integrations")  # Add another Cursor team, as printed
            added = browser.post("/settings/integrations", data={
                "api_key": second.group(1), "team_name": "Acme EU", "name": "cursor-2",
                "csrf_token": csrf(page.text)})  # fmt: skip
            assert added.status_code == 303, added.text
            listed = browser.get("/api/integrations").json()
        assert [(i["name"], i["team_name"]) for i in listed] == [
            ("claude-code", "Acme (simulated)"), ("copilot", "Acme (simulated)"),
            ("cursor", "Acme (simulated)"), ("cursor-2", "Acme EU")]  # fmt: skip
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
        demo.stdout.close()  # type: ignore[union-attr]
        errors.close()
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text(encoding="utf-8")  # Ctrl-C
