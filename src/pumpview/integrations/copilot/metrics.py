"""``/orgs/{org}/copilot/metrics/reports/users-1-day?day=``: a day's per-user usage metrics, as
signed links to NDJSON files (the reference's §4), kept in ``activity_daily`` per login. The fold
is pure.

No report is no data: a 204, a 404 ("no report for the day": too recent, or older than the year
GitHub keeps), and a 200 whose body is ``""`` or ``null`` (days before Copilot data existed). A
report may be split over several files; a link refused (expired) has the report asked again once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pumpview.errors import BadRequestError, BadResponse
from pumpview.integrations.copilot.client import USERS_REPORT_PATH, GitHubClient, route_path
from pumpview.integrations.copilot.identity import person_key

FIELDS = (
    ("interactions", "user_initiated_interaction_count"),
    ("code_generations", "code_generation_activity_count"),
    ("code_acceptances", "code_acceptance_activity_count"),
    ("lines_added", "loc_added_sum"),
    ("lines_deleted", "loc_deleted_sum"),
)
"""What ``activity_daily`` keeps of a record, and the record's field; plus ``active_days``."""
ACTIVITY = (*(name for name, _field in FIELDS), "active_days")
Activity = dict[tuple[date, str, str], int]
"""(day, person, measure) -> count."""


def report(client: GitHubClient, org: str, day: date) -> list[dict[str, Any]] | None:
    """``day``'s records, every file of the report; ``None`` when there is no report."""
    path = route_path(USERS_REPORT_PATH, org=org)
    for again in (False, True):
        try:
            payload = client.get(path, {"day": day.isoformat()})
        except BadRequestError as exc:
            if exc.status == 404:
                return None
            raise
        if payload is None or payload == "":
            return None
        links = payload.get("download_links") if isinstance(payload, dict) else None
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            msg = f"unexpected {USERS_REPORT_PATH} answer for {day}: no download_links list"
            raise BadResponse(msg)
        try:
            return [record for link in links for record in client.download(link)]
        except BadRequestError:
            if again:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def fold(activity: Activity, records: list[dict[str, Any]], day: date) -> dict[str, str]:
    """Add ``day``'s records into ``activity``; the logins seen (lower-cased -> as given). A
    record of another day is a ``BadResponse``."""
    seen: dict[str, str] = {}
    for record in records:
        login = record.get("user_login")
        if not isinstance(login, str) or not login.strip():
            msg = "a Copilot usage-metrics record names no user_login"
            raise BadResponse(msg)
        if str(record.get("day")) != day.isoformat():
            msg = f"asked for Copilot usage metrics of {day}, got a record of {record.get('day')}"
            raise BadResponse(msg)
        seen[login.strip().lower()] = login.strip()
        who = person_key(login)
        for name, field in FIELDS:
            key = (day, who, name)
            activity[key] = activity.get(key, 0) + _count(record.get(field, 0))
        activity[day, who, "active_days"] = 1  # a day, however many records it has
    return seen


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"a Copilot usage-metrics count is not a whole number: {str(value)[:40]!r}"
        raise BadResponse(msg)
    return value
