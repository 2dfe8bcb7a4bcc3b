"""Whatever a client sends, the answer is Stream's error body with a 4xx status, never a 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from getstream.models import APIError
from server_helpers import API_KEY, assert_stream_error, headers, running_server, settings

QUERY_CALLS = "/api/v2/video/calls"
QUERY_MEMBERS = "/api/v2/video/call/members"
CALL = "/api/v2/video/call/default/http-1"
MEMBERS = "/api/v2/video/call/default/http-1/members"
ENDPOINTS = [QUERY_CALLS, QUERY_MEMBERS, CALL, MEMBERS]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    db = Path(tmp_path_factory.mktemp("http")) / "http.db"
    with (
        running_server(settings(f"sqlite:///{db}")) as base_url,
        httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=30) as http,
    ):
        created = http.post(CALL, json={"data": {"created_by_id": "alice", "members": [{"user_id": "bob"}]}})
        assert created.status_code == 201, created.text
        yield http


RAW_BODIES = [
    ("truncated", b'{"limit": 1'),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("number", b"12"),
    ("invalid utf-8", b'{"a": "\xff\xfe"}'),
    ("NaN", b'{"limit": NaN}'),
    ("deep arrays", b"[" * 100_000 + b"]" * 100_000),
    ("deep objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("huge integer", b'{"limit": 1' + b"0" * 5000 + b"}"),
    ("lone surrogate", b'{"filter_conditions": {"id": "\\ud800"}, "id": "x", "type": "y", "data": {}}'),
    ("NUL", b'{"filter_conditions": {"id": "a\\u0000b"}, "id": "x", "type": "y", "data": {}}'),
    ("surrogate key", b'{"\\udfff": 1}'),
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(("case", "raw"), RAW_BODIES, ids=[c for c, _ in RAW_BODIES])
def test_malformed_body_is_a_400(client: httpx.Client, path: str, case: str, raw: bytes) -> None:
    response = client.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert_stream_error(response.status_code, response.json(), 400, 4)
    assert response.json()["problems"], case


@pytest.mark.parametrize("path", ENDPOINTS)
def test_body_over_the_limit_is_a_413(client: httpx.Client, path: str) -> None:
    response = client.post(path, content=b'{"x": "' + b"a" * (1 << 20) + b'"}')
    assert_stream_error(response.status_code, response.json(), 413, 4)
    assert response.json()["problems"][0]["code"] == "request_too_large"


def test_streamed_body_over_the_limit_is_a_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"x": "'
        for _ in range(20):
            yield b"a" * 65536
        yield b'"}'

    response = client.post(QUERY_CALLS, content=chunks())
    assert_stream_error(response.status_code, response.json(), 413, 4)


# (case, path, JSON body, status, Stream code, problem path of the first problem)
BAD_REQUESTS: list[tuple[str, str, Any, int, int, list[Any]]] = [
    (
        "unknown filter field",
        QUERY_CALLS,
        {"filter_conditions": {"colour": "red"}},
        400,
        4,
        ["filter_conditions", "colour"],
    ),
    ("filter not object", QUERY_CALLS, {"filter_conditions": []}, 400, 4, ["filter_conditions"]),
    ("bad sort", QUERY_CALLS, {"sort": [{"field": "team", "direction": 1}]}, 400, 4, ["sort", 0, "field"]),
    ("bad limit", QUERY_CALLS, {"limit": 1000}, 400, 4, ["limit"]),
    ("forged cursor", QUERY_CALLS, {"next": "abc.def"}, 400, 4, ["next"]),
    ("both cursors", QUERY_CALLS, {"next": "a", "prev": "b"}, 400, 4, ["prev"]),
    (
        "null operand",
        QUERY_CALLS,
        {"filter_conditions": {"ended_at": {"$eq": None}}},
        400,
        4,
        ["filter_conditions", "ended_at", "$eq"],
    ),
    ("members without id", QUERY_MEMBERS, {"type": "default"}, 400, 4, ["id"]),
    ("members id not string", QUERY_MEMBERS, {"type": "default", "id": 7}, 400, 4, ["id"]),
    ("members bad type", QUERY_MEMBERS, {"type": "a b", "id": "x"}, 400, 4, ["type"]),
    ("members unknown call", QUERY_MEMBERS, {"type": "default", "id": "nope"}, 404, 16, []),
    (
        "members bad filter",
        QUERY_MEMBERS,
        {"type": "default", "id": "http-1", "filter_conditions": {"custom": {"$eq": 1}}},
        400,
        4,
        ["filter_conditions", "custom"],
    ),
    ("call without creator", "/api/v2/video/call/default/new-1", {"data": {}}, 400, 4, ["data", "created_by_id"]),
    ("call bad id", "/api/v2/video/call/default/a%20b", {"data": {"created_by_id": "a"}}, 400, 4, ["id"]),
    ("call id too long", "/api/v2/video/call/default/" + "x" * 65, {}, 400, 4, ["id"]),
    ("call data not object", CALL, {"data": [1]}, 400, 4, ["data"]),
    ("call unknown key", CALL, {"dat": {}}, 400, 4, ["dat"]),
    (
        "call bad starts_at",
        "/api/v2/video/call/default/new-2",
        {"data": {"created_by_id": "a", "starts_at": "2024-01-01T00:00:00"}},
        400,
        4,
        ["data", "starts_at"],
    ),
    (
        "call member without user_id",
        "/api/v2/video/call/default/new-3",
        {"data": {"created_by_id": "a", "members": [{"role": "x"}]}},
        400,
        4,
        ["data", "members", 0, "user_id"],
    ),
    (
        "call custom too deep",
        "/api/v2/video/call/default/new-4",
        {"data": {"created_by_id": "a", "custom": {"a": [[[[[[[[[[[1]]]]]]]]]]]}}},
        400,
        4,
        ["data", "custom", "a", 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ),
    (
        "call custom huge integer",
        "/api/v2/video/call/default/new-5",
        {"data": {"created_by_id": "a", "custom": {"n": 2**64}}},
        400,
        4,
        ["data", "custom", "n"],
    ),
    ("call members_limit", CALL, {"members_limit": -1}, 400, 4, ["members_limit"]),
    ("update unknown call", "/api/v2/video/call/default/nope/members", {"remove_members": ["a"]}, 404, 16, []),
    ("update not list", MEMBERS, {"update_members": {"user_id": "a"}}, 400, 4, ["update_members"]),
    ("update duplicate", MEMBERS, {"update_members": [{"user_id": "a"}, {"user_id": "a"}]}, 400, 4, ["update_members"]),
    (
        "update and remove",
        MEMBERS,
        {"update_members": [{"user_id": "a"}], "remove_members": ["a"]},
        400,
        4,
        ["remove_members"],
    ),
    ("remove not string", MEMBERS, {"remove_members": [1]}, 400, 4, ["remove_members", 0]),
    (
        "too many members",
        MEMBERS,
        {"update_members": [{"user_id": f"u{i}"} for i in range(101)]},
        400,
        4,
        ["update_members"],
    ),
    ("long user id", MEMBERS, {"update_members": [{"user_id": "u" * 256}]}, 400, 4, ["update_members", 0, "user_id"]),
]


@pytest.mark.parametrize(
    ("case", "path", "body", "status", "code", "problem_path"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS]
)
def test_bad_request(
    client: httpx.Client, case: str, path: str, body: Any, status: int, code: int, problem_path: list[Any]
) -> None:
    response = client.post(path, json=body)
    payload = response.json()
    assert_stream_error(response.status_code, payload, status, code)
    if status == 400:
        assert payload["problems"][0]["path"] == problem_path
    else:
        assert payload["problems"] == []


def test_error_body_decodes_as_the_sdks_api_error(client: httpx.Client) -> None:
    payload = client.post(QUERY_CALLS, json={"filter_conditions": {"colour": "red"}}).json()
    error = APIError.from_dict(payload)
    assert (error.code, error.status_code) == (4, 400)
    assert "unknown field" in error.message and "colour" in error.message
    assert error.exception_fields == {"filter_conditions.colour": payload["problems"][0]["message"]}


def test_every_problem_is_reported_at_once(client: httpx.Client) -> None:
    body = {"filter_conditions": {"colour": "red", "id": {"$foo": 1}}, "limit": 0, "sort": "x"}
    codes = [p["code"] for p in client.post(QUERY_CALLS, json=body).json()["problems"]]
    assert sorted(codes) == ["invalid_limit", "invalid_type", "unknown_field", "unknown_operator"]


@pytest.mark.parametrize(("method", "path", "status"), [("GET", QUERY_CALLS, 405), ("POST", "/api/v2/nope", 404)])
def test_unknown_route_or_method_has_streams_error_shape(
    client: httpx.Client, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert_stream_error(response.status_code, response.json(), status, 16 if status == 404 else 4)


def test_each_request_logs_one_json_line(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="stream_filters.server")
    client.post(QUERY_CALLS, json={"filter_conditions": {"colour": "red"}, "limit": 0})
    client.post(CALL, json={})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "stream_filters.server"]
    assert [(line["endpoint"], line["status"]) for line in lines] == [
        ("query_calls", 400),
        ("get_or_create_call", 200),
    ]
    assert lines[0]["codes"] == ["invalid_limit", "unknown_field"]
    assert lines[1]["call"] == "default:http-1" and lines[1]["created"] is False
    assert all(isinstance(line["duration_ms"], float) for line in lines)
