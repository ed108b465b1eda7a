"""``pumpview serve``'s socket, whose connections send each answer at once, and its workers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from pumpview.cli.serve import _listen
from pumpview.store import schedule as lease
from pumpview.store.engine import make_engine
from tests.cli.invoke import run
from tests.postgres import _free_port


def test_connections_switch_nagle_off():
    """asyncio sets TCP_NODELAY only on sockets that say they are TCP; with Nagle on, a
    response's body waited for the ACK of its headers, which clients delay by 40 ms."""

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listening = _listen("127.0.0.1", 0)
        server = await asyncio.start_server(on_connect, sock=listening)
        async with server:
            _reader, writer = await asyncio.open_connection(*listening.getsockname())
            nodelay = await asyncio.wait_for(accepted, timeout=10)
            writer.close()
        return nodelay

    assert asyncio.run(accept_one()) != 0


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _is_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    return b"spawn_main" in command  # not multiprocessing's resource tracker


def _schedule_holder(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return lease.holder(conn, 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_two_workers_serve_one_port_and_stop_cleanly(tmp_path, stop):
    """``serve --workers 2`` on a free port: it answers, two worker processes serve it, one of
    them holds the schedule's lease; on Ctrl-C (SIGINT) or SIGTERM every worker ends, the lease
    is released and the command exits 0."""
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'pv.db'}"
    env = {**os.environ, "PUMPVIEW_HOME": str(tmp_path), "PUMPVIEW_DATABASE_URL": url,
           "PUMPVIEW_SECRET_KEY": Fernet.generate_key().decode()}  # fmt: skip
    env.pop("PUMPVIEW_CLICKHOUSE_URL", None)
    with subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pumpview", "serve", "--workers", "2", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, text=True,
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            assert "with 2 workers" in server.stdout.readline()  # printed once the port listens
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                assert client.get("/healthz").json() == {"status": "ok"}  # waits for a worker
            workers = [pid for pid in _children(server.pid) if _is_worker(pid)]
            assert len(workers) == 2
            deadline = time.monotonic() + 60
            while (holder := _schedule_holder(url)) is None:  # a worker's first tick
                assert time.monotonic() < deadline, "no worker took the schedule"
                time.sleep(0.05)
            assert any(f" pid {pid} " in holder for pid in workers)
            server.send_signal(stop)
            assert server.wait(timeout=60) == 0
        finally:
            if server.poll() is None:
                server.kill()
    assert not any(_is_worker(pid) for pid in workers)
    assert _schedule_holder(url) is None


def test_more_than_one_worker_is_refused_with_embedded_chdb_facts(capsys, tmp_path, monkeypatch):
    """chDB opens its folder in one process at a time: ``--workers 2`` says so in one line,
    before anything is opened."""
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_CLICKHOUSE_URL", f"chdb://{tmp_path / 'facts'}")
    code, out, err = run(capsys, "serve", "--workers", "2")
    assert code == 1
    assert out == ""
    assert err.startswith("error: --workers 2: the facts are in embedded chDB")
    assert err.count("\n") == 1
    assert not (tmp_path / "facts").exists()
