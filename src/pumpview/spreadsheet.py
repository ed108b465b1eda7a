"""CSV cells a spreadsheet shows as text and never runs (CSV injection), and read back. Pure.

Excel, LibreOffice and Google Sheets take a cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula, and one starting with a tab or a carriage return too; a member named
``=cmd|' /C calc'!A0`` would run on the manager's machine. OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection): prefix such a cell with a single quote,
which spreadsheets show as text. A plain number (``-12.5``, money in our exports) stays a number.

The quote is part of the file, so a reader of our own CSVs (a people mapping read back) takes it
off again; a text that itself starts with quotes before such a character gets one more, so
every text comes back as it was written.
"""

from __future__ import annotations

import re

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
"""A text a spreadsheet would run, or one that only looks like a defused one (``'=x``)."""
_DEFUSED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def defuse(text: str) -> str:
    """``text`` as a CSV cell for people: a quote before what a spreadsheet would run."""
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def restore(cell: str) -> str:
    """What :func:`defuse` wrote: the quote it put before a formula character taken off."""
    return cell[1:] if _DEFUSED.match(cell) else cell
