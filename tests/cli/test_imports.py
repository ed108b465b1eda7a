"""A light CLI: reading commands load neither the simulator, the web stack nor Alembic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pumpview.store.engine import open_store

HEAVY = ("fastapi", "uvicorn", "alembic", "pumpview.simulator", "starlette")
PROBE = """
import json, sys
from pumpview.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy} or m in {heavy})))
"""


HELP_ALSO = ("sqlalchemy", "pydantic", "pydantic_settings", "rich", "msgspec", "stamina",
             "cryptography")  # fmt: skip
"""What ``--help`` has no use for either: it must start as fast as Typer itself, near enough."""


@pytest.mark.parametrize(
    ("argv", "heavy"),
    [
        pytest.param(("--help",), HEAVY + HELP_ALSO, id="--help"),
        pytest.param(("report", "users"), HEAVY, id="report users"),
        pytest.param(("integrations", "list"), HEAVY, id="integrations list"),
    ],
)
def test_reading_commands_import_nothing_heavy(tmp_path, argv, heavy):
    home = tmp_path / "home"
    open_store(f"sqlite:///{home / 'pumpview.db'}").dispose()  # an existing, migrated store
    roots = {name.split(".")[0] for name in heavy} | set(heavy)
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE.format(heavy=sorted(roots)), *argv],
        capture_output=True,
        text=True,
        env={"PUMPVIEW_HOME": str(home), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert [m for m in loaded if m.split(".")[0] != "pumpview" or m.startswith(heavy)] == []
