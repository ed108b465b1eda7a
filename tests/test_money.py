"""Money as text: exact, in plain notation, whatever its number of digits."""

from __future__ import annotations

from decimal import Decimal

from pumpview.money import format_cents


def test_cents_are_written_exactly_without_exponent_or_trailing_zeros():
    """40 stays 40 (never 4E+1), 1.50 is 1.5, and a 33-digit sum keeps every digit."""
    assert format_cents(Decimal(40)) == "40"
    assert format_cents(Decimal("4E+1")) == "40"
    assert format_cents(Decimal("1.50")) == "1.5"
    assert format_cents(Decimal("-0.000")) == "0"
    assert format_cents(Decimal("1E-20")) == "0.00000000000000000001"
    long = "1234567890.12345678901234567890123"
    assert format_cents(Decimal(long)) == long
