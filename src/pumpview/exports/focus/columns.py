"""The columns of a FOCUS export of Cursor costs, per FOCUS version (the column lists of the
specification, github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec).

FOCUS columns first, alphabetically, then our ``x_`` columns (FOCUS: custom columns SHOULD come
after). Only columns Cursor can fill are written, except three that stay present though null:
``ChargeClass`` (mandatory), ``InvoiceId`` (the 1.2 validator's recommendation) and
``CommitmentDiscountStatus`` (the 1.2 validator's rules read it once usage measurement is
declared: a quirk of focus-validator 2.2.1, not of the spec). An optional column present but all
null where nulls are not allowed (``BillingAccountType``) would fail validation, so none such is
written.
"""

from __future__ import annotations

from pumpview.errors import UserInputError

VERSIONS = ("1.2", "1.3", "1.4")
DEFAULT_VERSION = "1.2"

FOCUS_COLUMNS: dict[str, str] = {
    "BilledCost": "Decimal", "BillingAccountId": "String", "BillingAccountName": "String",
    "BillingCurrency": "String", "BillingPeriodEnd": "DateTime", "BillingPeriodStart": "DateTime",
    "ChargeCategory": "String", "ChargeClass": "String", "ChargeDescription": "String",
    "ChargeFrequency": "String", "ChargePeriodEnd": "DateTime", "ChargePeriodStart": "DateTime",
    "CommitmentDiscountStatus": "String", "ConsumedQuantity": "Decimal",
    "ConsumedUnit": "String", "ContractedCost": "Decimal", "EffectiveCost": "Decimal",
    "HostProviderName": "String", "InvoiceId": "String", "InvoiceIssuerName": "String",
    "ListCost": "Decimal", "PricingQuantity": "Decimal", "PricingUnit": "String",
    "ProviderName": "String", "PublisherName": "String", "ServiceCategory": "String",
    "ServiceName": "String", "ServiceProviderName": "String", "ServiceSubcategory": "String",
    "SkuId": "String", "SkuMeter": "String", "SubAccountId": "String", "SubAccountName": "String",
    "Tags": "JSON",
}  # fmt: skip
CUSTOM_COLUMNS: dict[str, str] = {
    "x_CacheReadTokens": "Integer", "x_CacheWriteTokens": "Integer", "x_ChargedCents": "Decimal",
    "x_CostSource": "String", "x_CursorKind": "String", "x_CursorTokenFeeCents": "Decimal",
    "x_DiscountPercentOff": "Decimal", "x_InputTokens": "Integer", "x_IsHeadless": "Boolean",
    "x_IsTokenBasedCall": "Boolean", "x_MaxMode": "Boolean", "x_Model": "String",
    "x_ModelCostCents": "Decimal", "x_OutputTokens": "Integer", "x_PrincipalId": "String",
    "x_PrincipalType": "String", "x_RequestCount": "Integer", "x_RequestsCosts": "Decimal",
    "x_UserEmail": "String",
}  # fmt: skip
TYPES = {**FOCUS_COLUMNS, **CUSTOM_COLUMNS}
"""Each column's data type, as the metadata declares it and Parquet stores it."""
_ONLY_BEFORE_1_4 = frozenset({"ProviderName", "PublisherName"})
_FROM_1_3 = frozenset({"ServiceProviderName", "HostProviderName"})


def check_version(version: str) -> str:
    """``version`` if the exporter writes it, else a ``UserInputError`` naming the choices."""
    if version not in VERSIONS:
        msg = f"--focus-version: {version!r} is not one of {', '.join(VERSIONS)}"
        raise UserInputError(msg)
    return version


def columns(version: str) -> tuple[str, ...]:
    """The columns of a ``version`` export in file order: 1.3 adds ServiceProviderName and
    HostProviderName, 1.4 drops ProviderName and PublisherName (removed from the spec)."""
    check_version(version)
    left_out = (_ONLY_BEFORE_1_4 if version == "1.4" else frozenset()) | (
        _FROM_1_3 if version == "1.2" else frozenset()
    )
    return (*(c for c in FOCUS_COLUMNS if c not in left_out), *CUSTOM_COLUMNS)
