"""The indexes a schema's sorts need.

Which key lists the indexes hold is `stream_filters.sqlcore.indexes.index_keys`
(shared with the Django backend): the sort keys in order, tie-breaker last,
a sort and its exact reverse as one index. On PostgreSQL the index must also
say where NULLs go (lowest: NULLS FIRST when ascending), and a string key whose column does not
already collate by code point carries `COLLATE "C"`: each key is indexed
exactly as `ORDER BY` spells it.

`sort_indexes` only builds `Index` objects; `add_sort_indexes` declares them
on their tables (for `metadata.create_all` and Alembic autogenerate), once.
The dialect is ours (`DIALECTS[name]`, as `compile_filter` takes it) or its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from ..field_types import FieldType
from ..schema import SortKey
from ..sqlcore import indexes as keys_of
from .dialects import DIALECTS, Dialect
from .mapping import Scalar, SqlMapping


def default_sorts(mapping: SqlMapping) -> list[tuple[SortKey, ...]]:
    """The schema's default sort and each sortable field on its own."""
    return keys_of.default_sorts(mapping.schema)


@dataclass(frozen=True, slots=True)
class _Spec:
    table: sa.Table
    name: str
    elements: tuple[Any, ...]


def sort_indexes(
    mapping: SqlMapping, dialect: Dialect | str, sorts: Iterable[Sequence[SortKey]] | None = None
) -> list[sa.Index]:
    """`Index` objects covering `sorts` (default: `default_sorts`), each on its
    table (`index.table`) but not declared there: building them changes
    nothing, so calling twice is harmless. `index.create(connection)` creates
    one; `add_sort_indexes` declares them for `metadata.create_all` and Alembic."""
    indexes = []
    for spec in _specs(mapping, dialect, sorts):
        index = sa.Index(spec.name, *spec.elements)
        # SQLAlchemy adds an Index built on a table's columns to the table's own.
        spec.table.indexes.discard(index)
        indexes.append(index)
    return indexes


def add_sort_indexes(
    mapping: SqlMapping, dialect: Dialect | str, sorts: Iterable[Sequence[SortKey]] | None = None
) -> list[sa.Index]:
    """Declare `sort_indexes` on their tables, except those a table already
    has under the same name (an earlier call, or the model itself); returns
    the tables' indexes for `sorts`."""
    out = []
    for spec in _specs(mapping, dialect, sorts):
        existing = {str(index.name): index for index in spec.table.indexes}
        out.append(existing.get(spec.name) or sa.Index(spec.name, *spec.elements))
    return out


def _specs(mapping: SqlMapping, dialect: Dialect | str, sorts: Iterable[Sequence[SortKey]] | None) -> list[_Spec]:
    ours = DIALECTS[dialect] if isinstance(dialect, str) else dialect
    return [_spec(mapping, ours, keys) for keys in keys_of.index_keys(mapping.schema, sorts)]


def _spec(mapping: SqlMapping, dialect: Dialect, keys: tuple[tuple[str, bool], ...]) -> _Spec:
    targets = [_target(mapping, name) for name, _ in keys]
    tables = {table for target in targets for table in _tables(target.expr)}
    if len(tables) != 1:
        where = ", ".join(sorted(t.name for t in tables)) or "no table"
        fields = ", ".join(name for name, _ in keys)
        raise ValueError(f"sort ({fields}): its columns are in {where}; one index can only cover one table")
    table = tables.pop()
    name = "ix_" + table.name + "_" + "_".join(f"{n}{'' if a else '_desc'}" for n, a in keys)
    elements = tuple(
        _element(mapping, dialect, name, target, asc) for (name, asc), target in zip(keys, targets, strict=True)
    )
    return _Spec(table, name[:60], elements)


def _target(mapping: SqlMapping, name: str) -> Scalar:
    target = mapping.target(name)
    if not isinstance(target, Scalar):
        raise ValueError(f"sort field {name!r} must map to a column or expression")
    return target


def _tables(expr: Any) -> set[sa.Table]:
    return {c.table for c in visitors.iterate(expr) if isinstance(c, sa.Column) and isinstance(c.table, sa.Table)}


def _element(mapping: SqlMapping, dialect: Dialect, name: str, target: Scalar, ascending: bool) -> Any:
    expr: Any = target.expr
    # MariaDB cannot index an expression with COLLATE: there the column's own
    # collation must order by code point for an index to serve the sort.
    if dialect.name == "postgresql" and mapping.schema.by_name[name].type is FieldType.STRING:
        expr = dialect.string(expr)
    if dialect.name == "postgresql" and target.nullable:
        return expr.asc().nulls_first() if ascending else expr.desc().nulls_last()
    return expr if ascending else expr.desc()
