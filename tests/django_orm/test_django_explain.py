"""The indexes `stream_filters.django.sort_indexes` proposes make every query a
page runs a walk of the index: on PostgreSQL `EXPLAIN (FORMAT JSON)` of each
captured statement has an index scan on the proposed index and neither a Seq
Scan nor a Sort of the table, for a nullable sort key (a third NULL), both
directions, page 1 and pages from a cursor (on a NULL, just before the NULLs,
in the middle), `next` and `prev`; `$eq`/`$in` on a `db_index=True` field use
that index. SQLite (EXPLAIN QUERY PLAN) and MariaDB (EXPLAIN FORMAT=JSON) get
the same pages checked where their planners can walk the index.

The model is what a Django app writes: default collations (on PostgreSQL not
code-point, so string keys are indexed `COLLATE "C"`), its own column names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, Query, SortKey
from stream_filters.cursors import encode
from stream_filters.query import CursorToken, Direction
from tests.django_orm.harness import configure

configure()

from django.db import OperationalError, connections, models  # noqa: E402

from stream_filters.django import DjangoMapping, add_sort_indexes, map_model, paginate  # noqa: E402
from tests.conftest import require_server  # noqa: E402

ROWS = 30_000
_FEW = 100  # estimated rows a plan may read by another index, or sort
_T0 = datetime(2024, 1, 1, tzinfo=UTC)
# MariaDB's default collation ignores case: keys there are declared code-point (docs/django.md).
_KEY_COLLATION = {"mysql": "utf8mb4_nopad_bin"}


def _model(alias: str) -> type[models.Model]:
    string = {"max_length": 64, "db_collation": _KEY_COLLATION.get(alias)}
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "cid": models.CharField(primary_key=True, db_column="c_cid", **string),
        "id": models.CharField(db_column="c_id", **string),
        "team": models.CharField(null=True, db_column="c_team", **string),
        "type": models.CharField(db_index=True, db_column="c_type", **string),
        "created_by_user_id": models.CharField(db_index=True, db_column="c_user", **string),
        "created_at": models.DateTimeField(db_column="c_created"),
        "updated_at": models.DateTimeField(db_column="c_updated"),
        "starts_at": models.DateTimeField(null=True, db_column="c_starts"),
        "ended_at": models.DateTimeField(null=True, db_column="c_ended"),
        "backstage": models.BooleanField(default=False, db_column="c_backstage"),
        "ongoing": models.BooleanField(default=False, db_column="c_ongoing"),
        "members": models.JSONField(default=list, db_column="c_members"),
        "Meta": type("Meta", (), {"app_label": "sf_explain", "db_table": f"sfx_calls_{alias}_{os.getpid()}"}),
    }
    return type(f"ExplainCall_{alias}", (models.Model,), attrs)


SORTS = [(SortKey("starts_at", 1),), (SortKey("type", 1), SortKey("created_at", -1))]


def _rows() -> list[tuple[Any, ...]]:
    """A third of `starts_at` NULL, and many rows per non-NULL value (ties broken by `cid`)."""
    return [
        (
            f"default:{i:06d}",
            f"{i:06d}",
            ("default", "livestream", "audio_room")[i % 3],
            f"user-{i % 500}",
            _T0 + timedelta(seconds=(i * 7919) % ROWS),
            _T0 + timedelta(seconds=i),
            None if i % 3 == 1 else _T0 + timedelta(minutes=i % 5000),
            None if i % 2 else _T0 + timedelta(seconds=i),
        )
        for i in range(ROWS)
    ]


@dataclass
class Table:
    alias: str
    model: type[models.Model]
    mapping: DjangoMapping


@pytest.fixture(scope="module", params=["postgresql", "sqlite", "mysql"])
def table(request: pytest.FixtureRequest) -> Iterator[Table]:
    alias: str = request.param
    model = _model(alias)
    mapping = map_model(QUERY_CALLS, model)
    connection = connections[alias]
    add_sort_indexes(mapping, connection.vendor, SORTS)
    try:
        with connection.schema_editor() as editor:
            editor.create_model(model)
    except OperationalError as exc:
        require_server(f"{alias} for Django", str(exc).splitlines()[0])
    columns = [model._meta.get_field(n).column for n in ("cid", "id", "type", "created_by_user_id")]
    columns += [model._meta.get_field(n).column for n in ("created_at", "updated_at", "starts_at", "ended_at")]
    columns += [model._meta.get_field(n).column for n in ("backstage", "ongoing", "members")]
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
    insert += "(" + ", ".join(["%s"] * len(columns)) + ")"
    rows = [(*row[:4], *(_stored(connection, v) for v in row[4:]), False, False, "[]") for row in _rows()]
    with connection.cursor() as cursor:
        cursor.executemany(insert, rows)
        cursor.execute(f"ANALYZE {'TABLE ' if alias == 'mysql' else ''}{quote(model._meta.db_table)}")
    yield Table(alias, model, mapping)
    with connection.schema_editor() as editor:
        editor.delete_model(model)


def _stored(connection: Any, value: datetime | None) -> Any:
    """A datetime as Django binds it for this database (naive UTC on SQLite and MariaDB)."""
    if value is None or connection.vendor == "postgresql":
        return value
    return value.replace(tzinfo=None)


def _statements(t: Table, query: Query, queryset: Any = None) -> list[tuple[str, Any]]:
    """Each statement the page sends, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    connection = connections[t.alias]
    with connection.execute_wrapper(capture):
        paginate(query, t.model._default_manager.using(t.alias).all() if queryset is None else queryset, t.mapping)
    return seen


def _plan(t: Table, sql: str, params: Any) -> Any:
    prefix = {"postgresql": "EXPLAIN (FORMAT JSON) ", "mysql": "EXPLAIN FORMAT=JSON ", "sqlite": "EXPLAIN QUERY PLAN "}
    with connections[t.alias].cursor() as cursor:
        cursor.execute(prefix[t.alias] + sql, params)
        found = cursor.fetchall()
    if os.environ.get("STREAM_FILTERS_SHOW_PLANS"):
        print(sql, params, *found, sep="\n")
    if t.alias == "sqlite":
        return [str(row[-1]) for row in found]
    return found[0][0] if t.alias == "postgresql" else json.loads(found[0][0])


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every node of a JSON plan (PostgreSQL's "Plans", MariaDB's nested objects)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _assert_index_walk(t: Table, plan: Any, index: str, sorts: bool = False) -> None:
    """The plan reads `index` and neither scans nor sorts the table (`sorts`:
    on MariaDB it may sort what it reads by the index, see the mixed test)."""
    if t.alias == "postgresql":
        nodes = list(_nodes(plan))
        types = [n.get("Node Type") for n in nodes]
        assert "Seq Scan" not in types, plan
        seeks = [n for n in nodes if n.get("Index Name") == index]
        assert seeks, plan
        # PostgreSQL may sort the few rows of an index range rather than walk
        # the index in order: allowed only over a seek (Index Cond) on the
        # index, of at most a page's worth of estimated rows.
        for sort in (n for n in nodes if n.get("Node Type") == "Sort"):
            assert sort["Plan Rows"] <= _FEW and any("Index Cond" in n for n in seeks), plan
    elif t.alias == "sqlite":
        assert not any("TEMP B-TREE" in line for line in plan), plan
        assert any(f"INDEX {index}" in line for line in plan), plan
    else:
        nodes = list(_nodes(plan))
        reads = [n for n in nodes if "access_type" in n]
        assert reads and all(n["access_type"] != "ALL" for n in reads), plan
        # MariaDB may read a handful of rows by another index (the `prev`
        # check's few rows by the primary key), or sort the few rows of an
        # index range: allowed only for at most a page's worth of estimated rows.
        assert all(n.get("key") == index or n["rows"] <= _FEW for n in reads), plan
        if any("filesort" in n for n in nodes) and not sorts:
            assert all(n["rows"] <= _FEW for n in reads), plan


def _query(sort: tuple[SortKey, ...], values: tuple[Any, ...] | None, way: Direction) -> Query:
    full = QUERY_CALLS.parse({"sort": [k.to_json() for k in sort], "limit": 25})
    if values is None:
        return full
    token = encode(full, way, values, None)
    return Query(full.schema, full.filter, full.sort, full.limit, CursorToken(way, token))


def _index_name(t: Table, first: str) -> str:
    names = [i.name for i in t.model._meta.indexes if i.name is not None and first[:6] in i.name]
    assert len(names) == 1, names
    return names[0]


CURSORS: dict[str, tuple[Any, ...] | None] = {
    "first_page": None,
    "on_null": (None, "default:000001"),
    "before_nulls": (_T0 + timedelta(minutes=4999), "default:004999"),
    "middle": (_T0 + timedelta(minutes=2504), "default:002504"),
}


@pytest.mark.parametrize("cursor", list(CURSORS))
@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("way", [Direction.NEXT, Direction.PREV])
def test_nullable_key_pages_walk_the_proposed_index(table: Table, cursor: str, direction: int, way: Direction) -> None:
    query = _query((SortKey("starts_at", direction), SortKey("cid", direction)), CURSORS[cursor], way)
    statements = _statements(table, query)
    assert statements
    index = _index_name(table, "starts_at")
    for sql, params in statements:
        _assert_index_walk(table, _plan(table, sql, params), index)


@pytest.mark.parametrize("way", [Direction.NEXT, Direction.PREV])
def test_mixed_directions_walk_their_index(table: Table, way: Direction) -> None:
    """`type` is a string key: on PostgreSQL indexed as `COLLATE "C"`, the
    expression pages order by. MariaDB 10.11 seeks the index `(type, created_at
    DESC, cid DESC)` but sorts what it reads in the reverse order (the `prev`
    check), so there the index narrows the rows without ordering them."""
    sort = (SortKey("type", 1), SortKey("created_at", -1), SortKey("cid", -1))
    statements = _statements(table, _query(sort, ("livestream", _T0 + timedelta(seconds=100), "default:000100"), way))
    assert len(statements) >= 2
    index = _index_name(table, "type")
    for sql, params in statements:
        _assert_index_walk(table, _plan(table, sql, params), index, sorts=table.alias == "mysql")


@pytest.mark.parametrize(
    "condition", [{"$eq": "user-7"}, {"$in": ["user-7", "user-8"]}, "user-9"], ids=["eq", "in", "implicit_eq"]
)
def test_equality_uses_the_field_index(table: Table, condition: Any) -> None:
    """`created_by_user_id` has `db_index=True` and the database's default collation:
    `=` compares the column as its index has it (no COLLATE on PostgreSQL; on
    MariaDB the plain comparison first, then the code-point one)."""
    body = {"filter_conditions": {"created_by_user_id": condition}, "limit": 25}
    statements = _statements(table, QUERY_CALLS.parse(body))
    assert len(statements) == 1
    plan = _plan(table, *statements[0])
    indexes = _field_indexes(table, "created_by_user_id")
    if table.alias == "postgresql":
        nodes = list(_nodes(plan))
        assert "Seq Scan" not in [n.get("Node Type") for n in nodes], plan
        assert indexes & {n.get("Index Name") for n in nodes}, plan
    elif table.alias == "sqlite":
        assert any(f"INDEX {index} " in line for line in plan for index in indexes), plan
    else:
        assert indexes & {n.get("key") for n in _nodes(plan)}, plan


def _field_indexes(t: Table, name: str) -> set[str]:
    """The indexes Django made for a `db_index=True` field (on PostgreSQL also
    its `_like` one, with `varchar_pattern_ops`, which can serve `=` too)."""
    column = t.model._meta.get_field(name).column
    connection = connections[t.alias]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, t.model._meta.db_table)
    names = {n for n, c in found.items() if c["index"] and c["columns"] == [column]}
    assert names, found
    return names


def test_a_sort_without_its_index_is_detected(table: Table) -> None:
    """The check above can fail: no index starts with `updated_at`."""
    statements = _statements(table, _query((SortKey("updated_at", 1), SortKey("cid", 1)), None, Direction.NEXT))
    with pytest.raises(AssertionError):
        _assert_index_walk(table, _plan(table, *statements[0]), _index_name(table, "starts_at"))


def test_a_page_after_a_cursor_reads_its_boundary_row_for_the_prev_check(table: Table) -> None:
    """The first range reads from the boundary row itself: when it exists, that
    answers the plan's "is there a row before the page" without a second query."""
    sort = (SortKey("starts_at", 1), SortKey("cid", 1))
    values = CURSORS["middle"]
    assert values is not None
    page = _statements(table, _query(sort, values, Direction.NEXT))
    assert len(page) == 1
    deleted = _statements(table, _query(sort, (values[0], values[1] + "-deleted"), Direction.NEXT))
    assert len(deleted) == 2  # the boundary row is gone: the check runs as asked


def test_a_deferred_sort_field_is_read_by_annotation(table: Table) -> None:
    """Sort values come from the instances' own fields, except where the
    QuerySet defers one: then from an annotation, not a query per row."""
    query = _query((SortKey("starts_at", 1), SortKey("cid", 1)), CURSORS["middle"], Direction.NEXT)
    manager = table.model._default_manager.using(table.alias)
    full = paginate(query, manager.all(), table.mapping)
    deferred = paginate(query, manager.defer("starts_at"), table.mapping)
    assert [c.pk for c in deferred.items] == [c.pk for c in full.items]
    assert (deferred.next, deferred.prev) == (full.next, full.prev) and full.next and full.prev
    assert len(_statements(table, query, manager.defer("starts_at"))) == 1
