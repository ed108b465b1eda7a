"""The web app's FOCUS import: an upload, once on disk, imported in the background.

The import runs in a process of its own, as the syncs do (``web/syncs.py``): a 2,000,000-row
file is a minute and a half of busy Python, and in the server's interpreter it would make every
page wait its turn. One at a time; its state lives in this server's memory (the store keeps
only what is imported), its progress in four shared integers the process writes after each
batch (rows, how far, of what, its staging import), its outcome (the summary, or the error)
sent back once through a pipe. A thread per import collects that outcome and removes the
upload's folder. Closing the server stops a running import between two batches: its staged rows
are discarded, and nothing of the file is kept; a process that died mid-file has its staged
rows discarded by the thread that saw it go.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import IO, Any

from pumpview.errors import UserInputError
from pumpview.integrations.focus.importer import Imported, Progress, import_file
from pumpview.settings import Settings
from pumpview.store import cloud
from pumpview.web.in_threads import InThreads

log = logging.getLogger("pumpview.web")
_SPAWN = multiprocessing.get_context("spawn")
"""A fresh interpreter per import: no fork of a server's threads and sockets."""
STOPPED = "The server stopped before the import ended; nothing of the file was stored."
UNEXPECTED = "The import failed (the server's log says why); nothing of the file was stored."
VANISHED = "The import's process ended without saying how it went (the server's log may say why)."


class ImportBusy(UserInputError):
    """An upload while another import runs."""


class _Stopped(Exception):
    """Raised inside the import when the server asks it to stop (or is gone)."""


@dataclass(frozen=True)
class Job:
    """What the Data sources page shows of this server's import, running or the last one."""

    file_name: str
    started_at_ms: int
    folder: Path
    """Where the upload waits to be imported; removed once the import has ended."""
    rows: int = 0
    """Rows stored so far (staged: none is seen until the file's end swaps them in)."""
    done: int = 0
    total: int = 0
    """How far the reader is, in its unit (a CSV's bytes as stored, a Parquet file's rows)."""
    finished_at_ms: int | None = None
    imported: Imported | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.finished_at_ms is None

    @property
    def percent(self) -> int | None:
        """Whole percent of the file read; ``None`` until the reader has a size."""
        return self.done * 100 // self.total if self.total else None


def import_in_process(
    settings: Settings,
    path: Path,
    source: str | None,
    started_at_ms: int,
    log_level: int,
    progress: Any,
    stop: Event,
    results: Connection,
) -> None:
    """An import process's whole life: its own store connection, one file; after each batch
    it writes ``progress`` (rows, done, total) and ends with nothing stored if ``stop`` is set
    or the server is gone; it sends ``("done", Imported)`` or ``("failed", message)``."""
    # A Ctrl-C reaches the server's whole process group: the server's shutdown stops the
    # import (``stop``), so the signal would only print a second traceback here.
    if threading.current_thread() is threading.main_thread():  # a thread (chDB) may not
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        level=log_level, format=f"import {path.name}: %(name)s %(levelname)s %(message)s"
    )
    server = multiprocessing.parent_process()

    def heard(now: Progress) -> None:
        progress[:] = (now.rows, now.done, now.total, now.import_id)
        if stop.is_set() or (server is not None and not server.is_alive()):
            raise _Stopped

    outcome: tuple[str, object]
    try:
        engine = settings.open_store()
        try:
            done = import_file(engine, path, source=source, now_ms=started_at_ms,
                               on_progress=heard, keys=settings.tag_keys)  # fmt: skip
        finally:
            engine.dispose()
        outcome = ("done", done)
    except UserInputError as exc:
        outcome = ("failed", str(exc))
    except _Stopped:
        outcome = ("failed", STOPPED)
    except Exception:  # anything else rolls back too; the page says so, the log says why
        log.exception("the import of %s failed", path.name)
        outcome = ("failed", UNEXPECTED)
    results.send(outcome)
    results.close()


@dataclass
class _Running:
    process: BaseProcess | threading.Thread
    progress: Any
    stop: Event
    follower: threading.Thread


class Imports:
    """This server's FOCUS import: one at a time, each in a process of its own."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._running: _Running | None = None

    def start(self, file_name: str, upload: IO[bytes], source: str | None) -> Job:
        """Copy ``upload`` into a folder of its own (a large export never sits in memory) and
        import it there in the background; ``ImportBusy`` while another import runs."""
        with self._lock:
            self._check_idle()  # before copying: a refused upload costs no disk
        folder = Path(tempfile.mkdtemp(prefix="pumpview-import-"))
        try:
            path = folder / file_name
            with path.open("wb") as out:
                shutil.copyfileobj(upload, out, length=1 << 20)
            with self._lock:
                self._check_idle()  # and again: another upload may have started meanwhile
                return self._spawn(folder, path, source)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _check_idle(self) -> None:
        """Under ``_lock``: refuse a second import while one runs."""
        if self._job is not None and self._running is not None:
            msg = (f"{self._job.file_name} is still being imported: upload this file again "
                   "once it has ended.")  # fmt: skip
            raise ImportBusy(msg)

    def _spawn(self, folder: Path, path: Path, source: str | None) -> Job:
        """Under ``_lock``: start the import's process and the thread that follows it."""
        # With embedded chDB, which one process at a time may open, a thread of the server's.
        context: Any = InThreads if self._settings.embedded_facts else _SPAWN
        progress, stop = _SPAWN.Array("q", 4), context.Event()
        results, sender = _SPAWN.Pipe(duplex=False)
        job = Job(file_name=path.name, started_at_ms=self._settings.clock(), folder=folder)
        level = logging.getLogger().getEffectiveLevel()
        process = context.Process(  # daemonic: a server that exits takes its import along
            target=import_in_process,
            args=(self._settings, path, source, job.started_at_ms, level, progress, stop, sender),
            name=f"import-{path.name}", daemon=True,
        )  # fmt: skip
        process.start()
        if isinstance(process, BaseProcess):  # a thread shares this process's writer
            sender.close()  # the child holds the only writer: its end is the pipe's end
        follower = threading.Thread(target=self._follow, args=(job, process, progress, results),
                                    name="import-follow", daemon=True)  # fmt: skip
        self._job, self._running = job, _Running(process, progress, stop, follower)
        follower.start()
        return job

    def _follow(
        self, job: Job, process: BaseProcess | threading.Thread, progress: Any, results: Connection
    ) -> None:
        """Wait for the import's outcome, then record it and remove the upload's folder."""
        try:
            kind, value = results.recv()
        except EOFError:  # the process ended without a word: killed, or out of memory
            kind, value = "failed", VANISHED
        except Exception:  # an outcome that would not unpickle: the import must still end here
            log.exception("the import of %s sent what could not be read", job.file_name)
            kind, value = "failed", VANISHED
        finally:
            results.close()
        process.join()
        shutil.rmtree(job.folder, ignore_errors=True)
        rows, done, total, import_id = progress[:]
        if kind != "done" and import_id:  # died mid-file: what it staged goes (a live one stays)
            self._discard(import_id)
        with self._lock:
            self._job = replace(
                job, rows=rows, done=done, total=total, finished_at_ms=self._settings.clock(),
                imported=value if kind == "done" else None,
                error=value if kind == "failed" else None,
            )  # fmt: skip
            self._running = None

    def _discard(self, import_id: int) -> None:
        engine = self._settings.open_store()
        try:
            with engine.begin() as conn:
                cloud.discard(conn, import_id)
        except Exception:  # the next import discards it anyway, once abandoned
            log.exception("could not discard the staged rows of import %s", import_id)
        finally:
            engine.dispose()

    def status(self) -> Job | None:
        """The running import with its progress now, else the last one's outcome, else
        ``None`` (nothing imported through this server since it started)."""
        with self._lock:
            job, running = self._job, self._running
        if job is None or running is None:
            return job
        rows, done, total, _import_id = running.progress[:]
        return replace(job, rows=rows, done=done, total=total)

    def wait(self, timeout: float = 120.0) -> Job | None:
        """Wait for the running import to end (tests); its outcome."""
        with self._lock:
            running = self._running
        if running is not None:
            running.follower.join(timeout)
        return self.status()

    def close(self, timeout: float = 30.0) -> None:
        """Stop a running import between two batches (it rolls back: nothing of the file is
        kept) and remove its upload; after ``timeout``, end its process."""
        with self._lock:
            running = self._running
        if running is None:
            return
        running.stop.set()
        running.follower.join(timeout)
        if running.follower.is_alive() and isinstance(running.process, BaseProcess):
            running.process.terminate()  # a thread cannot be ended: it stops at its next batch
            running.follower.join(10)
