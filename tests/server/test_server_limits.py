"""Connection limits over raw sockets: slow or silent clients are cut off, the server keeps answering."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import API_KEY, assert_stream_error, headers, running_server, settings

from stream_filters.server.http import HttpLimits

LIMITS = HttpLimits(header_timeout=0.5, keep_alive_timeout=1, max_concurrency=4)


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    db = Path(tmp_path_factory.mktemp("limits")) / "limits.db"
    with running_server(settings(f"sqlite:///{db}", body_timeout=0.5), limits=LIMITS) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        yield host, int(port)


def _connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=5)
    sock.settimeout(5)
    return sock


def _head(length: int) -> bytes:
    auth = "".join(f"{k}: {v}\r\n" for k, v in headers().items())
    return (
        f"POST /api/v2/video/calls?api_key={API_KEY} HTTP/1.1\r\nHost: x\r\n{auth}"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _closed_after(sock: socket.socket) -> tuple[float, bytes]:
    started = time.monotonic()
    data = _read_all(sock)
    return time.monotonic() - started, data


def _still_answers(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        sock.sendall(_head(2) + b"{}")
        status_line = sock.recv(65536).split(b"\r\n", 1)[0]
        assert status_line == b"HTTP/1.1 200 OK"


def test_a_silent_connection_is_closed_after_the_header_timeout(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        elapsed, data = _closed_after(sock)
    assert data == b"" and 0.3 < elapsed < 3
    _still_answers(address)


def test_half_sent_headers_are_cut_off(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        sock.sendall(_head(2)[:40])
        elapsed, data = _closed_after(sock)
    assert data == b"" and elapsed < 3
    _still_answers(address)


def test_a_slow_body_is_a_408_and_the_connection_closes(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        sock.sendall(_head(100) + b'{"limit":')
        elapsed, data = _closed_after(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ") and elapsed < 3
    payload = json.loads(body)
    assert_stream_error(408, payload, 408, 4)
    assert "did not arrive within 0.5 s" in payload["message"]
    _still_answers(address)


def test_an_idle_keep_alive_connection_is_closed(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        sock.sendall(_head(2) + b"{}")
        time.sleep(0.2)
        first = sock.recv(1 << 20)
        assert first.startswith(b"HTTP/1.1 200 OK")
        elapsed, _rest = _closed_after(sock)
    assert 0.5 < elapsed < 4


def test_beyond_the_concurrency_limit_requests_get_503(address: tuple[str, int]) -> None:
    idle = [_connect(address) for _ in range(LIMITS.max_concurrency)]
    try:
        time.sleep(0.1)
        with _connect(address) as sock:
            sock.sendall(_head(2) + b"{}")
            assert sock.recv(65536).startswith(b"HTTP/1.1 503 ")
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    _still_answers(address)
