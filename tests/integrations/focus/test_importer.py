"""FOCUS files into the store: whole or not at all, replacing exactly their source's periods."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pumpview.errors import UserInputError
from pumpview.integrations.focus import importer
from pumpview.integrations.focus.reader import FocusFileError
from pumpview.store import cloud, tables
from pumpview.store.facts import clickhouse
from tests.integrations.focus.test_reader import HEADER, OFFICIAL, write

ON_CLICKHOUSE = True
NOW = 1_800_000_000_000


def month(period: str, *amounts: str, provider: str = "AWS") -> str:
    """A FOCUS body of one billing period (``2026-02``), a row per amount."""
    start = f"{period}-01T00:00:00Z"
    end = f"{period}-28T00:00:00Z"
    rows = [f"{a},{a},{a},USD,{start},{end},{start},{end},{provider},EC2,,"
            for a in amounts]  # fmt: skip
    return "\n".join([HEADER, *rows]) + "\n"


def cost_rows(engine) -> list[tuple[str, date, Decimal]]:
    """(source, period, EffectiveCost) of every cost row stored for an import the store keeps
    (staging or live), wherever the rows live: the database or ClickHouse."""
    costs, imports = tables.cloud_costs, tables.cloud_imports
    client = clickhouse(engine)
    with engine.connect() as conn:
        if client is None:
            columns = (costs.c.source, costs.c.billing_period_start, costs.c.effective_cost)
            return [tuple(row) for row in conn.execute(select(*columns))]
        kept = list(conn.execute(
            select(imports.c.id).where(imports.c.state != cloud.GONE)).scalars())  # fmt: skip
    sql = (
        "SELECT source, billing_period_start, effective_cost FROM cloud_costs"
        " WHERE import_id IN {kept:Array(UInt32)}"
    )
    return [tuple(row) for row in client.query(sql, {"kept": kept}).result_rows]


def kept_imports(engine) -> int:
    """The imports the store keeps: on ClickHouse, one discarded or replaced is ``gone`` until
    the next import's collection has deleted its rows."""
    imports = tables.cloud_imports
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).where(imports.c.state != cloud.GONE)).scalar_one())  # fmt: skip


def stored(engine) -> dict[tuple[str, date], tuple[int, Decimal]]:
    """(source, period) -> (rows, Σ EffectiveCost), summed in Python from the stored rows."""
    out: dict[tuple[str, date], tuple[int, Decimal]] = {}
    for source, period, cost in cost_rows(engine):
        rows, total = out.get((source, period), (0, Decimal(0)))
        out[(source, period)] = (rows + 1, total + cost)
    return out


def test_the_official_sample_is_stored_exactly(engine):
    """Each billing period's rows and EffectiveCost, as stored, equal the file's own cells."""
    with OFFICIAL.open(encoding="utf-8-sig", newline="") as raw:
        cells = list(csv.DictReader(raw))
    want: dict[tuple[str, date], tuple[int, Decimal]] = {}
    for cell in cells:
        key = ("aws", date.fromisoformat(cell["BillingPeriodStart"][:10]))
        rows, total = want.get(key, (0, Decimal(0)))
        want[key] = (rows + 1, total + Decimal(cell["EffectiveCost"]))
    done = importer.import_file(engine, OFFICIAL, source=None, now_ms=NOW)
    assert (done.source, done.version, done.rows) == ("aws", "1.0", 1000)  # its first row's
    assert {("aws", p) for p in done.periods} == set(want)
    assert done.providers == {"AWS", "Microsoft", "Oracle"}
    assert stored(engine) == want
    assert done.effective == {"USD": sum((t for _r, t in want.values()), Decimal(0))}
    assert done.replaced == 0


def test_reimporting_a_month_replaces_that_month_alone(engine, tmp_path):
    """February and March of one source, then March again with other figures: February and
    another source's March are untouched; March is the new file's, nothing doubled."""
    importer.import_file(engine, write(tmp_path, month("2026-02", "1.10", "2.20"), "feb.csv"),
                         source=None, now_ms=NOW)  # fmt: skip
    importer.import_file(engine, write(tmp_path, month("2026-03", "3.30"), "mar.csv"),
                         source=None, now_ms=NOW)  # fmt: skip
    importer.import_file(engine, write(tmp_path, month("2026-03", "9.99", provider="Google"),
                                       "gcp.csv"), source="gcp", now_ms=NOW)  # fmt: skip
    again = importer.import_file(
        engine, write(tmp_path, month("2026-03", "4.00", "0.05"), "mar2.csv"), source="aws",
        now_ms=NOW,
    )  # fmt: skip
    assert again.replaced == 1
    assert stored(engine) == {
        ("aws", date(2026, 2, 1)): (2, Decimal("3.30")),
        ("aws", date(2026, 3, 1)): (2, Decimal("4.05")),
        ("gcp", date(2026, 3, 1)): (1, Decimal("9.99")),
    }
    with engine.connect() as conn:
        assert cloud.period_rows(conn, "aws") == {date(2026, 2, 1): 2, date(2026, 3, 1): 2}
    assert kept_imports(engine) == 3  # the first March import is gone with its rows


def test_a_malformed_file_changes_nothing(engine, tmp_path):
    importer.import_file(engine, write(tmp_path, month("2026-03", "3.30"), "mar.csv"),
                         source="aws", now_ms=NOW)  # fmt: skip
    before = stored(engine)
    body = month("2026-03", "1.00", "2.00").replace("2.00,2.00,2.00", "2.00,oops,2.00")
    with pytest.raises(FocusFileError, match=r"bad.csv, line 3, column EffectiveCost"):
        importer.import_file(engine, write(tmp_path, body, "bad.csv"), source="aws", now_ms=NOW)
    assert stored(engine) == before
    assert kept_imports(engine) == 1


def test_a_file_of_a_header_alone_and_a_bad_source_are_refused(engine, tmp_path):
    with pytest.raises(UserInputError, match="no cost rows"):
        importer.import_file(engine, write(tmp_path, HEADER + "\n"), source=None, now_ms=NOW)
    with pytest.raises(UserInputError, match="source '!!'"):
        importer.source_name("!!")
    assert importer.source_name("Microsoft Azure") == "microsoft-azure"


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_long_import_is_staged_other_writers_go_on_and_nothing_shows_until_it_ends(
    engine, tmp_path
):
    """Batch by batch the rows are written in short transactions, under a staging import that
    nothing reads: meanwhile another write goes through (SQLite has one write lock: a file held
    in one transaction made sign-ins and syncs fail), and the data pages see the old month."""
    importer.import_file(engine, write(tmp_path, month("2026-03", "3.30"), "mar.csv"),
                         source="aws", now_ms=NOW)  # fmt: skip
    amounts = [f"{i}.01" for i in range(3 * importer.BATCH)]
    seen: list[tuple[int, dict[date, int], int]] = []

    def meanwhile(progress: importer.Progress) -> None:
        if progress.rows and progress.rows < len(amounts):
            with engine.begin() as conn:  # another writer, between two batches
                conn.execute(tables.setup_links.insert().values(
                    token_hash=f"{progress.rows:064d}", expires_at_ms=NOW))  # fmt: skip
                seen.append((progress.rows, cloud.period_rows(conn, "aws"),
                             len(cloud.listing(conn))))  # fmt: skip

    done = importer.import_file(engine, write(tmp_path, month("2026-03", *amounts), "big.csv"),
                                source="aws", now_ms=NOW, on_progress=meanwhile)  # fmt: skip
    assert [rows for rows, _p, _l in seen] == [importer.BATCH, 2 * importer.BATCH]
    assert all(p == {date(2026, 3, 1): 1} and n == 1 for _r, p, n in seen)  # the old month
    assert _count(engine, tables.setup_links) == 2
    assert done.replaced == 1
    assert stored(engine) == {("aws", date(2026, 3, 1)): (len(amounts),
                                                         sum(map(Decimal, amounts)))}  # fmt: skip


def test_a_stopped_import_and_an_abandoned_one_leave_nothing(engine, tmp_path):
    """An import stopped mid-file (its progress callback raises, as the web app's stop does)
    discards what it staged; one whose process died is discarded by the next import once its
    heartbeat is old, and a staging import still beating is left alone."""
    amounts = [f"{i}.5" for i in range(2 * importer.BATCH)]

    def stop(progress: importer.Progress) -> None:
        if progress.rows:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        importer.import_file(engine, write(tmp_path, month("2026-04", *amounts), "a.csv"),
                             source="aws", now_ms=NOW, on_progress=stop)  # fmt: skip
    assert (len(cost_rows(engine)), kept_imports(engine)) == (0, 0)

    now = importer.clock_ms()
    with engine.begin() as conn:  # two imports whose process died after a batch
        dead = cloud.new_import(conn, "aws", "dead.csv", "1.2", NOW, "{}",
                                heartbeat_ms=now - importer.ABANDONED_MS - 1)  # fmt: skip
        alive = cloud.new_import(conn, "aws", "alive.csv", "1.2", NOW, "{}", heartbeat_ms=now)
        for import_id in (dead, alive):
            cloud.add_rows(conn, [{
                "import_id": import_id, "source": "aws", "billing_period_start": date(2026, 4, 1),
                "charge_day": date(2026, 4, 2), "billing_currency": "USD",
                "billed_cost": Decimal(1), "effective_cost": Decimal(1), "tags": "{}",
                "extra": "{}",
            }])  # fmt: skip
    importer.import_file(engine, write(tmp_path, month("2026-05", "7"), "may.csv"),
                         source="aws", now_ms=NOW)  # fmt: skip
    with engine.connect() as conn:
        imports = tables.cloud_imports
        ids = set(conn.execute(
            select(imports.c.id).where(imports.c.state != cloud.GONE)).scalars())  # fmt: skip
        assert dead not in ids  # on ClickHouse ``gone`` until a collection finds no row of it
        assert alive in ids
        assert [i.file_name for i in cloud.listing(conn)] == ["may.csv"]  # staging is unseen
    assert stored(engine) == {("aws", date(2026, 4, 1)): (1, Decimal(1)),
                              ("aws", date(2026, 5, 1)): (1, Decimal(7))}  # fmt: skip


def test_discarding_a_live_import_keeps_it(engine, tmp_path):
    """Discard is for what a dead or stopped import staged: once a file is swapped in, a late
    discard (a process killed after its swap, before it could say so) keeps every row."""
    importer.import_file(engine, write(tmp_path, month("2026-03", "3.30"), "mar.csv"),
                         source="aws", now_ms=NOW)  # fmt: skip
    with engine.begin() as conn:
        (live,) = conn.execute(select(tables.cloud_imports.c.id)).scalars()
        cloud.discard(conn, live)
    assert stored(engine) == {("aws", date(2026, 3, 1)): (1, Decimal("3.30"))}


@pytest.mark.parametrize(
    ("column", "limit"),
    [("ServiceName", 500), ("ProviderName", 200), ("BillingCurrency", 32)],
)
def test_a_text_longer_than_the_store_keeps_is_refused_at_its_cell(engine, tmp_path, column, limit):
    """A text one character longer than its column (PostgreSQL refused the batch
    with a database error, SQLite kept it): refused at its line and column, nothing stored."""
    rows = month("2026-02", "1", "2").splitlines()
    cells = dict(zip(HEADER.split(","), rows[2].split(","), strict=True))
    cells[column] = "x" * (limit + 1)
    body = "\n".join([*rows[:2], ",".join(cells.values())]) + "\n"
    with pytest.raises(FocusFileError) as refused:
        importer.import_file(engine, write(tmp_path, body), source="aws", now_ms=NOW)
    assert str(refused.value) == (
        f"costs.csv, line 3, column {column}: is {limit + 1:,} characters long; at most "
        f"{limit:,} are kept"
    )
    assert stored(engine) == {}


def test_an_owner_tag_longer_than_the_store_keeps_is_refused(engine, tmp_path):
    """An owner tag of 501 characters: the day's sums hold 500 (PostgreSQL refused the swap
    with a database error); one clear error naming the file, nothing stored."""
    owner = "o" * 501
    body = month("2026-02", "1").replace(",EC2,,", f',EC2,"{{""owner"": ""{owner}""}}",')
    with pytest.raises(UserInputError) as refused:
        importer.import_file(engine, write(tmp_path, body), source="aws", now_ms=NOW)
    assert str(refused.value) == (
        f"costs.csv: the owner tag {'o' * 40!r}… is 501 characters long; at most 500 are kept"
    )
    assert stored(engine) == {}


def test_a_days_costs_past_what_the_store_sums_are_refused(engine, tmp_path):
    """9,300 rows of 999,999,999,999,999 on one day: each amount is in range, their sum is
    past a BIGINT (SQLite and PostgreSQL refused it with a database error); one clear error."""
    amount = "999999999999999"
    assert 9300 * int(amount) >= 2**63
    body = month("2026-02", *[amount] * 9300)
    with pytest.raises(UserInputError) as refused:
        importer.import_file(engine, write(tmp_path, body), source="aws", now_ms=NOW)
    assert str(refused.value) == (
        "costs.csv: the costs of 2026-02-01 for AWS add up past what the store holds"
    )
    assert stored(engine) == {}


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        (",EC\x002,,", "ServiceName"),
        (',EC2,"{""owner"": ""al\\u0000ex""}",', "Tags"),
        (',EC2,"{""te\\u0000am"": ""core""}",', "Tags"),
    ],
)
def test_a_nul_character_is_refused_at_its_cell(engine, tmp_path, cells, column):
    """A NUL in a text cell or in a tag (written raw, or as JSON's ``\\u0000``): PostgreSQL's
    text holds none (it refused the batch with a database error; SQLite kept it). Refused at
    its line and column on both, nothing stored."""
    body = month("2026-02", "1", "2").replace(",EC2,,", cells, 1)
    with pytest.raises(FocusFileError) as refused:
        importer.import_file(engine, write(tmp_path, body), source="aws", now_ms=NOW)
    assert str(refused.value).startswith(f"costs.csv, line 2, column {column}: ")
    assert "NUL" in str(refused.value)
    assert stored(engine) == {}
