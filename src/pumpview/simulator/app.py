"""``create_simulator(config)``: the Cursor Admin API as an ASGI app, plus its Python handle.

Tests drive it in-process (``TestClient(app)`` is an ``httpx.Client``) or over real HTTP; the
handle ``app.state.sim`` (a ``Simulator``) revokes keys, moves the clock and records every call.
Control routes live under ``/_simulator`` and need no key (the simulator binds to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from pumpview.simulator import routes
from pumpview.simulator.config import SimConfig
from pumpview.simulator.data import Team
from pumpview.simulator.gate import Gate, Verdict, key_from_header

MUTATING_ROUTES = (
    ("POST", "/teams/user-spend-limit"),
    ("POST", "/teams/remove-member"),
    ("POST", "/teams/groups"),
    ("PATCH", "/teams/groups/{group_id}"),
    ("DELETE", "/teams/groups/{group_id}"),
    ("POST", "/teams/groups/{group_id}/members"),
    ("DELETE", "/teams/groups/{group_id}/members"),
    ("POST", "/settings/repo-blocklists/repos/upsert"),
    ("DELETE", "/settings/repo-blocklists/repos/{repo_id}"),
    ("PUT", "/teams/model-access/configuration"),
    ("PUT", "/teams/model-access/providers/{provider}"),
    ("PUT", "/teams/model-access/providers/{provider}/models/{model}"),
    ("POST", "/bugbot/repo/update"),
    ("POST", "/v0/agents"),
)
"""Routes that change a team upstream. They exist so tests can prove a client never calls them."""


@dataclass(frozen=True)
class Call:
    """One request the simulator received (control routes aside)."""

    method: str
    path: str
    status: int
    body: str


class Simulator:
    """The live state behind one simulator app."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.team = Team(config)
        self.gate = Gate(config)
        self.calls: deque[Call] = deque(maxlen=100_000)
        self.mutations: list[Call] = []
        self.arrivals_left = config.live_arrivals

    def revoke(self, key: str) -> None:
        """From now on ``key`` is answered 401, as when an admin deletes it in the dashboard."""
        self.gate.revoked.add(key)

    def set_now(self, ms: int) -> None:
        self.team.set_now(ms)


def _json(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, media_type="application/json", headers=headers)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise routes.BadRequest("Request body must be valid JSON") from None
    if not isinstance(body, dict):
        msg = "Request body must be a JSON object"
        raise routes.BadRequest(msg)
    return body


def create_simulator(config: SimConfig | None = None) -> FastAPI:
    """Build a fresh simulator app; its state is ``app.state.sim``."""
    sim = Simulator(config or SimConfig())
    app = FastAPI(title="Cursor Admin API simulator", docs_url=None, redoc_url=None)
    app.state.sim = sim

    @app.exception_handler(routes.BadRequest)
    async def bad_request(_request: Request, exc: routes.BadRequest) -> Response:
        return JSONResponse({"error": "Bad Request", "message": str(exc)}, status_code=400)

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith("/_simulator"):
            return await call_next(request)
        body = (await request.body()).decode(errors="replace")
        verdict = sim.gate.check(request.method, path, request.headers.get("authorization"))
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        response = await call_next(request) if verdict.status == 0 else _answer(verdict)
        if verdict.truncate and response.status_code == 200:
            response = await _truncated(response)
        sim.calls.append(Call(request.method, path, response.status_code, body))
        return response

    @app.get("/teams/members")
    async def members() -> Response:
        return _json(routes.members(sim.team))

    @app.post("/teams/filtered-usage-events")
    async def usage_events(request: Request) -> Response:
        body = await _body(request)
        if sim.arrivals_left > 0:
            _arrive(sim, body)
        return _json(routes.usage_events(sim.team, body))

    @app.post("/teams/daily-usage-data")
    async def daily_usage(request: Request) -> Response:
        return _json(routes.daily_usage(sim.team, await _body(request)))

    @app.post("/teams/spend")
    async def spend(request: Request) -> Response:
        return _json(routes.spend(sim.team, await _body(request)))

    @app.get("/teams/groups")
    async def groups(billingCycle: str | None = None) -> Response:  # noqa: N803 - upstream casing
        return _json(routes.groups(sim.team, billingCycle) or "")

    @app.get("/teams/groups/{group_id}")
    async def group(group_id: str, billingCycle: str | None = None) -> Response:  # noqa: N803
        text = routes.groups(sim.team, billingCycle, group_id)
        if text is None:
            return JSONResponse({"error": "Not Found", "message": "Resource not found"}, 404)
        return _json(text)

    for method, route in MUTATING_ROUTES:
        app.add_api_route(route, _recorder(sim), methods=[method])

    @app.post("/_simulator/revoke")
    async def revoke(request: Request) -> Response:
        body = await _body(request)
        sim.revoke(str(body.get("apiKey", "")))
        return JSONResponse({"revoked": True})

    @app.get("/_simulator/mutations")
    async def mutations() -> Response:
        return JSONResponse([{"method": c.method, "path": c.path} for c in sim.mutations])

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def not_found(rest: str) -> Response:
        return JSONResponse({"error": "Not Found", "message": "Resource not found"}, 404)

    return app


def _recorder(sim: Simulator) -> Callable[[Request], Awaitable[Response]]:
    async def record(request: Request) -> Response:
        body = (await request.body()).decode(errors="replace")
        sim.mutations.append(Call(request.method, request.url.path, 200, body))
        return JSONResponse({"success": True})

    return record


def _arrive(sim: Simulator, body: dict[str, Any]) -> None:
    """Late events land inside the window being paged, as a busy team's hourly flush would."""
    team = sim.team
    try:
        start, end = routes.date_range(body, team, None)
    except routes.BadRequest:
        return
    lo, hi = max(start, team.retained_from), min(end, team.visible_until)
    if lo <= hi:
        count = min(sim.arrivals_left, sim.config.arrival_batch)
        team.add_arrivals(lo, hi, count)
        sim.arrivals_left -= count


def _answer(verdict: Verdict) -> Response:
    if isinstance(verdict.body, str):
        return Response(verdict.body, status_code=verdict.status, media_type="text/html")
    return JSONResponse(
        dict(verdict.body or {}), status_code=verdict.status, headers=verdict.headers
    )


async def _truncated(response: Response) -> Response:
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    raw = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    return Response(raw[: len(raw) // 2], status_code=200, media_type="application/json")


class ByKey:
    """Several simulated Cursor teams behind one address, as Cursor serves every team from one:
    each request goes to the simulator whose keys hold the request's key (an unknown key to the
    first, which answers 401). Each team keeps its own data, rate limits and revocations."""

    def __init__(self, *apps: FastAPI) -> None:
        self.apps = apps
        self.sims: tuple[Simulator, ...] = tuple(app.state.sim for app in apps)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.apps[0]
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            key = key_from_header(headers.get(b"authorization", b"").decode("latin-1"))
            app = next((a for a, s in zip(self.apps, self.sims, strict=True)
                        if key in s.config.keys), app)  # fmt: skip
        await app(scope, receive, send)
