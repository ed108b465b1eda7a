"""``GET /api/export/focus``: the FOCUS export of ``pumpview export focus`` as a download, for
everyone signed in (Settings → Data sources has the form)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from pumpview.exports.focus.export import ExportRequest, export
from pumpview.exports.focus.pseudonyms import KEY_PURPOSE
from pumpview.web import security
from pumpview.web.params import Integrations, Provider, Span
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(
    route_class=security.Gated, tags=["Settings · Data sources"]
)  # its group in /docs
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet",
         "metadata": "application/json"}  # fmt: skip


@router.get("/api/export/focus")
def focus(
    _user: Viewer,
    web: State,
    span: Span,
    integrations: Integrations,
    provider: Provider,
    focus_version: Annotated[
        Literal["1.2", "1.3", "1.4"], Query(description="FOCUS version of the file.")
    ] = "1.2",
    format: Annotated[Literal["csv", "parquet"], Query(description="File format.")] = "csv",
    hash_emails: Annotated[
        bool, Query(description="A keyed hash in place of every email address.")
    ] = False,
    part: Annotated[
        Literal["data", "metadata"], Query(description="The cost file, or its metadata JSON.")
    ] = "data",
) -> FileResponse:
    """AI tool costs (Cursor, Claude Code, GitHub Copilot; ``provider``: one alone) over the
    range as a FOCUS file (the same bytes as the CLI writes for the
    same options and secret), or the metadata that goes beside it."""
    folder = Path(tempfile.mkdtemp(prefix="pumpview-export-"))
    tool = "ai-tools" if provider == "all" else provider
    path = folder / f"{tool}-focus-{focus_version}-{span.since}-{span.until}.{format}"
    billing = web.billing()
    asked = ExportRequest(
        since=span.since, until=span.until, integrations=integrations, provider=provider,
        version=focus_version, hash_emails=hash_emails, seats=billing.plan,
        copilot_prices=billing.copilot,
    )  # fmt: skip
    try:
        done = export(web.engine, path, format, asked, web.vault.derive(KEY_PURPOSE),
                      now_ms=web.clock())  # fmt: skip
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    sent = done.metadata if part == "metadata" else done.path
    return FileResponse(
        sent, media_type=MEDIA["metadata" if part == "metadata" else format], filename=sent.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )  # fmt: skip
