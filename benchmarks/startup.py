"""CLI start-up: ``pumpview --help`` and reading commands, against ``import typer``.

    .venv/bin/python benchmarks/startup.py [--runs 15]

Each command runs as a fresh process; the script prints the median wall time of each and its
ratio to ``python -c "import typer"`` (targets from issue 10: <= 1.5x for --help, <= 2.5x for a
report). A command that opens the store cannot start before its libraries are imported, so the
floor, ``import typer, sqlalchemy, pydantic_settings``, is printed too, with each reading
command's ratio to it: what start-up is still ours to win.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PUMPVIEW = str(Path(sys.executable).with_name("pumpview"))
FLOOR = "typer, sqlalchemy, pydantic_settings"
"""What every command that reads the store imports before doing anything of its own."""


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603 - ours
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PUMPVIEW_HOME": home}
        env.pop("PUMPVIEW_DATABASE_URL", None)
        subprocess.run([PUMPVIEW, "report", "users"], env=env, check=True, capture_output=True)  # noqa: S603
        typer = median_seconds([sys.executable, "-c", "import typer"], env, args.runs)
        rows = [
            ("pumpview --help", [PUMPVIEW, "--help"], 1.5),
            ("pumpview report users (empty store)", [PUMPVIEW, "report", "users"], 2.5),
            ("pumpview integrations list", [PUMPVIEW, "integrations", "list"], 2.5),
        ]
        floor = median_seconds([sys.executable, "-c", f"import {FLOOR}"], env, args.runs)
        baseline = 'python -c "import typer"'
        print(f"{baseline:<52}{typer * 1000:>6.0f} ms")
        print(f"{'floor: import ' + FLOOR:<52}{floor * 1000:>6.0f} ms {floor / typer:5.1f}x")
        for label, command, target in rows:
            seconds = median_seconds(command, env, args.runs)
            ratio = seconds / typer
            verdict = "met" if ratio <= target else "not met"
            above = "" if command[1] == "--help" else f", {seconds / floor:.2f}x the floor"
            print(
                f"{label:<52}{seconds * 1000:>6.0f} ms {ratio:5.1f}x "
                f"(target {target}x: {verdict}{above})"
            )


if __name__ == "__main__":
    main()
