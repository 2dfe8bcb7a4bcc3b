"""GetOrCreateCall and UpdateCallMembers: what is stored, and how it comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import API_KEY, headers, running_server, settings

CALLS = "/api/v2/video/calls"
MEMBERS = "/api/v2/video/call/members"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        running_server(settings(f"sqlite:///{tmp_path / 'writes.db'}")) as base_url,
        httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=30) as http,
    ):
        yield http


def _create(client: httpx.Client, call_id: str, data: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.post(f"/api/v2/video/call/default/{call_id}", json={"data": data, **extra})


def _members(client: httpx.Client, call_id: str, **body: Any) -> list[dict[str, Any]]:
    response = client.post(MEMBERS, json={"type": "default", "id": call_id, **body})
    assert response.status_code == 200, response.text
    members: list[dict[str, Any]] = response.json()["members"]
    return members


def test_create_then_get(client: httpx.Client) -> None:
    data = {
        "created_by": {"id": "alice", "name": "Alice"},
        "custom": {"color": "red", "n": 2},
        "starts_at": "2030-05-01T12:00:00.123456789+02:00",
        "team": "blue",
        "members": [{"user_id": "bob", "role": "host", "custom": {"level": 3}}, {"user_id": "carol"}],
    }
    first = _create(client, "w1", data)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True
    call = body["call"]
    assert (call["cid"], call["id"], call["type"], call["team"]) == ("default:w1", "w1", "default", "blue")
    assert call["created_by"]["id"] == "alice"
    assert call["custom"] == {"color": "red", "n": 2}
    assert call["starts_at"] == 1_903_860_000_123_456_000  # 10:00:00.123456Z in ns, floored to microseconds
    assert isinstance(call["created_at"], int) and call["created_at"] % 1000 == 0
    assert "ended_at" not in call
    assert [(m["user_id"], m.get("role"), m["custom"]) for m in body["members"]] == [
        ("bob", "host", {"level": 3}),
        ("carol", None, {}),
    ]
    again = _create(client, "w1", {"created_by_id": "zed", "custom": {"color": "green"}})
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["call"]["custom"] == {"color": "red", "n": 2}
    assert again.json()["call"]["created_by"]["id"] == "alice"


def test_members_limit_caps_the_members_in_the_answer(client: httpx.Client) -> None:
    members = [{"user_id": f"u{i}"} for i in range(5)]
    body = _create(client, "w2", {"created_by_id": "a", "members": members}, members_limit=2).json()
    assert [m["user_id"] for m in body["members"]] == ["u0", "u1"]
    assert len(_create(client, "w2", {}, members_limit=0).json()["members"]) == 0


def test_update_members_adds_updates_and_removes(client: httpx.Client) -> None:
    _create(client, "w3", {"created_by_id": "a", "members": [{"user_id": "bob", "role": "host", "custom": {"x": 1}}]})
    _create(client, "w3", {})
    _create(client, "w3", {})
    update = {
        "update_members": [{"user_id": "bob", "custom": {"x": 2}}, {"user_id": "dan", "role": "guest"}],
    }
    response = client.post("/api/v2/video/call/default/w3/members", json=update)
    assert response.status_code == 200
    written = response.json()["members"]
    assert [(m["user_id"], m.get("role"), m["custom"]) for m in written] == [
        ("bob", "host", {"x": 2}),
        ("dan", "guest", {}),
    ]
    assert written[0]["updated_at"] > written[0]["created_at"]
    removed = client.post("/api/v2/video/call/default/w3/members", json={"remove_members": ["bob", "nobody"]})
    assert removed.status_code == 200 and removed.json()["members"] == []
    assert [m["user_id"] for m in _members(client, "w3")] == ["dan"]


def test_member_changes_show_in_query_calls_members_filter(client: httpx.Client) -> None:
    _create(client, "w4", {"created_by_id": "a"})
    query = {"filter_conditions": {"members": {"$in": ["erin"]}}}
    assert client.post(CALLS, json=query).json()["calls"] == []
    client.post("/api/v2/video/call/default/w4/members", json={"update_members": [{"user_id": "erin"}]})
    (state,) = client.post(CALLS, json=query).json()["calls"]
    assert state["call"]["cid"] == "default:w4"
    assert [m["user_id"] for m in state["members"]] == ["erin"]
