"""Where each schema field lives in the database.

By default a field is the same-named column of the table; `overrides` can map
a field to another column or any SQL expression (`Scalar`), a `custom` field to
a JSON column (`Json`), a `string_array` field to a JSON array column
(`JsonArray`) or to a related table reached through an EXISTS subquery
(`Related`, e.g. `call_members(call_cid, user_id)` for `members`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ColumnProperty, QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from ..errors import Code, FilterError
from ..field_types import FieldType
from ..schema import Schema
from .types import ExactNumber, UtcDateTime, code_point_string, json_type

# What a mapping accepts where it needs an expression: a Core column or
# expression, or an ORM attribute (`User.name`).
SqlExpression = ColumnElement[Any] | QueryableAttribute[Any]


def expression(given: SqlExpression) -> ColumnElement[Any]:
    """The Core expression of `given`: an ORM attribute of one column is that
    table column itself (so that indexes and returned columns recognise it)."""
    if isinstance(given, QueryableAttribute):
        prop = given.property
        if isinstance(prop, ColumnProperty) and len(prop.columns) == 1:
            return prop.columns[0]
        return given.expression
    if isinstance(given, ColumnElement):
        return given
    raise TypeError(f"expected a column, SQL expression or ORM attribute, got {type(given).__name__}")


@dataclass(frozen=True, slots=True, init=False)
class Scalar:
    """A column or expression holding one value (or NULL for missing)."""

    expr: ColumnElement[Any]
    nullable: bool

    def __init__(self, expr: SqlExpression, nullable: bool = True) -> None:
        object.__setattr__(self, "expr", expression(expr))
        object.__setattr__(self, "nullable", nullable)


@dataclass(frozen=True, slots=True, init=False)
class Json:
    """A JSON object column addressed by `custom.<path>`."""

    expr: ColumnElement[Any]

    def __init__(self, expr: SqlExpression) -> None:
        object.__setattr__(self, "expr", expression(expr))


@dataclass(frozen=True, slots=True, init=False)
class JsonArray:
    """A JSON array of strings in one column."""

    expr: ColumnElement[Any]

    def __init__(self, expr: SqlExpression) -> None:
        object.__setattr__(self, "expr", expression(expr))


@dataclass(frozen=True, slots=True, init=False)
class Related:
    """One row per element in another table: `on` joins it to the main table,
    `value` is the element column."""

    on: ColumnElement[bool]
    value: ColumnElement[Any]

    def __init__(self, on: ColumnElement[bool], value: SqlExpression) -> None:
        object.__setattr__(self, "on", on)
        object.__setattr__(self, "value", expression(value))


Target = Scalar | Json | JsonArray | Related


@dataclass(frozen=True, eq=False)
class SqlMapping:
    """Compared and hashed by identity: compiled statements are cached per mapping."""

    schema: Schema
    table: FromClause
    targets: Mapping[str, Target]
    columns: tuple[ColumnElement[Any], ...] = field(default=())
    # The compiler's per-dialect readings of scalar columns (immutable
    # SQLAlchemy expressions, so safe to share between requests).
    views: dict[tuple[Any, str], Any] = field(default_factory=dict, repr=False)

    def target(self, name: str) -> Target:
        try:
            return self.targets[name]
        except KeyError:
            raise FilterError.single(
                Code.UNSUPPORTED, f"field {name!r} is not stored in this database table", ("filter_conditions",)
            ) from None


def map_table(
    schema: Schema,
    table: Any,
    overrides: Mapping[str, Target | SqlExpression] | None = None,
    columns: Sequence[SqlExpression] | None = None,
    *,
    strict: bool = True,
) -> SqlMapping:
    """A mapping of `schema` onto `table` (a `Table` or an ORM model class).

    Fields not in `overrides` are the same-named ORM attribute of a model, or
    else the same-named column. `columns` are what a page of dicts returns
    (default: every column of the table). With `strict=False` a field without
    a column is left unmapped: a request using it is refused.
    """
    from_clause: FromClause = getattr(table, "__table__", table)
    attributes = _attributes(table)
    given = dict(overrides or {})
    targets: dict[str, Target] = {}
    for f in schema.fields:
        if f.name in given:
            targets[f.name] = _wrap(f.type, given[f.name])
            continue
        found = attributes.get(f.name)
        if found is None and f.name in from_clause.c:
            found = from_clause.c[f.name]
        if found is None:
            if not strict and f.name != schema.tie_breaker:
                continue
            raise ValueError(f"field {f.name!r}: no column {f.name!r} in {from_clause}; map it with overrides")
        targets[f.name] = _wrap(f.type, found)
    unknown = set(given) - set(schema.by_name)
    if unknown:
        raise ValueError(f"overrides for unknown field(s): {', '.join(sorted(unknown))}")
    tie = targets[schema.tie_breaker]
    if isinstance(tie, Scalar):
        targets[schema.tie_breaker] = Scalar(tie.expr, nullable=False)
    selected = tuple(expression(c) for c in columns) if columns else tuple(from_clause.c)
    return SqlMapping(schema, from_clause, targets, selected)


def _attributes(table: Any) -> Mapping[str, ColumnElement[Any]]:
    """A mapped class's columns by attribute name (they may differ from the
    column names); nothing for a Core table."""
    if not isinstance(table, type):
        return {}
    return dict(sa.inspect(table).columns.items())


def _wrap(kind: FieldType, given: Target | SqlExpression) -> Target:
    if isinstance(given, Scalar | Json | JsonArray | Related):
        return given
    given = expression(given)
    if kind is FieldType.CUSTOM:
        return Json(given)
    if kind is FieldType.STRING_ARRAY:
        return JsonArray(given)
    return Scalar(given, nullable=getattr(given, "nullable", True))


_COLUMN_TYPES: dict[FieldType, Callable[[], Any]] = {
    FieldType.STRING: lambda: code_point_string(255),
    FieldType.INTEGER: sa.BigInteger,
    FieldType.NUMBER: ExactNumber,
    FieldType.BOOLEAN: sa.Boolean,
    FieldType.DATETIME: UtcDateTime,
    FieldType.STRING_ARRAY: json_type,
    FieldType.CUSTOM: json_type,
}


def schema_table(schema: Schema, metadata: sa.MetaData, name: str | None = None) -> sa.Table:
    """A table that stores `schema` with the recommended column types: the
    tie-breaker is the primary key, every other field nullable."""
    columns: list[sa.Column[Any]] = [
        sa.Column(
            f.name,
            _COLUMN_TYPES[f.type](),
            primary_key=f.name == schema.tie_breaker,
            nullable=f.name != schema.tie_breaker,
        )
        for f in schema.fields
    ]
    return sa.Table(name or schema.name, metadata, *columns, mysql_charset="utf8mb4")
