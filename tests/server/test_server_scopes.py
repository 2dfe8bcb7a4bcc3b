"""QueryCallMembers is bound to its call by a scope (SPEC §8), over HTTP:
a cursor of one call is invalid_cursor for another, the hidden call field is
unknown to clients, and cursor secrets rotate (SPEC §5)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import API_KEY, assert_stream_error, demo_client, headers, running_server, settings

from stream_filters import demo
from stream_filters.server import ServerSettings

MEMBERS = "/api/v2/video/call/members"
CALL_A, CALL_B = (cid for cid, _ in Counter(m["call_cid"] for m in demo.members()).most_common(2))
# Members added to both calls, with user ids in common: a cursor of one call
# would point into the other's members (the reference server's old bug).
ADDED = {CALL_A: [f"user-{i:02}" for i in range(0, 30)], CALL_B: [f"user-{i:02}" for i in range(10, 45, 2)]}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("scopes"), timeout=30) as http:
        for cid, users in ADDED.items():
            roles = ("host", "member", "admin")
            update = [{"user_id": u, "role": roles[i % 3], "custom": {"n": i}} for i, u in enumerate(users)]
            response = http.post(f"/api/v2/video/call/{cid.replace(':', '/')}/members", json={"update_members": update})
            assert response.status_code == 200, response.text
        yield http


def _expected(cid: str) -> list[str]:
    return sorted({m["user_id"] for m in demo.members() if m["call_cid"] == cid} | set(ADDED[cid]))


def _members(client: httpx.Client, cid: str, body: dict[str, Any]) -> httpx.Response:
    call_type, call_id = cid.split(":")
    return client.post(MEMBERS, json={**body, "type": call_type, "id": call_id})


def _walk(client: httpx.Client, cid: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    pages = [_members(client, cid, body).json()]
    while pages[-1]["next"]:
        pages.append(_members(client, cid, {**body, "next": pages[-1]["next"]}).json())
    return pages


def _ids(pages: list[dict[str, Any]]) -> list[str]:
    return [m["user_id"] for page in pages for m in page["members"]]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 4},
        {"filter_conditions": {"$or": [{}, {"role": "host"}]}, "limit": 5},
        {"filter_conditions": {"user_id": {"$gte": ""}}, "limit": 6},
        {"filter_conditions": {"custom.call_cid": {"$exists": False}}, "sort": [{"field": "user_id", "direction": -1}]},
    ],
)
def test_each_walk_stays_in_its_call_and_its_cursors_stay_there_too(client: httpx.Client, body: dict[str, Any]) -> None:
    for cid, other in ((CALL_A, CALL_B), (CALL_B, CALL_A)):
        pages = _walk(client, cid, body)
        ids = _ids(pages)
        assert sorted(ids) == _expected(cid)
        assert len(pages) > 2 or "limit" not in body
        for page in pages[:3]:
            for direction in ("next", "prev"):
                if page[direction]:
                    response = _members(client, other, {**body, direction: page[direction]})
                    assert_stream_error(response.status_code, response.json(), 400, 4)
                    assert [p["code"] for p in response.json()["problems"]] == ["invalid_cursor"]


def test_the_call_field_is_unknown_to_clients(client: httpx.Client) -> None:
    for body in (
        {"filter_conditions": {"call_cid": CALL_B}},
        {"filter_conditions": {"$or": [{}, {"call_cid": {"$eq": CALL_B}}]}},
        {"sort": [{"field": "call_cid", "direction": 1}]},
        {"filter_conditions": {"call_ci": CALL_B}},  # closest to the hidden name: never suggested
    ):
        response = _members(client, CALL_A, body)
        assert_stream_error(response.status_code, response.json(), 400, 4)
        problems = response.json()["problems"]
        assert [p["code"] for p in problems] == ["unknown_field"]
        assert "call_cid" not in json.dumps(problems).replace('"call_cid"', "").replace('\\"call_cid\\"', "")


def test_type_and_id_are_the_only_extra_keys(client: httpx.Client) -> None:
    response = _members(client, CALL_A, {"call": "x"})
    assert_stream_error(response.status_code, response.json(), 400, 4)
    problem = response.json()["problems"][0]
    assert problem["code"] == "unknown_key"
    assert "allowed: filter_conditions, sort, limit, next, prev, type, id." in problem["message"]


def _page(base_url: str, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=30) as http:
        return _members(http, CALL_A, body)


def test_cursor_secrets_rotate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rotate.db'}"
    base = settings(url, seed=True)

    def server(*secrets: str) -> ServerSettings:
        return dataclasses.replace(base, cursor_secrets=secrets)

    with running_server(server("old")) as old:
        first = _page(old, {"limit": 3}).json()
    assert first["next"]
    with running_server(server("new", "old")) as rotating:
        during = _page(rotating, {"limit": 3, "next": first["next"]})
        assert during.status_code == 200, during.text
        second = during.json()
    with running_server(server("new")) as rotated:
        assert _page(rotated, {"limit": 3, "next": second["next"]}).status_code == 200
        refused = _page(rotated, {"limit": 3, "next": first["next"]})
        assert_stream_error(refused.status_code, refused.json(), 400, 4)
        assert [p["code"] for p in refused.json()["problems"]] == ["invalid_cursor"]
    with running_server(base) as default:  # no cursor_secrets: the api secret alone
        assert _page(default, {"limit": 3, "next": first["next"]}).status_code == 400
