"""Run schemathesis against the JSON API: a small simulated team connected and synced, the app
served on 127.0.0.1, every ``/api`` operation tried with generated requests and every check.

    python scripts/api_fuzz.py [--max-examples N]   # exits non-zero on any failure

The schema is the app's own ``/openapi.json`` (``web.pages.docs.api_schema``); the settings
beside this file (``schemathesis.toml``) say why a valid range may still be a 400. Needs the dev
extras (schemathesis)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import stamina
from cryptography.fernet import Fernet

from pumpview import accounts
from pumpview.integrations.cursor import NAME, connection
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY, SimConfig, create_simulator
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import now_ms
from pumpview.web.app import create_app
from pumpview.web.pages.docs import api_schema

HERE = Path(__file__).parent
ADMIN = "fuzz@acme.dev"


def fuzz(max_examples: int = 20) -> int:
    """schemathesis' exit code (0: no failure); its report goes to stdout."""
    with tempfile.TemporaryDirectory(prefix="pumpview-fuzz-") as folder:
        home = Path(folder)
        cursor = create_simulator(SimConfig(members=8, days=5, rate_limits=False))
        with serve_in_thread(cursor) as cursor_url, stamina.set_testing(True, attempts=100):
            settings = load_settings(
                home=home / "home", database_url=f"sqlite:///{home / 'pumpview.db'}",
                secret_key=Fernet.generate_key().decode(), rate_limit=False,
                cursor_base_url=cursor_url, sync_interval=None,
            )  # fmt: skip
            app = create_app(settings)
            web = app.state.web
            try:
                connection.connect(
                    web.engine, web.vault, DEMO_KEY, base_url=cursor_url, team_name=None,
                    name=NAME, now_ms=now_ms(), pacing=False,
                )  # fmt: skip
                web.syncs.start(NAME)
                web.syncs.wait(timeout=120)
                accounts.add_user(web.engine, ADMIN, "admin", "a long passphrase", now_ms())
                token = accounts.new_token(web.engine, ADMIN, "schemathesis", now_ms())
                schema = home / "openapi.json"
                schema.write_text(json.dumps(api_schema(app)))
                with serve_in_thread(app) as url:
                    return subprocess.run(  # noqa: S603 - our own interpreter's schemathesis
                        [Path(sys.executable).parent / "st", "--no-color",
                         "--config-file", HERE / "schemathesis.toml",
                         "run", schema, "--url", url,
                         "--header", f"Authorization: Bearer {token}", "--checks", "all",
                         "--max-examples", str(max_examples), "--workers", "1", "--seed", "1",
                         # starting a sync answers once a new process has recorded its run
                         "--request-timeout", "60"],
                        check=False, cwd=home,  # its cache and reports stay out of the tree
                    ).returncode  # fmt: skip
            finally:
                web.syncs.wait()
                web.imports.close()
                web.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20)
    sys.exit(fuzz(parser.parse_args().max_examples))
