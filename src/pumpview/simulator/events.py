"""The simulated usage events: the kinds, the models and their prices, and one event with its
exact money values and its JSON as ``/teams/filtered-usage-events`` returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _text

INCLUDED = "Included in Business"
USAGE_BASED = "Usage-based"
ERRORED = "Errored, Not Charged"
ABORTED = "Aborted, Not Charged"
FEATURES = ("agent", "composer", "chat", "cmdk")


@dataclass(frozen=True, slots=True)
class Model:
    """A model as the API names it; prices are US cents per million tokens."""

    name: str
    weight: int
    provider: str
    input: float
    output: float
    cache_write: float
    cache_read: float

    @property
    def third_party(self) -> bool:
        """Composer and Grok carry no Cursor Token Rate; every other provider's models do."""
        return self.provider not in FIRST_PARTY


FIRST_PARTY = ("cursor", "xai")
MODELS = (
    Model("claude-4.5-sonnet", 30, "anthropic", 300, 1500, 375, 30),
    Model("claude-4.5-sonnet-thinking", 8, "anthropic", 300, 1500, 375, 30),
    Model("claude-4.1-opus", 4, "anthropic", 1500, 7500, 1875, 150),
    Model("gpt-5", 15, "openai", 125, 1000, 125, 12.5),
    Model("gpt-5-codex", 6, "openai", 125, 1000, 125, 12.5),
    Model("gemini-2.5-pro", 6, "google", 125, 1000, 125, 31),
    Model("auto", 14, "openai", 125, 600, 125, 25),
    Model("composer-1", 12, "cursor", 125, 1000, 125, 12.5),
    Model("grok-code-fast-1", 4, "xai", 20, 150, 20, 2),
)
CURSOR_TOKEN_FEE_CENTS_PER_TOKEN = Decimal(25) / Decimal(1_000_000)
"""The Cursor Token Rate: $0.25 per million tokens, on third-party models only."""


@dataclass(slots=True)
class Event:
    """One usage event, with its exact money values and its rendered JSON."""

    timestamp: int
    member: int
    email: str | None
    model: str
    kind: str
    feature: str
    max_mode: bool
    token_based: bool
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    total_cents: Decimal
    discount: int
    token_fee: Decimal | None
    charged_cents: Decimal
    requests_costs: Decimal | None
    headless: bool
    conversation_id: str
    service_account: tuple[str, str] | None
    cloud_agent_id: str | None
    json: str = field(default="", repr=False)

    @property
    def chargeable(self) -> bool:
        return self.kind == USAGE_BASED

    def cost_cents(self, old_api: bool) -> Decimal:
        """What the event cost as the API shows it: ``chargedCents``, or for old payloads without
        it, discounted ``totalCents`` plus ``cursorTokenFee``."""
        if not old_api:
            return self.charged_cents
        fee = self.token_fee or Decimal(0)
        if not self.token_based:
            return fee
        return self.total_cents * (100 - self.discount) / 100 + fee

    def render(self, old_api: bool) -> str:
        """The event as ``/teams/filtered-usage-events`` returns it, as JSON text.

        Written field by field (not through a generic encoder): a 1,000,000-event history is
        rendered once per event and this is the simulator's hot path.
        """
        parts = [f'{{"timestamp":"{self.timestamp}"']
        if self.email is not None:
            parts.append(f',"userEmail":{_text(self.email)}')
        if self.service_account is not None:
            account, name = self.service_account
            parts.append(f',"serviceAccountId":{_text(account)},"serviceAccountName":{_text(name)}')
        if self.cloud_agent_id is not None:
            parts.append(f',"cloudAgentId":"{self.cloud_agent_id}"')
        parts.append(
            f',"conversationId":"{self.conversation_id}","model":{_text(self.model)}'
            f',"kind":{_text(self.kind)},"maxMode":{_bool(self.max_mode)}'
        )
        if self.requests_costs is not None:
            parts.append(f',"requestsCosts":{self.requests_costs}')
        parts.append(f',"isTokenBasedCall":{_bool(self.token_based)}')
        if not old_api:
            parts.append(
                f',"isChargeable":{_bool(self.chargeable)},"isHeadless":{_bool(self.headless)}'
            )
        if self.token_based:
            discount = f',"discountPercentOff":{self.discount}' if self.discount else ""
            parts.append(
                f',"tokenUsage":{{"inputTokens":{self.input_tokens}'
                f',"outputTokens":{self.output_tokens}'
                f',"cacheWriteTokens":{self.cache_write_tokens}'
                f',"cacheReadTokens":{self.cache_read_tokens}'
                f',"totalCents":{self.total_cents:f}{discount}}}'
            )
        if not old_api:
            parts.append(f',"chargedCents":{self.charged_cents:f}')
        if self.token_fee is not None:
            parts.append(f',"cursorTokenFee":{self.token_fee:f}')
        parts.append("}")
        return "".join(parts)


def _bool(value: bool) -> str:
    return "true" if value else "false"
