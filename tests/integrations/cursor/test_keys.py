"""Cursor Admin API keys: format check, masking, and scrubbing keys out of upstream text."""

from __future__ import annotations

import pytest

from pumpview.errors import UserInputError
from pumpview.integrations.cursor.keys import check_key_format, mask_key, redact_keys

BODY = "a1B2-c3_d4" * 6 + "wxyz"  # 64 characters
MESSAGE = "the Cursor Admin API key must start with 'key_' or 'crsr_' followed by 64 characters"


@pytest.mark.parametrize("prefix", ["crsr_", "key_"])
def test_both_prefixes_are_accepted(prefix):
    """Keys in the 2026 (``crsr_``) and 2025 (``key_``) formats are both valid."""
    assert check_key_format(prefix + BODY) == prefix + BODY


def test_surrounding_whitespace_is_stripped():
    """A key pasted with spaces or a newline is returned without them."""
    assert check_key_format(f"  crsr_{BODY}\n") == f"crsr_{BODY}"


def test_any_non_whitespace_character_is_accepted():
    """The charset is undocumented, so punctuation inside the 64 characters is allowed."""
    key = "crsr_" + "!@#$%^&*" * 8
    assert check_key_format(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "   ",
        BODY,
        f"sk_{BODY}",
        f"crsr_{BODY[:-1]}",
        f"crsr_{BODY}x",
        f"crsr_{BODY[:30]} {BODY[31:]}",
        f"CRSR_{BODY}",
    ],
    ids=["empty", "blank", "no-prefix", "other-prefix", "63", "65", "inner-space", "upper"],
)
def test_malformed_keys_are_refused_without_echo(key):
    """A malformed key raises UserInputError with the fixed message, never the key itself."""
    with pytest.raises(UserInputError) as caught:
        check_key_format(key)
    assert str(caught.value) == MESSAGE
    assert BODY[:20] not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (f"crsr_{BODY[:60]}a1b2", "crsr_…a1b2"),
        (f"key_{BODY[:60]}9f0e", "key_…9f0e"),
        (f" crsr_{BODY[:60]}a1b2 ", "crsr_…a1b2"),
        ("crsr_short", "crsr_…"),
        ("nonsense-value-without-prefix", "…efix"),
    ],
)
def test_mask_key_shows_prefix_and_last_four(key, masked):
    """The masked form keeps the prefix and the last 4 characters, and hides short keys whole."""
    assert mask_key(key) == masked


def test_redact_keys_masks_keys_inside_text():
    """A key echoed inside an upstream message is replaced by its masked form."""
    key = f"crsr_{BODY}"
    assert redact_keys(f"Invalid API key {key}.") == "Invalid API key crsr_…wxyz."
