"""The Claude models Claude Code uses, their list prices, and the token counts of one use.

Prices are US cents per million tokens at Anthropic's list price (standard tier, under 200k
context); cache writes are priced as 5-minute writes, since the claude_code report gives a single
``cache_creation`` figure (§3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

MILLION = Decimal(1_000_000)
WHOLE_CENT = Decimal(1)
HUNDREDTH = Decimal("0.01")
MICRO = Decimal("0.000001")
"""cost_report amounts carry six decimals (``"41280.000000"``, §5.2)."""


@dataclass(frozen=True, slots=True)
class Model:
    """A model as the API names it, its cost_report label, and its prices (cents per MTok)."""

    name: str
    label: str
    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_creation: Decimal


_D = Decimal
SONNET = Model(
    "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", _D(300), _D(1500), _D(30), _D(375)
)
OPUS = Model("claude-opus-4-1-20250805", "Claude Opus 4.1", _D(1500), _D(7500), _D(150), _D(1875))
HAIKU = Model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", _D(100), _D(500), _D(10), _D(125))
MODELS = (SONNET, OPUS, HAIKU)
BY_NAME = {m.name: m for m in MODELS}

TOKEN_TYPES = (
    ("input", "uncached_input_tokens", "Input Tokens"),
    ("output", "output_tokens", "Output Tokens"),
    ("cache_read", "cache_read_input_tokens", "Prompt Caching Read"),
    ("cache_creation", "cache_creation.ephemeral_5m_input_tokens", "Prompt Caching Write"),
)
"""Per kind of token: the claude_code field, cost_report's ``token_type``, and the suffix of its
``description`` ("Claude Sonnet 4.5 Usage - Input Tokens"; the other suffixes are ours: the
reference quotes only the input one)."""


class Tokens(NamedTuple):
    """The four token counts of the claude_code report's ``tokens`` object (a tuple: a year of
    sessions makes many)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_creation: int = 0

    def plus(self, other: Tokens) -> Tokens:
        return Tokens(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_creation + other.cache_creation,
        )

    def part_cents(self, model: Model) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """The exact list price of each kind, in ``TOKEN_TYPES`` order."""
        return (
            self.input * model.input / MILLION,
            self.output * model.output / MILLION,
            self.cache_read * model.cache_read / MILLION,
            self.cache_creation * model.cache_creation / MILLION,
        )

    def list_cents(self, model: Model) -> Decimal:
        """The exact list price of these tokens on ``model``."""
        return sum(self.part_cents(model), Decimal(0))


def estimate(tokens: Tokens, model: Model, *, fractional: bool) -> Decimal:
    """``estimated_cost.amount`` of one record's use of ``model``: the list price rounded half
    up to whole cents (two decimals with ``fractional``)."""
    step = HUNDREDTH if fractional else WHOLE_CENT
    return tokens.list_cents(model).quantize(step, rounding=ROUND_HALF_UP)


def split(amount: Decimal, parts: tuple[Decimal, ...]) -> list[Decimal]:
    """``amount`` shared out in proportion to ``parts``, each to six decimals; the largest part
    takes the remainder, so the shares add up to ``amount`` exactly."""
    total = sum(parts, Decimal(0))
    if total == 0:
        return [Decimal(0) for _ in parts]
    shares = [(amount * p / total).quantize(MICRO, rounding=ROUND_HALF_UP) for p in parts]
    largest = max(range(len(parts)), key=lambda i: parts[i])
    shares[largest] = amount - sum(s for i, s in enumerate(shares) if i != largest)
    return shares
