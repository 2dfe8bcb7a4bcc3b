"""What the server tests share: credentials, a live server in a thread, Stream's error shape."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import sqlalchemy as sa
import uvicorn

from stream_filters.server import ServerSettings, Storage, create_app, http
from stream_filters.server.http import HttpLimits
from tests.conftest import require_server

API_KEY = "test-key"
API_SECRET = "test-secret-" + "0123456789abcdef" * 4
ERROR_KEYS = {"code", "message", "StatusCode", "duration", "more_info", "details", "exception_fields", "problems"}


DEFAULT_LIMITS = HttpLimits()


def token(secret: str = API_SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def headers(auth: str | None = None) -> dict[str, str]:
    return {"Authorization": auth if auth is not None else token(), "stream-auth-type": "jwt"}


def settings(database_url: str, *, seed: bool = False, **more: Any) -> ServerSettings:
    return ServerSettings(api_key=API_KEY, api_secret=API_SECRET, database_url=database_url, seed=seed, **more)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def running_server(
    config: ServerSettings, storage: Storage | None = None, limits: HttpLimits = DEFAULT_LIMITS
) -> Iterator[str]:
    """A uvicorn server on a free loopback port for the duration; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(http.config(create_app(config, storage), "127.0.0.1", port, limits, "warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def demo_client(directory: Path, *, timeout: float) -> Iterator[httpx.Client]:
    """An authenticated client of a server over a new SQLite file seeded with the demo data."""
    url = f"sqlite:///{directory / 'demo.db'}"
    with (
        running_server(settings(url, seed=True)) as base_url,
        httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=timeout) as http,
    ):
        yield http


def assert_stream_error(status: int, body: Any, expected_status: int, expected_code: int) -> None:
    """A body Stream's SDK decodes as its APIError: every key present, typed, consistent."""
    assert status == expected_status, body
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, body
    assert body["StatusCode"] == expected_status
    assert body["code"] == expected_code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["duration"], str) and body["duration"].endswith("ms")
    assert isinstance(body["more_info"], str)
    assert body["details"] == []
    assert isinstance(body["exception_fields"], dict)
    assert isinstance(body["problems"], list)
    for problem in body["problems"]:
        assert set(problem) <= {"code", "message", "path", "context"}
        assert isinstance(problem["path"], list)


def database_url(kind: str, directory: Path, name: str) -> str:
    """An empty database of `kind` for one test module: a SQLite file, a fresh
    PostgreSQL schema, or the MariaDB database without the server's tables.
    Skips locally (fails in CI) when the server is unreachable."""
    if kind == "sqlite":
        return f"sqlite:///{directory / (name + '.db')}"
    url = os.environ.get(f"STREAM_FILTERS_{'PG' if kind == 'postgresql' else 'MYSQL'}_URL", DEFAULT_URLS[kind])
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if kind == "postgresql":
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
                conn.execute(sa.text(f"CREATE SCHEMA {name}"))
            else:
                conn.execute(sa.text("DROP TABLE IF EXISTS call_members, calls"))
    except sa.exc.OperationalError as exc:
        require_server(kind, str(exc).splitlines()[0])
    finally:
        engine.dispose()
    return f"{url}?options=-csearch_path%3D{name}" if kind == "postgresql" else url


DEFAULT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root:@127.0.0.1:3306/test?charset=utf8mb4",
}
