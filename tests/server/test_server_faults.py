"""Hostile writes over raw HTTP, on every database: refused with a path, nothing
stored, the next read still answered; what is stored reads back as written."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from server_helpers import API_KEY, assert_stream_error, database_url, headers, running_server, settings

from stream_filters.server import Storage, shapes
from stream_filters.server.app import open_storage
from stream_filters.server.tables import calls

QUERY_CALLS = "/api/v2/video/calls"
QUERY_MEMBERS = "/api/v2/video/call/members"


@dataclass
class Server:
    http: httpx.Client
    storage: Storage


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = database_url(request.param, Path(tmp_path_factory.mktemp("faults")), "sf_server_faults")
    config = settings(url)
    storage = open_storage(config)
    try:
        with (
            running_server(config, storage) as base_url,
            httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=30) as http,
        ):
            created = http.post("/api/v2/video/call/default/base", json={"data": {"created_by_id": "alice"}})
            assert created.status_code == 201, created.text
            yield Server(http, storage)
    finally:
        storage.dispose()


def _call(server: Server, call_id: str, data: dict[str, Any]) -> httpx.Response:
    return server.http.post(f"/api/v2/video/call/default/{call_id}", json={"data": {"created_by_id": "a", **data}})


def _reads_still_work(server: Server) -> None:
    assert server.http.post(QUERY_CALLS, json={}).status_code == 200
    members = server.http.post(QUERY_MEMBERS, json={"type": "default", "id": "base"})
    assert members.status_code == 200, members.text


def _stored_call_ids(server: Server) -> set[str]:
    return {c.id for c in server.storage.dump()[0]}


def _refused(response: httpx.Response, path: list[Any]) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert_stream_error(response.status_code, body, 400, 4)
    assert [p["path"] for p in body["problems"]] == [path], body
    return body


# (case, custom data as JSON text, path of the problem under data.custom)
BAD_CUSTOM = [
    ("infinity", '{"x": 1e400}', ["x"]),
    ("minus infinity, nested", '{"a": {"b": [1, -1e999]}}', ["a", "b", 1]),
    ("880 KB of zeros", json.dumps({"a": [0] * 440_000}, separators=(",", ":")), []),
    ("5 KiB of numbers", json.dumps({"a": [123456789] * 600}), []),
    ("multi-byte strings over 5 KiB", json.dumps({"s": "é" * 2600}), []),
    ("integer over 64 bits", json.dumps({"n": 2**63}), ["n"]),
]


@pytest.mark.parametrize(("case", "custom", "path"), BAD_CUSTOM, ids=[c for c, _, _ in BAD_CUSTOM])
def test_custom_data_that_could_not_be_served_is_refused(
    server: Server, case: str, custom: str, path: list[Any]
) -> None:
    call_id = f"bad-{[c for c, _, _ in BAD_CUSTOM].index(case)}"
    raw = '{"data": {"created_by_id": "a", "custom": ' + custom + "}}"
    _refused(server.http.post(f"/api/v2/video/call/default/{call_id}", content=raw), ["data", "custom", *path])
    assert call_id not in _stored_call_ids(server)
    raw = '{"update_members": [{"user_id": "m", "custom": ' + custom + "}]}"
    response = server.http.post("/api/v2/video/call/default/base/members", content=raw)
    _refused(response, ["update_members", 0, "custom", *path])
    assert not [m for m in server.storage.dump()[1] if m.user_id == "m"]
    _reads_still_work(server)


def test_custom_data_of_5_kib_encoded_is_accepted(server: Server) -> None:
    custom = {"a": [1] * 2000, "b": "x" * 1100}  # 5,117 bytes as compact JSON
    assert len(json.dumps(custom, separators=(",", ":"))) <= 5 * 1024
    response = _call(server, "at-limit", {"custom": custom})
    assert response.status_code == 201, response.text
    assert response.json()["call"]["custom"] == custom


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:59:59.999999Z", "2262-04-11T23:47:16.854776Z", "1677-09-21T00:12:43.145224Z"]
)
def test_timestamps_the_sdk_cannot_decode_are_refused(server: Server, starts_at: str) -> None:
    _refused(_call(server, "far", {"starts_at": starts_at}), ["data", "starts_at"])
    assert "far" not in _stored_call_ids(server)
    _reads_still_work(server)


def test_timestamps_at_the_ends_of_the_range_round_trip(server: Server) -> None:
    for call_id, starts_at, ns in [
        ("late", "2262-04-11T23:47:16.854775Z", 9_223_372_036_854_775_000),
        ("early", "1677-09-21T00:12:43.145225Z", -9_223_372_036_854_775_000),
    ]:
        response = _call(server, call_id, {"starts_at": starts_at})
        assert response.status_code == 201, response.text
        assert response.json()["call"]["starts_at"] == ns
        datetime.fromtimestamp(ns / 1e9, tz=UTC)  # what the SDK does with it
    _reads_still_work(server)


NUMBERS = {
    "big": 1e300,
    "e16": 1e16,
    "one": 1.0,
    "half": 0.5,
    "tiny": 1e-300,
    "int": 10**18,
    "neg": -2.5e200,
    "f60": 2.0**60,  # 1.152921504606847e+18, whose exact value is 2^60
    "max": 1.7976931348623157e308,
    "i53": 2**53 + 1,
}


def test_custom_numbers_read_back_as_the_same_json_number(server: Server) -> None:
    _call(server, "numbers", {"custom": NUMBERS})
    server.http.post(
        "/api/v2/video/call/default/numbers/members", json={"update_members": [{"user_id": "n", "custom": NUMBERS}]}
    )
    (state,) = server.http.post(QUERY_CALLS, json={"filter_conditions": {"id": "numbers"}}).json()["calls"]
    (member,) = server.http.post(QUERY_MEMBERS, json={"type": "default", "id": "numbers"}).json()["members"]
    for custom in (state["call"]["custom"], member["custom"]):
        assert custom == NUMBERS
        assert {k: type(v) for k, v in custom.items()} == {k: type(v) for k, v in NUMBERS.items()}
    # What the database holds is each float's exact value, with a fraction (SPEC §3.6).
    with server.storage.engine.connect() as conn:
        text = conn.execute(sa.select(sa.cast(calls.c.custom, sa.Text)).where(calls.c.id == "numbers")).scalar_one()
    held = json.loads(text, parse_float=Decimal)
    assert {k: v for k, v in held.items() if isinstance(v, Decimal)} == {
        k: Decimal(v) for k, v in NUMBERS.items() if isinstance(v, float) and abs(v) >= 1
    } | {k: Decimal(repr(v)) for k, v in NUMBERS.items() if isinstance(v, float) and abs(v) < 1}


def test_error_body_is_bounded_and_keeps_every_code_and_path(server: Server) -> None:
    name = "f" * 500_000
    response = server.http.post(QUERY_CALLS, json={"filter_conditions": {name: 1}})
    body = response.json()
    assert_stream_error(response.status_code, body, 400, 4)
    assert len(response.content) < 4096
    (problem,) = body["problems"]
    assert problem["code"] == "unknown_field"
    assert problem["path"][0] == "filter_conditions" and problem["path"][1].startswith("fff")


def test_many_problems_are_listed_up_to_a_bound_and_counted(server: Server) -> None:
    body = {f"key-{i}-" + "k" * 100: 1 for i in range(5000)}
    response = server.http.post("/api/v2/video/call/default/base", json=body)
    payload = response.json()
    assert_stream_error(response.status_code, payload, 400, 4)
    assert len(response.content) < 64 * 1024
    assert len(payload["problems"]) == 50
    assert {p["code"] for p in payload["problems"]} == {"unknown_key"}
    assert "4950 more problem(s) not listed (unknown_key)" in payload["message"]


def test_a_response_that_cannot_be_encoded_is_a_500_sent_and_logged(
    server: Server, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault while encoding the response is Stream's 500 body, and the log says 500."""

    def broken(*args: Any) -> dict[str, Any]:
        return {"call": object()}

    monkeypatch.setattr(shapes, "call_state", broken)
    caplog.set_level(logging.INFO, logger="stream_filters.server")
    response = server.http.post(QUERY_CALLS, json={})
    assert_stream_error(response.status_code, response.json(), 500, -1)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    assert [line["status"] for line in lines] == [500]
    monkeypatch.undo()
    _reads_still_work(server)


def test_infinity_stored_before_writes_checked_reads_back_as_null(server: Server) -> None:
    """SQLite's JSON took `Infinity` from writes before they were checked; such
    a row is served (as null) instead of failing every page. PostgreSQL and
    MariaDB never stored one: they refuse it as JSON."""
    stamp = datetime(2001, 1, 1, tzinfo=UTC)
    row = {"cid": "default:legacy", "id": "legacy", "type": "default", "created_by_user_id": "a"}
    row |= {"created_at": stamp, "updated_at": stamp, "custom": {"x": math.inf, "y": 1}}
    if server.storage.engine.dialect.name != "sqlite":
        with pytest.raises(sa.exc.DBAPIError), server.storage.engine.begin() as conn:
            conn.execute(calls.insert(), [row])
        return
    with server.storage.engine.begin() as conn:
        conn.execute(calls.insert(), [row])
    try:
        response = server.http.post(QUERY_CALLS, json={"filter_conditions": {"id": "legacy"}})
        assert response.status_code == 200, response.text
        assert response.json()["calls"][0]["call"]["custom"] == {"x": None, "y": 1}
    finally:
        with server.storage.engine.begin() as conn:
            conn.execute(calls.delete().where(calls.c.cid == "default:legacy"))
    _reads_still_work(server)


def test_the_largest_rows_stay_within_the_stated_response_bounds(server: Server) -> None:
    """The worst a write can store (every string at its limit and escaped six
    times over, custom data at 5 KiB encoded) stays within shapes' per-row
    bounds, so a page is at most limit x that (docs/server.md)."""
    wide = "\x01" * 255  # each character is six bytes in JSON: \u0001
    custom = {"a": "\x01" * 850}  # 5,108 bytes encoded
    members = [{"user_id": wide[:250] + f"{i:05d}", "role": wide, "custom": custom} for i in range(25)]
    data = {"created_by_id": wide, "team": wide, "custom": custom, "members": members}
    call_id = "x" * 64
    response = server.http.post(f"/api/v2/video/call/default/{call_id}", json={"data": data})
    assert response.status_code == 201, response.text
    page = server.http.post(QUERY_CALLS, json={"filter_conditions": {"id": call_id}}).json()
    (state,) = page["calls"]
    assert len(state["members"]) == 25
    member_sizes = [len(orjson.dumps(m)) for m in state["members"]]
    assert max(member_sizes) <= shapes.MAX_MEMBER_BYTES
    assert len(orjson.dumps(state["call"])) <= shapes.MAX_CALL_BYTES
    assert len(orjson.dumps(state)) <= shapes.MAX_CALL_BYTES + 25 * shapes.MAX_MEMBER_BYTES
