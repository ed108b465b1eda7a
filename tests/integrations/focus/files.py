"""FOCUS cost files written the way AWS, Azure, Google Cloud and OCI write them, with the truth
of what each holds: for tests.

``write_file(folder, "azure", "1.0", "csv", seed=1)`` writes ``folder/azure-1.0-1.csv`` and
returns it with its ``Truth``: each row's billing period, provider, currency, BilledCost and
EffectiveCost as the Decimal the generator chose, and its tags and ``x_`` cells as written. The
truth comes from the generator's own values, never from reading the file back, so a test that
compares an import with it checks the reader and the store against something independent.

Amounts are decimal strings of up to 10 places (9 for Google's BigQuery ``NUMERIC``), one in
eight in exponent notation, so the truth is exact. The columns of each version are the FOCUS
specification's (github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec); each provider's habits
are those its FOCUS export documents (AWS Data Exports, Azure Cost Management, Google Cloud, OCI);
where a detail is unverified, the comment says so.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
CONTAINERS: dict[str, tuple[str, ...]] = {
    # AWS Data Exports write TEXT_OR_CSV always with GZIP compression, or PARQUET: no plain CSV.
    "aws": ("csv.gz", "parquet"),
    # Azure Cost Management: CSV, CSV with GZip, or Parquet (Snappy).
    "azure": ("csv", "csv.gz", "parquet"),
    # Google writes no files: the FOCUS data is a BigQuery table, taken out with EXPORT DATA
    # ... FORMAT=PARQUET. Its CSV export refuses the repeated Tags field, so no CSV.
    "gcp": ("parquet",),
    # OCI: gzipped CSV in Oracle's bucket.
    "oci": ("csv.gz",),
}
SHIPPED_VERSIONS: dict[str, tuple[str, ...]] = {
    # AWS (1.0, 1.2), Azure (1.0, 1.2-preview) and Google (the 1.0 view, the 1.2 export) ship
    # two versions today; 1.1, 1.3 and 1.4 are written in their habits all the same, as the
    # spec allows and their next exports will be. OCI ships 1.0 alone, and is generated so.
    "aws": VERSIONS, "azure": VERSIONS, "gcp": VERSIONS, "oci": ("1.0",),
}  # fmt: skip

FOCUS_1_0 = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit",
    "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName",
    "Tags",
)  # fmt: skip
ADDED = {
    "1.1": ("CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
            "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"),
    "1.2": ("BillingAccountType", "InvoiceId", "PricingCurrency",
            "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
            "PricingCurrencyListUnitPrice", "SubAccountType"),
    "1.3": ("AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId",
            "AllocatedResourceName", "AllocatedTags", "ContractApplied", "HostProviderName",
            "ServiceProviderName"),
    "1.4": ("CommitmentProgramEligibilityDetails", "InvoiceDetailId"),
}  # fmt: skip
REMOVED = {"1.4": ("ProviderName", "PublisherName")}
DECIMALS = frozenset({
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice",
    "ContractedUnitPrice", "PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
})  # fmt: skip
MOMENTS = frozenset({"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
                     "ChargePeriodEnd"})  # fmt: skip
KEY_VALUES = frozenset({"Tags", "SkuPriceDetails"})


def focus_columns(version: str) -> list[str]:
    """The Cost and Usage columns of a FOCUS version (the specification's: 43, 50, 57, 65, 65)."""
    columns = set(FOCUS_1_0)
    for step in VERSIONS[1 : VERSIONS.index(version) + 1]:
        columns |= set(ADDED[step])
        columns -= set(REMOVED.get(step, ()))
    return sorted(columns)


@dataclass(frozen=True)
class Written:
    """One row in the terms the tests check."""

    period: date
    provider: str
    """``ServiceProviderName`` from 1.3, ``ProviderName`` before."""
    currency: str
    billed: Decimal
    effective: Decimal
    tags: dict[str, str]
    extra: dict[str, Any]
    """The ``x_`` cells written, nulls left out: text in a CSV, typed values in Parquet."""
    sub_account_name: str | None
    """``None`` where the file says null, in whatever spelling the provider uses."""


@dataclass(frozen=True)
class Truth:
    version: str
    rows: tuple[Written, ...]

    def totals(self) -> dict[tuple[date, str, str], tuple[Decimal, Decimal]]:
        """(billing period, provider, currency) -> (Σ BilledCost, Σ EffectiveCost)."""
        out: dict[tuple[date, str, str], tuple[Decimal, Decimal]] = {}
        for row in self.rows:
            key = (row.period, row.provider, row.currency)
            billed, effective = out.get(key, (Decimal(0), Decimal(0)))
            out[key] = (billed + row.billed, effective + row.effective)
        return out

    def by_currency(self) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """Σ BilledCost and Σ EffectiveCost per currency."""
        billed: dict[str, Decimal] = {}
        effective: dict[str, Decimal] = {}
        for row in self.rows:
            billed[row.currency] = billed.get(row.currency, Decimal(0)) + row.billed
            effective[row.currency] = effective.get(row.currency, Decimal(0)) + row.effective
        return billed, effective

    @property
    def periods(self) -> set[date]:
        return {row.period for row in self.rows}

    @property
    def providers(self) -> set[str]:
        return {row.provider for row in self.rows}

    @property
    def tag_keys(self) -> set[str]:
        return {key for row in self.rows for key in row.tags}


# -- amounts ---------------------------------------------------------------------------------


def amount(rng: random.Random, places: int) -> str:
    """A decimal amount as a provider prints it: up to ``places`` decimals and 14 significant
    digits (so a double holds it exactly as printed), one in eight in exponent notation."""
    if rng.random() < 1 / 8:
        return f"{Decimal(rng.randrange(1, 10**4)).scaleb(-rng.randint(5, places)):E}"
    scale = rng.randint(0, places)
    return format(Decimal(rng.randrange(0, 10 ** (4 + scale))).scaleb(-scale), "f")


def negated(text: str) -> str:
    return text[1:] if text.startswith("-") else "-" + text


# -- the providers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    name: str
    """``ProviderName`` / ``ServiceProviderName``."""
    issuer: str
    account: str
    services: tuple[tuple[str, str, str], ...]
    """(ServiceName, ServiceCategory, the provider's own service code)."""
    places: int
    """Decimals its amounts carry: 10, or BigQuery NUMERIC's 9."""
    seller: str | None = "MongoDB, Inc."
    """A marketplace seller: PublisherName before 1.3, ServiceProviderName from 1.3."""


PROVIDERS = {
    "aws": Provider(
        "AWS", "Amazon Web Services EMEA SARL", "999999999999",
        (("Amazon Elastic Compute Cloud", "Compute", "AmazonEC2"),
         ("Amazon Simple Storage Service", "Storage", "AmazonS3"),
         ("Amazon Bedrock", "AI and Machine Learning", "AmazonBedrock"),
         ("Amazon Relational Database Service", "Databases", "AmazonRDS")),
        places=10,
    ),
    "azure": Provider(
        "Microsoft", "Microsoft", "/providers/Microsoft.Billing/billingAccounts/8611537",
        (("Virtual Machines", "Compute", "Microsoft.Compute"),
         ("Storage Accounts", "Storage", "Microsoft.Storage"),
         ("Azure OpenAI Service", "AI and Machine Learning", "Microsoft.CognitiveServices"),
         ("Azure SQL Database", "Databases", "Microsoft.Sql")),
        places=10,
    ),
    "gcp": Provider(
        "Google Cloud", "Google LLC", "01ABCD-234567-89EF01",
        (("Compute Engine", "Compute", "6F81-5844-456A"),
         ("Cloud Storage", "Storage", "95FF-2EF5-5EA1"),
         ("Vertex AI", "AI and Machine Learning", "C7E2-9256-1C43"),
         ("BigQuery", "Analytics", "24E6-581D-38E5")),
        places=9,
    ),
    "oci": Provider(
        "Oracle", "Oracle", "20209880",
        (("COMPUTE", "Compute", "B92307"), ("NETWORK", "Networking", "B88327"),
         ("DATABASE", "Databases", "B90570")),
        places=10, seller=None,
    ),
}  # fmt: skip
OWNERS = ("alex@corp.com", "sam@corp.com", "kim", "jo.doe@corp.com")
TEAMS = ("web", "data", "platform")


def _tags(provider: str, version: str, rng: random.Random) -> dict[str, str]:
    """A row's tags, keyed as the provider keys them; a quarter of the rows carry none."""
    if rng.random() < 1 / 4:
        return {}
    owner, team = rng.choice(OWNERS), rng.choice(TEAMS)
    if provider == "aws":
        # The official 1.0 sample has plain keys; AWS prefixes user tags "user:", and its
        # unified tags column says where a tag came from (cost categories move in at 1.2).
        if version == "1.0":
            return {"owner": owner, "team": team}
        if version == "1.1":
            return {"user:owner": owner, "user:team": team}
        return {"resourceTags/user:owner": owner, "costCategory/team": team,
                "userAttribute/department": "eng", "accountTag/env": "prod"}  # fmt: skip
    if provider == "azure":
        # Keys as users typed them; the official sample has " org" beside "org".
        return {"owner": owner, "CostCenter": "1234", "org": team, " org": team}
    if provider == "gcp":
        # Labels are lower-case; goog- labels are Google's own.
        return {"owner": owner.replace("@", "_").replace(".", "_"), "team": team,
                "goog-k8s-cluster-name": "prod-1"}  # fmt: skip
    return {"Oracle-Tags.CreatedBy": f"oracleidentitycloudservice/{owner}", "owner": owner}


def _extras(provider: str, version: str, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The provider's ``x_`` columns of a row (``None`` for null), by its documented lists."""
    code = row["_code"]
    if provider == "aws":
        extra: dict[str, Any] = {
            "x_Discounts": {"EdpDiscount": negated(amount(rng, 6))} if rng.random() < 0.5
            else None,
            "x_Operation": "RunInstances", "x_ServiceCode": code,
        }  # fmt: skip
        if version < "1.2":  # x_UsageType became SkuMeter, x_CostCategories moved into Tags
            extra["x_UsageType"] = "USE1-BoxUsage:m7g.large"
            extra["x_CostCategories"] = {"team": rng.choice(TEAMS)}
        return extra
    if provider == "azure":
        rate = Decimal("1") if row["BillingCurrency"] == "USD" else Decimal("1.0834")
        extra = {
            "x_AccountName": "Unassigned" if rng.random() < 0.3 else "Finance Ops",
            "x_BilledCostInUsd": format(Decimal(row["BilledCost"]) * rate, "f"),
            "x_EffectiveCostInUsd": format(Decimal(row["EffectiveCost"]) * rate, "f"),
            "x_BillingExchangeRate": str(rate),
            "x_BillingProfileId": f"BP-{row['BillingCurrency']}",
            "x_ResourceGroupName": rng.choice(("rg-web", "rg-data", None)),
            "x_SkuMeterCategory": row["ServiceName"],
        }
        if version < "1.2":  # both became FOCUS columns in 1.2-preview
            extra["x_InvoiceId"] = "G0123456789"
            extra["x_PricingCurrency"] = row["BillingCurrency"]
        if version == "1.0":  # SkuMeter from 1.1
            extra["x_SkuMeterName"] = "D2s v5"
        return extra
    if provider == "gcp":
        exported = datetime.combine(row["_period"], datetime.min.time(), UTC) + timedelta(
            days=32, hours=rng.randrange(24), microseconds=rng.randrange(10**6)
        )
        return {"x_ExportTime": exported, "x_ServiceId": code}
    return {}


def _rows(provider: str, version: str, seed: int, months: tuple[str, ...]) -> list[dict[str, Any]]:
    """The file's rows as FOCUS columns -> values (Decimal text, aware datetimes, dicts),
    plus ``_``-prefixed facts for the truth and the ``x_`` columns under ``_extra``."""
    rng = random.Random(f"{provider}/{version}/{seed}")
    who = PROVIDERS[provider]
    out: list[dict[str, Any]] = []
    for month in months:
        start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
        end = (start + timedelta(days=32)).replace(day=1)
        kinds = ["Usage"] * rng.randint(8, 14) + ["Purchase", "Credit", "Tax"]
        if who.seller:
            kinds.insert(3, "Marketplace")
        for kind in kinds:
            day = start + timedelta(days=rng.randrange((end - start).days))
            service, category, code = rng.choice(who.services)
            price = amount(rng, who.places)
            billed = effective = price
            if kind == "Usage" and rng.random() < 1 / 6:  # covered by a commitment
                billed, effective = "0", amount(rng, who.places)
            elif kind == "Purchase":  # prepaid: amortised into the usage it covers
                effective = "0"
            elif kind == "Credit":
                billed = effective = negated(price)
            currency = "USD"
            if provider == "azure" and rng.random() < 0.6:
                currency = "EUR"  # a billing profile invoiced in euros beside one in dollars
            placeholder = provider == "azure" and rng.random() < 0.3
            sub_name = None if placeholder else "Atlas Nimbus"
            seller = who.seller if kind == "Marketplace" else None
            row: dict[str, Any] = {
                "BilledCost": billed, "EffectiveCost": effective, "ListCost": price,
                "ContractedCost": price, "ListUnitPrice": amount(rng, who.places),
                "ContractedUnitPrice": amount(rng, who.places),
                "PricingQuantity": amount(rng, who.places), "PricingUnit": "Hours",
                "ConsumedQuantity": amount(rng, who.places) if kind == "Usage" else None,
                "ConsumedUnit": "Hours" if kind == "Usage" else None,
                "BillingAccountId": who.account, "BillingAccountName": "Acme",
                "BillingCurrency": currency, "BillingPeriodStart": start, "BillingPeriodEnd": end,
                "ChargePeriodStart": day, "ChargePeriodEnd": day + timedelta(days=1),
                "ChargeCategory": "Usage" if kind == "Marketplace" else kind,
                "ChargeDescription": f"{service} {kind.lower()}",
                "ChargeFrequency": "Usage-Based" if kind in {"Usage", "Marketplace"}
                else "One-Time",
                "InvoiceIssuerName": who.issuer, "PricingCategory": "Standard",
                "ProviderName": who.name, "PublisherName": seller or who.issuer,
                "ServiceProviderName": seller or who.name, "HostProviderName": who.name,
                "RegionId": "eu-west-1", "RegionName": "Europe (Ireland)",
                "ResourceId": f"{code.lower()}/res-{rng.randrange(100)}",
                "ResourceName": f"res-{rng.randrange(100)}", "ResourceType": "Instance",
                "ServiceCategory": category, "ServiceName": seller or service,
                "ServiceSubcategory": f"Other ({category})", "SkuMeter": "Compute Hours",
                "SkuId": f"SKU-{code}", "SkuPriceId": "-2" if placeholder else f"{code}.P1",
                "SkuPriceDetails": {"x_Tier": "1"},
                "SubAccountId": f"sub-{rng.randrange(3)}",
                "SubAccountName": "Unassigned" if placeholder else sub_name,
                "InvoiceId": f"INV-{month}", "PricingCurrency": currency,
                "Tags": _tags(provider, version, rng),
                "_period": start.date(), "_code": code,
                "_provider": (seller or who.name) if version >= "1.3" else who.name,
                "_sub_account_name": sub_name,
            }  # fmt: skip
            if provider == "azure":  # no AvailabilityZone column, lower-cased resource ids
                row["ResourceId"] = row["ResourceId"].lower()
            row["_extra"] = _extras(provider, version, row, rng)
            out.append(row)
    return out


# -- writing ---------------------------------------------------------------------------------


def _columns(provider: str, version: str, rows: list[dict[str, Any]]) -> list[str]:
    focus = [c for c in focus_columns(version)
             if not (provider == "azure" and c == "AvailabilityZone")]  # fmt: skip
    extras = sorted({name for row in rows for name in row["_extra"]})
    return focus + extras  # x_ columns after the FOCUS ones, as the spec asks


def _date_text(provider: str, version: str) -> Callable[[datetime], str]:
    if provider == "azure" and version == "1.0":
        return lambda when: when.strftime("%Y-%m-%dT%H:%MZ")  # 1.0 before 1.0r2: no seconds
    if provider in {"aws", "oci"}:
        return lambda when: when.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # timestamp_milliseconds
    return lambda when: when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_cell(provider: str, version: str, name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _date_text(provider, version)(value)
    if isinstance(value, dict):
        if not value and name == "Tags":
            return "" if provider == "azure" else "{}"
        text = json.dumps(value, ensure_ascii=False)
        if provider == "azure" and name == "Tags" and version == "1.0":
            # Azure's older exports wrote tags without the braces; the reader must add them.
            return text[1:-1]
        return text
    return str(value)


def _write_csv(path: Path, provider: str, version: str, columns: list[str],
               rows: list[dict[str, Any]], *, zipped: bool) -> None:  # fmt: skip
    with (gzip.open(path, "wt", encoding="utf-8", newline="") if zipped
          else path.open("w", encoding="utf-8", newline="")) as out:  # fmt: skip
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            cells = {**row, **row["_extra"]}
            writer.writerow(_csv_cell(provider, version, name, cells.get(name))
                            for name in columns)  # fmt: skip


def _arrow_type(provider: str, version: str, name: str) -> pa.DataType:
    """The Parquet type a provider writes a column as: AWS costs as doubles, timestamps in
    ms and key-values as maps; Google's BigQuery NUMERIC as decimal(38, 9), TIMESTAMP in us,
    Tags as a list of structs; Azure doubles and JSON text (its Parquet types are not in the
    reference: a guess that differs from both)."""
    if name in DECIMALS or name in {"x_BilledCostInUsd", "x_EffectiveCostInUsd",
                                    "x_BillingExchangeRate"}:  # fmt: skip
        return pa.decimal128(38, 9) if provider == "gcp" else pa.float64()
    if name in MOMENTS or name == "x_ExportTime":
        return pa.timestamp("us" if provider == "gcp" else "ms", tz="UTC")
    if provider == "aws" and (name in KEY_VALUES or name in {"x_Discounts", "x_CostCategories"}):
        return pa.map_(pa.string(), pa.string())
    if provider == "gcp" and name == "Tags":
        fields = [pa.field("key", pa.string()), pa.field("value", pa.string())]
        if version != "1.0":  # the 1.2 export's struct; for the 1.0 view, plain pairs
            fields += [pa.field("x_inherited", pa.bool_()), pa.field("x_namespace", pa.string())]
        return pa.list_(pa.struct(fields))
    return pa.string()


def _arrow_value(kind: pa.DataType, value: Any) -> Any:
    if value is None:
        return None
    if pa.types.is_floating(kind):
        return float(value)
    if pa.types.is_decimal(kind):
        return Decimal(value)
    if pa.types.is_map(kind):
        return list(value.items()) or None
    if pa.types.is_list(kind):
        names = {f.name for f in kind.value_type}
        # x_inherited and x_namespace are [3P] and their values a guess; the reader drops them.
        return [{"key": k, "value": v, "x_inherited": k.startswith("goog-"),
                 "x_namespace": "goog" if k.startswith("goog-") else "user"}
                if "x_inherited" in names else {"key": k, "value": v}
                for k, v in value.items()] or None  # fmt: skip
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else None
    return value if isinstance(value, datetime) else str(value)


def _write_parquet(path: Path, provider: str, version: str, columns: list[str],
                   rows: list[dict[str, Any]]) -> None:  # fmt: skip
    arrays = {}
    for name in columns:
        kind = _arrow_type(provider, version, name)
        cells = [{**row, **row["_extra"]}.get(name) for row in rows]
        arrays[name] = pa.array([_arrow_value(kind, c) for c in cells], kind)
    pq.write_table(pa.table(arrays), path, row_group_size=16)  # several row groups


def write_file(folder: Path, provider: str, version: str, container: str, *, seed: int,
               months: tuple[str, ...] = ("2026-01", "2026-02")) -> tuple[Path, Truth]:  # fmt: skip
    """Write a provider-style FOCUS file of ``months`` and return it with its truth."""
    if container not in CONTAINERS[provider] or version not in SHIPPED_VERSIONS[provider]:
        msg = f"{provider} ships no FOCUS {version} {container} file"
        raise ValueError(msg)
    rows = _rows(provider, version, seed, months)
    columns = _columns(provider, version, rows)
    path = folder / f"{provider}-{version}-{seed}.{container}"
    if container == "parquet":
        _write_parquet(path, provider, version, columns, rows)
    else:
        _write_csv(path, provider, version, columns, rows, zipped=container == "csv.gz")
    written = []
    for row in rows:
        extra = {}
        for name, value in row["_extra"].items():  # as the file holds it: text, or typed
            cell = (
                _arrow_value(_arrow_type(provider, version, name), value)
                if container == "parquet"
                else _csv_cell(provider, version, name, value)
            )
            if cell not in (None, ""):
                extra[name] = cell
        written.append(Written(
            period=row["_period"], provider=row["_provider"], currency=row["BillingCurrency"],
            billed=Decimal(row["BilledCost"]), effective=Decimal(row["EffectiveCost"]),
            tags=row["Tags"], extra=extra, sub_account_name=row["_sub_account_name"],
        ))  # fmt: skip
    return path, Truth(version, tuple(written))
