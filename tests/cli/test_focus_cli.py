"""``pumpview import focus``: what each file brought, in one line; a bad file, one error line."""

from __future__ import annotations

import pytest

from pumpview.cli import main
from tests.integrations.test_focus_reader import OFFICIAL, SAMPLES


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUMPVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PUMPVIEW_DATABASE_URL", raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


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
