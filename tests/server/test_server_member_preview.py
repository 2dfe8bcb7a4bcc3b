"""The members in each call of a QueryCalls page: the call's first
`members_per_call` in QueryCallMembers' default order (created_at, then
user_id by code point), on every database and for pages of any size.

The storage reads them in the calls page's own SELECT, as a JSON array per
call (`first_members.first_members`); here the expected members are worked out in
Python from the rows written, and their values are checked against the same
members read as rows of their own table (QueryCallMembers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from server_helpers import database_url

from stream_filters.query import Query
from stream_filters.schema import QUERY_CALLS
from stream_filters.server import shapes
from stream_filters.server.storage import Storage, connect
from stream_filters.server.tables import CALL_MEMBERS, of_call

PER_CALL = 5
START = datetime(2026, 1, 1, tzinfo=UTC)
# Ties on created_at, ids whose code-point order differs from a locale's
# (upper case before lower case, "é" after "z"), and a call with exactly
# PER_CALL members, one with fewer, one with none.
USERS = ["b", "B", "a", "é", "z", "Z", "a1", "10", "9", "_"]
MEMBERS = {
    "default:many": [(u, i // 3) for i, u in enumerate(USERS)],  # three to each instant
    "default:exact": [(u, 0) for u in USERS[:PER_CALL]],
    "default:few": [("solo", 2), ("duo", 1)],
    "default:none": [],
}
# Values each database renders its own way inside JSON: numbers of every
# kind in custom data (a float that is whole, a zero's sign, an integer
# beyond 64 bits, an exponent), escapes, timestamps with and without a
# fraction of a second, a role and an updated_at or none.
VALUES = "default:values"
CUSTOM = {
    "f": 1.0,
    "i": 2,
    "big": 2**70,
    "zero": -0.0,
    "tiny": 1.5e-7,
    "huge": 1e300,
    "s": 'é\u2028"\\/\x01',
    "nested": {"a": [1, 2.5, None, True, {"k": []}]},
}
VALUE_MEMBERS = [
    ("plain", None, {}, START, None),
    ('rich "quoted" é', "host", CUSTOM, START + timedelta(microseconds=1), START + timedelta(days=400, seconds=1)),
    ("late", "guest", {"u": 1}, START + timedelta(seconds=59, microseconds=999999), START + timedelta(seconds=60)),
]


def _call(cid: str, age: int) -> dict[str, Any]:
    call_type, call_id = cid.split(":")
    stamp = START - timedelta(hours=age)
    return {
        "cid": cid,
        "id": call_id,
        "type": call_type,
        "created_by_user_id": "owner",
        "created_at": stamp,
        "updated_at": stamp,
        "custom": {},
    }


def _member(cid: str, user_id: str, minute: int) -> dict[str, Any]:
    return {
        "call_cid": cid,
        "user_id": user_id,
        "role": None,
        "custom": {"u": user_id},
        "created_at": START + timedelta(minutes=minute),
        "updated_at": None,
    }


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def storage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    url = database_url(request.param, Path(tmp_path_factory.mktemp("preview")), "sf_member_preview")
    store = Storage(connect(url), b"k" * 32, members_per_call=PER_CALL)
    store.create()
    calls = [_call(cid, age) for age, cid in enumerate(MEMBERS)]
    calls.append(_call(VALUES, len(calls)))
    members = [_member(cid, u, minute) for cid, rows in MEMBERS.items() for u, minute in rows]
    for user_id, role, custom, created_at, updated_at in VALUE_MEMBERS:
        members.append(
            {
                "call_cid": VALUES,
                "user_id": user_id,
                "role": role,
                "custom": custom,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
    assert store.seed(calls, members)
    try:
        yield store
    finally:
        store.dispose()


def _expected(cid: str) -> list[str]:
    ordered = sorted(MEMBERS[cid], key=lambda row: (row[1], [ord(c) for c in row[0]]))
    return [u for u, _ in ordered[:PER_CALL]]


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_each_call_has_its_first_members_in_default_order(storage: Storage, limit: int) -> None:
    page, members = storage.query_calls(QUERY_CALLS.parse({"limit": limit}))
    cids = [c.cid for c in page.items]
    assert cids == [*MEMBERS, VALUES][:limit]  # newest first
    assert set(members) == set(cids)
    for cid in cids:
        assert [m.user_id for m in members[cid]] == _expected(cid), cid
        assert all(m.call_cid == cid for m in members[cid])


def test_members_read_with_their_calls_are_those_of_their_own_table(storage: Storage) -> None:
    """Every value as QueryCallMembers reads it from the member's own row, to
    the byte of the response (a float stays a float, a zero keeps its sign
    where the database keeps it)."""
    _, members = storage.query_calls(QUERY_CALLS.parse({"filter_conditions": {"id": VALUES.split(":")[1]}}))
    own = storage.query_members(VALUES, CALL_MEMBERS.parse({}, scope=of_call(VALUES)))
    assert own is not None and len(own.items) == len(VALUE_MEMBERS)
    assert [m.user_id for m in members[VALUES]] == [m.user_id for m in own.items]
    assert members[VALUES] == tuple(own.items)
    for preview, row in zip(members[VALUES], own.items, strict=True):
        assert orjson.dumps(shapes.member(preview)) == orjson.dumps(shapes.member(row))
        assert preview.created_at.tzinfo is row.created_at.tzinfo


def test_no_members_per_call_reads_none(tmp_path: Path) -> None:
    store = Storage(connect(f"sqlite:///{tmp_path / 'none.db'}"), b"k" * 32, members_per_call=0)
    store.create()
    assert store.seed([_call("default:many", 0)], [_member("default:many", "a", 0)])
    try:
        page, members = store.query_calls(QUERY_CALLS.parse({}))
        assert [c.cid for c in page.items] == ["default:many"] and members == {"default:many": ()}
    finally:
        store.dispose()


def test_a_page_read_again_has_the_same_members(storage: Storage) -> None:
    query = QUERY_CALLS.parse({})
    first = storage.query_calls(query)[1]
    again = storage.query_calls(query)[1]
    assert {c: [m.user_id for m in ms] for c, ms in again.items()} == {
        c: [m.user_id for m in ms] for c, ms in first.items()
    }
    assert first["default:many"][0] is again["default:many"][0]  # the row cache's record


def test_no_members_without_calls(storage: Storage) -> None:
    query: Query = QUERY_CALLS.parse({"filter_conditions": {"id": "missing"}})
    page, members = storage.query_calls(query)
    assert page.items == [] and members == {}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mysql"])
def test_members_of_more_than_a_mebibyte_are_read_whole(kind: str, tmp_path: Path) -> None:
    """MariaDB cuts JSON_ARRAYAGG at `group_concat_max_len` (1 MiB by
    default) with only a warning; the storage's sessions lift that bound."""
    url = database_url(kind, tmp_path, "sf_member_preview_big")
    per_call = 100
    store = Storage(connect(url), b"k" * 32, members_per_call=per_call)
    store.create()
    padding = "x" * 12_000
    members = [{**_member("default:big", f"u{i:03d}", i), "custom": {"pad": padding, "i": i}} for i in range(per_call)]
    assert store.seed([_call("default:big", 0)], members)
    try:
        _, found = store.query_calls(QUERY_CALLS.parse({}))
        assert [m.user_id for m in found["default:big"]] == [f"u{i:03d}" for i in range(per_call)]
        assert all(m.custom == {"pad": padding, "i": i} for i, m in enumerate(found["default:big"]))
    finally:
        store.dispose()
