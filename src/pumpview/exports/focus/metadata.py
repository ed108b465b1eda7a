"""The metadata file beside a FOCUS export: FOCUS schema metadata (the specification's SchemaId,
FocusVersion, CreationDate, DataGeneratorVersion, the column definitions with the ``cursor/``
tag prefix) and, under ``x_PumpView``, what a reader needs to trust the figures: the range, the
teams, the rows and totals, how costs and people were written, and whether seat rows are
configured rather than measured. Pure: a dict for ``writer.write_json``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pumpview import __version__
from pumpview.exports.focus import writer
from pumpview.exports.focus.columns import columns
from pumpview.exports.focus.cursor_mapping import CURRENCY, TAG_PREFIX, Account, Totals
from pumpview.exports.focus.pseudonyms import Pseudonyms
from pumpview.exports.focus.tool_mapping import ANTHROPIC_TAGS, GITHUB_TAGS, TOOL_COSTS

GRAIN = ("one Usage row per UTC day, principal (the service account, else the lower-case "
         "email), model, kind, Max mode, token-based and headless")  # fmt: skip
COSTS = ("ContractedCost = the sum of the events' cost (Cursor's chargedCents, or for older "
         "payloads the discounted model cost plus the Cursor token fee); BilledCost = "
         "EffectiveCost = its on-demand (chargeable) part; ListCost = the model cost plus the "
         "Cursor token fee before any discount (request-based rows: chargedCents, or $0.04 per "
         "request unit without it); all in USD, exactly cents / 100")  # fmt: skip
SEATS = ("seat rows configured, not measured: the price comes from settings "
         "(PUMPVIEW_SEAT_PRICE), the members from the current roster (not removed, no service "
         "accounts or free owners), and each billing month whose first day the range holds carries "
         "its whole fee, charged on the 1st")  # fmt: skip


def metadata(
    file_name: str,
    fmt: str,
    version: str,
    days: tuple[Any, Any],
    accounts: Iterable[Account],
    totals: Totals,
    *,
    left_out: int,
    names: Pseudonyms,
    seats: tuple[Decimal, str | None] | None,
    now_ms: int,
) -> dict[str, Any]:
    """The metadata of an export of ``days`` (first, last: inclusive UTC dates); ``seats`` is
    (price, plan) when seat rows were added. No email appears in it when ``names`` hashes
    them."""
    cols = columns(version)
    schema = hashlib.sha256(f"{version}:{','.join(cols)}".encode()).hexdigest()[:16]
    first, last = days
    return {
        "DataGenerator": {"DataGenerator": "Pump View"},
        "Schema": {
            "SchemaId": f"pumpview-cursor-{schema}",
            "FocusVersion": version,
            "CreationDate": datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "DataGeneratorVersion": __version__,
            "ColumnDefinition": writer.column_definitions(
                cols, (TAG_PREFIX, ANTHROPIC_TAGS, GITHUB_TAGS)
            ),
        },
        "x_PumpView": {
            "Dataset": "Cost and Usage: Cursor usage, and seat fees when configured; Claude "
            "Code usage (estimated) and Anthropic's bill; GitHub Copilot usage",
            "File": names.text(file_name),
            "Format": fmt,
            "Range": {
                "Since": first.isoformat(),
                "Until": last.isoformat(),
                "Days": "UTC, both inclusive",
            },
            "BillingAccounts": [
                {"BillingAccountId": names.text(a.id), "BillingAccountName": names.text(a.name)}
                for a in accounts
            ],
            "Rows": {"Usage": totals.usage_rows, "Seat": totals.seat_rows},
            "Totals": {
                CURRENCY: {
                    "BilledCost": writer.text(totals.billed),
                    "EffectiveCost": writer.text(totals.effective),
                    "ListCost": writer.text(totals.list),
                    "ContractedCost": writer.text(totals.contracted),
                }
            },
            "Grain": GRAIN,
            "Costs": COSTS,
            "OtherTools": TOOL_COSTS,
            "BillingPeriods": "calendar months (UTC)",
            "Emails": "replaced by an HMAC-SHA256 keyed by this installation's secret"
            if names.hash_emails
            else "as Cursor sends them, lower-case; x_PrincipalId is their HMAC-SHA256",
            "NotChargedEventsLeftOut": left_out,
            "Seats": None
            if seats is None
            else {
                "Plan": names.text(seats[1]) if seats[1] else None,
                "PricePerSeatMonth": writer.text(seats[0]),
                "Currency": CURRENCY,
                "Note": SEATS,
            },
        },
    }
