"""What `stream-filters compile --to sql` and `stream-filters query` call."""

from __future__ import annotations

import argparse
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect as SqlAlchemyDialect

from ..field_types import FieldType
from ..pagination import Page, plan
from ..query import Query
from ..timestamps import Instant
from .dialects import DIALECTS
from .keyset import LIMIT_PARAM
from .mapping import Related, SqlMapping, Target, map_table, schema_table
from .paginate import Statements, paginate
from .types import from_decimal, to_utc

_SQLALCHEMY_DIALECTS: dict[str, SqlAlchemyDialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "mysql": mysql.dialect(),
}


def compile_for_cli(query: Query, args: argparse.Namespace) -> dict[str, Any]:
    """The SELECTs for the page `query` asks for, against a table made by
    `schema_table` (one per keyset range when a cursor is given)."""
    name = getattr(args, "dialect", "sqlite")
    table = schema_table(query.schema, sa.MetaData())
    mapping = map_table(query.schema, table)
    statements = Statements(query.schema, query.where, query.sort, mapping, DIALECTS[name])
    fetch = next(plan(query, lambda row: (), getattr(args, "secret", None)))
    out = []
    for select, params in statements.default.selects(fetch):
        params[LIMIT_PARAM] = fetch.count
        compiled = select.params(params).compile(dialect=_SQLALCHEMY_DIALECTS[name])
        out.append({"sql": str(compiled), "params": {k: _json(v) for k, v in compiled.params.items()}})
    return {"dialect": name, "statements": out}


def query_database(query: Query, args: argparse.Namespace) -> Page[dict[str, Any]]:
    """Run `query` against table `args.table` of database `args.db`.

    Columns are found by reflection under the schema's field names; for
    `query_calls`, `members` may live in a `call_members(call_cid, user_id)` table."""
    engine = sa.create_engine(args.db)
    try:
        with engine.connect() as connection:
            mapping = reflect_mapping(query, connection, args.table)
            page = paginate(query, connection, mapping, secret=getattr(args, "secret", None))
    finally:
        engine.dispose()
    items = [{k: _json(v) for k, v in item.items()} for item in page.items]
    return Page(items, page.next, page.prev)


def reflect_mapping(query: Query, connection: sa.Connection, table_name: str) -> SqlMapping:
    metadata = sa.MetaData()
    table = sa.Table(table_name, metadata, autoload_with=connection)
    overrides: dict[str, Target] = {}
    schema = query.schema
    inspector = sa.inspect(connection)
    for f in schema.fields:
        if f.type is FieldType.STRING_ARRAY and f.name not in table.c and "call_members" in inspector.get_table_names():
            members = sa.Table("call_members", metadata, autoload_with=connection)
            if "cid" in table.c and {"call_cid", "user_id"} <= set(members.c.keys()):
                overrides[f.name] = Related(members.c.call_cid == table.c.cid, members.c.user_id)
    return map_table(schema, table, overrides, strict=False)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return Instant.from_datetime(to_utc(value)).to_rfc3339()
    if isinstance(value, Decimal):
        return from_decimal(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
