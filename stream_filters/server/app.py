"""The ASGI app: Stream's video query endpoints over a SQL database.

Every endpoint runs the same steps (`_Endpoint`): authenticate, read the body
within its size limit, run the handler, and answer in Stream's shapes; every
fault a client can cause is a Stream error body with a 4xx status, and
anything else is logged and answered with a Stream-shaped 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import Code, FilterError, Problem, describe
from ..schema import QUERY_CALLS
from . import bodies, request_log, shapes
from .auth import authenticate
from .errors import ApiError, StreamCode
from .storage import MissingCreator, Storage, connect
from .tables import CALL_MEMBERS, of_call
from .threads import DatabaseThreads

LOGGER = logging.getLogger("stream_filters.server")


def cursor_secret(api_secret: str) -> bytes:
    """The key cursors are signed with: derived from the api secret, so a new
    secret invalidates old cursors and a cursor never reveals the secret."""
    return hmac.new(api_secret.encode(), b"stream-filters cursor key v1", hashlib.sha256).digest()


def cursor_keys(settings: ServerSettings) -> tuple[bytes, ...]:
    """The cursor keys, the signing one first: one per `cursor_secrets`, or from
    the api secret alone."""
    return tuple(cursor_secret(s) for s in settings.cursor_secrets or (settings.api_secret,))


@dataclass(frozen=True)
class ServerSettings:
    api_key: str
    api_secret: str
    database_url: str = "sqlite:///stream-filters.db"
    seed: bool = True  # load stream_filters.demo into an empty database at start
    members_per_call: int = 25  # members in each call of a QueryCalls response
    max_body_bytes: int = 1 << 20
    body_timeout: float = 30.0  # seconds to receive a request's body once its headers are in
    # Threads that run database work; None: the database's own number
    # (`Storage.threads`: 2 on SQLite, the engine's pool elsewhere).
    database_threads: int | None = None
    # Cursors are signed with a key derived from the first and accepted with any
    # (SPEC §5): to rotate the api secret, list the new one, then the old one,
    # until the walks in progress are over. Empty: the api secret alone.
    cursor_secrets: tuple[str, ...] = ()


Handler = Callable[[Request, dict[str, Any], Storage], Awaitable["Result"]]


@dataclass(frozen=True)
class Result:
    body: dict[str, Any]
    log: dict[str, Any] = field(default_factory=dict)
    status: int = 200


class _Endpoint:
    """One route: the shared steps around its handler."""

    def __init__(self, name: str, operation: str, handler: Handler, settings: ServerSettings) -> None:
        self.name = name
        self.operation = operation
        self.handler = handler
        self.settings = settings

    async def __call__(self, request: Request) -> Response:
        started = time.perf_counter()
        status, body, fields = await self._answer(request)
        body["duration"] = f"{(time.perf_counter() - started) * 1000:.2f}ms"
        try:
            content = encode(body)
        except Exception:  # the response could not be built: a fault of ours, never sent half-made
            LOGGER.exception("%s: the response could not be encoded", self.operation)
            status, body, fields = self._error(_internal())
            body["duration"] = f"{(time.perf_counter() - started) * 1000:.2f}ms"
            content = encode(body)
        request_log.emit(self.name, status, (time.perf_counter() - started) * 1000, fields)
        # After a 408 the rest of the body may still come: the connection is not reusable.
        close = {"connection": "close"} if status == 408 else None
        return Response(content, status_code=status, media_type="application/json", headers=close)

    async def _answer(self, request: Request) -> tuple[int, dict[str, Any], dict[str, Any]]:
        try:
            authenticate(self.settings.api_key, self.settings.api_secret, _query(request), request.headers)
            raw = await _read_body(request, self.settings.max_body_bytes, self.settings.body_timeout)
            body = bodies.read_object(raw, QUERY_CALLS)  # any schema: only its JSON limits are used
            result = await self.handler(request, body, request.app.state.storage)
        except FilterError as exc:
            return self._error(ApiError.from_filter_error(exc))
        except ApiError as exc:
            return self._error(exc)
        except Exception:
            LOGGER.exception("%s failed", self.operation)
            return self._error(_internal())
        return result.status, result.body, result.log

    def _error(self, error: ApiError) -> tuple[int, dict[str, Any], dict[str, Any]]:
        fields = {"error": error.message[:200], **request_log.problem_fields(error.problems)}
        return error.status, error.body(self.operation, ""), fields


def _query(request: Request) -> dict[str, str]:
    """The query string's parameters, the last of a repeated name winning, as
    Starlette's `query_params` has them, without its multi-dict (a tenth of
    the app's own instructions for a page)."""
    return dict(parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True))


async def _read_body(request: Request, limit: int, timeout: float) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(size, limit)
                chunks.append(chunk)
    except TimeoutError:
        message = f"the request body did not arrive within {timeout:g} s ({size} bytes received)"
        raise ApiError(408, StreamCode.INPUT, message) from None
    return b"".join(chunks)


def encode(body: dict[str, Any]) -> bytes:
    """The response body (orjson: a tenth of the `json` module's time on call
    pages). Writes refuse non-finite numbers, so none is stored; one stored
    before that check goes out as null. An integer beyond 64 bits raises."""
    return orjson.dumps(body)


def _internal() -> ApiError:
    return ApiError(500, StreamCode.INTERNAL, "internal error; the server log has the details")


def _too_large(size: int, limit: int) -> ApiError:
    message = f"request body of {size}+ bytes exceeds the limit of {limit} bytes"
    return ApiError(413, StreamCode.INPUT, message, (Problem(Code.REQUEST_TOO_LARGE, message),))


# The database work of each request runs in one of the app's threads (the
# engine is synchronous): `app.state.database_threads`, made at start-up with
# `ServerSettings.database_threads` or the storage's own number. They hand
# work over in a fraction of the CPU time of Starlette's `run_in_threadpool`
# (anyio's worker threads and limiter) or of an executor (`threads.py`).
async def _run(request: Request, function: Callable[..., Any], *args: Any) -> Any:
    threads: DatabaseThreads = request.app.state.database_threads
    return await threads.run(function, *args)


# -- handlers -------------------------------------------------------------------


async def query_calls(request: Request, body: dict[str, Any], storage: Storage) -> Result:
    query = QUERY_CALLS.parse(body)
    page, members = await _run(request, storage.query_calls, query)
    out = {
        "calls": shapes.call_states(page.items, members),
        "next": page.next,
        "prev": page.prev,
    }
    return Result(out, {**request_log.query_fields(query), "rows": len(page.items)})


async def query_members(request: Request, body: dict[str, Any], storage: Storage) -> Result:
    call_type, call_id = bodies.members_query_call(body)
    cid = f"{call_type}:{call_id}"
    query = CALL_MEMBERS.parse(body, scope=of_call(cid), extra_keys=("type", "id"))
    page = await _run(request, storage.query_members, cid, query)
    if page is None:
        raise _no_call(cid)
    out = {"members": [shapes.encoded(m, shapes.member) for m in page.items], "next": page.next, "prev": page.prev}
    return Result(out, {"call": cid, **request_log.query_fields(query), "rows": len(page.items)})


async def get_or_create_call(request: Request, body: dict[str, Any], storage: Storage) -> Result:
    call_type, call_id = _call_path(request)
    data = bodies.call_input(body)
    try:
        created = await _run(request, storage.get_or_create, call_type, call_id, data)
    except MissingCreator:
        raise ApiError.bad_input(
            [
                Problem(
                    Code.INVALID_TYPE,
                    "either data.created_by or data.created_by_id must be provided when using server side auth",
                    ("data", "created_by_id"),
                )
            ]
        ) from None
    out = {**shapes.call_state(created.call, created.members), "created": created.created}
    status = 201 if created.created else 200
    return Result(out, {"call": created.call.cid, "created": created.created}, status)


async def update_call_members(request: Request, body: dict[str, Any], storage: Storage) -> Result:
    call_type, call_id = _call_path(request)
    update = bodies.members_update(body)
    cid = f"{call_type}:{call_id}"
    written = await _run(request, storage.update_members, cid, update)
    if written is None:
        raise _no_call(cid)
    log = {"call": cid, "updated": len(update.update), "removed": len(update.remove)}
    return Result({"members": [shapes.member(m) for m in written]}, log)


def _call_path(request: Request) -> tuple[str, str]:
    call_type, call_id = request.path_params["type"], request.path_params["id"]
    problems = [
        p
        for p in (bodies.call_part(call_type, "type", ("type",)), bodies.call_part(call_id, "id", ("id",)))
        if p is not None
    ]
    if problems:
        raise ApiError.bad_input(problems)
    return call_type, call_id


def _no_call(cid: str) -> ApiError:
    return ApiError(404, StreamCode.DOES_NOT_EXIST, f"call {describe(cid)} does not exist")


# -- the app --------------------------------------------------------------------


def create_app(settings: ServerSettings, storage: Storage | None = None) -> Starlette:
    """The server for `settings`; give `storage` to share one with tests."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = storage or open_storage(settings)
        app.state.storage = store
        size = settings.database_threads or store.threads
        app.state.database_threads = DatabaseThreads(size)
        try:
            yield
        finally:
            app.state.database_threads.shutdown(wait=False)
            if storage is None:
                store.dispose()

    def route(path: str, name: str, operation: str, handler: Handler) -> Route:
        return Route(path, _Endpoint(name, operation, handler, settings).__call__, methods=["POST"], name=name)

    routes = [
        route("/api/v2/video/calls", "query_calls", "QueryCalls", query_calls),
        route("/api/v2/video/call/members", "query_call_members", "QueryCallMembers", query_members),
        route("/api/v2/video/call/{type}/{id}", "get_or_create_call", "GetOrCreateCall", get_or_create_call),
        route(
            "/api/v2/video/call/{type}/{id}/members", "update_call_members", "UpdateCallMembers", update_call_members
        ),
    ]
    handlers = {HTTPException: _http_error, Exception: _internal_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)


def open_storage(settings: ServerSettings) -> Storage:
    """Connect, create the tables, and seed the demo data into an empty database."""
    store = Storage(connect(settings.database_url), cursor_keys(settings), settings.members_per_call)
    store.create()
    if settings.seed:
        from .seed import demo_rows

        store.seed(*demo_rows())
    return store


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = StreamCode.DOES_NOT_EXIST if status == 404 else StreamCode.INPUT
    message = f"{request.method} {request.url.path}: {exc.detail if isinstance(exc, HTTPException) else 'error'}"
    return JSONResponse(ApiError(status, code, message).body("Request", "0.00ms"), status_code=status)


async def _internal_error(request: Request, exc: Exception) -> Response:
    LOGGER.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = ApiError(500, StreamCode.INTERNAL, "internal error; the server log has the details").body(
        "Request", "0.00ms"
    )
    return JSONResponse(body, status_code=500)
