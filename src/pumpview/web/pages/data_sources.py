"""Settings → Data sources: FOCUS cost files uploaded by admins (as ``pumpview import focus``),
and what has been imported, for everyone signed in."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.errors import UserInputError
from pumpview.integrations.focus import importer
from pumpview.reports.plain import plain
from pumpview.store import cloud
from pumpview.timeutil import now_ms
from pumpview.web import security

router = APIRouter()
PAGE = "/settings/data-sources"
Viewer = Annotated[User, Depends(security.viewer)]
Admin = Annotated[User, Depends(security.admin)]


def _page(
    request: Request,
    status: int = 200,
    *,
    done: importer.Imported | None = None,
    error: str | None = None,
) -> Response:
    web = security.web_of(request)
    with web.engine.connect() as conn:
        imports = cloud.listing(conn)
    return web.page(request, "data_sources.html",
                    {"imports": imports, "done": done, "error": error}, status=status)  # fmt: skip


@router.get(PAGE)
def page(request: Request, _user: Viewer) -> Response:
    return _page(request)


@router.get("/api/data-sources")
def api(request: Request, _user: Viewer) -> list[dict[str, Any]]:
    """The page's twin: each import still holding rows, newest first."""
    with security.web_of(request).engine.connect() as conn:
        return [{"source": i.source, "file_name": i.file_name, "focus_version": i.focus_version,
                 "imported_at_ms": i.imported_at_ms, "rows": i.rows,
                 "first_period": plain(i.first_period), "last_period": plain(i.last_period)}
                for i in cloud.listing(conn)]  # fmt: skip


@router.post(f"{PAGE}/import")
def upload(
    request: Request,
    _user: Admin,
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form()] = "",
) -> Response:
    """Store the upload as a file (a large export never sits in memory), then import it."""
    name = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        try:
            done = importer.import_file(security.web_of(request).engine, path,
                                        source=source.strip() or None, now_ms=now_ms())  # fmt: skip
        except UserInputError as exc:
            return _page(request, 400, error=str(exc))
    return _page(request, done=done)
