"""Encoded calls and members reused (shapes.py, storage's RowCaches): the bytes
are those of shaping afresh; a record is encoded once, and a stored row read
again is the same record (so its bytes are reused), while any change to its
stored values, even one that leaves `updated_at` alone, as another process's
write could, is served at once; the caches stay bounded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from server_helpers import API_KEY, database_url, headers, running_server, settings

from stream_filters.schema import QUERY_CALLS as QUERY_CALLS_SCHEMA
from stream_filters.server import shapes
from stream_filters.server.app import open_storage
from stream_filters.server.shapes import CallRecord, MemberRecord
from stream_filters.server.tables import call_members, calls

QUERY_CALLS = "/api/v2/video/calls"
_T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

ROWS = [
    CallRecord("default:a", "a", "default", "alice", _T0, _T0),
    CallRecord(
        "livestream:b",
        "b",
        "livestream",
        "bob",
        _T0,
        _T0 + timedelta(microseconds=1),
        team="red",
        starts_at=_T0 + timedelta(days=1, microseconds=7),
        ended_at=_T0 + timedelta(days=2),
        backstage=True,
        ongoing=True,
        custom={"f": 1.0, "n": None, "nested": {"x": [1, 2.5, "é"]}},
    ),
    CallRecord("default:c", "c", "default", "carol", _T0, _T0, backstage=None, ongoing=None, custom={"big": 1e300}),
]


def _fresh(row: CallRecord) -> bytes:
    return orjson.dumps({"call": shapes.call(row), "members": [], "own_capabilities": list(shapes.CAPABILITIES)})


@pytest.mark.parametrize("row", ROWS, ids=[r.cid for r in ROWS])
def test_cached_bytes_are_those_of_shaping_afresh(row: CallRecord) -> None:
    first = orjson.dumps(shapes.call_state(row, []))
    again = orjson.dumps(shapes.call_state(row, []))  # from the cache
    assert first == again == _fresh(row)
    assert isinstance(shapes.call_state(row, [])["call"], orjson.Fragment)


@pytest.mark.parametrize(
    "change",
    [
        {"custom": {"f": 2.0}},
        {"custom": {"f": 1}},  # an integer is not the float it equals (SPEC §3.6)
        {"team": "blue"},
        {"team": None},
        {"ended_at": None},
        {"starts_at": _T0 + timedelta(days=1, microseconds=8)},
        {"ongoing": False},
        {"backstage": False},
        {"created_by_user_id": "mallory"},
    ],
)
def test_another_record_has_its_own_bytes(change: dict[str, object]) -> None:
    row = ROWS[1]
    shapes.call_state(row, [])
    changed = replace(row, **change)  # type: ignore[arg-type]  # values of the fields' types
    assert orjson.dumps(shapes.call_state(changed, [])) == _fresh(changed) != _fresh(row)


def test_members_are_encoded_per_record() -> None:
    row = ROWS[0]
    member = MemberRecord(row.cid, "u1", _T0, None, role="host", custom={"k": 1})
    first = shapes.call_state(row, [member])
    second = shapes.call_state(row, [replace(member, role="guest")])
    assert orjson.loads(orjson.dumps(first))["members"][0]["role"] == "host"
    assert orjson.loads(orjson.dumps(second))["members"][0]["role"] == "guest"
    assert orjson.loads(orjson.dumps(first))["members"] == [shapes.member(member)]


def test_the_cache_is_bounded() -> None:
    kept = [replace(ROWS[0], cid=f"default:n{i}", id=f"n{i}") for i in range(shapes.ENCODED_CACHE_SIZE + 50)]
    for row in kept:
        shapes.call_state(row, [])
    assert len(shapes._encoded) == shapes.ENCODED_CACHE_SIZE
    newest = replace(ROWS[0], cid="default:newest", id="newest")
    assert orjson.dumps(shapes.call_state(newest, [])) == _fresh(newest)
    assert orjson.dumps(shapes.call_state(kept[0], [])) == _fresh(kept[0])  # evicted: shaped again


def _fresh_page(rows: list[CallRecord], members: dict[str, list[MemberRecord]]) -> bytes:
    return orjson.dumps([orjson.loads(_fresh_state(r, members.get(r.cid, []))) for r in rows])


def _fresh_state(row: CallRecord, members: list[MemberRecord]) -> bytes:
    states = {"call": shapes.call(row), "members": [shapes.member(m) for m in members]}
    return orjson.dumps({**states, "own_capabilities": list(shapes.CAPABILITIES)})


def test_a_page_of_the_same_records_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "_pages", shapes._Encoded(1 << 20, len))
    m1, m2 = (MemberRecord(ROWS[0].cid, u, _T0, None) for u in ("u1", "u2"))
    members = {ROWS[0].cid: [m1, m2]}
    first = shapes.call_states(ROWS, members)
    assert isinstance(first, orjson.Fragment)
    assert shapes.call_states(list(ROWS), {k: list(v) for k, v in members.items()}) is first
    assert orjson.dumps(first) == _fresh_page(ROWS, members)
    # Another record anywhere, or the same members split otherwise, is another page.
    changed = {ROWS[0].cid: [m1, replace(m2, role="guest")]}
    assert orjson.dumps(shapes.call_states(ROWS, changed)) == _fresh_page(ROWS, changed)
    moved = {ROWS[0].cid: [m1], ROWS[1].cid: [m2]}
    assert orjson.dumps(shapes.call_states(ROWS, moved)) == _fresh_page(ROWS, moved)
    assert orjson.dumps(shapes.call_states(ROWS[:2], members)) == _fresh_page(ROWS[:2], members)


def test_encoded_pages_are_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [replace(ROWS[0], cid=f"default:p{i}", id=f"p{i}") for i in range(10)]
    one = len(_fresh_page(rows[:1], {}))  # each page's size
    pages = shapes._Encoded(3 * one, len)
    monkeypatch.setattr(shapes, "_pages", pages)
    for row in rows:
        shapes.call_states([row], {})
    assert len(pages._entries) == 3 and pages._size <= 3 * one
    assert shapes.call_states([rows[-1]], {}) is shapes.call_states([rows[-1]], {})  # the newest kept
    big = shapes.call_states(rows[:4], {})  # larger than the whole budget: served, not kept
    assert orjson.dumps(big) == _fresh_page(rows[:4], {}) and shapes.call_states(rows[:4], {}) is not big


def test_a_page_that_cannot_be_encoded_is_left_to_the_response() -> None:
    huge = replace(ROWS[0], cid="default:huge", custom={"n": 2**70})
    states = shapes.call_states([huge], {})
    assert isinstance(states, list)
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(states)


def test_a_stored_row_read_again_is_the_same_record(tmp_path: Path) -> None:
    storage = open_storage(settings(f"sqlite:///{tmp_path / 'rows.db'}", seed=True))
    try:
        query = QUERY_CALLS_SCHEMA.parse({"limit": 5})
        (first, members), (again, members_again) = storage.query_calls(query), storage.query_calls(query)
        assert len(first.items) == 5 and all(a is b for a, b in zip(first.items, again.items, strict=True))
        assert any(members.values())
        assert all(a is b for cid in members for a, b in zip(members[cid], members_again[cid], strict=True))
    finally:
        storage.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def http(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, sa.Engine]]:
    url = database_url(request.param, Path(tmp_path_factory.mktemp("cache")), "sf_server_call_cache")
    config = settings(url)
    storage = open_storage(config)
    try:
        with (
            running_server(config, storage) as base_url,
            httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=headers(), timeout=30) as client,
        ):
            yield client, storage.engine
    finally:
        storage.dispose()


def test_a_stored_change_is_served_by_the_next_page(http: tuple[httpx.Client, sa.Engine]) -> None:
    client, engine = http
    data = {"created_by_id": "alice", "custom": {"v": 1.5}, "members": [{"user_id": "m1", "role": "host"}]}
    assert client.post("/api/v2/video/call/default/cached", json={"data": data}).status_code == 201
    body = {"filter_conditions": {"id": "cached"}}

    def state() -> dict[str, object]:
        (found,) = client.post(QUERY_CALLS, json=body).json()["calls"]
        assert isinstance(found, dict)
        return found

    assert state()["call"]["custom"] == {"v": 1.5}  # type: ignore[index]
    # Written behind the server's back, `updated_at` untouched: still served at once.
    with engine.begin() as conn:
        conn.execute(calls.update().where(calls.c.cid == "default:cached").values(custom={"v": 2.5}, team="t"))
    after = state()
    assert after["call"]["custom"] == {"v": 2.5} and after["call"]["team"] == "t"  # type: ignore[index]
    # A member changed through the API: the page shows it.
    update = {"update_members": [{"user_id": "m1", "role": "guest"}]}
    assert client.post("/api/v2/video/call/default/cached/members", json=update).status_code == 200
    assert [m["role"] for m in state()["members"]] == ["guest"]  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(call_members.update().where(call_members.c.user_id == "m1").values(role="owner"))
    assert [m["role"] for m in state()["members"]] == ["owner"]  # type: ignore[attr-defined]
