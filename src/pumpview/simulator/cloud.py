"""A simulated team's cloud bill as a FOCUS 1.2 file: what ``make demo`` imports beside the
simulated Cursor usage, and what the tests attribute.

Each active member owns a few resources, tagged the ways teams really tag them (``owner`` with
the email, an AWS cost allocation tag ``user:Owner``, a Google-label spelling of the email, or
just a first name no one has mapped yet); some shared costs carry only a ``team`` tag, some no
tag at all. Amounts have ten decimals, as AWS writes them. Deterministic for a seed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

from pumpview.simulator.data import Team
from pumpview.simulator.roster import Member
from pumpview.simulator.routes import GROUP_NAMES

COLUMNS = (
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart",
    "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
    "ChargeFrequency", "ChargeDescription", "BilledCost", "EffectiveCost", "ListCost",
    "ContractedCost", "InvoiceId", "ProviderName", "PublisherName", "InvoiceIssuerName",
    "ServiceName", "ServiceCategory", "SubAccountId", "SubAccountName", "Tags",
)  # fmt: skip
SERVICES = (
    ("Amazon Elastic Compute Cloud", "Compute", Decimal("4.2")),
    ("Amazon Simple Storage Service", "Storage", Decimal("0.6")),
    ("Amazon Relational Database Service", "Databases", Decimal("2.9")),
    ("AWS Lambda", "Compute", Decimal("0.3")),
    ("Amazon Bedrock", "AI and Machine Learning", Decimal("1.8")),
)
TEN = Decimal("1e-10")


def owner_tags(member: Member, spelling: int) -> dict[str, str]:
    """The owner tag of a member's resource in one of four spellings."""
    email = member.email
    if spelling == 0:
        return {"owner": email}
    if spelling == 1:
        return {"user:Owner": email.upper()}
    if spelling == 2:
        return {"owner": email.replace("@", "_").replace(".", "_")}
    return {"owner": member.name.split()[0].lower()}  # a first name: unmapped until aliased


def rows(team: Team, first: date, last: date, seed: int = 7) -> Iterator[dict[str, str]]:
    """The bill's rows for the charge days ``[first, last]``, one month's period per row."""
    rng = Random(f"{team.config.seed}:{seed}:cloud")
    people = [m for m in team.members if not m.is_removed and not m.is_service_account]
    day = first
    while day <= last:
        for member in people:
            if rng.random() < 0.35:
                continue
            service = SERVICES[rng.randrange(len(SERVICES))]
            tags = owner_tags(member, member.index % 4 if member.index % 7 else 3)
            if rng.random() < 0.2:
                tags["environment"] = rng.choice(("dev", "prod"))
            yield _row(day, service, _amount(rng, service[2]), tags, rng)
        for group in GROUP_NAMES:  # shared costs of a team: its team tag alone
            yield _row(day, SERVICES[0], _amount(rng, Decimal(3)), {"team": group}, rng)
        yield _row(day, SERVICES[1], _amount(rng, Decimal(5)), {}, rng)  # nobody's
        day += timedelta(days=1)


def write(team: Team, path: Path, first: date, last: date) -> Path:
    """The bill as a FOCUS 1.2 CSV at ``path``."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(team, first, last))
    return path


def _amount(rng: Random, mean: Decimal) -> Decimal:
    return (mean * Decimal(rng.randrange(200, 1800)) / 1000).quantize(TEN) + Decimal(
        rng.randrange(10**10)
    ) * TEN


def _row(
    day: date, service: tuple[str, str, Decimal], cost: Decimal, tags: dict[str, str], rng: Random
) -> dict[str, str]:
    period = day.replace(day=1)
    following = (period + timedelta(days=32)).replace(day=1)
    listed = cost * Decimal("1.25")
    return {
        "BillingAccountId": "123456789012", "BillingAccountName": "Acme",
        "BillingCurrency": "USD", "BillingPeriodStart": f"{period}T00:00:00Z",
        "BillingPeriodEnd": f"{following}T00:00:00Z",
        "ChargePeriodStart": f"{day}T00:00:00Z",
        "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
        "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
        "ChargeDescription": f"{service[0]} usage", "BilledCost": str(cost),
        "EffectiveCost": str(cost), "ListCost": str(listed), "ContractedCost": str(cost),
        "InvoiceId": "", "ProviderName": "AWS", "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS", "ServiceName": service[0], "ServiceCategory": service[1],
        "SubAccountId": f"2100000000{rng.randrange(10, 13)}",
        "SubAccountName": rng.choice(("prod", "staging", "sandbox")),
        "Tags": json.dumps(tags) if tags else "",
    }  # fmt: skip
