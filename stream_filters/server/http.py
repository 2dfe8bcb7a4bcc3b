"""The HTTP server around the app: uvicorn with the limits a public endpoint needs.

uvicorn closes a connection idle after a response (`keep_alive_timeout`) and
answers 503 beyond `max_concurrency` connections and requests in flight, but
it waits forever for the headers of a request: a client that connects and
sends nothing, or half its headers, holds a connection open. The protocol
here closes such a connection after `header_timeout` seconds, counted from
the connection's opening or from the first bytes of a later request. The body has
its own limit in the app (`ServerSettings.body_timeout`, answered with 408).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp

try:  # uvicorn's C parser when installed, as uvicorn itself chooses
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - depends on the environment
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


@dataclass(frozen=True)
class HttpLimits:
    header_timeout: float = 10.0  # seconds to receive a request's headers
    keep_alive_timeout: int = 5  # seconds an idle connection stays open after a response
    max_concurrency: int = 100  # connections + requests in flight; beyond it uvicorn answers 503


class HeaderTimeoutProtocol(_Base):
    """uvicorn's HTTP protocol, closing connections whose headers do not arrive in time.

    The clock starts when the connection opens and when the first bytes of a
    later request arrive (an idle kept-alive connection is uvicorn's
    `keep_alive_timeout`); it stops when uvicorn starts the request's cycle
    (`self.cycle` changes), which it does in `data_received` once the headers
    are complete.
    """

    header_timeout = HttpLimits.header_timeout

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        if self._header_timer is None and (before is None or before.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.cycle is not before:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def config(app: ASGIApp, host: str, port: int, limits: HttpLimits, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's configuration for the app with these limits."""
    protocol = type("Protocol", (HeaderTimeoutProtocol,), {"header_timeout": limits.header_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        timeout_keep_alive=limits.keep_alive_timeout,
        limit_concurrency=limits.max_concurrency,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,  # no client address is used: nothing to take from X-Forwarded-For
        lifespan="on",
    )
