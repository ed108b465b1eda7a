"""The CLI run as a user runs it, in this process: ``main`` with the arguments, its exit code and
what it printed."""

from __future__ import annotations

import pytest

from pumpview.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err
