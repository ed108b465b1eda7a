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


@pytest.mark.parametrize(
    "argv", [("--help",), ("report", "users"), ("integrations", "list")], ids=" ".join
)
def test_reading_commands_import_nothing_heavy(tmp_path, argv):
    home = tmp_path / "home"
    open_store(f"sqlite:///{home / 'pumpview.db'}").dispose()  # an existing, migrated store
    heavy = {name.split(".")[0] for name in HEAVY} | set(HEAVY)
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE.format(heavy=sorted(heavy)), *argv],
        capture_output=True,
        text=True,
        env={"PUMPVIEW_HOME": str(home), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert [m for m in loaded if m.split(".")[0] != "pumpview" or m.startswith(HEAVY)] == []
