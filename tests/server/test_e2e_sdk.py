"""End to end: Stream's official Python SDK (`getstream` 7.0.0) against our server.

The SDK creates calls with members and custom data, then walks QueryCalls and
QueryCallMembers pages with `next` to the end and back with `prev`; every page
is checked against the in-memory backend over the same rows (read back from
the server's database), and bad requests surface as the SDK's
`StreamApiException` carrying our messages. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from getstream import Stream
from getstream.exceptions import StreamApiException
from getstream.models import CallRequest, MemberRequest, SortParamRequest, UserRequest
from server_helpers import API_KEY, API_SECRET, running_server, settings

from stream_filters import QUERY_CALLS, Schema, memory
from stream_filters.server import Storage, cursor_secret
from stream_filters.server.shapes import CallRecord, MemberRecord
from stream_filters.server.storage import connect
from stream_filters.server.tables import CALL_MEMBERS, of_call
from tests.conftest import require_server

PG_URL = os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "sf_server_e2e"
USERS = [f"user-{i:02d}" for i in range(14)]
STARTS = [None, datetime(2030, 1, 1, 10, tzinfo=UTC), datetime(2030, 1, 1, 10, 0, 0, 500000, tzinfo=UTC), None]
BIG_CALL = ("default", "e2e-big")


@dataclass
class World:
    client: Stream
    storage: Storage

    def rows(self, endpoint: str, cid: str | None = None) -> list[dict[str, Any]]:
        calls, members = self.storage.dump()
        if endpoint == "query_calls":
            by_call: dict[str, list[str]] = {}
            for m in members:
                by_call.setdefault(m.call_cid, []).append(m.user_id)
            return [_call_row(c, by_call.get(c.cid, [])) for c in calls]
        return [_member_row(m) for m in members if m.call_cid == cid]


def _call_row(call: CallRecord, member_ids: list[str]) -> dict[str, Any]:
    return {
        "id": call.id,
        "cid": call.cid,
        "type": call.type,
        "team": call.team,
        "created_by_user_id": call.created_by_user_id,
        "created_at": call.created_at,
        "updated_at": call.updated_at,
        "ended_at": call.ended_at,
        "starts_at": call.starts_at,
        "backstage": call.backstage,
        "ongoing": call.ongoing,
        "members": sorted(member_ids),
    }


def _member_row(member: MemberRecord) -> dict[str, Any]:
    return {
        "call_cid": member.call_cid,
        "user_id": member.user_id,
        "role": member.role,
        "custom": dict(member.custom),
        "created_at": member.created_at,
        "updated_at": member.updated_at,
    }


def _postgres_url() -> str:
    engine = sa.create_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    except sa.exc.OperationalError as exc:
        require_server("PostgreSQL", str(exc).splitlines()[0])
    finally:
        engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('e2e')) / 'e2e.db'}"
    else:
        url = _postgres_url()
    config = settings(url)
    storage = Storage(connect(url), cursor_secret(API_SECRET))
    storage.create()
    with running_server(config, storage) as base_url:
        client = Stream(api_key=API_KEY, api_secret=API_SECRET, base_url=base_url)
        _load(client)
        yield World(client, storage)
        client.close()
    storage.dispose()


def _load(client: Stream) -> None:
    """Deterministic calls and members, written through the SDK only."""
    rnd = random.Random(7)
    for i in range(36):
        call_type = ("default", "livestream", "audio_room")[i % 3]
        members = [
            MemberRequest(
                user_id=user,
                role=rnd.choice(["host", "guest", None]),
                custom=rnd.choice([None, {"level": rnd.randint(0, 5), "tag": rnd.choice("ab")}]),
            )
            for user in rnd.sample(USERS, rnd.randint(0, 6))
        ]
        data = CallRequest(
            created_by_id=rnd.choice(USERS[:4]),
            team=rnd.choice(["red", "blue", None]),
            starts_at=STARTS[i % len(STARTS)],
            custom={"topic": rnd.choice(["news", "sport"]), "size": rnd.randint(1, 100)},
            members=members,
        )
        response = client.video.call(call_type, f"e2e-{i:03d}").get_or_create(data=data)
        assert response.data.created is True
        assert response.data.call.cid == f"{call_type}:e2e-{i:03d}"
        assert {m.user_id for m in response.data.members} == {m.user_id for m in members}
    big = client.video.call(*BIG_CALL)
    big.get_or_create(data=CallRequest(created_by=UserRequest(id="user-00"), members=[MemberRequest(user_id="u-a")]))
    for batch in range(4):
        update = [
            MemberRequest(
                user_id=f"big-{batch}-{j}",
                role=rnd.choice(["host", "guest", None]),
                custom=rnd.choice([None, {"level": rnd.randint(0, 5), "tag": rnd.choice("ab")}]),
            )
            for j in range(7)
        ]
        response = big.update_call_members(update_members=update, remove_members=[f"big-{batch - 1}-0"])
        assert [m.user_id for m in response.data.members] == [m.user_id for m in update]
    client.video.call("livestream", "e2e-001").update_call_members(
        update_members=[MemberRequest(user_id="user-13", role="host")]
    )


# -- walking pages ---------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    filter: dict[str, Any]
    sort: list[tuple[str, int]]
    limit: int


def _sort(case: Case) -> list[SortParamRequest] | None:
    return [SortParamRequest(field=f, direction=d) for f, d in case.sort] or None


def _request(case: Case, cursor: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"filter_conditions": case.filter, "limit": case.limit, **cursor}
    if case.sort:
        body["sort"] = [{"field": f, "direction": d} for f, d in case.sort]
    return body


def _sdk_page(world: World, endpoint: str, case: Case, cursor: dict[str, str]) -> tuple[list[str], Any, Any]:
    kwargs: dict[str, Any] = {"filter_conditions": case.filter, "sort": _sort(case), "limit": case.limit, **cursor}
    if endpoint == "query_calls":
        data = world.client.video.query_calls(**kwargs).data
        return [c.call.cid for c in data.calls], data.next, data.prev
    data = world.client.video.query_call_members(type=BIG_CALL[0], id=BIG_CALL[1], **kwargs).data
    return [m.user_id for m in data.members], data.next, data.prev


def _memory_page(schema: Schema, rows: list[dict[str, Any]], case: Case, cursor: dict[str, str]) -> Any:
    scope = None if schema is QUERY_CALLS else of_call(f"{BIG_CALL[0]}:{BIG_CALL[1]}")
    query = schema.parse(_request(case, cursor), scope=scope)
    return memory.paginate(query, rows, secret=cursor_secret(API_SECRET))


def _key(schema: Schema) -> str:
    return "cid" if schema is QUERY_CALLS else "user_id"


def _walk(world: World, endpoint: str, case: Case) -> int:
    """Forward to the end with `next`, then back to the start with `prev`,
    every page equal to the in-memory backend's; returns the pages seen."""
    schema = QUERY_CALLS if endpoint == "query_calls" else CALL_MEMBERS
    rows = world.rows(endpoint, f"{BIG_CALL[0]}:{BIG_CALL[1]}")
    key = _key(schema)
    pages: list[list[str]] = []
    cursor: dict[str, str] = {}
    while True:
        ids, next_, prev = _sdk_page(world, endpoint, case, cursor)
        expected = _memory_page(schema, rows, case, cursor)
        assert ids == [r[key] for r in expected.items], (case.name, len(pages))
        # Same rows, same order, same secret: the cursors are the same text.
        assert (next_, prev) == (expected.next, expected.prev), (case.name, len(pages))
        pages.append(ids)
        assert len(pages) <= len(rows) + 1, "next never ran out"
        if next_ is None:
            break
        cursor = {"next": next_}
    assert [k for page in pages for k in page] == [r[key] for r in _memory_everything(schema, rows, case)]
    back = prev
    for index in range(len(pages) - 2, -1, -1):
        assert back is not None, (case.name, index)
        ids, next_, back = _sdk_page(world, endpoint, case, {"prev": back})
        assert ids == pages[index], (case.name, index)
        assert next_ is not None
    assert back is None, "the first page reached with prev has no prev"
    return len(pages)


def _memory_everything(schema: Schema, rows: list[dict[str, Any]], case: Case) -> list[dict[str, Any]]:
    whole = Case(case.name, case.filter, case.sort, schema.max_limit)
    items: list[dict[str, Any]] = []
    cursor: dict[str, str] = {}
    while True:
        page = _memory_page(schema, rows, whole, cursor)
        items.extend(page.items)
        if page.next is None:
            return items
        cursor = {"next": page.next}


CALL_CASES = [
    Case("everything, default sort", {}, [], 7),
    Case("one type, starts_at ascending (nulls first)", {"type": "livestream"}, [("starts_at", 1)], 3),
    Case(
        "members $in, two keys",
        {"members": {"$in": ["user-01", "user-02"]}},
        [("starts_at", -1), ("type", 1)],
        4,
    ),
    Case("$or with $exists", {"$or": [{"team": "red"}, {"team": {"$exists": False}}]}, [("id", 1)], 5),
    Case(
        "datetime range and $in",
        {"starts_at": {"$gte": "2030-01-01T10:00:00.25Z"}, "created_by_user_id": {"$in": ["user-00", "user-01"]}},
        [],
        2,
    ),
    Case("cid range, descending", {"cid": {"$gt": "default:e2e-010"}}, [("cid", -1)], 6),
    Case("booleans, one page", {"ongoing": False, "backstage": False}, [("created_at", 1)], 100),
    Case("nothing matches", {"id": {"$in": []}}, [], 5),
]

MEMBER_CASES = [
    Case("default sort with created_at ties", {}, [], 4),
    Case("role", {"role": "host"}, [], 2),
    Case("custom range, user_id descending", {"custom.level": {"$gte": 3}}, [("user_id", -1)], 3),
    Case("custom $or $exists", {"$or": [{"custom.tag": "a"}, {"role": {"$exists": False}}]}, [("updated_at", -1)], 5),
    Case("user_id $in", {"user_id": {"$in": ["big-1-3", "big-2-2", "big-3-6", "u-a", "nobody"]}}, [], 2),
]


@pytest.mark.parametrize("case", CALL_CASES, ids=lambda c: c.name)
def test_query_calls_pages_match_memory(world: World, case: Case) -> None:
    pages = _walk(world, "query_calls", case)
    assert pages >= 1


@pytest.mark.parametrize("case", MEMBER_CASES, ids=lambda c: c.name)
def test_query_call_members_pages_match_memory(world: World, case: Case) -> None:
    pages = _walk(world, "query_members", case)
    assert pages >= 1


def test_walks_span_several_pages(world: World) -> None:
    assert _walk(world, "query_calls", CALL_CASES[0]) >= 5
    assert _walk(world, "query_members", MEMBER_CASES[0]) >= 5


def test_call_state_carries_members_and_custom_data(world: World) -> None:
    data = world.client.video.query_calls(filter_conditions={"cid": "livestream:e2e-001"}).data
    (state,) = data.calls
    assert state.call.custom["topic"] in ("news", "sport")
    assert "user-13" in {m.user_id for m in state.members}
    assert state.call.created_by.id in USERS[:4]
    assert isinstance(state.call.created_at, datetime) and state.call.created_at.tzinfo is not None
    assert "read-call" in state.own_capabilities


def test_get_or_create_returns_an_existing_call_unchanged(world: World) -> None:
    response = world.client.video.call("default", "e2e-000").get_or_create(
        data=CallRequest(created_by_id="someone-else", custom={"topic": "changed"})
    )
    assert response.data.created is False
    assert response.data.call.custom["topic"] != "changed"
    assert response.data.call.created_by.id != "someone-else"


# -- errors through the SDK ---------------------------------------------------------

SDK_ERRORS = [
    ("unknown field", "query_calls", {"filter_conditions": {"colour": "red"}}, "filter_conditions.colour", "colour"),
    (
        "null stripped to an empty condition",
        "query_calls",
        {"filter_conditions": {"ended_at": {"$eq": None}}},
        "filter_conditions.ended_at",
        "$exists",
    ),
    (
        "unsortable field",
        "query_calls",
        {"sort": [SortParamRequest(field="team", direction=1)]},
        "sort[0].field",
        "cannot be sorted",
    ),
    ("bad operand type", "query_calls", {"filter_conditions": {"backstage": 1}}, "filter_conditions.backstage", "true"),
    ("limit too big", "query_calls", {"limit": 500}, "limit", "1 to 100"),
    (
        "custom without path",
        "query_members",
        {"filter_conditions": {"custom": {"$eq": 1}}},
        "filter_conditions.custom",
        "custom.color",
    ),
    ("forged cursor", "query_members", {"next": "bm9wZQ.bm9wZQ"}, "next", "invalid cursor"),
]


@pytest.mark.parametrize(("case", "endpoint", "kwargs", "field", "words"), SDK_ERRORS, ids=[c[0] for c in SDK_ERRORS])
def test_bad_requests_raise_stream_api_exception(
    world: World, case: str, endpoint: str, kwargs: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(StreamApiException) as info:
        if endpoint == "query_calls":
            world.client.video.query_calls(**kwargs)
        else:
            world.client.video.query_call_members(type=BIG_CALL[0], id=BIG_CALL[1], **kwargs)
    error = info.value
    assert (error.status_code, error.code) == (400, 4)
    assert words in error.message
    assert words in error.exception_fields[field]


def test_cursor_of_another_filter_is_refused(world: World) -> None:
    first = world.client.video.query_calls(limit=2).data
    assert first.next is not None
    with pytest.raises(StreamApiException) as info:
        world.client.video.query_calls(limit=2, next=first.next, filter_conditions={"type": "default"})
    assert info.value.status_code == 400
    assert "another filter, sort or scope" in info.value.message


def test_unknown_call_is_a_404(world: World) -> None:
    with pytest.raises(StreamApiException) as info:
        world.client.video.query_call_members(type="default", id="does-not-exist")
    assert (info.value.status_code, info.value.code) == (404, 16)
