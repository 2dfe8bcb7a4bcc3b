"""Generated requests over HTTP: valid ones get the in-memory backend's page, invalid ones a 400.

The server is seeded with the demo data; each valid request's first and second
pages (ids and cursors) must equal `memory.paginate` over the same rows, and
every request `invalid_requests` makes must come back as Stream's error body
with status 400 — never a 500.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from server_helpers import API_SECRET, assert_stream_error, demo_client

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Schema, demo, memory
from stream_filters.server import cursor_secret
from stream_filters.server.tables import CALL_MEMBERS, of_call
from stream_filters.strategies import invalid_requests, requests

BUSIEST = Counter(m["call_cid"] for m in demo.members()).most_common(1)[0][0]
SECRET = cursor_secret(API_SECRET)
FUZZ = settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("fuzz"), timeout=60) as http:
        yield http


def _post(client: httpx.Client, schema: Schema, body: Any) -> httpx.Response:
    if schema is QUERY_CALLS:
        return client.post("/api/v2/video/calls", json=body)
    call_type, call_id = BUSIEST.split(":")
    wrapped = {**body, "type": call_type, "id": call_id} if isinstance(body, dict) else body
    return client.post("/api/v2/video/call/members", json=wrapped)


def _rows(schema: Schema) -> list[dict[str, Any]]:
    if schema is QUERY_CALLS:
        return demo.calls()
    return [m for m in demo.members() if m["call_cid"] == BUSIEST]


def _scoped(schema: Schema) -> Schema:
    """The schema the server parses with: QueryCallMembers binds its call with a scope."""
    return schema if schema is QUERY_CALLS else CALL_MEMBERS


def _check_pages(client: httpx.Client, schema: Schema, body: dict[str, Any]) -> None:
    rows, key = _rows(schema), "cid" if schema is QUERY_CALLS else "user_id"
    cursor: dict[str, str] = {}
    for _page in range(2):
        response = _post(client, schema, {**body, **cursor})
        assert response.status_code == 200, response.text
        data = response.json()
        scope = None if schema is QUERY_CALLS else of_call(BUSIEST)
        expected = memory.paginate(_scoped(schema).parse({**body, **cursor}, scope=scope), rows, secret=SECRET)
        items = data["calls"] if schema is QUERY_CALLS else data["members"]
        got = [i["call"]["cid"] for i in items] if schema is QUERY_CALLS else [i["user_id"] for i in items]
        assert got == [r[key] for r in expected.items]
        assert (data["next"], data["prev"]) == (expected.next, expected.prev)
        if data["next"] is None:
            return
        cursor = {"next": data["next"]}


@FUZZ
@given(body=requests(QUERY_CALLS))
def test_valid_query_calls_match_memory(client: httpx.Client, body: dict[str, Any]) -> None:
    _check_pages(client, QUERY_CALLS, body)


@FUZZ
@given(body=requests(QUERY_MEMBERS))
def test_valid_query_members_match_memory(client: httpx.Client, body: dict[str, Any]) -> None:
    _check_pages(client, QUERY_MEMBERS, body)


@pytest.mark.parametrize("schema", [QUERY_CALLS, QUERY_MEMBERS], ids=lambda s: s.name)
@FUZZ
@given(data=invalid_requests(QUERY_CALLS))
def test_invalid_requests_are_400s(client: httpx.Client, schema: Schema, data: Any) -> None:
    if isinstance(data, str | bytes):  # request text, sent as it is
        text: str | bytes = data
    else:  # NaN and Infinity are sent too: the server must refuse them
        text = json.dumps(data if schema is QUERY_CALLS else _members_variant(data), allow_nan=True)
    if schema is QUERY_CALLS:
        response = client.post("/api/v2/video/calls", content=text)
    else:
        response = client.post("/api/v2/video/call/members", content=text)
    assert_stream_error(response.status_code, response.json(), 400, 4)
    assert response.json()["problems"]


def _members_variant(data: Any) -> Any:
    """The same mistake sent to QueryCallMembers: with the busiest call's type and id."""
    if not isinstance(data, dict):
        return data
    call_type, call_id = BUSIEST.split(":")
    return {**data, "type": call_type, "id": call_id}
