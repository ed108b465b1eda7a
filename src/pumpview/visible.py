"""Text from upstream or users, made safe to show: nothing in it may hide, move or reorder what
is around it. Control characters become a visible mark (U+FFFD), and so do the invisible ones
that reorder text (bidi overrides, embeddings, isolates and marks: a name of U+202E then
"exe.tset" reads "test.exe"). Pure; the web pages and the terminal use the same set."""

from __future__ import annotations

import re

_REORDERING = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_REORDERING}]")
"""What a page must not print as it is (a tab or a line break is only white space in HTML)."""
_TERMINAL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_REORDERING}]")
"""What a terminal must not receive: escape sequences and carriage returns too."""
_BLANKS = frozenset("\t\n\r\v\f")
MARK = "\ufffd"


def for_page(text: str) -> str:
    """``text`` for an HTML page: hidden and reordering characters shown as the mark."""
    return _HIDDEN.sub(MARK, text)


def for_terminal(text: str) -> str:
    """``text`` for a terminal: blanks become spaces, every other control or reordering
    character the mark."""
    return _TERMINAL.sub(lambda m: " " if m.group(0) in _BLANKS else MARK, text)
