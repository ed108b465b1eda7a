"""Settings → Data sources: FOCUS cost files uploaded by admins (as ``pumpview import focus``)
and imported in the background with a progress bar, and what has been imported, for everyone
signed in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from pumpview.errors import UserInputError
from pumpview.integrations.focus import importer
from pumpview.reports.plain import plain
from pumpview.store import cloud
from pumpview.web import security
from pumpview.web.imports import ImportBusy, Job
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(
    route_class=security.Gated, tags=["Settings · Data sources"]
)  # its group in /docs
PAGE = "/settings/data-sources"
MAX_NAME = 255
"""The longest file name (in UTF-8 bytes) the upload's folder can hold (Linux's NAME_MAX)."""


def _page(
    request: Request,
    web: Web,
    status: int = 200,
    *,
    errors: dict[str, str] | None = None,
    source: str = "",
) -> Response:
    """The page with the import this server runs (its bar) or ran last (its summary, or its
    error at the file's field); ``errors``, a refused upload's at their fields, come first, the
    ``source`` it was sent with kept in its field."""
    job = web.imports.status()
    with web.engine.connect() as conn:
        imports = cloud.listing(conn)
    if not errors and job and job.error:
        errors = {"file": job.error}
    context = {"imports": imports, "job": job, "done": job and job.imported,
               "errors": errors or {}, "source": source,
               "max_upload": security.size_text(int(web.settings.max_upload)),
               "max_upload_bytes": int(web.settings.max_upload),
               "sources": sorted({i.source for i in imports}),
               "seat_price": web.billing().seat_price}  # fmt: skip
    return web.page(request, "data_sources.html", context, status=status)


@router.get(PAGE)
def page(request: Request, _user: Viewer, web: State) -> Response:
    return _page(request, web)


@router.get("/api/data-sources")
def api(_user: Viewer, web: State) -> list[dict[str, Any]]:
    """The page's twin: each import still holding rows, newest first."""
    with web.engine.connect() as conn:
        return [{"source": i.source, "file_name": i.file_name, "focus_version": i.focus_version,
                 "imported_at_ms": i.imported_at_ms, "rows": i.rows,
                 "first_period": plain(i.first_period), "last_period": plain(i.last_period)}
                for i in cloud.listing(conn)]  # fmt: skip


@router.get("/api/data-sources/import")
def api_import(_user: Viewer, web: State) -> dict[str, Any]:
    """The import this server runs (state ``running``, with its progress) or ran last
    (``done`` with what it read, or ``failed`` with why); ``none`` since it started."""
    return _job(web.imports.status())


@router.post(f"{PAGE}/import")
def upload(
    request: Request,
    _user: Admin,
    web: State,
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form()] = "",
) -> Response:
    """Store the upload as a file and import it in the background; the page follows it."""
    try:
        name = _file_name(file.filename)
        named = importer.source_name(source) if source.strip() else None
        web.imports.start(name, file.file, named)
    except ImportBusy as exc:
        return _page(request, web, 409, errors={"file": str(exc)}, source=source)
    except UserInputError as exc:  # a bad source or file name: the error says which
        return _page(request, web, 400, errors={exc.field or "file": str(exc)}, source=source)
    return RedirectResponse(PAGE, status_code=303)


def _file_name(sent: str | None) -> str:
    """The name the upload is stored (and listed) under: the browser's, without folders; one
    the file system cannot hold is refused (it was a 500: ``File name too long``)."""
    name = Path(sent or "").name
    if name in {"", ".."}:
        return "upload.csv"
    if len(name.encode()) > MAX_NAME or "\x00" in name:
        msg = (f"The file's name is longer than {MAX_NAME} bytes or holds a NUL character: "
               "rename the file, then upload it again.")  # fmt: skip
        raise UserInputError(msg, field="file")
    return name


def _job(job: Job | None) -> dict[str, Any]:
    if job is None:
        return {"state": "none"}
    done = job.imported
    return {
        "state": "running" if job.running else "done" if done else "failed",
        "file_name": job.file_name, "started_at_ms": job.started_at_ms,
        "finished_at_ms": job.finished_at_ms, "rows": job.rows, "done": job.done,
        "total": job.total, "percent": job.percent, "error": job.error,
        "imported": None if done is None else {
            "source": done.source, "focus_version": done.version, "rows": done.rows,
            "billing_periods": [plain(p) for p in sorted(done.periods)],
            "providers": sorted(done.providers),
            "billed": {c: plain(v) for c, v in sorted(done.billed.items())},
            "effective": {c: plain(v) for c, v in sorted(done.effective.items())},
            "replaced": done.replaced, "repaired": done.repaired,
            "days": None if done.days is None else {"since": plain(done.days[0]),
                                                    "until": plain(done.days[1])},
        },
    }  # fmt: skip
