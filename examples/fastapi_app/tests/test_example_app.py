"""The example app over HTTP, on SQLite (aiosqlite) always and PostgreSQL
(asyncpg, STREAM_FILTERS_PG_URL) when reachable (required in CI)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from examples.fastapi_app.app import Settings, create_app, create_schema
from examples.fastapi_app.models import Base, Call, CallMember, User
from tests.conftest import require_server

PG_URL = os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKENS = {"token-a": "tenant-a", "token-b": "tenant-b"}
A = {"Authorization": "Bearer token-a"}
B = {"Authorization": "Bearer token-b"}
_T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _users() -> list[dict[str, Any]]:
    return [
        {
            "user_uid": f"u{i:02d}",
            "tenant_id": "tenant-a" if i % 2 else "tenant-b",
            "display_name": f"User {i}",
            "custom_data": {"color": ["red", "blue", "green"][i % 3]} if i % 4 else None,
            "updated_on": _T0 + timedelta(hours=i),
        }
        for i in range(20)
    ]


def _calls() -> list[dict[str, Any]]:
    return [
        {
            "call_cid": f"default:c{i:02d}",
            "call_id": f"c{i:02d}",
            "call_type": ["default", "livestream"][i % 2],
            "tenant_id": "tenant-a" if i % 3 else "tenant-b",
            "created_on": _T0 + timedelta(minutes=(i * 7) % 30),
            "starts_on": None if i % 4 == 0 else _T0 + timedelta(days=i % 5),
            "is_live": i % 5 == 0,
        }
        for i in range(30)
    ]


def _members() -> list[dict[str, Any]]:
    users = _users()
    return [
        {
            "call_cid": call["call_cid"],
            "user_uid": user["user_uid"],
            "member_role": ["host", None][j % 2],
            "joined_on": _T0 + timedelta(seconds=j),
        }
        for i, call in enumerate(_calls()[:6])
        for j, user in enumerate(users)
        if user["tenant_id"] == call["tenant_id"] and (i + j) % 2 == 0
    ]


async def _engine(name: str, tmp_path: Path) -> AsyncEngine:
    if name == "sqlite":
        return create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/app.sqlite")
    engine = create_async_engine(PG_URL.replace("+psycopg", "+asyncpg"))
    try:
        async with engine.connect():
            pass
    except (OSError, sa.exc.OperationalError) as exc:
        await engine.dispose()
        require_server("PostgreSQL at 127.0.0.1:5432", str(exc).splitlines()[0])
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    engine = await _engine(request.param, tmp_path)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await create_schema(engine)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(User), _users())
        await conn.execute(sa.insert(Call), _calls())
        await conn.execute(sa.insert(CallMember), _members())
    app = create_app(Settings(str(engine.url), ("new-secret", "old-secret"), TOKENS), engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        yield http
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


async def _walk(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    pages = []
    cursor: str | None = None
    while True:
        response = await client.post(path, json={**body, "next": cursor} if cursor else body, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next"]
        if cursor is None:
            return pages


async def test_a_tenant_pages_its_own_calls_in_order(client: httpx.AsyncClient) -> None:
    body = {"sort": [{"field": "starts_at", "direction": -1}], "limit": 4}
    pages = await _walk(client, "/calls/query", body, A)
    got = [c["cid"] for page in pages for c in page["calls"]]
    mine = [c for c in _calls() if c["tenant_id"] == "tenant-a"]
    # starts_at descending, NULLs last (lowest), then cid descending.
    mine.sort(key=lambda c: (c["starts_on"] is not None, c["starts_on"] or _T0, c["call_cid"]), reverse=True)
    assert got == [c["call_cid"] for c in mine]
    assert pages[0]["calls"][0]["members"] == sorted(
        m["user_uid"] for m in _members() if m["call_cid"] == pages[0]["calls"][0]["cid"]
    )


async def test_filters_and_the_join_table(client: httpx.AsyncClient) -> None:
    body = {"filter_conditions": {"members": {"$in": ["u01"]}, "ongoing": False}, "limit": 50}
    response = await client.post("/calls/query", json=body, headers=A)
    assert response.status_code == 200, response.text
    with_u01 = {m["call_cid"] for m in _members() if m["user_uid"] == "u01"}
    expected = {c["call_cid"] for c in _calls() if c["call_cid"] in with_u01 and not c["is_live"]}
    assert {c["cid"] for c in response.json()["calls"]} == expected and expected


async def test_no_filter_reaches_another_tenant(client: httpx.AsyncClient) -> None:
    for body in [{"filter_conditions": {"$or": [{}, {"cid": {"$gte": ""}}]}, "limit": 50}, {"limit": 50}]:
        response = await client.post("/calls/query", json=body, headers=B)
        assert response.status_code == 200, response.text
        assert {c["cid"] for c in response.json()["calls"]} == {
            c["call_cid"] for c in _calls() if c["tenant_id"] == "tenant-b"
        }


async def test_a_cursor_of_tenant_a_is_invalid_for_tenant_b(client: httpx.AsyncClient) -> None:
    first = (await client.post("/calls/query", json={"limit": 2}, headers=A)).json()
    response = await client.post("/calls/query", json={"limit": 2, "next": first["next"]}, headers=B)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_errors_are_400_with_paths(client: httpx.AsyncClient) -> None:
    response = await client.post("/calls/query", json={"filter_conditions": {"typ": "default"}}, headers=A)
    assert response.status_code == 400
    assert response.json()["problems"][0]["path"] == ["filter_conditions", "typ"]
    hidden = await client.post("/calls/query", json={"filter_conditions": {"tenant_id": "tenant-b"}}, headers=A)
    assert hidden.status_code == 400 and hidden.json()["code"] == "unknown_field"
    assert "tenant_id" not in hidden.json()["message"].split("allowed:")[-1]
    unauthorised = await client.post("/calls/query", json={}, headers={"Authorization": "Bearer nope"})
    assert unauthorised.status_code == 401


async def test_members_of_a_call_joined_with_their_users(client: httpx.AsyncClient) -> None:
    cid = "default:c01"  # tenant-a
    body = {"filter_conditions": {"custom.color": {"$in": ["red", "blue"]}}, "limit": 2}
    pages = await _walk(client, f"/calls/{cid}/members/query", body, A)
    got = [m["user_id"] for page in pages for m in page["members"]]
    users = {u["user_uid"]: u for u in _users()}
    expected = sorted(
        (
            m
            for m in _members()
            if m["call_cid"] == cid and (users[m["user_uid"]]["custom_data"] or {}).get("color") in ("red", "blue")
        ),
        key=lambda m: (m["joined_on"], m["user_uid"]),
    )
    assert got == [m["user_uid"] for m in expected] and len(pages) > 1
    assert all(m["custom"]["color"] in ("red", "blue") for page in pages for m in page["members"])


async def test_a_members_cursor_is_bound_to_its_call(client: httpx.AsyncClient) -> None:
    first = (await client.post("/calls/default:c01/members/query", json={"limit": 1}, headers=A)).json()
    assert first["next"]
    response = await client.post(
        "/calls/default:c02/members/query", json={"limit": 1, "next": first["next"]}, headers=A
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"
    other_tenant = await client.post("/calls/default:c01/members/query", json={"limit": 50}, headers=B)
    assert other_tenant.status_code == 200 and other_tenant.json()["members"] == []
