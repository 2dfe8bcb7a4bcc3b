"""Which indexes a schema's sorts need, as key lists: no database, no SQLAlchemy, no Django.

A keyset page is an index seek when an index lists the sort keys in order,
tie-breaker last. One index serves a sort and its exact reverse (scanned
backwards), so `(a, id)` serves both `a asc` and `a desc`; a mixed-direction
sort needs its own. Each backend renders these key lists as its own index
objects (`stream_filters.sql.indexes`, `stream_filters.django.indexes`),
adding what its database needs (NULL placement, collations).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..schema import Schema
from ..sort import SortKey, with_tie_breaker

IndexKeys = tuple[tuple[str, bool], ...]  # (field, ascending), tie-breaker last


def default_sorts(schema: Schema) -> list[tuple[SortKey, ...]]:
    """The schema's default sort and each sortable field on its own."""
    sorts = [schema.default_sort]
    sorts += [(SortKey(name, 1),) for name in schema.sortable_fields if name != schema.tie_breaker]
    return sorts


def index_keys(schema: Schema, sorts: Iterable[Sequence[SortKey]] | None = None) -> list[IndexKeys]:
    """One key list per index `sorts` need (default: `default_sorts`), in the
    order first needed: each sort completed with the tie-breaker as a page
    orders it, a sort and its exact reverse counted once (first key ascending)."""
    seen: dict[IndexKeys, None] = {}
    for sort in default_sorts(schema) if sorts is None else sorts:
        keys = [(k.field, k.direction == 1) for k in with_tie_breaker(sort, schema.tie_breaker)]
        flip = keys[0][1] is False
        seen.setdefault(tuple((name, asc != flip) for name, asc in keys), None)
    return list(seen)
