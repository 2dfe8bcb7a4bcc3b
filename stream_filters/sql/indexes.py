"""The indexes a schema's sorts need.

A keyset page is an index seek when an index lists the sort keys in order,
tie-breaker last. One index serves a sort and its exact reverse (scanned
backwards), so `(a, id)` serves both `a asc` and `a desc`; a mixed-direction
sort needs its own. On PostgreSQL the index must also say where NULLs go
(lowest: NULLS FIRST when ascending), string keys carry collation "C", and the
columns are indexed as `ORDER BY` spells them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ..field_types import FieldType
from ..schema import SortKey
from .dialects import DIALECTS
from .mapping import Scalar, SqlMapping


def default_sorts(mapping: SqlMapping) -> list[tuple[SortKey, ...]]:
    """The schema's default sort and each sortable field on its own."""
    schema = mapping.schema
    sorts = [schema.default_sort]
    sorts += [(SortKey(name, 1),) for name in schema.sortable_fields if name != schema.tie_breaker]
    return sorts


def sort_indexes(mapping: SqlMapping, dialect: str, sorts: Iterable[Sequence[SortKey]] | None = None) -> list[sa.Index]:
    """`Index` objects (not yet created) covering `sorts` (default: `default_sorts`).

    Create them with `index.create(connection)` or let `metadata.create_all`
    do it when they are bound to the table's columns."""
    ours = DIALECTS[dialect]
    seen: dict[tuple[tuple[str, bool], ...], None] = {}
    for sort in default_sorts(mapping) if sorts is None else sorts:
        keys = _complete(mapping, list(sort))
        # An index and its exact reverse are one index: normalise the first key ascending.
        flip = keys[0][1] is False
        seen.setdefault(tuple((name, asc != flip) for name, asc in keys), None)
    table_name = getattr(mapping.table, "name", "t")
    indexes = []
    for spec in seen:
        name = "ix_" + table_name + "_" + "_".join(f"{n}{'' if a else '_desc'}" for n, a in spec)
        indexes.append(sa.Index(name[:60], *(_element(mapping, ours.name, n, a) for n, a in spec)))
    return indexes


def _complete(mapping: SqlMapping, sort: list[SortKey]) -> list[tuple[str, bool]]:
    tie = mapping.schema.tie_breaker
    if not any(k.field == tie for k in sort):
        sort.append(SortKey(tie, sort[-1].direction if sort else 1))
    return [(k.field, k.direction == 1) for k in sort]


def _element(mapping: SqlMapping, dialect: str, name: str, ascending: bool) -> Any:
    target = mapping.target(name)
    if not isinstance(target, Scalar):
        raise ValueError(f"sort field {name!r} must map to a column or expression")
    expr: Any = target.expr
    if dialect == "postgresql" and mapping.schema.by_name[name].type is FieldType.STRING:
        expr = expr.collate("C")
    ordered = expr.asc() if ascending else expr.desc()
    if dialect == "postgresql" and target.nullable:
        ordered = ordered.nulls_first() if ascending else ordered.nulls_last()
    return ordered
