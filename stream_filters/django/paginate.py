"""`paginate` / `paginate_async`: one page of a query over the application's own QuerySet.

The QuerySet is the scope (`Call.objects.filter(tenant=request.user.tenant)`):
the page is the rows of it that match `query.where`. The page logic is
`pagination.plan`; this module supplies its `fetch`: the keyset ranges after a
boundary (SPEC §5: NULL sorts lowest), nearest first, each one query with the
sort's ORDER BY and a LIMIT, run in order until enough rows are found — every
query a seek on the sort index, none with `OR ... IS NULL`.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, assert_never

from asgiref.sync import sync_to_async
from django.db import connections, models
from django.db.models import F, Q, QuerySet, Value

from ..cursors import Secrets, SortValue
from ..field_types import FieldType
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from ..sqlcore.keyset import Range, RangeKind, ranges
from ..sqlcore.numbers import from_decimal
from ..sqlcore.sqlite_functions import needs_sqlite_functions, register_sqlite_functions
from .compiler import compile_filter
from .expressions import Sql, as_where
from .mapping import DjangoMapping, Scalar
from .vendors import SQLite, for_connection

M = TypeVar("M", bound=models.Model)
_SORT = "_sf_sort_{}"


@dataclass(frozen=True, slots=True)
class _Column:
    expr: Any  # as compared and ordered (strings carry their collation)
    field: models.Field[Any, Any]
    ascending: bool
    nullable: bool
    kind: FieldType
    attribute: str  # where a returned instance holds the sort value


class _Pages:
    """The queries of one page request over `queryset`."""

    def __init__(self, query: Query, queryset: QuerySet[M], mapping: DjangoMapping, vendor: SQLite) -> None:
        self.vendor = vendor
        self.columns: list[_Column] = []
        annotations: dict[str, Any] = {}
        # Nothing deferred: a field of the model itself is on every instance.
        whole = queryset.query.deferred_loading == (frozenset(), True)
        for i, key in enumerate(query.sort):
            target = mapping.target(key.field)
            if not isinstance(target, Scalar):
                raise ValueError(f"sort field {key.field!r} must map to a model field")
            kind = query.schema.by_name[key.field].type
            field = mapping.model_field(target.path)
            expr = vendor.column_string(F(target.path), field) if kind is FieldType.STRING else F(target.path)
            # A sort value read from the instance's own field costs no extra
            # column (and on SQLite no extra conversion per row); one across
            # a join is annotated.
            attribute = field.attname if whole and "__" not in target.path else _SORT.format(i)
            if attribute == _SORT.format(i):
                annotations[attribute] = F(target.path)
            self.columns.append(_Column(expr, field, key.direction == 1, target.nullable, kind, attribute))
        self.where = compile_filter(query.where, mapping, vendor)
        # Each range's query is the scope filtered by the filter AND the range,
        # in one `filter` (one clone, one `add_q`: a profiled share of the page's
        # time). The filter goes in first when a sort value is annotated, so
        # that the annotation joins the filter's joins as before.
        self.scope = queryset.filter(self.where).annotate(**annotations) if annotations else queryset
        self.filtered = bool(annotations)

    def queries(self, fetch: Fetch, inclusive: bool = False) -> list[QuerySet[Any]]:
        order = [self.vendor.order(c.expr, c.ascending == fetch.forward, c.nullable) for c in self.columns]
        return [self._query(part, order) for part in self._parts(fetch, inclusive)]

    def _query(self, part: Q, order: list[Any]) -> QuerySet[Any]:
        terms = [] if self.filtered else [self.where]
        if part:
            terms.append(as_where(part))
        found = self.scope.filter(*terms)
        # `found` is a fresh clone no one else holds: ordering it in place
        # saves `order_by`'s clone.
        found.query.clear_ordering(force=True, clear_default=False)
        found.query.add_ordering(*order)
        return found

    def _parts(self, fetch: Fetch, inclusive: bool) -> list[Q]:
        """The ranges after the boundary, nearest first (`sqlcore.keyset.ranges`);
        `inclusive`: the nearest also holds the boundary row itself."""
        if fetch.after is None:
            return [Q()]
        after = fetch.after
        ascending = tuple(c.ascending == fetch.forward for c in self.columns)
        nullable = tuple(c.nullable for c in self.columns)
        plan = ranges(ascending, nullable, tuple(v is None for v in after), inclusive)
        return [self._predicate(r, after) for r in plan]

    def _predicate(self, r: Range, after: Sequence[SortValue]) -> Q:
        terms = [
            Q(self.vendor.is_null(c.expr)) if after[i] is None else Q(Sql("{0} = {1}", c.expr, self._value(i, after)))
            for i, c in enumerate(self.columns[: r.start])
        ]
        column = self.columns[r.start]
        match r.kind:
            case RangeKind.NOT_NULL:
                terms.append(Q(Sql("{0} IS NOT NULL", column.expr)))
            case RangeKind.NULL:
                terms.append(Q(self.vendor.is_null(column.expr)))
            case RangeKind.BEYOND:
                span = range(r.start, r.end + 1)
                exprs = [self.columns[i].expr for i in span]
                values = [self._value(i, after) for i in span]
                terms.append(Q(self.vendor.beyond(exprs, values, r.ascending, r.inclusive)))
            case _:
                assert_never(r.kind)
        out = Q()
        for term in terms:
            out &= term
        return out

    def _value(self, i: int, after: Sequence[SortValue]) -> Value:
        value = after[i]
        if isinstance(value, datetime):
            return Value(value, output_field=self.columns[i].field)
        return Value(value)

    def sort_values(self, item: models.Model) -> tuple[SortValue, ...]:
        return tuple(_sort_value(c.kind, getattr(item, c.attribute)) for c in self.columns)


def _sort_value(kind: FieldType, value: Any) -> SortValue:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, Decimal):
        return from_decimal(value)
    if kind is FieldType.BOOLEAN:
        return bool(value)
    return value  # type: ignore[no-any-return]


def _prepare(query: Query, queryset: QuerySet[M], mapping: DjangoMapping) -> tuple[_Pages, bool]:
    """The page's queries, and whether SQLite's Python functions must be
    registered on the connection first (`_register`)."""
    vendor = for_connection(connections[queryset.db])
    functions = vendor.name == "sqlite" and needs_sqlite_functions(query.where)
    return _Pages(query, queryset, mapping, vendor), functions


def _register(alias: str) -> None:
    """SQLite's Python functions on this thread's connection of `alias`
    (Django keeps one connection per thread)."""
    connection = connections[alias]
    connection.ensure_connection()
    register_sqlite_functions(connection.connection)


class _Fetcher:
    """`fetch` for one page, sans-IO: `steps(request)` yields each range's
    sliced QuerySet and receives its rows.

    A page after a cursor is followed by the plan's check for a row before the
    page. The first query therefore reads from the boundary row itself (`>=`
    on the tie-breaker instead of `>`): when that row still exists, it answers
    the check without another query; when it was deleted, the check runs as
    asked (the SQL backend's `Fetcher` decides the same way)."""

    def __init__(self, pages: _Pages) -> None:
        self.pages = pages
        self.known: tuple[tuple[SortValue, ...], bool, list[Any]] | None = None

    def steps(self, request: Fetch) -> Generator[QuerySet[Any], list[Any], list[Any]]:
        known, self.known = self.known, None
        if known is not None and request.count == 1 and (request.after, request.forward) == known[:2]:
            return known[2]
        inclusive = request.after is not None and request.count > 1
        sort_values = self.pages.sort_values
        rows: list[Any] = []
        boundary: list[Any] = []
        for i, part in enumerate(self.pages.queries(request, inclusive)):
            extra = 1 if inclusive and i == 0 else 0
            # `part` is a fresh QuerySet of this page alone: sliced in place
            # (a slice would clone it once more).
            part.query.set_limits(high=request.count - len(rows) + extra)
            got = yield part
            if extra and got and sort_values(got[0]) == request.after:
                boundary, got = got[:1], got[1:]
            rows.extend(got[: request.count - len(rows)])
            if len(rows) >= request.count:
                break
        if boundary and rows:
            # The row before the first one walking back is the boundary row.
            self.known = (sort_values(rows[0]), not request.forward, boundary)
        return rows


def paginate(query: Query, queryset: QuerySet[M], mapping: DjangoMapping, *, secret: Secrets = None) -> Page[M]:
    """One page of `query` over `queryset` (the scope): items are model instances."""
    pages, functions = _prepare(query, queryset, mapping)
    if functions:
        _register(queryset.db)
    fetcher = _Fetcher(pages)

    def fetch(request: Fetch) -> list[M]:
        return run(fetcher.steps(request), list)

    return run(plan(query, pages.sort_values, secret), fetch)


async def paginate_async(
    query: Query, queryset: QuerySet[M], mapping: DjangoMapping, *, secret: Secrets = None
) -> Page[M]:
    """`paginate` with Django's async queries (`async for` over each range)."""
    pages, functions = _prepare(query, queryset, mapping)
    if functions:
        # On the thread Django runs the async queries on (thread-sensitive), whose
        # connection they use; connecting is not allowed from the event loop.
        await sync_to_async(_register)(queryset.db)
    fetcher = _Fetcher(pages)

    async def rows(part: QuerySet[Any]) -> list[Any]:
        return [row async for row in part]

    async def fetch(request: Fetch) -> list[M]:
        return await run_async(fetcher.steps(request), rows)

    return await run_async(plan(query, pages.sort_values, secret), fetch)
