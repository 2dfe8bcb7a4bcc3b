"""`paginate(driver_cursor=True)` gives the pages SQLAlchemy's execution gives,
on every dialect: the same items (NULLs, floats that stay floats (SPEC §3.6),
datetimes with microseconds, booleans, JSON custom data and string arrays),
the same `next`/`prev` cursors, whole walks both ways, with filters whose
values are bound parameters, and a driver error still a `DBAPIError`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters.pagination import Page
from stream_filters.sql import map_table, paginate, schema_table
from stream_filters.sql.driver import _cursors, compile_once
from tests.schemas import ALL_TYPES
from tests.sql.harness import Store, get_store

_T0 = datetime(2024, 1, 1, 12, 30, 15, 123456, tzinfo=UTC)
SECRET = "driver-cursor-secret"


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "id": f"id{i:02d}",
            "name": [None, "a", "B", "é", "\U0001f600"][i % 5],
            "count": [None, 1, -7, 2**40][i % 4],
            "score": [None, 0.5, 1.0, 1e300, -1.1976256334016142, 3.0][i % 6],
            "active": [None, True, False][i % 3],
            "created_at": None if i % 4 == 0 else _T0 + timedelta(microseconds=i * 7919),
            "tags": [["x"], [], None][i % 3],
            "custom": [{}, {"f": 2.0, "n": None, "s": "t"}, {"nested": {"a": [1, 1.5]}}][i % 3],
        }
        for i in range(23)
    ]


def _page(store: Store, body: dict[str, Any], driver_cursor: bool) -> Page[dict[str, Any]]:
    with store.connection.begin():
        query = store.schema.parse(body)
        return paginate(query, store.connection, store.mapping, secret=SECRET, driver_cursor=driver_cursor)


def _same_walk(store: Store, body: dict[str, Any]) -> int:
    """Walk `next` to the end and `prev` back on both paths, page by page equal; the page count."""
    pages = 0
    args: dict[str, Any] = {}
    direction = "next"
    while True:
        fast, slow = _page(store, {**body, **args}, True), _page(store, {**body, **args}, False)
        assert fast.items == slow.items
        assert [type(v) for item in fast.items for v in item.values()] == [
            type(v) for item in slow.items for v in item.values()
        ]
        assert (fast.next, fast.prev) == (slow.next, slow.prev)
        pages += 1
        token = getattr(fast, direction)
        if token is None:
            if direction == "prev" or pages > 50:
                return pages
            direction = "prev"
            token = fast.prev
            if token is None:
                return pages
        args = {direction: token}


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 4},
        {"limit": 5, "sort": [{"field": "score", "direction": -1}]},
        {"limit": 3, "sort": [{"field": "created_at", "direction": 1}, {"field": "name", "direction": -1}]},
        {"limit": 6, "sort": [{"field": "active", "direction": 1}], "filter_conditions": {"count": {"$gte": 1}}},
        {"limit": 4, "filter_conditions": {"created_at": {"$gt": "2024-01-01T12:30:15.200000Z"}}},
        {"limit": 4, "filter_conditions": {"name": {"$in": ["a", "é"]}}},  # an IN list
        {"limit": 2, "filter_conditions": {"custom.f": 2.0}},
    ],
    ids=["default", "score", "created_name", "active_count", "datetime_filter", "in_list", "custom_path"],
)
def test_driver_pages_equal_sqlalchemy_pages(dialect: str, body: dict[str, Any]) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    assert _same_walk(store, body) >= 2


def test_driver_reads_values_as_sqlalchemy_does(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    items = _page(store, {"limit": 23, "sort": [{"field": "id", "direction": 1}]}, True).items
    by_id = {item["id"]: item for item in items}
    assert by_id["id01"]["created_at"] == _T0 + timedelta(microseconds=7919)
    assert by_id["id01"]["created_at"].tzinfo is not None
    assert by_id["id00"]["created_at"] is None and by_id["id00"]["name"] is None
    assert by_id["id01"]["custom"] == {"f": 2.0, "n": None, "s": "t"}
    assert isinstance(by_id["id01"]["custom"]["f"], float)  # SPEC §3.6: a float stays a float
    assert by_id["id03"]["score"] == 1e300
    assert by_id["id01"]["active"] is True and by_id["id02"]["active"] is False


def test_a_driver_error_is_a_dbapi_error(dialect: str) -> None:
    """...and the cursor it failed on is not used again."""
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    _page(store, {"limit": 2}, True)
    before = _cursors(store.connection, store.connection.dialect).cursor(False)
    with store.connection.begin():
        query = store.schema.parse({"limit": 2})
        missing = schema_table(ALL_TYPES, sa.MetaData(), "sft_never_created_server2")
        mapping = map_table(ALL_TYPES, missing)
        with pytest.raises(sa.exc.DBAPIError):
            paginate(query, store.connection, mapping, driver_cursor=True)
    assert _cursors(store.connection, store.connection.dialect).cursor(False) is not before
    assert len(_page(store, {"limit": 2}, True).items) == 2


def test_a_connection_runs_its_driver_statements_on_one_cursor(dialect: str) -> None:
    """Made with the connection's first driver statement, kept with its pool
    record, and made again for another DBAPI connection."""
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    first = _page(store, {"limit": 3}, True)
    cursors = _cursors(store.connection, store.connection.dialect)
    cursor = cursors.cursor(False)
    _page(store, {"limit": 3, "next": first.next}, True)
    _page(store, {"limit": 5, "sort": [{"field": "score", "direction": -1}]}, True)
    assert _cursors(store.connection, store.connection.dialect) is cursors
    assert cursors.cursor(False) is cursor
    with store.engine.connect() as other:
        if other.connection.dbapi_connection is not store.connection.connection.dbapi_connection:
            assert _cursors(other, other.dialect) is not cursors


@pytest.mark.parametrize("driver_cursor", [True, False])
def test_the_driver_path_bypasses_sqlalchemy_execution(dialect: str, driver_cursor: bool) -> None:
    """Without an IN list the page's SELECTs never reach SQLAlchemy's execution
    (no `before_cursor_execute` event); the normal path's do."""
    assert (_selects_through_sqlalchemy(dialect, driver_cursor, {}) == 0) is driver_cursor


def test_a_schema_translate_map_runs_through_sqlalchemy(dialect: str) -> None:
    """SQLAlchemy renames schemas per execution: a string compiled once would miss it."""
    assert _selects_through_sqlalchemy(dialect, True, {"schema_translate_map": {"elsewhere": None}}) > 0


def _selects_through_sqlalchemy(dialect: str, driver_cursor: bool, options: dict[str, Any]) -> int:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    executed: list[str] = []
    # Connection.execution_options changes the shared connection in place: undone below.
    connection = store.connection.execution_options(**options) if options else store.connection

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        body = {"limit": 3, "filter_conditions": {"count": {"$gte": 1}}}
        with connection.begin():
            first = paginate(store.schema.parse(body), connection, store.mapping, driver_cursor=driver_cursor)
            after = store.schema.parse({**body, "next": first.next})
            paginate(after, connection, store.mapping, driver_cursor=driver_cursor)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
        if options:
            connection.execution_options(**dict.fromkeys(options))
    return len([s for s in executed if s.lstrip().upper().startswith("SELECT")])


def test_the_shared_connection_is_left_as_it_was(dialect: str) -> None:
    assert not get_store(dialect, ALL_TYPES).connection.get_execution_options().get("schema_translate_map")


@pytest.mark.parametrize("raw", [False, True])
def test_json_of_a_column_not_typed_json_is_read_as_sqlalchemy_reads_it(raw: bool) -> None:
    """psycopg's JSON comes as text on the driver's cursor; where the column's
    type is not SQLAlchemy's JSON (which decodes the text), psycopg's own
    loader decodes it, as SQLAlchemy's execution would have."""
    store = get_store("postgresql", ALL_TYPES)
    select = sa.select(sa.literal_column("""'{"a": [1, 1.5]}'::jsonb""", type_=sa.String).label("doc"))
    statement = compile_once(select, store.connection.dialect)
    assert statement is not None
    with store.connection.begin():
        rows = statement.execute(store.connection, {}, raw=raw)
        (through_sqlalchemy,) = store.connection.execute(select).one()
    assert rows.convert(rows.raw[0]) == [through_sqlalchemy] == [{"a": [1, 1.5]}]


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql", "mysql"])
def test_parameters_are_those_sqlalchemy_would_pass(dialect_name: str) -> None:
    """The statement's own values (a filter's) converted once, the given ones
    per execution, in the driver's order; a missing one named."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    dialect = {"sqlite": sqlite, "postgresql": postgresql.psycopg, "mysql": mysql.pymysql}[dialect_name].dialect()
    table = schema_table(ALL_TYPES, sa.MetaData(), "sft_params")
    select = (
        sa.select(table.c.id)
        .where(table.c.created_at > _T0, table.c.name == sa.bindparam("name"), table.c.count < 7)
        .where(table.c.created_at < sa.bindparam("until", type_=table.c.created_at.type))
        .limit(sa.bindparam("limit"))
    )
    statement = compile_once(select, dialect)
    assert statement is not None
    compiled = select.compile(dialect=dialect)
    given = {"name": "é", "until": _T0 + timedelta(days=1), "limit": 3}
    expected = compiled.construct_params(given)
    for bind, name in compiled.bind_names.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            expected[name] = process(expected[name])
    if compiled.positional:
        assert statement.params.bind(given) == tuple(expected[name] for name in compiled.positiontup or ())
    else:
        assert statement.params.bind(given) == expected
    assert statement.params.bind(given) == statement.params.bind(dict(given))  # the statement's own stay as they were
    with pytest.raises(sa.exc.InvalidRequestError, match="'until'"):
        statement.params.bind({"name": "x", "limit": 3})


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql", "mysql"])
def test_parameters_given_whole_pass_as_they_are(dialect_name: str) -> None:
    """A statement of given parameters only, none converted: the values go to
    the driver as given (in its order); an extra or a missing one is still
    dealt with as SQLAlchemy would."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    dialect = {"sqlite": sqlite, "postgresql": postgresql.psycopg, "mysql": mysql.pymysql}[dialect_name].dialect()
    table = schema_table(ALL_TYPES, sa.MetaData(), "sft_params_direct")
    select = (
        sa.select(table.c.id).where(table.c.id.in_([sa.bindparam("a"), sa.bindparam("b")])).limit(sa.bindparam("n"))
    )
    statement = compile_once(select, dialect)
    assert statement is not None and statement.params.direct
    compiled = select.compile(dialect=dialect)
    given = {"a": "x", "b": "y", "n": 2}
    expected = compiled.construct_params(given)
    want = tuple(expected[name] for name in compiled.positiontup or ()) if compiled.positional else expected
    assert statement.params.bind(given) == want
    assert statement.params.bind({**given, "other": 1}) == want
    with pytest.raises(sa.exc.InvalidRequestError, match="'b'"):
        statement.params.bind({"a": "x", "n": 2})
