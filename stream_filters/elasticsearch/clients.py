"""Which engine a URL serves, and a client of the family that speaks to it.

The backend itself only calls `client.search(index=..., body=...)`, which
elasticsearch-py 8/9 and opensearch-py both take. What differs is the wire:
elasticsearch-py sends `application/vnd.elasticsearch+json; compatible-with=N`
and requires the `X-Elastic-Product` answer header, so it talks to
Elasticsearch only (its maintainers support nothing else; an OpenSearch server
answers 406); opensearch-py sends plain `application/json`. So an
OpenSearch-API server needs opensearch-py, and `client_for` picks the family
from the server's `GET /`, or from `engine=` when given.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Engine(StrEnum):
    """An engine family, named as its `GET /` names it."""

    ELASTICSEARCH = "elasticsearch"
    OPENSEARCH = "opensearch"


def engine_of(info: Mapping[str, Any]) -> Engine:
    """The engine a `GET /` answer describes: OpenSearch says `"version": {"distribution": "opensearch"}`."""
    version = info.get("version")
    distribution = version.get("distribution") if isinstance(version, Mapping) else None
    return Engine.OPENSEARCH if distribution == Engine.OPENSEARCH else Engine.ELASTICSEARCH


def detect_engine(url: str, *, headers: Mapping[str, str] | None = None, timeout: float = 10.0) -> Engine:
    """`engine_of` the server at `url`, from one plain-JSON `GET /` (pass `headers` for auth)."""
    request = urllib.request.Request(url.rstrip("/") + "/", headers={"Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        info = json.load(response)
    if not isinstance(info, Mapping):
        raise ValueError(f"GET {url} did not answer with a JSON object: not an Elasticsearch or OpenSearch server")
    return engine_of(info)


def client_for(url: str, *, engine: Engine | str | None = None, **options: Any) -> Any:
    """`elasticsearch.Elasticsearch` or `opensearchpy.OpenSearch` for `url`, by `engine` or `detect_engine`.

    `options` go to the client's constructor (`request_timeout`, `api_key`,
    ...); a server that needs credentials for `GET /` needs `engine=` too.
    """
    if _engine(url, engine) is Engine.OPENSEARCH:
        from opensearchpy import OpenSearch

        return OpenSearch(hosts=[url], **options)
    from elasticsearch import Elasticsearch

    return Elasticsearch(url, **options)


def async_client_for(url: str, *, engine: Engine | str | None = None, **options: Any) -> Any:
    """`client_for`, async: `AsyncElasticsearch` or `AsyncOpenSearch` (both need `aiohttp`).

    Detection, when `engine` is not given, is one blocking `GET /` made here.
    """
    if _engine(url, engine) is Engine.OPENSEARCH:
        from opensearchpy import AsyncOpenSearch

        return AsyncOpenSearch(hosts=[url], **options)
    from elasticsearch import AsyncElasticsearch

    return AsyncElasticsearch(url, **options)


def _engine(url: str, engine: Engine | str | None) -> Engine:
    return detect_engine(url) if engine is None else Engine(engine)
