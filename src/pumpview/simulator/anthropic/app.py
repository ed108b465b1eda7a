"""``create_anthropic_simulator(config)``: the Anthropic Admin API as an ASGI app, plus its handle.

Tests drive it in-process (``TestClient(app)``) or over real HTTP (``serve_in_thread``); the
handle ``app.state.sim`` (an ``AnthropicSimulator``) revokes keys, moves the clock and records
every call. Control routes live under ``/_simulator`` and need no key.

Every response carries a ``request-id`` header; every error is the §2.1 envelope
``{"type": "error", "error": {"type", "message"}, "request_id"}`` with the same ID.
"""

from __future__ import annotations

import asyncio
import json
import string
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from random import Random
from typing import Any

from fastapi import FastAPI, Request, Response

from pumpview.simulator import jsontext
from pumpview.simulator.anthropic import routes
from pumpview.simulator.anthropic.config import AnthropicConfig
from pumpview.simulator.anthropic.data import Organisation
from pumpview.simulator.anthropic.gate import Gate, key_from_headers

MUTATING_ROUTES = (
    ("POST", "/v1/organizations/users/{user_id}"),
    ("DELETE", "/v1/organizations/users/{user_id}"),
    ("POST", "/v1/organizations/invites"),
    ("POST", "/v1/organizations/api_keys/{key_id}"),
)
"""Routes that change an organisation. They exist so tests can prove a client never calls them."""
_REQUEST_CHARS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Call:
    """One request the simulator received (control routes aside)."""

    method: str
    path: str
    query: str
    status: int


class AnthropicSimulator:
    """The live state behind one simulator app."""

    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.org = Organisation(config)
        self.gate = Gate(config)
        self.calls: deque[Call] = deque(maxlen=100_000)
        self.mutations: list[Call] = []
        self._ids = Random(f"{config.seed}:request-ids")

    def revoke(self, key: str) -> None:
        """From now on ``key`` is answered 401, as when an admin deletes it in the Console."""
        self.gate.revoked.add(key)

    def set_now(self, ms: int) -> None:
        """Move the simulated present."""
        self.org.set_now(ms)

    def request_id(self) -> str:
        return "req_011C" + "".join(self._ids.choice(_REQUEST_CHARS) for _ in range(20))


def error_response(
    request_id: str, status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"type": "error", "error": {"type": kind, "message": message},
            "request_id": request_id}  # fmt: skip
    return _json(body, status, headers)


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = jsontext.dumps(payload)
    return Response(text, status_code=status, media_type="application/json", headers=headers)


def _query(request: Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return query


def create_anthropic_simulator(config: AnthropicConfig | None = None) -> FastAPI:
    """Build a fresh simulator app; its state is ``app.state.sim``."""
    sim = AnthropicSimulator(config or AnthropicConfig())
    app = FastAPI(title="Anthropic Admin API simulator", docs_url=None, redoc_url=None,
                  openapi_url=None)  # fmt: skip
    app.state.sim = sim
    org = sim.org

    @app.exception_handler(routes.ApiError)
    async def api_error(request: Request, exc: routes.ApiError) -> Response:
        return error_response(request.state.request_id, exc.status, exc.kind, exc.message,
                              exc.headers)  # fmt: skip

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.state.request_id = sim.request_id()
        path = request.url.path
        if path.startswith("/_simulator"):
            response = await call_next(request)
            response.headers["request-id"] = request_id
            return response
        headers = request.headers
        key = key_from_headers(headers.get("x-api-key"), headers.get("authorization"))
        verdict = sim.gate.check(key, headers.get("anthropic-version"))
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        if verdict.status:
            response = error_response(request_id, verdict.status, verdict.kind,
                                      verdict.message, verdict.headers)  # fmt: skip
        else:
            response = await call_next(request)
            if verdict.truncate and response.status_code == 200:
                response = await _truncated(response)
        response.headers["request-id"] = request_id
        sim.calls.append(Call(request.method, path, request.url.query, response.status_code))
        return response

    @app.get("/v1/organizations/usage_report/claude_code")
    async def claude_code(request: Request) -> Response:
        return _json(routes.claude_code(org, _query(request)))

    @app.get("/v1/organizations/cost_report")
    async def cost_report(request: Request) -> Response:
        return _json(routes.cost_report(org, _query(request)))

    @app.get("/v1/organizations/users")
    async def users(request: Request) -> Response:
        return _json(routes.users(org, _query(request)))

    @app.get("/v1/organizations/users/{user_id}")
    async def user(user_id: str) -> Response:
        return _json(routes.user(org, user_id))

    @app.get("/v1/organizations/api_keys")
    async def api_keys(request: Request) -> Response:
        return _json(routes.api_keys(org, _query(request)))

    @app.get("/v1/organizations/me")
    async def me() -> Response:
        return _json(routes.me(org))

    for method, route in MUTATING_ROUTES:
        app.add_api_route(route, _recorder(sim), methods=[method])

    @app.post("/_simulator/now")
    async def set_now(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body.get("now_ms"), bool) or not isinstance(body.get("now_ms"), int):
            raise routes.invalid("now_ms: an integer of epoch milliseconds is required")
        sim.set_now(body["now_ms"])
        return _json({"now_ms": org.now})

    @app.post("/_simulator/revoke")
    async def revoke(request: Request) -> Response:
        body = await _body(request)
        sim.revoke(str(body.get("key", body.get("apiKey", ""))))
        return _json({"revoked": True})

    @app.get("/_simulator/mutations")
    async def mutations() -> Response:
        return _json([{"method": c.method, "path": c.path} for c in sim.mutations])

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def not_found(rest: str) -> Response:
        raise routes.not_found()

    return app


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise routes.invalid("Request body must be valid JSON") from None
    if not isinstance(body, dict):
        raise routes.invalid("Request body must be a JSON object")
    return body


def _recorder(sim: AnthropicSimulator) -> Callable[[Request], Awaitable[Response]]:
    async def record(request: Request) -> Response:
        sim.mutations.append(Call(request.method, request.url.path, request.url.query, 200))
        return _json({"id": request.path_params.get("user_id") or "recorded", "type": "ok"})

    return record


async def _truncated(response: Response) -> Response:
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    raw = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    return Response(raw[: len(raw) // 2], status_code=200, media_type="application/json")
