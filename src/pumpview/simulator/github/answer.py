"""What a route answers: a status, a text body, headers; and GitHub's error answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from pumpview.simulator.github.gate import DOCS, error


@dataclass
class Answer:
    """A response to send: JSON text unless ``media_type`` says otherwise."""

    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json; charset=utf-8"


class ApiError(Exception):
    """Answered with GitHub's error body ``{"message", "documentation_url", "status"}``."""

    def __init__(self, status: int, message: str, documentation_url: str = DOCS) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url

    def answer(self) -> Answer:
        body = error(self.message, self.status, self.documentation_url)
        return Answer(self.status, json.dumps(body, separators=(",", ":")))


def number(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, for a JSON number exact in decimal (``4``, ``0.1234``)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal
