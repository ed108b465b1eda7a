"""The Anthropic simulator's generator: a year of Claude Code sessions, records and cost lines.

    .venv/bin/python benchmarks/anthropic_simulator.py                 # 400 Cursor members
    .venv/bin/python benchmarks/anthropic_simulator.py --members 50

Builds the organisation at a fixed present (2026-12-07T16:00Z) and times, for each of the 365
days: its sessions, its claude_code records, and its cost_report lines. Prints figures; asserts
nothing about them.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from pumpview.simulator.anthropic import AnthropicConfig
from pumpview.simulator.anthropic.data import Organisation

NOW = 1_796_659_200_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    started = time.perf_counter()
    org = Organisation(AnthropicConfig(now_ms=NOW, members=args.members, days=args.days))
    people = time.perf_counter() - started
    days = [org.first_day + timedelta(days=n) for n in range(args.days)]
    started = time.perf_counter()
    sessions = sum(len(org.sessions(day)) for day in days)
    drawn = time.perf_counter() - started
    started = time.perf_counter()
    records = lines = 0
    for day in days:
        records += len(org.records(day))
        lines += len(org.cost_lines(day))
    built = time.perf_counter() - started
    print(f"{len(org.users)} users, {len(org.actors)} actors, {len(org.api_keys)} keys "
          f"({people:.2f} s)")  # fmt: skip
    print(f"{sessions:,} sessions over {args.days} days in {drawn:.2f} s")
    print(f"{records:,} records and {lines:,} cost lines in {built:.2f} s "
          "(the sessions drawn again: the cache keeps 64 days)")  # fmt: skip


if __name__ == "__main__":
    main()
