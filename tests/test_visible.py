"""Text from upstream or users cannot hide, move or reorder what is around it, on a page or on
a terminal, with one set of characters for both."""

from __future__ import annotations

import pytest

from pumpview.visible import MARK, for_page, for_terminal

REORDERING = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
              "\u2066", "\u2067", "\u2068", "\u2069"]  # fmt: skip
"""Unicode's bidirectional formatting characters (UAX #9, table 1)."""


@pytest.mark.parametrize("char", REORDERING)
def test_a_reordering_character_is_a_visible_mark_on_a_page_and_a_terminal(char):
    name = f"{char}exe.tset"  # with U+202E it reads "test.exe"
    assert for_page(name) == for_terminal(name) == f"{MARK}exe.tset"


def test_controls_are_marked_and_blanks_are_spaces_on_a_terminal_only():
    nasty = "Acme\x1b[31m RED\rX\x07\tY\nZ\x85"
    assert for_terminal(nasty) == f"Acme{MARK}[31m RED X{MARK} Y Z{MARK}"
    assert for_page(nasty) == f"Acme{MARK}[31m RED{MARK}X{MARK}\tY\nZ{MARK}"


def test_ordinary_text_of_any_script_is_left_as_it_is():
    text = "Zoë Ødegård · 山田 · محمد"  # a right-to-left name needs no reordering mark
    assert for_page(text) == for_terminal(text) == text
