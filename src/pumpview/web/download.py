"""A table as a CSV download: the one response every page's "Download CSV" gives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi.responses import Response

from pumpview.reports.plain import Plain, csv_text


def csv_download(
    rows: Sequence[Mapping[str, Plain]], columns: Sequence[str], name: str
) -> Response:
    """``rows`` (plain values) as ``name``.csv, RFC 4180."""
    return Response(
        csv_text(rows, columns), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )  # fmt: skip
