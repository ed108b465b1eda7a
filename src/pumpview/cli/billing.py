"""``pumpview billing show|set``: the seat price, plan and idle threshold (Settings → Billing),
stored over the ``PUMPVIEW_*`` defaults, and the open cycle's bill of each Cursor team."""

from __future__ import annotations

from typing import Annotated

import typer

from pumpview.cli.context import current
from pumpview.cli.render import Format, emit
from pumpview.errors import UserInputError

app = typer.Typer(
    no_args_is_help=True,
    help="The seat price, plan, idle threshold and anomaly sensitivity (stored over "
    "PUMPVIEW_SEAT_PRICE, _SEAT_PLAN, _IDLE_DAYS, _ANOMALY_FACTOR, _ANOMALY_FLOOR) and this "
    "cycle's bill.",
)

BILL_COLUMNS = ("integration", "cycle", "seats", "seats_cents", "on_demand_cents", "bill_cents",
                "usage_cents")  # fmt: skip
"""What ``show`` puts on screen per Cursor team (JSON carries every field of ``/api/billing``)."""


@app.command("show")
def show(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """The billing settings in force (and where each comes from) and the open cycle's bill:
    seats (configured) + on-demand, per Cursor team and in total, with usage value."""
    import json  # noqa: PLC0415 - loaded when it runs

    from pumpview.reports import bill, billing  # noqa: PLC0415 - SQLAlchemy, once it runs

    context = current(ctx)
    with context.engine.connect() as conn:
        made = billing.choices(conn, context.settings.billing)
        bills = bill.currents(conn, None, context.clock(), made.billing)
    data = {"settings": billing.as_json(made), "bill": bill.as_json(bills)}
    if fmt is Format.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))  # noqa: T201 - machine output
        return
    if fmt is Format.csv:
        msg = "billing show: --format table or json"
        raise UserInputError(msg)
    settings = data["settings"]
    source = {
        billing.SEAT_PRICE: "PUMPVIEW_SEAT_PRICE", billing.SEAT_PLAN: "PUMPVIEW_SEAT_PLAN",
        billing.IDLE_DAYS: "PUMPVIEW_IDLE_DAYS", billing.ANOMALY_FACTOR: "PUMPVIEW_ANOMALY_FACTOR",
        billing.ANOMALY_FLOOR: "PUMPVIEW_ANOMALY_FLOOR",
        billing.COPILOT_BUSINESS: "PUMPVIEW_COPILOT_BUSINESS_PRICE",
        billing.COPILOT_ENTERPRISE: "PUMPVIEW_COPILOT_ENTERPRISE_PRICE",
    }  # fmt: skip
    for name, words in (
        (billing.SEAT_PRICE, "Seat price (USD per seat and cycle, configured)"),
        (billing.SEAT_PLAN, "Plan"),
        (billing.IDLE_DAYS, "Idle after (days)"),
        (billing.ANOMALY_FACTOR, "Anomaly factor (scales above the usual)"),
        (billing.ANOMALY_FLOOR, "Anomaly floor (USD above the usual)"),
        (billing.COPILOT_BUSINESS, "Copilot Business seat price (USD per seat and month)"),
        (billing.COPILOT_ENTERPRISE, "Copilot Enterprise seat price (USD per seat and month)"),
    ):
        value = settings[name]
        where = "stored" if name in made.stored else f"default from {source[name]}"
        typer.echo(f"{words}: {'not set' if value is None else value} ({where})")
    rows = [
        {**row, "integration": row["label"],
         "cycle": f"since {_since(named.bill.cycle.start_ms)}"
                  + ("" if named.bill.cycle.known else " (calendar month)")}
        for row, named in zip(data["bill"]["integrations"], bills.bills, strict=True)
    ]  # fmt: skip
    if len(rows) > 1:
        rows.append({**data["bill"]["total"], "integration": "total", "cycle": ""})
    rows += [
        {**tool, "integration": tool["label"] + (" (est.)" if tool["estimated"] else ""),
         "cycle": f"since {tool['first_day']}", "on_demand_cents": tool["billed_cents"]}
        for tool in data["bill"]["tools"]
    ]  # fmt: skip
    if data["bill"]["tools"]:
        every = data["bill"]["all_tools"]
        label = "all AI tools" + (" (est.)" if every["estimated"] else "")
        rows.append({**dict.fromkeys(BILL_COLUMNS, ""), "bill_cents": every["bill_cents"],
                     "integration": label})  # fmt: skip
    if not rows:
        typer.echo("No AI tool connected: no bill yet.")
        return
    emit(rows, BILL_COLUMNS, Format.table,
         title="This cycle's bill: seats (configured) + on-demand")  # fmt: skip


def _since(ms: int) -> str:
    """A cycle's start: its day, with the time when it is not midnight (UTC)."""
    from pumpview.timeutil import from_ms  # noqa: PLC0415

    at = from_ms(ms)
    return at.strftime("%Y-%m-%d" if at.time() == at.min.time() else "%Y-%m-%d %H:%M:%S UTC")


@app.command("set")
def set_(
    ctx: typer.Context,
    seat_price: Annotated[
        str | None,
        typer.Option(help='USD per seat and billing cycle, up to 6 decimals; "" for the default.'),
    ] = None,
    plan: Annotated[str | None, typer.Option(help='The plan\'s name; "" for the default.')] = None,
    idle_days: Annotated[
        str | None,
        typer.Option(help='A seat unused this many days is idle (1-3660); "" for the default.'),
    ] = None,
    anomaly_factor: Annotated[
        str | None,
        typer.Option(help='A day is an anomaly this many scales above the usual; "" default.'),
    ] = None,
    anomaly_floor: Annotated[
        str | None,
        typer.Option(help='...and at least this many US dollars above it; "" for the default.'),
    ] = None,
    copilot_business_price: Annotated[
        str | None,
        typer.Option(help='USD per Copilot Business seat and month; "" for the default.'),
    ] = None,
    copilot_enterprise_price: Annotated[
        str | None,
        typer.Option(help='USD per Copilot Enterprise seat and month; "" for the default.'),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget every stored one: the defaults apply.")
    ] = False,
) -> None:
    """Store the billing settings given (the others stay); all of them or, on a bad value,
    none. The PUMPVIEW_* variables are their defaults."""
    from pumpview.money import format_dollars  # noqa: PLC0415 - msgspec, once it runs
    from pumpview.reports import billing  # noqa: PLC0415 - SQLAlchemy, once it runs
    from pumpview.store import stored_settings  # noqa: PLC0415

    given = {billing.SEAT_PRICE: seat_price, billing.SEAT_PLAN: plan,
             billing.IDLE_DAYS: idle_days, billing.ANOMALY_FACTOR: anomaly_factor,
             billing.ANOMALY_FLOOR: anomaly_floor,
             billing.COPILOT_BUSINESS: copilot_business_price,
             billing.COPILOT_ENTERPRISE: copilot_enterprise_price}  # fmt: skip
    sent: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if clear:
        if sent:
            msg = "--clear forgets every stored billing setting: give it alone"
            raise UserInputError(msg)
        sent = dict.fromkeys(billing.LABELS)
    if not sent:
        msg = ("nothing to set: give --seat-price, --plan, --idle-days, --anomaly-factor, "
               "--anomaly-floor, --copilot-business-price, --copilot-enterprise-price or "
               "--clear")  # fmt: skip
        raise UserInputError(msg)
    changes, errors = billing.check(sent)
    if errors:
        flag = {billing.SEAT_PRICE: "--seat-price", billing.SEAT_PLAN: "--plan",
                billing.IDLE_DAYS: "--idle-days", billing.ANOMALY_FACTOR: "--anomaly-factor",
                billing.ANOMALY_FLOOR: "--anomaly-floor",
                billing.COPILOT_BUSINESS: "--copilot-business-price",
                billing.COPILOT_ENTERPRISE: "--copilot-enterprise-price"}  # fmt: skip
        name, message = next(iter(errors.items()))
        msg = f"{flag[name]}: {message}"
        raise UserInputError(msg)
    context = current(ctx)
    with context.engine.begin() as conn:
        stored_settings.write(conn, changes, context.clock())
    with context.engine.connect() as conn:
        made = billing.resolve(conn, context.settings.billing)
    price = "not set" if made.seat_price is None else f"${made.seat_price} per seat and cycle"
    typer.echo(
        f"Billing: seat price {price}, plan {made.seat_plan or 'not set'}, "
        f"idle after {made.idle_days} days; anomalies at {made.anomaly_factor} scales and "
        f"{format_dollars(made.anomaly_floor_cents)} above the usual; Copilot seats "
        f"${made.copilot_business_price} (Business), ${made.copilot_enterprise_price} "
        "(Enterprise) per seat and month."
    )
