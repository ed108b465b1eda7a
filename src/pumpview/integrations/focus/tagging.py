"""Who owns a cloud cost: the owner and team tags of a FOCUS row, found by normalised key.

Providers spell the same tag many ways: ``owner``, ``Owner``, ``user:owner`` (AWS cost
allocation tags), ``resourceTags/user:owner`` (AWS FOCUS), ``userAttribute/email`` (IAM Identity
Center), ``cost_center`` or ``CostCenter``. Keys are compared after dropping those prefixes, case,
and the separators ``-``, ``_`` and spaces, as the providers' FOCUS export docs spell them (AWS
Data Exports, Azure Cost Management, Google Cloud). Pure functions.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pumpview.people.aliases import alias

PREFIXES = ("resourcetags/", "user:", "accounttag/", "costcategory/", "userattribute/")
_SEPARATORS = re.compile(r"[\s_-]+")


@functools.lru_cache(maxsize=4096)
def normal_key(key: str) -> str:
    """A tag key as compared: ``resourceTags/user:Cost_Center`` is ``costcenter``. Cached: a
    file repeats a handful of keys over millions of rows."""
    key = key.strip().lower()
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if key.startswith(prefix):
                key, stripped = key[len(prefix) :], True
    return _SEPARATORS.sub("", key)


@dataclass(frozen=True, slots=True)
class TagKeys:
    """The tag keys that name a cost's owner and its team, first match wins."""

    owner: tuple[str, ...]
    team: tuple[str, ...]

    @classmethod
    def of(cls, owner: Iterable[str], team: Iterable[str]) -> TagKeys:
        return cls(_keys(owner), _keys(team))

    def to_json(self) -> str:
        """The keys as an import records them (``cloud_imports.tag_keys``)."""
        return json.dumps({"owner": self.owner, "team": self.team})

    def attribute(self, tags: Mapping[str, object]) -> tuple[str | None, str | None]:
        """(owner alias, team) of a row's tags; ``None`` where no key has a value."""
        found: dict[str, str] = {}
        for key, value in tags.items():
            text = "" if value is None or isinstance(value, bool) else str(value).strip()
            if text:
                found.setdefault(normal_key(key), text)
        owner = next((found[key] for key in self.owner if key in found), None)
        team = next((found[key] for key in self.team if key in found), None)
        return (alias(owner) if owner else None), team


def _keys(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normal_key(key) for key in keys if normal_key(key)))


DEFAULT_OWNER_KEYS = ("owner", "email")
DEFAULT_TEAM_KEYS = ("team", "cost-center")
DEFAULT_KEYS = TagKeys.of(DEFAULT_OWNER_KEYS, DEFAULT_TEAM_KEYS)
