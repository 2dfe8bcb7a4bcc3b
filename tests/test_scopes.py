"""Scopes, hidden fields, extra body keys and cursor secrets in the core (SPEC §5, §8).

The differential walks of every backend under generated scopes are in
tests/test_scope_walks.py; this file pins the parse-time rules and the
in-memory reference.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from stream_filters import Field, FieldType, FilterError, Op, Schema, SortKey
from stream_filters.ast import MATCH_ALL, And, Condition, conjoin
from stream_filters.memory import paginate
from stream_filters.schema import QUERY_CALLS, QUERY_MEMBERS
from tests.conformance.reference import matches
from tests.schemas import ALL_TYPES
from tests.scoped import SECRET, TENANT_FIELD, TENANTS, check_scoped_walk, scoped_rows, scopes, tenant_rows, with_tenant
from tests.scoped import requests as scoped_requests

ROOMS = Schema(
    name="rooms",
    fields=(
        Field("id", FieldType.STRING, sortable=True),
        Field("team", FieldType.STRING),
        TENANT_FIELD,
        Field("custom", FieldType.CUSTOM),
    ),
    tie_breaker="id",
    default_sort=(SortKey("id", 1),),
)


def _problem(request: Any, schema: Schema = ROOMS, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(FilterError) as info:
        schema.parse(request, **kwargs)
    problems = info.value.to_dict()["problems"]
    assert len(problems) == 1, problems
    return problems[0]  # type: ignore[no-any-return]


# -- hidden fields ----------------------------------------------------------------------


def test_hidden_field_is_unknown_to_clients_and_never_suggested() -> None:
    # "tenant_ix" is closest to the hidden "tenant_id": the message must not say so.
    problem = _problem({"filter_conditions": {"tenant_ix": "t1"}})
    assert problem["code"] == "unknown_field"
    assert "tenant_id" not in json.dumps(problem)
    assert problem["context"]["allowed"] == ["id", "team", "custom"]
    visible = Schema("rooms", tuple(dataclasses.replace(f, hidden=False) for f in ROOMS.fields), "id", ())
    assert "Did you mean 'tenant_id'?" in _problem({"filter_conditions": {"tenant_ix": "t1"}}, visible)["message"]
    exact = _problem({"filter_conditions": {"tenant_id": "t1"}})
    assert exact["code"] == "unknown_field"
    assert exact["message"] == _problem({"filter_conditions": {"no_such": "t1"}})["message"].replace(
        "no_such", "tenant_id"
    )


def test_hidden_field_in_sort_is_unknown_field_not_unsortable() -> None:
    problem = _problem({"sort": [{"field": "tenant_id", "direction": 1}]})
    assert problem["code"] == "unknown_field"
    assert problem["context"]["allowed"] == ["id"]
    assert "tenant_id" not in problem["message"].replace('"tenant_id"', "")


def test_hidden_field_inside_or_and_text_syntax() -> None:
    from stream_filters import parse_text

    assert _problem({"filter_conditions": {"$or": [{}, {"tenant_id": {"$in": ["t1"]}}]}})["code"] == "unknown_field"
    with pytest.raises(FilterError) as info:
        parse_text(ROOMS, 'tenant_id = "t1"')
    assert info.value.problems[0].code == "unknown_field"


def test_hidden_fields_are_declared_and_round_trip() -> None:
    with pytest.raises(ValueError, match="cannot be sortable"):
        Field("tenant_id", FieldType.STRING, hidden=True, sortable=True)
    with pytest.raises(ValueError, match="tie-breaker"):
        Schema("x", (Field("k", FieldType.STRING, hidden=True),), "k", ())
    data = ROOMS.to_dict()
    assert data["fields"]["tenant_id"]["hidden"] is True
    assert "hidden" not in data["fields"]["team"]
    assert Schema.from_dict(data) == ROOMS
    assert Schema.from_dict(data).by_name["tenant_id"].hidden
    with pytest.raises(ValueError, match="hidden must be true or false"):
        Schema.from_dict({**data, "fields": {**data["fields"], "tenant_id": {"type": "string", "hidden": 1}}})


# -- scopes -----------------------------------------------------------------------------


def test_scope_is_validated_with_hidden_fields_and_anded_in() -> None:
    query = ROOMS.parse({"filter_conditions": {"team": "a"}}, scope={"tenant_id": "t1"})
    tenant = Condition("tenant_id", (), Op.EQ, "t1", FieldType.STRING)
    assert query.scope == tenant
    assert query.filter == Condition("team", (), Op.EQ, "a", FieldType.STRING)
    assert query.where == And((tenant, query.filter))
    assert ROOMS.parse({}).scope == MATCH_ALL
    assert ROOMS.parse({}).where == MATCH_ALL
    assert ROOMS.parse({}, scope={}).where == MATCH_ALL


def test_scope_may_be_a_node_parsed_once() -> None:
    node = ROOMS.parse_scope({"tenant_id": {"$in": ["t1", "t2"]}})
    assert ROOMS.parse({}, scope=node).scope == node
    foreign = Condition("call_cid", (), Op.EQ, "x", FieldType.STRING)
    with pytest.raises(ValueError, match="call_cid"):
        ROOMS.parse({}, scope=foreign)
    wrong_op = Condition("tenant_id", (), Op.GT, "x", FieldType.STRING)
    with pytest.raises(ValueError, match="tenant_id"):
        ROOMS.parse({}, scope=wrong_op)


@pytest.mark.parametrize(
    "scope",
    [
        {"tenant": "t1"},
        {"tenant_id": {"$gt": "t1"}},  # not among the field's operators
        {"tenant_id": None},
        {"$or": []},
        [{"tenant_id": "t1"}],
        "tenant_id = t1",
        {"tenant_id": {"$in": ["t"] * 1001}},  # a limit breach is the application's bug too
    ],
)
def test_a_bad_scope_is_a_value_error_not_a_client_error(scope: Any) -> None:
    with pytest.raises(ValueError, match="scope") as info:
        ROOMS.parse({}, scope=scope)
    assert not isinstance(info.value, FilterError)


def test_the_scope_has_its_own_budget() -> None:
    small = Schema("small", ROOMS.fields, "id", (), limits=ROOMS.limits.__class__(max_conditions=3, max_depth=2))
    client = {"team": {"$gt": "a", "$lt": "z"}, "id": {"$exists": True}}  # 3 conditions, the client's whole budget
    scope = {"$and": [{"$or": [{"tenant_id": "t1"}, {"tenant_id": "t2"}]}, {"custom.x": 1}]}
    query = small.parse({"filter_conditions": client}, scope=scope)
    assert len(query.where.children) == 5  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="scope"):
        small.parse({}, scope={"$or": [{"$or": [{"$or": [{"tenant_id": "t1"}]}]}]})  # deeper than max_depth


def test_a_scope_on_custom_is_a_condition_like_any_other() -> None:
    query = ROOMS.parse({"filter_conditions": {"custom.tenant_id": "t2"}}, scope={"custom.tenant_id": "t1"})
    rows = [{"id": "a", "custom": {"tenant_id": "t1"}}, {"id": "b", "custom": {"tenant_id": "t2"}}]
    assert paginate(query, rows).items == []
    assert paginate(ROOMS.parse({}, scope={"custom.tenant_id": "t1"}), rows).items == rows[:1]


def test_the_fingerprint_covers_the_scope() -> None:
    prints = {
        ROOMS.parse({}).fingerprint,
        ROOMS.parse({}, scope={"tenant_id": "t1"}).fingerprint,
        ROOMS.parse({}, scope={"tenant_id": "t2"}).fingerprint,
        ROOMS.parse({"filter_conditions": {"custom.tenant_id": "t1"}}).fingerprint,
        ROOMS.parse({}, scope={"custom.tenant_id": "t1"}).fingerprint,
    }
    assert len(prints) == 5
    assert ROOMS.parse({"limit": 3}, scope={"tenant_id": "t1"}).fingerprint == (
        ROOMS.parse({"limit": 9}, scope=ROOMS.parse_scope({"tenant_id": "t1"})).fingerprint
    )


def test_to_request_never_shows_the_scope() -> None:
    query = ROOMS.parse({"filter_conditions": {"team": "a"}}, scope={"tenant_id": "t1"})
    assert "tenant_id" not in json.dumps(query.to_request())
    assert ROOMS.parse(query.to_request(), scope={"tenant_id": "t1"}) == query


# -- the in-memory reference under scopes -----------------------------------------------


ROWS = scoped_rows(ROOMS, 40, seed=1)


@pytest.mark.parametrize(
    "client",
    [
        {},
        {"$or": [{}, {"team": "a"}]},
        {"$or": [{"id": {"$gte": ""}}, {"id": {"$exists": False}}]},
        {"custom.tenant_id": {"$exists": True}},
        {"id": {"$gte": ""}},
    ],
)
def test_no_client_filter_widens_the_scope(client: dict[str, Any]) -> None:
    for tenant in TENANTS:
        items = _walk_ids(ROOMS, {"filter_conditions": client, "limit": 7}, ROWS, {"tenant_id": tenant})
        assert items and set(items) <= {r["id"] for r in ROWS if r.get("tenant_id") == tenant}


def _walk_ids(schema: Schema, body: dict[str, Any], rows: list[dict[str, Any]], scope: Any) -> list[str]:
    page = paginate(schema.parse(body, scope=scope), rows)
    ids = [r["id"] for r in page.items]
    while page.next:
        page = paginate(schema.parse({**body, "next": page.next}, scope=scope), rows)
        ids += [r["id"] for r in page.items]
    assert len(ids) == len(set(ids))
    return ids


def test_a_cursor_made_under_another_scope_is_invalid() -> None:
    first = paginate(ROOMS.parse({"limit": 3}, scope={"tenant_id": "t1"}), ROWS, secret="k")
    assert first.next is not None
    other = ROOMS.parse({"limit": 3, "next": first.next}, scope={"tenant_id": "t2"})
    with pytest.raises(FilterError) as info:
        paginate(other, ROWS, secret="k")
    assert info.value.problems[0].code == "invalid_cursor"
    unscoped = ROOMS.parse({"limit": 3, "next": first.next})
    with pytest.raises(FilterError):
        paginate(unscoped, ROWS, secret="k")
    same = ROOMS.parse({"limit": 3, "next": first.next}, scope={"tenant_id": "t1"})
    assert paginate(same, ROWS, secret="k").items


# -- extra body keys --------------------------------------------------------------------


def test_extra_keys_come_back_and_stay_inside_the_size_check() -> None:
    text = json.dumps({"type": "default", "id": "c1", "limit": 5})
    query = QUERY_MEMBERS.parse(text, extra_keys=("type", "id"))
    assert query.extra == {"type": "default", "id": "c1"}
    assert query.limit == 5
    assert QUERY_MEMBERS.parse("{}", extra_keys=("type", "id")).extra == {}
    assert _problem(json.dumps({"type": "default"}), QUERY_MEMBERS)["code"] == "unknown_key"
    unknown = _problem(json.dumps({"typ": 1}), QUERY_MEMBERS, extra_keys=("type",))
    assert "allowed: filter_conditions, sort, limit, next, prev, type." in unknown["message"]
    assert "Did you mean 'type'?" in unknown["message"]
    huge = json.dumps({"type": "x" * (QUERY_MEMBERS.limits.max_request_bytes + 1)})
    assert _problem(huge, QUERY_MEMBERS, extra_keys=("type",))["code"] == "request_too_large"


def test_extra_keys_of_the_schema_and_round_trip() -> None:
    schema = Schema.from_dict({**ROOMS.to_dict(), "extra_keys": ["type", "id_of_call"]})
    assert schema.extra_keys == ("type", "id_of_call")
    assert Schema.from_dict(schema.to_dict()) == schema
    query = schema.parse({"type": {"any": ["json"]}, "id_of_call": 7, "account": "a"}, extra_keys=["account"])
    assert query.extra == {"type": {"any": ["json"]}, "id_of_call": 7, "account": "a"}
    assert schema.parse(query.to_request(), extra_keys=["account"]) == query
    for bad in ("limit", "next", 3):
        with pytest.raises(ValueError, match="extra key"):
            ROOMS.parse({}, extra_keys=(bad,))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="extra key"):
            Schema("x", ROOMS.fields, "id", (), extra_keys=(bad,))  # type: ignore[arg-type]


# -- several cursor secrets -------------------------------------------------------------


def test_secret_rotation() -> None:
    query = ROOMS.parse({"limit": 4})
    old = paginate(query, ROWS, secret="old")
    assert old.next is not None

    def follow(secret: Any) -> Any:
        return paginate(ROOMS.parse({"limit": 4, "next": old.next}), ROWS, secret=secret)

    during = follow(["new", "old"])
    assert during.items == follow("old").items
    assert during.next is not None
    # Cursors made during the rotation are signed with the first secret only.
    after = paginate(ROOMS.parse({"limit": 4, "next": during.next}), ROWS, secret=["new"])
    assert after.items
    with pytest.raises(FilterError, match="invalid cursor"):
        paginate(ROOMS.parse({"limit": 4, "next": during.next}), ROWS, secret="old")
    for removed in ("new", ["new"], [b"new", "other"], None):
        with pytest.raises(FilterError) as info:
            follow(removed)
        assert info.value.problems[0].code == "invalid_cursor"
    assert follow((b"new", b"old")).items == during.items  # bytes and str alike


def test_an_empty_secret_list_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        paginate(ROOMS.parse({}), ROWS, secret=[])
    with pytest.raises(ValueError, match="bytes or str"):
        paginate(ROOMS.parse({}), ROWS, secret=[1])  # type: ignore[list-item]


def test_where_is_the_conjunction() -> None:
    scope = ROOMS.parse_scope({"$or": [{"tenant_id": "t1"}, {"tenant_id": "t2"}]})
    query = ROOMS.parse({"filter_conditions": {"$or": [{"team": "a"}, {"team": "b"}]}}, scope=scope)
    assert query.where == conjoin((scope, query.filter))
    assert query.where.children == (scope, query.filter)  # type: ignore[union-attr]


# -- the scoped-walk checker (tests/scoped.py) can fail ---------------------------------


def _memory_pager(query: Any) -> Any:
    return paginate(query, [{k: v for k, v in r.items() if v is not None} for r in ROWS], secret=SECRET)


def test_the_walk_checker_passes_the_reference() -> None:
    assert check_scoped_walk(ROOMS, ROWS, {"tenant_id": "t1"}, {"limit": 3}, _memory_pager) > 2


def test_the_walk_checker_catches_a_dropped_scope() -> None:
    def unscoped(query: Any) -> Any:
        return _memory_pager(dataclasses.replace(query, scope=MATCH_ALL))

    with pytest.raises(AssertionError):
        check_scoped_walk(ROOMS, ROWS, {"tenant_id": "t1"}, {"limit": 3}, unscoped)


def test_the_walk_checker_catches_a_fingerprint_without_the_scope() -> None:
    def scoped_store(query: Any) -> Any:
        """The reference server's old bug: the store holds the scope's rows only
        (a subquery per call), so the query's fingerprint never sees it."""
        rows = [r for r in ROWS if matches(query.scope, r)]
        return paginate(dataclasses.replace(query, scope=MATCH_ALL), rows, secret=SECRET)

    with pytest.raises(BaseException, match="DID NOT RAISE"):
        check_scoped_walk(ROOMS, ROWS, {"tenant_id": "t1"}, {"limit": 3}, scoped_store)


@pytest.mark.parametrize("base", [ALL_TYPES, QUERY_CALLS, QUERY_MEMBERS], ids=lambda s: s.name)
def test_scoped_walks_in_memory_against_the_reference(base: Schema) -> None:
    """The in-memory backend against the naive reference reading of scope AND filter."""
    schema = with_tenant(base)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=tenant_rows(schema), scope=scopes(schema), body=scoped_requests(schema))
    def check(rows: list[dict[str, Any]], scope: dict[str, Any], body: dict[str, Any]) -> None:
        present = [{k: v for k, v in r.items() if v is not None} for r in rows]
        check_scoped_walk(schema, rows, scope, body, lambda q: paginate(q, present, secret=SECRET))

    check()
