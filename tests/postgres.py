"""A throwaway PostgreSQL cluster for the test session (``make test`` installs the server).

Started with the system's ``initdb``/``pg_ctl`` in a temp folder on a free loopback port; as root
it runs as the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def cluster(base: Path) -> Iterator[str]:
    """Run a cluster under ``base``; yield an admin URL (user ``pumpview``, no password)."""
    bindir = _bindir()
    if bindir is None:
        msg = "PostgreSQL is not installed; `make test` installs it (apt-get install postgresql)"
        raise RuntimeError(msg)
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()

    def run(*args: str) -> None:
        # Fixed arguments built here (binaries found above, paths we created): no user input.
        done = subprocess.run([*prefix, *args], check=False, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            msg = f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            raise RuntimeError(msg)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "pumpview", "--no-sync")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(base / "log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://pumpview@127.0.0.1:{port}/postgres"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
