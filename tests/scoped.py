"""Scoped walks (SPEC §8) any backend can run against the in-memory reference.

A backend under test is a `Pager` (`Query -> Page`). `check_scoped_walk` pages
through a request under a scope on that backend and in memory, and checks:

- every page holds the same rows, in the same order, with the same `next` and
  `prev` presence, as the in-memory backend;
- no row outside the scope ever appears (against the naive reference reading
  of the scope, tests/conformance/reference.py), whatever the client filter;
- each cursor of the walk is `invalid_cursor` under another scope.

Rows come from the public strategies with a hidden `tenant_id` added (and,
where the schema has custom data, a `custom.tenant_id` that often names
another tenant, so a client filter on it can never reach another tenant's rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import strategies as st

from stream_filters import Field, FieldType, FilterError, Op, Page, Query, Schema
from stream_filters.strategies import filters, row_lists, sorts
from tests.conformance.reference import matches

TENANTS = ("t1", "t2", "t3")
TENANT_FIELD = Field("tenant_id", FieldType.STRING, frozenset({Op.EQ, Op.IN, Op.EXISTS}), hidden=True)
SECRET = b"scoped"

Pager = Callable[[Query], Page[Any]]
Row = dict[str, Any]


def with_tenant(schema: Schema) -> Schema:
    """`schema` with a hidden `tenant_id` field for scopes."""
    return dataclasses.replace(schema, name=f"{schema.name}_scoped", fields=(*schema.fields, TENANT_FIELD))


def scoped_rows(schema: Schema, count: int, seed: int) -> list[Row]:
    """Plain rows for a schema with `id`, `team`, `tenant_id` and `custom` (no Hypothesis)."""
    import random

    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        row: Row = {"id": f"r{i:03}", "team": rnd.choice(["a", "b", None]), "tenant_id": rnd.choice(TENANTS)}
        if rnd.random() < 0.7:
            row["custom"] = {"tenant_id": rnd.choice(TENANTS)}
        rows.append({k: v for k, v in row.items() if k in schema.by_name})
    return rows


def tenant_rows(schema: Schema, min_size: int = 6, max_size: int = 20) -> st.SearchStrategy[list[Row]]:
    """Rows of `with_tenant(schema)`: generated rows, each given a tenant (or none)."""
    base = dataclasses.replace(schema, fields=tuple(f for f in schema.fields if not f.hidden))
    tenants = st.sampled_from((*TENANTS, TENANTS[0], None))
    has_custom = any(f.type is FieldType.CUSTOM for f in schema.fields)

    @st.composite
    def build(draw: st.DrawFn) -> list[Row]:
        rows = draw(row_lists(base, min_size=min_size, max_size=max_size))
        for row in rows:
            row["tenant_id"] = draw(tenants)
            if has_custom and draw(st.booleans()):
                name = next(f.name for f in schema.fields if f.type is FieldType.CUSTOM)
                row[name] = {**(row.get(name) or {}), "tenant_id": draw(tenants)}
        return rows

    return build()


def scopes(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Scopes on the hidden tenant, alone or with a condition on a visible field."""
    tenant = st.sampled_from(TENANTS)
    on_tenant = st.one_of(
        tenant.map(lambda t: {"tenant_id": t}),
        st.lists(tenant, min_size=1, max_size=2, unique=True).map(lambda ts: {"tenant_id": {"$in": ts}}),
        tenant.map(lambda t: {"$or": [{"tenant_id": t}, {"tenant_id": {"$exists": False}}]}),
    )
    visible = filters(schema, max_depth=1, max_conditions=1)
    return st.one_of(on_tenant, on_tenant, st.tuples(on_tenant, visible).map(lambda p: {"$and": list(p)}))


def hostile_filters(schema: Schema) -> list[dict[str, Any]]:
    """Client filters that would match every row if a scope could be widened."""
    tie = schema.by_name[schema.tie_breaker]
    out: list[dict[str, Any]] = [
        {"$or": [{}, {tie.name: {"$exists": True}}]},
        {"$or": [{tie.name: {"$exists": False}}, {tie.name: {"$exists": True}}]},
    ]
    if tie.type is FieldType.STRING:
        out.append({tie.name: {"$gte": ""}})
    for f in schema.visible.values():
        if f.type is FieldType.CUSTOM:
            out.append({f"{f.name}.tenant_id": {"$in": list(TENANTS)}})
            out.append({"$or": [{f"{f.name}.tenant_id": {"$exists": True}}, {}]})
    return out


def requests(schema: Schema, max_limit: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """Client requests: generated filters, or one that tries to widen the scope."""
    client = st.one_of(
        filters(schema, max_depth=2, max_conditions=3), st.sampled_from(hostile_filters(schema)), st.just({})
    )
    return st.fixed_dictionaries(
        {"limit": st.integers(1, max_limit)}, optional={"filter_conditions": client, "sort": sorts(schema)}
    )


def other_scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    """A scope that differs from `scope` (so its fingerprint differs)."""
    return {"$and": [dict(scope), {"tenant_id": {"$exists": True}}]}


def _shape(page: Page[Any], tie: str) -> tuple[list[Any], bool, bool]:
    return [row[tie] for row in page.items], page.next is not None, page.prev is not None


def check_scoped_walk(
    schema: Schema,
    rows: list[Row],
    scope: Mapping[str, Any],
    body: Mapping[str, Any],
    pager: Pager,
    max_pages: int = 100,
) -> int:
    """Walk `body` under `scope` with `pager` and in memory; see the module doc.
    `rows` are as the backend holds them. Returns the number of pages."""
    from stream_filters.memory import paginate

    tie = schema.tie_breaker
    node = schema.parse_scope(dict(scope))
    allowed = {row[tie] for row in rows if matches(node, row)}
    present = [{k: v for k, v in row.items() if v is not None} for row in rows]
    request = dict(body)
    seen: list[Any] = []
    for pages in range(1, max_pages + 1):
        query = schema.parse(request, scope=scope)
        got, expected = pager(query), paginate(query, present, secret=SECRET)
        assert _shape(got, tie) == _shape(expected, tie), f"page {pages}"
        ids = [row[tie] for row in got.items]
        assert set(ids) <= allowed, f"page {pages}: rows outside the scope {sorted(set(ids) - allowed)}"
        seen += ids
        for direction in ("next", "prev"):
            token = getattr(got, direction)
            if token is not None and pages <= 3:
                _assert_refused(schema, {**body, direction: token}, other_scope(scope), pager)
        if got.next is None:
            break
        request = {**body, "next": got.next}
    else:
        return max_pages
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert set(seen) == {row[tie] for row in present if matches(query.where, row)}, "rows were skipped"
    return pages


def _assert_refused(schema: Schema, request: Mapping[str, Any], scope: Mapping[str, Any], pager: Pager) -> None:
    with pytest.raises(FilterError) as info:
        pager(schema.parse(dict(request), scope=scope))
    assert info.value.codes == ["invalid_cursor"]
