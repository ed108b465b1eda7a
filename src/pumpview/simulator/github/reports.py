"""The Copilot usage-metrics reports: the report endpoints answer signed download links, and the
links (served by the simulator itself, as blob storage would) answer NDJSON, one record a line.

Which days: the newest report is ``report_lag_days`` before the present's day; a later day is 404
"no report". A day before the generated history answers 200 with the body ``""`` (as GitHub does
for days before Copilot data existed); a day in the history with no activity is 204. A report with
more than ``report_file_lines`` lines is split across several links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from pumpview.simulator import jsontext
from pumpview.simulator.github.answer import Answer, ApiError, number
from pumpview.simulator.github.data import COUNTERS, Counters, Organisation, UserDay
from pumpview.timeutil import from_ms, parse_day

DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
REPORTS = ("users-1-day", "organization-1-day", "users-28-day", "organization-28-day")
EXPIRED_XML = (
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
    "<Message>Server failed to authenticate the request. Make sure the value of Authorization "
    "header is formed correctly including the signature.</Message>"
    "<AuthenticationErrorDetail>Signed expiry time [{expiry}] must be after signed start time"
    "</AuthenticationErrorDetail></Error>"
)
BAD_SIGNATURE_XML = (
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
    "<Message>Server failed to authenticate the request.</Message>"
    "<AuthenticationErrorDetail>Signature did not match.</AuthenticationErrorDetail></Error>"
)
_PLUGINS = {
    "vscode": ("1.106.2", "copilot-chat", "0.33.3"),
    "jetbrains": ("2025.2.3", "copilot-intellij", "1.5.59-243"),
    "visualstudio": ("17.14.15", "copilot-vs", "17.14.1091"),
    "neovim": ("0.11.4", "copilot.lua", "1.55.0"),
}


def latest_day(org: Organisation) -> date:
    """The newest day a report exists for."""
    return org.today - timedelta(days=org.config.report_lag_days)


def one_day(org: Organisation, report: str, params: Mapping[str, str], base_url: str) -> Answer:
    """``GET /orgs/{org}/copilot/metrics/reports/{users,organization}-1-day?day=``."""
    _policy(org)
    text = params.get("day")
    if text is None:
        raise ApiError(422, "Invalid request.\n\nMissing required parameter: day.", DOCS)
    try:
        day = parse_day(text)
    except ValueError:
        raise ApiError(422, f"Invalid request.\n\nInvalid value for day: {text!r}.", DOCS) from None
    if day > latest_day(org):
        raise ApiError(404, "No report is available for the requested day.", DOCS)
    if day < org.first_day:
        return Answer(200, '""')
    lines = report_lines(org, report, day, day)
    if not lines:
        return Answer(204, "")
    links = _links(org, report, day, day, len(lines), base_url)
    return Answer(200, jsontext.dumps({"download_links": links, "report_day": day.isoformat()}))


def latest(org: Organisation, report: str, base_url: str) -> Answer:
    """``GET /orgs/{org}/copilot/metrics/reports/{users,organization}-28-day/latest``."""
    _policy(org)
    end = latest_day(org)
    start = end - timedelta(days=27)
    links = _links(org, report, start, end, len(report_lines(org, report, start, end)), base_url)
    body = {
        "download_links": links,
        "report_start_day": start.isoformat(),
        "report_end_day": end.isoformat(),
    }
    return Answer(200, jsontext.dumps(body))


def download(org: Organisation, name: str, now: float) -> Answer:
    """``GET /_downloads/{name}``: one file of a report, as NDJSON with a trailing newline."""
    payload, _, signature = name.removesuffix(".ndjson").partition(".")
    if not hmac.compare_digest(signature, _sign(org, payload)):
        return Answer(403, BAD_SIGNATURE_XML, media_type="application/xml")
    report, first, last, part, expires = _decode(payload).split("|")
    if now > int(expires):
        return Answer(403, EXPIRED_XML.format(expiry=expires), media_type="application/xml")
    per_file = org.config.report_file_lines
    lines = report_lines(org, report, parse_day(first), parse_day(last))
    chunk = lines[int(part) * per_file : (int(part) + 1) * per_file]
    return Answer(200, "".join(line + "\n" for line in chunk), media_type="application/x-ndjson")


def report_lines(org: Organisation, report: str, first: date, last: date) -> list[str]:
    """The NDJSON lines of a report over ``[first, last]`` (days ascending, users in order)."""
    lines: list[str] = []
    day = first
    window = report.endswith("28-day")
    while day <= last:
        extra = {"report_start_day": first.isoformat(), "report_end_day": last.isoformat()}
        if report.startswith("users"):
            for activity in sorted(org.day(day).values(), key=lambda a: a.user):
                record = user_record(org, day, activity)
                lines.append(jsontext.dumps({**record, **extra} if window else record))
        elif org.day(day):
            record = org_record(org, day)
            lines.append(jsontext.dumps({**record, **extra} if window else record))
        day += timedelta(days=1)
    return lines


def _counters(values: Counters) -> dict[str, object]:
    return dict(zip(COUNTERS, values, strict=True))


def user_record(org: Organisation, day: date, activity: UserDay) -> dict[str, object]:
    """One ``users-1-day`` record (the reference's §4.2 fields, org scope)."""
    user = org.users[activity.user]
    features = {name for name, _counters in activity.features}
    record: dict[str, object] = {
        "day": day.isoformat(),
        "organization_id": org.id,
        "user_id": user.id,
        "user_login": user.login,
        **_counters(activity.totals),
    }
    if day >= org.config.credits_metric_from:
        credits = activity.gross if day >= org.config.ai_credits_from else 0
        record["ai_credits_used"] = number(Decimal(credits))
    record["ai_adoption_phase"] = {
        "phase_number": activity.phase,
        "phase": f"Phase {activity.phase}",
        "version": "v1",
    }
    record.update(
        used_agent="chat_panel_agent_mode" in features,
        used_chat=bool(features & {"chat_panel_ask_mode", "chat_panel_agent_mode"}),
        used_cli=activity.cli is not None,
        used_copilot_code_review_active=activity.code_review_active,
        used_copilot_code_review_passive=activity.code_review_passive,
        used_copilot_cloud_agent=activity.cloud_agent,
        used_copilot_coding_agent=activity.cloud_agent,
    )
    sampled = _sampled(activity.last_ms)
    ide_version, plugin, plugin_version = _PLUGINS[user.editor]
    record["totals_by_ide"] = (
        [
            {
                "ide": user.editor,
                **_counters(activity.totals),
                "last_known_ide_version": {"ide_version": ide_version, "sampled_at": sampled},
                "last_known_plugin_version": {
                    "plugin": plugin,
                    "plugin_version": plugin_version,
                    "sampled_at": sampled,
                },
            }
        ]
        if activity.features
        else []
    )
    record["totals_by_feature"] = [
        {"feature": name, **_counters(counters)} for name, counters in activity.features
    ]
    if activity.cli is not None:
        cli = activity.cli
        tokens = cli.prompt_tokens + cli.output_tokens
        record["totals_by_cli"] = {
            "session_count": cli.sessions,
            "request_count": cli.requests,
            "prompt_count": cli.prompts,
            "token_usage": {
                "avg_tokens_per_request": number(_avg(tokens, cli.requests)),
                "output_tokens_sum": cli.output_tokens,
                "prompt_tokens_sum": cli.prompt_tokens,
            },
            "last_known_cli_version": {"cli_version": cli.version, "sampled_at": sampled},
        }
    record["totals_by_language_feature"] = []
    record["totals_by_language_model"] = []
    record["totals_by_model_feature"] = []
    return record


def org_record(org: Organisation, day: date) -> dict[str, object]:
    """One ``organization-1-day`` record: active-user counts and summed counters, no users."""
    active = org.day(day)

    def users_over(days: int, feature: str | None = None) -> int:
        seen: set[int] = set()
        for back in range(days):
            for index, activity in org.day(day - timedelta(days=back)).items():
                if feature is None or any(f == feature for f, _c in activity.features):
                    seen.add(index)
        return len(seen)

    by_feature: dict[str, list[int]] = {}
    by_ide: dict[str, list[int]] = {}
    for activity in active.values():
        for name, counters in activity.features:
            sums = by_feature.setdefault(name, [0] * len(COUNTERS))
            ide = by_ide.setdefault(org.users[activity.user].editor, [0] * len(COUNTERS))
            for i, value in enumerate(counters):
                sums[i] += value
                ide[i] += value
    totals = [sum(s[i] for s in by_feature.values()) for i in range(len(COUNTERS))]
    return {
        "day": day.isoformat(),
        "organization_id": org.id,
        "daily_active_users": len(active),
        "weekly_active_users": users_over(7),
        "monthly_active_users": users_over(28),
        "monthly_active_chat_users": users_over(28, "chat_panel_ask_mode"),
        "monthly_active_agent_users": users_over(28, "chat_panel_agent_mode"),
        "daily_active_cli_users": sum(1 for a in active.values() if a.cli is not None),
        **dict(zip(COUNTERS, totals, strict=True)),
        "totals_by_ide": [
            {"ide": k, **dict(zip(COUNTERS, v, strict=True))} for k, v in sorted(by_ide.items())
        ],
        "totals_by_feature": [
            {"feature": k, **dict(zip(COUNTERS, v, strict=True))}
            for k, v in sorted(by_feature.items())
        ],
    }


def _policy(org: Organisation) -> None:
    if not org.config.metrics_policy:
        raise ApiError(
            403,
            "Copilot Usage Metrics API access is disabled for this organization "
            'by the "Copilot usage metrics" policy.',
            DOCS,
        )


def _links(
    org: Organisation, report: str, first: date, last: date, lines: int, base_url: str
) -> list[str]:
    per_file = org.config.report_file_lines
    expires = int(org.config.clock()) + org.config.link_ttl_seconds
    links = []
    for part in range(-(-lines // per_file)):
        payload = _encode(f"{report}|{first}|{last}|{part}|{expires}")
        links.append(f"{base_url.rstrip('/')}/_downloads/{payload}.{_sign(org, payload)}.ndjson")
    return links


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(payload: str) -> str:
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def _sign(org: Organisation, payload: str) -> str:
    key = f"pumpview-github-sim:{org.config.seed}:{org.config.org}".encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def _sampled(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _avg(tokens: int, requests: int) -> Decimal:
    return (Decimal(tokens) / Decimal(requests)).quantize(Decimal("0.1"))
