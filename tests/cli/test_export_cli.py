"""``pumpview export focus``: one summary line and a file; a mistake, one error line and no file."""

from __future__ import annotations

import json
import resource
import signal
from datetime import date

import pytest
from cryptography.fernet import Fernet

from pumpview.exports.focus.pseudonyms import KEY_PURPOSE, Pseudonyms
from pumpview.store.engine import open_store
from pumpview.vault import Vault
from tests.cli.invoke import run
from tests.exports.focus.test_export import DAYS, person, rows_of, sums, sync, truth

SECRET = Fernet.generate_key().decode()
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def synced(tmp_path, monkeypatch, serve, db_url):
    """A store filled by a real sync from the simulator; the CLI pointed at it."""
    served = serve(days=DAYS, members=8)
    engine = open_store(db_url)
    sync(engine, served)
    engine.dispose()
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PUMPVIEW_DATABASE_URL", db_url)
    monkeypatch.setenv("PUMPVIEW_SECRET_KEY", SECRET)
    for name in ("PUMPVIEW_SEAT_PRICE", "PUMPVIEW_SEAT_PLAN"):
        monkeypatch.delenv(name, raising=False)
    return served


def test_export_writes_the_file_and_says_so_in_one_line(synced, capsys, tmp_path):
    """Rows, range, the four totals, the file and its metadata, on one line; the file's costs
    equal the simulator's events over the stored range."""
    out = tmp_path / "cursor.csv"
    code, said, err = run(capsys, "export", "focus", "--out", str(out), "--since", "2025-11-01",
                          "--until", "2025-11-20")  # fmt: skip
    assert (code, err) == (0, "")
    rows = rows_of(out)
    billed, effective, listed, contracted = sums(rows)[None]
    assert said.splitlines() == [
        f"Wrote {len(rows):,} usage rows of FOCUS 1.2 (csv) for 2025-11-01 to 2025-11-20: "
        f"billed {billed}, effective {effective}, list {listed}, contracted {contracted} USD; "
        f"{out} and {out}.metadata.json"
    ]
    assert sums(rows) == truth(synced.sim.team, date(2025, 11, 1), date(2025, 11, 20))
    meta = json.loads((tmp_path / "cursor.csv.metadata.json").read_text())
    assert meta["Schema"]["FocusVersion"] == "1.2"
    assert meta["x_PumpView"]["Range"]["Since"] == "2025-11-01"


def test_defaults_cover_every_stored_day_and_parquet_follows_the_name(synced, capsys, tmp_path):
    """Without --since/--until the export covers the stored history, as the reports do; a
    .parquet name writes Parquet; seat rows come from PUMPVIEW_SEAT_PRICE."""
    out = tmp_path / "cursor.parquet"
    code, said, _err = run(capsys, "export", "focus", "--out", str(out))
    assert code == 0
    first = synced.sim.team.first_day
    assert f"(parquet) for {first} to 2025-11-24:" in said
    assert sums(rows_of(out)) == truth(synced.sim.team, first, date(2025, 11, 24))


def test_seat_rows_come_from_the_settings(synced, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_SEAT_PRICE", "40")
    monkeypatch.setenv("PUMPVIEW_SEAT_PLAN", "Business")
    out = tmp_path / "s.csv"
    code, said, _err = run(capsys, "export", "focus", "--out", str(out), "--since", "2025-11-01")
    assert code == 0
    seats = [r for r in rows_of(out) if r["x_CostSource"] == "configured"]
    assert f", {len(seats)} seat rows (configured, not measured) of FOCUS" in said
    assert {(r["BilledCost"], r["ChargeDescription"]) for r in seats} == {
        ("40", "Cursor Business seat, monthly")
    }


def test_hashed_emails_are_the_installations_keyed_hash(synced, capsys, tmp_path):
    """--hash-emails writes the HMAC keyed by PUMPVIEW_SECRET_KEY's derived key: the same in
    every export of this installation."""
    names = Pseudonyms(Vault(SECRET.encode()).derive(KEY_PURPOSE), hash_emails=True)
    runs = []
    for name in ("a.csv", "b.csv"):
        code, _said, _err = run(capsys, "export", "focus", "--out", str(tmp_path / name),
                                "--hash-emails")  # fmt: skip
        assert code == 0
        runs.append(rows_of(tmp_path / name))
    assert [person(r) for r in runs[0]] == [person(r) for r in runs[1]]
    members = {m.event_email.lower() for m in synced.sim.team.members if m.event_email}
    assert {person(r) for r in runs[0]} - {None} <= {names.opaque(e) for e in members}
    assert "@" not in (tmp_path / "a.csv").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--focus-version", "1.5"), "error: --focus-version: '1.5' is not one of 1.2, 1.3, 1.4"),
        (("--format", "xlsx"), "error: --format: 'xlsx' is not one of csv, parquet"),
        (("--since", "2025-13-01"),
         "error: --since: not a date (expected YYYY-MM-DD): '2025-13-01'"),
        (("--since", "2025-11-20", "--until", "2025-11-01"),
         "error: --since 2025-11-20 is after --until 2025-11-01"),
        (("--integration", "nope"), "error: no integration named nope; known: cursor"),
    ],
)  # fmt: skip
def test_a_bad_option_is_one_error_line_and_no_file(synced, capsys, tmp_path, argv, message):
    folder = tmp_path / "out"
    folder.mkdir()
    code, said, err = run(capsys, "export", "focus", "--out", str(folder / "c.csv"), *argv)
    assert (code, said, err) == (1, "", message + "\n")
    assert list(folder.iterdir()) == []


def test_an_out_path_that_cannot_be_written_is_one_error_line(synced, capsys, tmp_path):
    code, _said, err = run(capsys, "export", "focus", "--out", str(tmp_path / "no" / "c.csv"))
    assert (code, err) == (1, f"error: --out: the folder {tmp_path / 'no'} does not exist\n")
    code, _said, err = run(capsys, "export", "focus", "--out", str(tmp_path))
    assert (code, err) == (1, f"error: --out: {tmp_path} is a folder; name a file in it\n")


def test_a_failed_export_keeps_the_previous_file(synced, capsys, tmp_path):
    """The file is written under another name and renamed when whole: an export the system
    stops half-way (here a file-size limit, as a full disk would) leaves the earlier file as it
    was, and no temporary file."""
    out = tmp_path / "c.csv"
    out.write_text("the previous export\n")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, limit[1]))
    try:
        code, _said, err = run(capsys, "export", "focus", "--out", str(out))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, ignored)
    assert (code, err) == (1, "error: File too large\n")
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
