"""An HTTP recorder between a client and the emulator: what the client put on the wire, byte for byte.

`Recorder(target)` listens on 127.0.0.1 on a free port, keeps every request
(method, path, query string, headers, body bytes) and forwards it to
`target`, returning the answer. With `as_elasticsearch=True` it lets
elasticsearch-py talk to the OpenSearch-API emulator, changing only the two
things Elasticsearch and OpenSearch servers do differently at this layer:

- elasticsearch-py sends `application/vnd.elasticsearch+json;
  compatible-with=N` (Elasticsearch's REST API compatibility media type,
  accepted by Elasticsearch 8/9), which OpenSearch refuses with 406: the
  forwarded request says `application/json`, the recorded one keeps what the
  client sent;
- elasticsearch-py refuses an answer without `X-Elastic-Product:
  Elasticsearch` (Elasticsearch 7.14+ sends it on every answer): the answer
  gets that header.
"""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson); compatible-with=\d+")


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class Recorder:
    def __init__(self, target: str, *, as_elasticsearch: bool = False) -> None:
        self.requests: list[Recorded] = []
        parts = urlsplit(target)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path, _, query = self.path.partition("?")
                headers = {name.lower(): value for name, value in self.headers.items()}
                recorder.requests.append(Recorded(self.command, path, query, headers, body))
                forwarded = {
                    name: _COMPAT.sub(r"application/\1", value) if as_elasticsearch else value
                    for name, value in headers.items()
                    if name in ("content-type", "accept")
                }
                upstream = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=forwarded)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.getheader("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(payload)))
                    if as_elasticsearch:
                        self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def searches(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/_search")]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
