"""`Query` + `Fetch` -> an Elasticsearch search body.

One dispatch table, `BUILDERS`, turns each operator into a query clause over
the keyword key fields of `mapping.Layout`. The filter runs in `bool` filter
context (no scoring); `must_not` appears only for `$exists: false`. The sort
is the query's keys on the key fields, nulls lowest (`missing: _first` when
ascending, `_last` when descending), reversed for a backward fetch; `size` is
the fetch's count and the boundary is `search_after`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..ast import And, Condition, Node, Nor, Or, lowered
from ..cursors import SortValue
from ..errors import Code, FilterError
from ..field_types import FieldType, Value
from ..operators import Op, fold, is_sugar, words
from ..pagination import Fetch, plan
from ..query import Query
from ..timestamps import Instant, at_microseconds
from . import keys
from .mapping import FieldMapping, Layout, layout_for

Clause = dict[str, Any]
MATCH_ALL: Clause = {"match_all": {}}
MATCH_NONE: Clause = {"match_none": {}}
_RANGE_NAMES = {Op.GT: "gt", Op.GTE: "gte", Op.LT: "lt", Op.LTE: "lte"}


# -- operands to keys ---------------------------------------------------------


def _plain_key(kind: FieldType, value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return keys.boolean_key(value)
    if isinstance(value, int | float):
        return keys.number_key(value)
    raise TypeError(f"no key for {type(value).__name__} in a {kind} field")


def _resolve(cond: Condition, op: Op, value: Value) -> tuple[Op, str] | None:
    """The operator and key to compare the key field with; None when nothing can match.

    Datetime operands may carry nanoseconds while stored values have
    microseconds: `at_microseconds` gives the exact microsecond comparison.
    """
    if isinstance(value, Instant):
        exact = at_microseconds(op, value)
        if exact is None:
            return None
        return Op(exact[0]), keys.datetime_key(exact[1])
    if cond.type is FieldType.CUSTOM:
        return op, keys.custom_key(".".join(cond.path), value)
    return op, _plain_key(cond.type, value)


def _needs(cond: Condition, target: str | None, what: str) -> str:
    if target is None:
        raise FilterError.single(
            Code.UNSUPPORTED,
            f"{cond.op} on {cond.name} needs a {what} field in the Elasticsearch layout, and it has none",
        )
    return target


# -- one builder per operator -------------------------------------------------


def _eq(cond: Condition, fm: FieldMapping) -> Clause:
    assert not isinstance(cond.value, tuple)
    resolved = _resolve(cond, Op.EQ, cond.value)
    if resolved is None:
        return MATCH_NONE
    return {"term": {fm.key: resolved[1]}}


def _in(cond: Condition, fm: FieldMapping) -> Clause:
    assert isinstance(cond.value, tuple)
    found = (_resolve(cond, Op.EQ, value) for value in cond.value)
    terms = list(dict.fromkeys(r[1] for r in found if r is not None))
    if not terms:
        return MATCH_NONE
    return {"terms": {fm.key: terms}}


def _range(cond: Condition, fm: FieldMapping) -> Clause:
    value = cond.value
    assert not isinstance(value, tuple)
    resolved = _resolve(cond, cond.op, value)
    assert resolved is not None  # only $eq can fall between two microseconds
    op, key = resolved
    bounds = {_RANGE_NAMES[op]: key}
    if cond.type is FieldType.CUSTOM:
        # Type bracketing: a custom key range stays within the operand's type.
        assert not isinstance(value, Instant)
        path, tag = ".".join(cond.path), keys.scalar_tag(value)
        if op in (Op.GT, Op.GTE):
            bounds["lt"] = keys.custom_end(path, tag)
        else:
            bounds["gte"] = keys.custom_prefix(path, tag)
    return {"range": {fm.key: bounds}}


def _exists(cond: Condition, fm: FieldMapping) -> Clause:
    if cond.type is FieldType.CUSTOM:
        present: Clause = {"term": {_needs(cond, fm.paths, "paths"): ".".join(cond.path)}}
    else:
        present = {"exists": {"field": fm.key}}
    return present if cond.value is True else {"bool": {"must_not": [present]}}


def _autocomplete(cond: Condition, fm: FieldMapping) -> Clause:
    assert isinstance(cond.value, str)
    prefix = fold(cond.value)
    if cond.type is FieldType.CUSTOM:
        prefix = f"{'.'.join(cond.path)}:{prefix}"
    return {"prefix": {_needs(cond, fm.folded, "folded"): {"value": prefix}}}


def _q(cond: Condition, fm: FieldMapping) -> Clause:
    assert isinstance(cond.value, str)
    target = _needs(cond, fm.words, "words")
    wanted = dict.fromkeys(words(cond.value))
    if cond.type is FieldType.CUSTOM:
        wanted = dict.fromkeys(f"{'.'.join(cond.path)}:{word}" for word in wanted)
    clauses = [{"term": {target: word}} for word in wanted]
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}


def _contains(cond: Condition, fm: FieldMapping) -> Clause:
    """An array in custom data with an element of the operand's key (on `string_array`
    `$contains` is `$eq`): keys are type-bracketed, so 1 and 1.0 share one, true and 1 do not."""
    assert cond.type is FieldType.CUSTOM and not isinstance(cond.value, tuple | Instant)
    return {"term": {_needs(cond, fm.elements, "elements"): keys.custom_key(".".join(cond.path), cond.value)}}


BUILDERS: dict[Op, Callable[[Condition, FieldMapping], Clause]] = {
    Op.EQ: _eq,
    Op.GT: _range,
    Op.GTE: _range,
    Op.LT: _range,
    Op.LTE: _range,
    Op.IN: _in,
    Op.EXISTS: _exists,
    Op.AUTOCOMPLETE: _autocomplete,
    Op.Q: _q,
    Op.CONTAINS: _contains,
}


# -- the filter ---------------------------------------------------------------


def _only(clause: Clause, occur: str) -> list[Clause] | None:
    """The clauses of a `bool` that has nothing but `occur`, else None."""
    inner = clause.get("bool")
    if isinstance(inner, dict) and list(inner) == [occur]:
        found: list[Clause] = inner[occur]
        return found
    return None


def _clause(node: Node, layout: Layout) -> Clause:
    if isinstance(node, Condition):
        if is_sugar(node.op, node.type):
            return _clause(lowered(node), layout)
        return BUILDERS[node.op](node, layout[node.field])
    if isinstance(node, Or):
        return {"bool": {"should": [_clause(c, layout) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, Nor):  # a document matches a clause or not: must_not is two-valued
        return {"bool": {"must_not": [_clause(c, layout) for c in node.children]}}
    return _and(node, layout)


def _and(node: And, layout: Layout) -> Clause:
    filters: list[Clause] = []
    negated: list[Clause] = []
    for child in node.children:
        clause = _clause(child, layout)
        if (inner := _only(clause, "must_not")) is not None:
            negated.extend(inner)
        elif (inner := _only(clause, "filter")) is not None:
            filters.extend(inner)
        else:
            filters.append(clause)
    if not filters and not negated:
        return MATCH_ALL
    occurs = {"filter": filters, "must_not": negated}
    return {"bool": {occur: clauses for occur, clauses in occurs.items() if clauses}}


def compile_filter(node: Node, layout: Layout) -> Clause:
    """The search's `query`: the filter in `bool` filter context."""
    clause = _clause(node, layout)
    inner = clause.get("bool")
    if clause == MATCH_ALL or (isinstance(inner, dict) and set(inner) <= {"filter", "must_not"}):
        return clause
    return {"bool": {"filter": [clause]}}


# -- sort and boundary ----------------------------------------------------------


def compile_sort(query: Query, layout: Layout, forward: bool = True) -> list[Clause]:
    """Sort on the key fields; nulls lowest in either direction (SPEC §5)."""
    out: list[Clause] = []
    for key in query.sort:
        ascending = (key.direction == 1) == forward
        order, missing = ("asc", "_first") if ascending else ("desc", "_last")
        out.append({layout[key.field].key: {"order": order, "missing": missing}})
    return out


def sort_key(value: SortValue) -> str | None:
    """The key-field value of a sort value from a row or a cursor; null stays null."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return keys.datetime_key(value)
    return _plain_key(FieldType.STRING, value)


@dataclass(frozen=True)
class Compiled:
    """A query compiled once; `body(fetch)` makes the search body for each fetch."""

    query: Query
    layout: Layout
    filter: Clause = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "filter", compile_filter(self.query.where, self.layout))

    def body(self, fetch: Fetch) -> dict[str, Any]:
        body: dict[str, Any] = {
            "query": self.filter,
            "sort": compile_sort(self.query, self.layout, fetch.forward),
            "size": fetch.count,
            "track_total_hits": False,
        }
        if fetch.after is not None:
            body["search_after"] = [sort_key(v) for v in fetch.after]
        return body


def first_fetch(query: Query, secret: bytes | str | None = None) -> Fetch:
    """The first fetch of the page `query` asks for (its cursor decoded and checked)."""
    steps = plan(query, _no_sort_values, secret)
    try:
        return next(steps)
    finally:
        steps.close()


def _no_sort_values(row: object) -> tuple[SortValue, ...]:
    raise AssertionError("the first fetch needs no sort values")


def compile_search(
    query: Query, fetch: Fetch | None = None, layout: Layout | None = None, secret: bytes | str | None = None
) -> dict[str, Any]:
    """The search body for one fetch; by default the first fetch of the page `query` asks for."""
    compiled = Compiled(query, layout_for(query.schema, layout))
    return compiled.body(fetch or first_fetch(query, secret))
