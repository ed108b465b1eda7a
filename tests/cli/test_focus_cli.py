"""``pumpview import focus``: what each file brought, in one line; a bad file, one error line."""

from __future__ import annotations

import json

import pytest

from tests.cli.invoke import run
from tests.integrations.focus.test_reader import (
    HEADER,
    MALFORMED,
    OFFICIAL,
    SAMPLES,
    write_malformed,
)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)


def test_import_says_what_it_read_and_what_a_second_import_replaced(capsys):
    saas = SAMPLES / "spec-v1.2-saas" / "simple_saas_agreements_c.csv"
    code, out, err = run(capsys, "import", "focus", str(OFFICIAL), str(saas))
    assert code == 0, err
    first, second = out.splitlines()
    assert first.startswith("focus_sample.csv: 1,000 rows of FOCUS 1.0 into source aws;")
    assert "billing periods 2024-09, 2024-10; providers AWS, Microsoft, Oracle;" in first
    assert "replaced 0 earlier rows" in first
    assert second.startswith("simple_saas_agreements_c.csv: 3 rows of FOCUS 1.1 into source")
    assert "12 amounts written with '$' or thousands separators" in err
    code, out, _err = run(capsys, "import", "focus", str(OFFICIAL), "--source", "aws")
    assert code == 0
    assert "replaced 1,000 earlier rows of those periods" in out


def test_a_file_that_is_not_focus_is_one_error_line(capsys, tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("Date,Amount\n2026-03-01,12\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "focus", str(other))
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [
        "error: notes.csv, line 1: no BilledCost, EffectiveCost, BillingCurrency, "
        "BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd column: "
        "is this a FOCUS cost file?"
    ]


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_file_is_one_error_line_and_nothing_is_stored(capsys, tmp_path, kind):
    """Each malformed kind (bad UTF-8, a huge cell or amount, deep tags, a broken gzip, a
    zip): ``error:`` and where, on one line, exit 1, no traceback; the store holds nothing."""
    path, says = write_malformed(tmp_path, kind)
    code, out, err = run(capsys, "import", "focus", str(path))
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"error: {says}")
    code, out, _err = run(capsys, "report", "providers", "--since", "2026-03-01",
                          "--until", "2026-03-31", "--format", "json")  # fmt: skip
    assert (code, json.loads(out)) == (0, [])


def test_one_row_is_said_in_the_singular(capsys, tmp_path):
    """A file of one row, one period, one provider: no "1 rows"; the amounts as the file has
    them (the CLI's line is the exact figure)."""
    path = tmp_path / "one.csv"
    path.write_text(f"{HEADER}\n20.52022672899,20.5,,USD,2026-02-01,2026-03-01,2026-02-03,"
                    "2026-02-04,AWS,EC2,,\n", encoding="utf-8")  # fmt: skip
    code, out, _err = run(capsys, "import", "focus", str(path))
    assert code == 0
    assert out == (
        "one.csv: 1 row of FOCUS 1.0 into source aws; billing period 2026-02; provider AWS; "
        "billed 20.52022672899 USD, effective 20.5 USD; replaced 0 earlier rows of that "
        "period\n"
    )


def test_the_totals_are_said_in_plain_notation(capsys, tmp_path):
    """Amounts a file writes with an exponent (FOCUS allows it) are said as plain decimals,
    exact: ``1e-7`` + ``2E-7`` is 0.0000003, never ``3E-7`` (str of a Decimal)."""
    path = tmp_path / "tiny.csv"
    rows = [f"{a},{a},,USD,2026-02-01,2026-03-01,2026-02-03,2026-02-04,AWS,EC2,,"
            for a in ("1e-7", "2E-7")]  # fmt: skip
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    code, out, _err = run(capsys, "import", "focus", str(path))
    assert code == 0
    assert "; billed 0.0000003 USD, effective 0.0000003 USD; " in out


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    """Captured (a log, a pipe), the import prints its summary line and nothing else: no
    bar, no escape codes on stderr."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    code, out, err = run(capsys, "import", "focus", str(OFFICIAL))
    assert code == 0
    assert out.startswith("focus_sample.csv: 1,000 rows of FOCUS 1.0 into source aws;")
    assert err == ""


def test_on_a_terminal_the_bar_says_percent_rows_and_rate_and_stdout_stays_plain(tmp_path):
    """stderr a pseudo-terminal, stdout a pipe: the terminal gets the file's bar at 100%
    with its rows and rate; stdout gets the same summary line as when captured."""
    import os  # noqa: PLC0415
    import pty  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import threading  # noqa: PLC0415

    terminal, child_side = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(PUMPVIEW_HOME=str(tmp_path / "home"), COLUMNS="120", TERM="xterm")
    drawn = bytearray()

    def read() -> None:  # the terminal's side, drained as the child writes
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the child side closed
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-m", "pumpview", "import", "focus", str(OFFICIAL)],
        stdout=subprocess.PIPE, stderr=child_side, env=env, timeout=120, check=False,
    )  # fmt: skip
    os.close(child_side)
    reader.join(30)
    os.close(terminal)
    screen = drawn.decode("utf-8", "replace")
    assert done.returncode == 0, screen
    assert done.stdout.decode().startswith("focus_sample.csv: 1,000 rows of FOCUS 1.0")
    assert "\x1b[" not in done.stdout.decode()
    last = screen.replace("\r\n", "\r").split("\r")
    final = [line for line in last if "100%" in line]
    assert final, screen
    assert "focus_sample.csv" in final[-1]
    assert "1,000 rows" in final[-1]
    assert "rows/s" in final[-1]


def test_the_tag_keys_come_from_the_settings(capsys, tmp_path, monkeypatch):
    """PUMPVIEW_TEAM_TAGS names the key a team is read from, first match wins."""
    path = tmp_path / "costs.csv"
    path.write_text("\n".join([
        HEADER, '5,5,5,USD,2026-02-01,2026-03-01,2026-02-03,2026-02-04,AWS,EC2,'
                '"{""Squad"": ""Core"", ""team"": ""Ignored""}",',
    ]) + "\n", encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("PUMPVIEW_TEAM_TAGS", "squad, team")
    assert run(capsys, "import", "focus", str(path))[0] == 0
    code, out, _err = run(capsys, "report", "teams", "--format", "json")
    assert code == 0
    assert [(r["team"], r["cloud_effective_cost"]) for r in json.loads(out)] == [("Core", "5")]
