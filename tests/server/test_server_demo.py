"""A first start seeds the demo data; its pages equal the in-memory backend's over `stream_filters.demo`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import API_SECRET, demo_client, settings

from stream_filters import QUERY_CALLS, Schema, demo, memory
from stream_filters.server import cursor_secret
from stream_filters.server.app import open_storage
from stream_filters.server.tables import CALL_MEMBERS, of_call

BUSIEST = Counter(m["call_cid"] for m in demo.members()).most_common(1)[0][0]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("demo"), timeout=30) as http:
        yield http


CASES: list[tuple[str, dict[str, Any]]] = [
    ("query_calls", {"limit": 100}),
    ("query_calls", {"filter_conditions": {"backstage": False}, "limit": 100}),
    ("query_calls", {"filter_conditions": {"members": {"$in": ["alice", "bob", "carol"]}}, "limit": 2}),
    (
        "query_calls",
        {"filter_conditions": {"ended_at": {"$exists": False}}, "sort": [{"field": "starts_at", "direction": 1}]},
    ),
    (
        "query_calls",
        {
            "filter_conditions": {"$or": [{"team": "red"}, {"type": {"$in": ["livestream", "audio_room"]}}]},
            "sort": [{"field": "type", "direction": -1}, {"field": "updated_at", "direction": 1}],
            "limit": 50,
        },
    ),
    ("query_calls", {"filter_conditions": {"created_at": {"$gt": "2024-06-01T00:00:00.0000005Z"}}, "limit": 100}),
    ("query_members", {"limit": 1}),
    ("query_members", {"sort": [{"field": "updated_at", "direction": -1}], "limit": 1}),
    ("all_members", {"filter_conditions": {"custom.score": {"$gte": 60}}}),
    ("all_members", {"filter_conditions": {"custom.profile.level": {"$exists": True}}}),
    ("all_members", {"filter_conditions": {"custom.vip": True, "role": {"$in": ["admin", "host"]}}}),
]


def _rows(endpoint: str) -> tuple[Schema, list[dict[str, Any]], str]:
    if endpoint == "query_calls":
        return QUERY_CALLS, demo.calls(), "cid"
    members = [m for m in demo.members() if endpoint == "all_members" or m["call_cid"] == BUSIEST]
    return CALL_MEMBERS, members, "user_id"


def _server_page(client: httpx.Client, endpoint: str, body: dict[str, Any], call: str) -> dict[str, Any]:
    if endpoint == "query_calls":
        response = client.post("/api/v2/video/calls", json=body)
    else:
        call_type, call_id = call.split(":")
        response = client.post("/api/v2/video/call/members", json={**body, "type": call_type, "id": call_id})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


@pytest.mark.parametrize(("endpoint", "request_body"), CASES, ids=[f"{e}-{i}" for i, (e, _) in enumerate(CASES)])
def test_seeded_pages_match_memory(client: httpx.Client, endpoint: str, request_body: dict[str, Any]) -> None:
    schema, rows, key = _rows(endpoint)
    calls = [BUSIEST] if endpoint != "all_members" else sorted({m["call_cid"] for m in rows})[:40]
    seen = 0
    for call in calls:
        call_rows = rows if endpoint == "query_calls" else [r for r in rows if r["call_cid"] == call]
        cursor: dict[str, str] = {}
        for _page in range(40):
            scope = None if endpoint == "query_calls" else of_call(call)
            expected = memory.paginate(
                schema.parse({**request_body, **cursor}, scope=scope), call_rows, secret=cursor_secret(API_SECRET)
            )
            page = _server_page(client, endpoint, {**request_body, **cursor}, call)
            items = page["calls"] if endpoint == "query_calls" else page["members"]
            got = [i["call"]["cid"] for i in items] if endpoint == "query_calls" else [i["user_id"] for i in items]
            assert got == [r[key] for r in expected.items]
            assert (page["next"], page["prev"]) == (expected.next, expected.prev)
            seen += len(got)
            if page["next"] is None:
                break
            cursor = {"next": page["next"]}
    assert seen > 0


def test_second_start_does_not_seed_again(tmp_path: Path) -> None:
    config = settings(f"sqlite:///{tmp_path / 'twice.db'}", seed=True)
    first = open_storage(config)
    counts = [len(rows) for rows in first.dump()]
    first.dispose()
    again = open_storage(config)
    assert [len(rows) for rows in again.dump()] == counts == [len(demo.calls()), len(demo.members())]
    again.dispose()
