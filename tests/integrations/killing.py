"""``kill -9`` of a sync inside its second window's transaction, for any provider's kill test.

The sync runs in a process of its own (``runner.run_sync``, as ``pumpview sync`` runs it). Once
the second window's bookmarks (``sync_days``) are being written, at the first statement holding
``at`` (the window's last write the test names), it says so on stdout and waits with the
transaction open; the test reads that line (an event, not a sleep) and sends SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

ROOT = Path(__file__).parents[2]

SYNC = """
import sys
from sqlalchemy import event
from pumpview.integrations import runner
from pumpview.store.engine import open_store
from pumpview.vault import Vault

db, secret, now, days, name, at = sys.argv[1:7]
engine = open_store(db)
windows = 0

def hold(_conn, _cursor, statement, *_rest):
    global windows
    if "INTO sync_days" in statement:
        windows += 1
    if windows == 2 and at in statement:
        print("storing window 2", flush=True)
        sys.stdin.read()  # the transaction stays open until this process is killed

event.listen(engine, "before_cursor_execute", hold)
runner.run_sync(engine, Vault(secret.encode()), name, pacing=False, backfill_days=int(days),
                clock=lambda: int(now))
print("finished", flush=True)
"""


def kill_while_storing_window_2(
    db_url: str, secret: bytes, now_ms: int, days: int, name: str, at: str
) -> int:
    """Run the sync of the integration ``name`` in a process of its own and SIGKILL it inside its
    second window's transaction, at its first statement holding ``at``; its pid."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    args = [db_url, secret.decode(), str(now_ms), str(days), name, at]
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, script and arguments
        [sys.executable, "-c", SYNC, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the child is inside the transaction
        assert line == "storing window 2\n", (line, proc.stderr.read() if proc.stderr else "")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return proc.pid


def days_of(engine: Engine, table: object) -> set[date]:
    """The days ``table`` holds rows of."""
    with engine.connect() as conn:
        return set(conn.execute(select(table.c.day).distinct()).scalars())  # type: ignore[attr-defined]
