"""The example project over HTTP (DRF's test client, token auth), on the run's
database: pages walked with `next` to the end and back with `prev`, by POST
and by GET, equal to the in-memory backend over the same rows (items, order,
cursor tokens); the library's 400 body for bad input; tenant isolation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient

from examples.django_app.demo_data import Seeded, seed
from examples.django_app.filters import CALLS, MEMBERS
from examples.django_app.models import Call, CallMember
from stream_filters import Schema, memory
from stream_filters.django.rest_framework import cursor_secrets

pytestmark = pytest.mark.django_db
Page = tuple[list[str], str | None, str | None]  # item keys, next, prev


@pytest.fixture
def seeded() -> Seeded:
    return seed()


def _client(seeded: Seeded, tenant: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=seeded.users[tenant])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _call_rows() -> list[dict[str, Any]]:
    """The calls as memory sees them: schema fields, read back from the database."""
    return [
        {
            "cid": c.cid,
            "id": c.call_id,
            "type": c.type,
            "team": c.team,
            "created_by_user_id": c.created_by_id,
            "created_at": c.created,
            "updated_at": c.updated,
            "starts_at": c.starts,
            "ended_at": c.ended,
            "backstage": c.backstage,
            "ongoing": c.live,
            "members": sorted(m.user_id for m in c.memberships.all()),
            "tenant_id": c.tenant_id,
        }
        for c in Call.objects.prefetch_related("memberships")
    ]


def _member_rows() -> list[dict[str, Any]]:
    return [
        {
            "user_id": m.user_id,
            "role": m.role,
            "custom": m.custom,
            "created_at": m.joined,
            "updated_at": m.updated,
            "tenant_id": m.call.tenant_id,
            "call_cid": m.call_id,
        }
        for m in CallMember.objects.select_related("call")
    ]


def _as_params(body: dict[str, Any]) -> dict[str, str]:
    return {k: json.dumps(v) if k in ("filter_conditions", "sort") else str(v) for k, v in body.items()}


def _asker(client: APIClient, url: str, method: str, key: str, item: str) -> Callable[[dict[str, Any]], Page]:
    def ask(body: dict[str, Any]) -> Page:
        if method == "post":
            response: Response = client.post(url, body, format="json")
        else:
            response = client.get(url, _as_params(body))
        assert response.status_code == 200, response.content
        data = _json(response)
        assert set(data) == {key, "next", "prev"}
        return [row[item] for row in data[key]], data["next"], data["prev"]

    return ask


def _expecter(schema: Schema, rows: list[dict[str, Any]], scope: dict[str, str], item: str) -> Callable[..., Page]:
    def expect(body: dict[str, Any]) -> Page:
        page = memory.paginate(schema.parse(body, scope=scope), rows, secret=cursor_secrets())
        return [row[item] for row in page.items], page.next, page.prev

    return expect


def _walk(ask: Callable[[dict[str, Any]], Page], expect: Callable[[dict[str, Any]], Page], body: dict[str, Any]) -> int:
    """Every page forwards, then back with `prev` from each; returns the rows seen."""
    pages = [ask(body)]
    assert pages[0] == expect(body)
    while pages[-1][1] is not None:
        request = {**body, "next": pages[-1][1]}
        pages.append(ask(request))
        assert pages[-1] == expect(request)
    for i in range(len(pages) - 1, 0, -1):
        request = {**body, "prev": pages[i][2]}
        assert ask(request) == pages[i - 1] == expect(request)
    seen = [key for keys, _, _ in pages for key in keys]
    assert len(seen) == len(set(seen))
    return len(seen)


CALL_BODIES: list[dict[str, Any]] = [
    {"limit": 4},
    {"filter_conditions": {"ended_at": {"$exists": False}}, "sort": [{"field": "starts_at"}], "limit": 3},
    {
        "filter_conditions": {"$or": [{"members": {"$in": ["u00", "u02"]}}, {"ongoing": True}]},
        "sort": [{"field": "ended_at", "direction": -1}, {"field": "created_at", "direction": 1}],
        "limit": 2,
    },
    {"filter_conditions": {"team": {"$in": ["red"]}, "type": "default"}, "sort": [{"field": "updated_at"}], "limit": 2},
    {
        "filter_conditions": {"created_by_user_id": {"$gte": "u04"}, "starts_at": {"$exists": True}},
        "sort": [{"field": "starts_at", "direction": -1}, {"field": "type"}],
        "limit": 2,
    },
]
MEMBER_BODIES: list[dict[str, Any]] = [
    {"limit": 2},
    {
        "filter_conditions": {"custom.level": {"$gte": 1}},
        "sort": [{"field": "updated_at", "direction": -1}],
        "limit": 2,
    },
    {"filter_conditions": {"role": {"$exists": False}}, "limit": 1},
]


@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("body", CALL_BODIES)
def test_query_calls_pages_are_memorys(seeded: Seeded, body: dict[str, Any], method: str) -> None:
    ask = _asker(_client(seeded, "acme"), "/calls/query", method, "calls", "cid")
    expect = _expecter(CALLS, _call_rows(), {"tenant_id": "acme"}, "cid")
    assert _walk(ask, expect, body) > 2


@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("body", MEMBER_BODIES)
def test_query_call_members_pages_are_memorys(seeded: Seeded, body: dict[str, Any], method: str) -> None:
    cid = "default:c00"
    ask = _asker(_client(seeded, "acme"), f"/calls/{cid}/members/query", method, "members", "user_id")
    expect = _expecter(MEMBERS, _member_rows(), {"tenant_id": "acme", "call_cid": cid}, "user_id")
    assert _walk(ask, expect, body) > 1


def test_items_are_serialized_with_streams_names(seeded: Seeded) -> None:
    data = _client(seeded, "acme").post("/calls/query", {"filter_conditions": {"cid": "default:c00"}}).json()
    (call,) = data["calls"]
    row = next(r for r in _call_rows() if r["cid"] == "default:c00")
    assert call["id"] == row["id"] and call["members"] == row["members"] and call["ongoing"] is row["ongoing"]
    assert call["created_by_user_id"] == row["created_by_user_id"] and "tenant" not in call


def _json(response: Response) -> Any:
    return json.loads(response.content)


def test_a_page_costs_the_same_queries_whatever_its_size(seeded: Seeded) -> None:
    """Members are prefetched per keyset range: no query per call."""
    client = _client(seeded, "acme")
    counts = []
    for limit in (2, 25):
        with CaptureQueriesContext(connection) as queries:
            page = _json(client.post("/calls/query", {"limit": limit}))
        assert len(page["calls"]) == min(limit, len([r for r in _call_rows() if r["tenant_id"] == "acme"]))
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] < 8


def _problems(response: Response) -> list[tuple[str, list[Any]]]:
    assert response.status_code == 400, response.content
    body = _json(response)
    assert set(body) == {"code", "message", "problems"} and body["code"] == body["problems"][0]["code"]
    return [(p["code"], p["path"]) for p in body["problems"]]


def test_bad_input_is_a_400_with_paths(seeded: Seeded) -> None:
    client = _client(seeded, "acme")
    assert _problems(client.get("/calls/query", {"filter_conditions": "{type: 1}", "limit": "x"})) == [
        ("invalid_json", ["filter_conditions"]),
        ("invalid_limit", ["limit"]),
    ]
    assert _problems(client.get("/calls/query", {"sort": '[{"field": "team"}]'})) == [
        ("not_sortable", ["sort", 0, "field"])
    ]
    assert _problems(client.post("/calls/query", {"filter_conditions": {"tpye": "x"}}, format="json")) == [
        ("unknown_field", ["filter_conditions", "tpye"])
    ]
    hidden = {"filter_conditions": {"tenant_id": "globex"}}  # a scope field is no client's field
    assert _problems(client.post("/calls/query", hidden, format="json")) == [
        ("unknown_field", ["filter_conditions", "tenant_id"])
    ]
    assert _problems(client.post("/calls/query", {"next": "not-a-cursor"}, format="json")) == [
        ("invalid_cursor", ["next"])
    ]
    bad_body = client.generic("POST", "/calls/query", '{"limit": 5,', content_type="application/json")
    assert _problems(bad_body) == [("invalid_json", [])]
    assert _problems(client.get("/calls/query", {"limt": "5"})) == [("unknown_key", ["limt"])]


def test_no_token_no_rows(seeded: Seeded) -> None:
    response = APIClient().post("/calls/query", {}, format="json")
    assert response.status_code == 401


def test_a_tenant_sees_only_its_rows_and_refuses_anothers_cursors(seeded: Seeded) -> None:
    acme, globex = _client(seeded, "acme"), _client(seeded, "globex")
    rows = _call_rows()
    globex_cids = {r["cid"] for r in rows if r["tenant_id"] == "globex"}
    seen = globex.post("/calls/query", {"limit": 100}, format="json").json()["calls"]
    assert {c["cid"] for c in seen} == globex_cids and globex_cids != {r["cid"] for r in rows}
    acme_cid = next(r["cid"] for r in rows if r["tenant_id"] == "acme")
    assert globex.post("/calls/query", {"filter_conditions": {"cid": acme_cid}}).json()["calls"] == []

    cursor = acme.post("/calls/query", {"limit": 2}, format="json").json()["next"]
    assert cursor is not None
    assert acme.post("/calls/query", {"limit": 2, "next": cursor}, format="json").status_code == 200
    assert _problems(globex.post("/calls/query", {"limit": 2, "next": cursor}, format="json")) == [
        ("invalid_cursor", ["next"])
    ]
    assert _problems(globex.get("/calls/query", {"limit": "2", "next": cursor})) == [("invalid_cursor", ["next"])]


def test_members_are_scoped_to_the_tenant_and_the_call(seeded: Seeded) -> None:
    acme, globex = _client(seeded, "acme"), _client(seeded, "globex")
    url = "/calls/default:c00/members/query"
    assert globex.post(url, {}, format="json").json() == {"members": [], "next": None, "prev": None}
    cursor = acme.post(url, {"limit": 1}, format="json").json()["next"]
    assert cursor is not None
    other = next(r["cid"] for r in _call_rows() if r["tenant_id"] == "acme" and r["cid"] != "default:c00")
    assert _problems(acme.post(f"/calls/{other}/members/query", {"limit": 1, "next": cursor}, format="json")) == [
        ("invalid_cursor", ["next"])
    ]


def test_the_migration_is_the_models() -> None:
    call_command("makemigrations", "video", "--check", "--dry-run", verbosity=0)  # SystemExit(1) if not
