"""How far a FOCUS import has got: the reader's position in the file and the importer's reports."""

from __future__ import annotations

import gzip

import pytest

from pumpview.integrations.focus import importer
from pumpview.integrations.focus.reader import FocusFile
from tests.integrations.focus.test_reader import HEADER, OFFICIAL

ON_CLICKHOUSE = True
NOW = 1_800_000_000_000


def body(rows: int) -> str:
    """A FOCUS body of ``rows`` rows of one billing period, each a different amount."""
    start, end = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
    lines = [f"{i}.25,{i}.25,,USD,{start},{end},{start},{end},AWS,EC2,,x" for i in range(rows)]
    return "\n".join([HEADER, *lines]) + "\n"


def positions(focus: FocusFile, every: int) -> list[tuple[int, int]]:
    """``focus.progress`` before reading, every ``every`` rows, and once the rows are read."""
    seen = [focus.progress]
    for number, _row in enumerate(focus.rows(), start=1):
        if number % every == 0:
            seen.append(focus.progress)
    seen.append(focus.progress)
    return seen


@pytest.mark.parametrize("zipped", [False, True])
def test_a_csv_is_measured_in_the_bytes_of_the_file_as_stored(tmp_path, zipped):
    """Plain or gzip, the position rises from 0 to the file's size on disk (for gzip, the
    compressed bytes: what its size counts), never past it."""
    # Big enough to be read in several pieces compressed too: with chDB loaded in the process
    # (the ClickHouse tests), a 100 KB gzip file was read in one piece.
    data = body(100_000).encode()
    path = tmp_path / ("costs.csv.gz" if zipped else "costs.csv")
    path.write_bytes(gzip.compress(data) if zipped else data)
    size = path.stat().st_size
    seen = positions(FocusFile(path), every=1000)
    assert seen[0] == (0, size)
    assert seen[-1] == (size, size)
    assert all(total == size for _done, total in seen)
    done = [d for d, _total in seen]
    assert done == sorted(done)
    assert len(set(done)) > 5  # it moves as the file is read, not only at the end


def test_parquet_is_measured_in_rows_of_its_metadata(tmp_path):
    """A Parquet file counts the rows decoded against the row count its footer declares."""
    import pyarrow.csv as pacsv  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    path = tmp_path / "costs.parquet"
    pq.write_table(pacsv.read_csv(OFFICIAL), path, row_group_size=100)
    seen = positions(FocusFile(path), every=100)
    assert seen[0] == (0, 1000)
    assert seen[-1] == (1000, 1000)
    done = [d for d, _total in seen]
    assert done == sorted(done)
    assert len(set(done)) > 1


def test_the_importer_reports_each_batch_then_the_whole_file(engine, tmp_path):
    """Before the first batch, after each of 5,000 rows, and once stored: rows rising by a
    batch, the position rising to the file's size, the last report the whole file."""
    path = tmp_path / "costs.csv"
    path.write_text(body(12_345), encoding="utf-8")
    heard: list[importer.Progress] = []
    done = importer.import_file(engine, path, source=None, now_ms=NOW, on_progress=heard.append)
    size = path.stat().st_size
    assert done.rows == 12_345
    assert [p.rows for p in heard] == [0, 5000, 10_000, 12_345]
    assert {p.total for p in heard} == {size}
    assert [p.done for p in heard] == sorted(p.done for p in heard)
    assert 0 < heard[1].done < heard[2].done < size
    assert (heard[-1].done, heard[-1].fraction) == (size, 1.0)


def test_an_exception_from_the_listener_stores_nothing(engine, tmp_path):
    """A listener that raises mid-file (how the web app stops an import) ends it with
    nothing stored: the file is one transaction."""
    from pumpview.reports import cloud  # noqa: PLC0415
    from pumpview.store.engine import snapshot  # noqa: PLC0415
    from tests.integrations.focus.test_importer import cost_rows, kept_imports  # noqa: PLC0415

    path = tmp_path / "costs.csv"
    path.write_text(body(12_000), encoding="utf-8")

    class Stop(Exception):
        pass

    def stop_after_a_batch(progress: importer.Progress) -> None:
        if progress.rows >= 5000:
            raise Stop

    with pytest.raises(Stop):
        importer.import_file(engine, path, source=None, now_ms=NOW,
                             on_progress=stop_after_a_batch)  # fmt: skip
    assert (cost_rows(engine), kept_imports(engine)) == ([], 0)
    with snapshot(engine) as conn:
        assert cloud.days(conn) is None


def test_progress_is_a_share_of_the_file():
    """``fraction`` is done over total, and 0 for an empty total rather than a division."""
    assert importer.Progress(rows=10, done=25, total=100).fraction == 0.25
    assert importer.Progress(rows=0, done=0, total=0).fraction == 0.0
