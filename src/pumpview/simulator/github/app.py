"""``create_github_simulator(config)``: the GitHub REST endpoints a Copilot importer calls, as an
ASGI app, plus its Python handle.

Tests drive it in-process or over real HTTP; ``app.state.sim`` (a ``GitHubSimulator``) revokes
tokens, moves the clock and records every call. Control routes under ``/_simulator`` and the
signed report downloads under ``/_downloads`` need no token.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response

from pumpview.simulator.github import reports, routes
from pumpview.simulator.github.answer import Answer, ApiError
from pumpview.simulator.github.config import GitHubConfig
from pumpview.simulator.github.data import Organisation
from pumpview.simulator.github.gate import Gate, Verdict

MUTATING_ROUTES = (
    ("POST", "/orgs/{org}/copilot/billing/selected_users"),
    ("DELETE", "/orgs/{org}/copilot/billing/selected_users"),
    ("POST", "/orgs/{org}/copilot/billing/selected_teams"),
    ("DELETE", "/orgs/{org}/copilot/billing/selected_teams"),
)
"""Routes that add or cancel seats upstream. They exist so tests can prove a client never calls
them: every call that passes the gate is recorded in ``sim.mutations``."""


@dataclass(frozen=True)
class Call:
    """One request the simulator received (control routes and downloads aside)."""

    method: str
    path: str
    query: str
    status: int


class GitHubSimulator:
    """The live state behind one simulator app."""

    def __init__(self, config: GitHubConfig) -> None:
        self.config = config
        self.org = Organisation(config)
        self.gate = Gate(config)
        self.calls: deque[Call] = deque(maxlen=100_000)
        self.mutations: list[Call] = []
        self.downloads: list[str] = []
        """The paths of the report files downloaded (each ``/_downloads/...`` request)."""

    def revoke(self, token: str) -> None:
        """From now on ``token`` is answered 401 "Bad credentials"."""
        self.gate.revoked.add(token)

    def set_now(self, ms: int) -> None:
        """Move the simulated present."""
        self.org.set_now(ms)


def _send(answer: Answer) -> Response:
    return Response(
        answer.text,
        status_code=answer.status,
        headers=answer.headers,
        media_type=answer.media_type if answer.status != 204 else None,
    )


def _verdict(verdict: Verdict) -> Response:
    if isinstance(verdict.body, str):
        return Response(
            verdict.body,
            status_code=verdict.status,
            media_type="text/html",
            headers=verdict.headers,
        )
    return Response(
        json.dumps(verdict.body, separators=(",", ":")),
        status_code=verdict.status,
        media_type="application/json; charset=utf-8",
        headers=verdict.headers,
    )


def create_github_simulator(config: GitHubConfig | None = None) -> FastAPI:
    """Build a fresh simulator app; its state is ``app.state.sim``."""
    sim = GitHubSimulator(config or GitHubConfig())
    org = sim.org
    app = FastAPI(
        title="GitHub Copilot API simulator", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.sim = sim

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return _send(exc.answer())

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith(("/_simulator", "/_downloads")):
            return await call_next(request)
        verdict = sim.gate.check(
            request.method,
            path,
            request.headers.get("authorization"),
            request.headers.get("x-github-api-version"),
        )
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        response = await call_next(request) if verdict.status == 0 else _verdict(verdict)
        for name, value in verdict.headers.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault(
            "x-github-api-version-selected",
            request.headers.get("x-github-api-version", "2022-11-28"),
        )
        if verdict.truncate and response.status_code == 200:
            response = await _truncated(response)
        sim.calls.append(Call(request.method, path, request.url.query, response.status_code))
        return response

    def params(request: Request) -> dict[str, str]:
        return dict(request.query_params)

    @app.get("/organizations/{org_name}/settings/billing/premium_request/usage")
    async def premium_requests(request: Request) -> Response:
        return _send(routes.billing_usage(org, "premium_request", params(request)))

    @app.get("/organizations/{org_name}/settings/billing/ai_credit/usage")
    async def ai_credits(request: Request) -> Response:
        return _send(routes.billing_usage(org, "ai_credit", params(request)))

    @app.get("/orgs/{org_name}/copilot/billing")
    async def billing() -> Response:
        return _send(routes.billing_summary(org))

    @app.get("/orgs/{org_name}/copilot/billing/seats")
    async def seats(request: Request) -> Response:
        url = str(request.url.replace(query=""))
        return _send(routes.seats(org, params(request), url))

    @app.get("/orgs/{org_name}/members/{username}/copilot")
    async def member_seat(username: str) -> Response:
        return _send(routes.member_seat(org, username))

    @app.get("/orgs/{org_name}/copilot/metrics/reports/{report}")
    async def one_day(report: str, request: Request) -> Response:
        if report not in ("users-1-day", "organization-1-day"):
            raise ApiError(404, "Not Found")
        return _send(reports.one_day(org, report, params(request), str(request.base_url)))

    @app.get("/orgs/{org_name}/copilot/metrics/reports/{report}/latest")
    async def latest(report: str, request: Request) -> Response:
        if report not in ("users-28-day", "organization-28-day"):
            raise ApiError(404, "Not Found")
        return _send(reports.latest(org, report, str(request.base_url)))

    @app.get("/_downloads/{name}")
    async def download(name: str, request: Request) -> Response:
        sim.downloads.append(request.url.path)
        return _send(reports.download(org, name, sim.config.clock()))

    for method, route in MUTATING_ROUTES:
        app.add_api_route(route, _recorder(sim), methods=[method])

    @app.post("/_simulator/now")
    async def set_now(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        sim.set_now(int(body["now_ms"]))
        return Response(json.dumps({"now_ms": org.now}), media_type="application/json")

    @app.post("/_simulator/revoke")
    async def revoke(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        sim.revoke(str(body.get("token", "")))
        return Response(json.dumps({"revoked": True}), media_type="application/json")

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def not_found(rest: str) -> Response:
        raise ApiError(404, "Not Found")

    return app


def _recorder(sim: GitHubSimulator) -> Callable[[Request], Awaitable[Response]]:
    async def record(request: Request) -> Response:
        sim.mutations.append(Call(request.method, request.url.path, request.url.query, 200))
        created = "seats_created" if request.method == "POST" else "seats_cancelled"
        return Response(
            json.dumps({created: 0}),
            status_code=201 if request.method == "POST" else 200,
            media_type="application/json",
        )

    return record


async def _truncated(response: Response) -> Response:
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    raw = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    return Response(
        raw[: len(raw) // 2],
        status_code=200,
        media_type="application/json",
        headers={
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        },
    )
