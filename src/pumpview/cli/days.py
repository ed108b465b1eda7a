"""``--since`` and ``--until`` as the commands read them: inclusive UTC days, in order."""

from __future__ import annotations

from datetime import date

from pumpview.errors import UserInputError
from pumpview.timeutil import parse_day


def days(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """The range the options name (an open end stays ``None``); a bad day or a range ending
    before it starts is one ``UserInputError`` naming the option."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        msg = f"--since {first} is after --until {last}"
        raise UserInputError(msg)
    return first, last


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        msg = f"{flag}: {exc}"
        raise UserInputError(msg) from None
