"""Concurrent UpdateCallMembers on one call: no errors, and the state of a serial run.

Eight clients update the members of one call at once: two send the same 30
members in opposite orders (the order that deadlocked PostgreSQL), six add
overlapping sets of new members, and each removes a member of its own. Every
request writes values that depend only on the user, so any serial order of
the same requests gives one final state: the one a serial run on another call
leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import API_KEY, database_url, headers, running_server, settings

CLIENTS = 8
ROUNDS = 6
USERS = [f"user-{i:02d}" for i in range(60)]


def _member(user_id: str) -> dict[str, Any]:
    return {"user_id": user_id, "role": f"role-{user_id[-1]}", "custom": {"n": int(user_id[-2:]), "of": user_id}}


def _requests(client: int) -> list[dict[str, Any]]:
    """What one client sends, ROUNDS times over."""
    if client < 2:
        same = [_member(u) for u in USERS[:30]]
        body = {"update_members": same if client == 0 else same[::-1]}
    else:
        start = (client - 2) * 5
        body = {"update_members": [_member(u) for u in USERS[start : start + 20]]}
    return [{**body, "remove_members": [f"leaver-{client}"]} if r == 0 else body for r in range(ROUNDS)]


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def base_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = database_url(request.param, Path(tmp_path_factory.mktemp("race")), "sf_server_race")
    with running_server(settings(url)) as base:
        yield base


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, params={"api_key": API_KEY}, headers=headers(), timeout=60)


def _create(http: httpx.Client, call_id: str) -> None:
    leavers = [{"user_id": f"leaver-{c}"} for c in range(CLIENTS)]
    response = http.post(
        f"/api/v2/video/call/default/{call_id}", json={"data": {"created_by_id": "a", "members": leavers}}
    )
    assert response.status_code == 201, response.text


def _state(http: httpx.Client, call_id: str) -> list[tuple[str, str | None, Any]]:
    members: list[dict[str, Any]] = []
    body: dict[str, Any] = {"type": "default", "id": call_id, "limit": 100}
    while True:
        page = http.post("/api/v2/video/call/members", json=body).json()
        members += page["members"]
        if not page["next"]:
            break
        body["next"] = page["next"]
    return sorted((m["user_id"], m.get("role"), m["custom"]) for m in members)


def test_concurrent_member_updates_end_as_a_serial_run(base_url: str) -> None:
    with _client(base_url) as http:
        _create(http, "race")
        _create(http, "serial")
        for client in range(CLIENTS):
            for body in _requests(client):
                response = http.post("/api/v2/video/call/default/serial/members", json=body)
                assert response.status_code == 200, response.text

    statuses: list[int] = []
    start = threading.Barrier(CLIENTS)

    def run(client: int) -> None:
        with _client(base_url) as own:
            start.wait()
            for body in _requests(client):
                statuses.append(own.post("/api/v2/video/call/default/race/members", json=body).status_code)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * (CLIENTS * ROUNDS)
    with _client(base_url) as http:
        serial = _state(http, "serial")
        assert len(serial) == 45  # user-00 .. user-44; every leaver removed
        assert _state(http, "race") == serial
