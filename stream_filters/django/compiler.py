"""Filter AST -> one Django `Q`, with the SQL backend's decisions.

One dispatch table (`BUILDERS`) from operator to builder; where databases
differ, a builder asks the `Vendor`. Operands are bound parameters (`Value`
with the model field, so Django adapts datetimes as it stores them); columns
come only from the mapping, JSON paths only from validated segments. Numeric
operands are rewritten by `stream_filters.sqlcore.numbers.numeric_terms`,
so a database compares exactly as Python does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from ..ast import And, Condition, Node, Nor, lowered
from ..field_types import FieldType
from ..operators import Op, fold, is_sugar, words
from ..sqlcore.custom import Kind, json_kind
from ..sqlcore.numbers import Domain, Inexact, Terms, numeric_terms, refusal
from ..timestamps import Instant, at_microseconds
from .expressions import Sql, as_where, places
from .mapping import DjangoMapping, Json, JsonArray, Related, Scalar, Target
from .vendors import SQLite, View

_SIGNS = {Op.EQ: "=", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
_INTEGERS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.AutoField)
_NONE = Q(Sql("1 = 0"))  # matches nothing, and compiles (an empty `__in` would not, inside NOT)
_EVERY = Q(Sql("1 = 1"))  # matches everything: an empty `Q()` vanishes from `Q() | q`


@dataclass(frozen=True, slots=True)
class Compiler:
    mapping: DjangoMapping
    vendor: SQLite

    def compile(self, node: Node) -> Q:
        if isinstance(node, Condition):
            if is_sugar(node.op, node.type):
                return self.compile(lowered(node))
            try:
                return BUILDERS[node.op](self, self.mapping.target(node.field), node)
            except Inexact as exc:
                raise refusal(node, self.vendor.name, exc) from None
        children = [self.compile(child) for child in node.children]
        if isinstance(node, And):
            return _all(children)
        if isinstance(node, Nor):
            # NOT of NULL is NULL: a condition on a missing value is made false
            # first, so that its NOT is true (SPEC §2).
            return ~Q(Coalesce(_boolean(_any(children)), Value(False)))
        return _any(children)

    # -- typed readings of a target --------------------------------------------

    def views(self, target: Target, cond: Condition, value: Any) -> list[View]:
        if isinstance(target, Json):
            return self.vendor.json_views(F(target.path), cond.path, json_kind(value))
        assert isinstance(target, Scalar)
        expr = F(target.path)
        match cond.type:
            case FieldType.STRING:
                field = self.mapping.model_field(target.path)
                value = self.vendor.column_string(expr, field)
                return [View(None, value, Kind.STRING, equal=self.vendor.string_equality(expr, field))]
            case FieldType.INTEGER | FieldType.NUMBER:
                return [View(None, expr, Kind.NUMBER, _domain(self.mapping.model_field(target.path)))]
            case FieldType.BOOLEAN:
                return [View(None, expr, Kind.BOOLEAN)]
            case FieldType.DATETIME | FieldType.STRING_ARRAY | FieldType.CUSTOM:
                # Datetimes compare as Django stores them (operands are bound through the
                # field); the other two reach here only when mapped to a plain model field.
                return [View(None, expr, Kind.STRING)]
            case unknown:
                assert_never(unknown)

    def operands(self, view: View, op: Op, value: Any) -> Terms:
        if isinstance(value, Instant):
            shifted = at_microseconds(str(op), value)
            if shifted is None:
                return False
            return [(Op(shifted[0]), shifted[1].astimezone(UTC))]
        if isinstance(value, bool):
            return [(op, int(value) if view.booleans_as_int else value)]
        if isinstance(value, str):
            rewritten = self.vendor.string_operand(op, value)
            return False if rewritten is None else [rewritten]
        return numeric_terms(op, value, view.domain)

    def compare(self, view: View, op: Op, value: Any, field: models.Field[Any, Any] | None = None) -> Q:
        terms = self.operands(view, op, value)
        if terms is False:
            return _NONE
        if terms is True:
            tests = [Sql("{0} IS NOT NULL", view.value)]
        else:
            assert isinstance(terms, list)
            tests = [self._test(view, o, v, e, field) for o, v in terms for e in _compared(view, o)]
        return _all([Q(t) for t in ([view.guard, *tests] if view.guard is not None else tests)])

    def _test(self, view: View, op: Op, value: Any, compared: Any, field: models.Field[Any, Any] | None) -> Any:
        if view.domain is Domain.CALL:
            return self.vendor.compare_number(view.value, _SIGNS[op], value)
        return Sql(f"{{0}} {_SIGNS[op]} {{1}}", compared, _value(value, field))

    def scalar_field(self, target: Target) -> models.Field[Any, Any] | None:
        return self.mapping.model_field(target.path) if isinstance(target, Scalar) else None

    def contains(self, target: JsonArray | Related, values: list[str]) -> Q:
        kept = [r[1] for r in (self.vendor.string_operand(Op.EQ, v) for v in values) if r is not None]
        if not kept:
            return _NONE
        if isinstance(target, JsonArray):
            return Q(self.vendor.array_contains(F(target.path), kept))
        element = self.vendor.string(F(target.value))
        inside = Sql(f"{{0}} IN ({places(1, len(kept))})", element, *(Value(v) for v in kept))
        return Q(Exists(target.model._default_manager.filter(**{target.link: OuterRef("pk")}).filter(inside)))

    def present(self, target: Target, cond: Condition) -> Q:
        if isinstance(target, Scalar):
            return Q(**{f"{target.path}__isnull": False})
        if isinstance(target, Json):
            return Q(self.vendor.json_present(F(target.path), cond.path))
        if isinstance(target, JsonArray):
            return Q(self.vendor.array_nonempty(F(target.path)))
        return Q(Exists(target.model._default_manager.filter(**{target.link: OuterRef("pk")})))


def _compared(view: View, op: Op) -> tuple[Any, ...]:
    """What `op` compares: equality may use the column as its index has it."""
    return view.equal if op is Op.EQ and view.equal is not None else (view.value,)


def _domain(field: models.Field[Any, Any]) -> Domain:
    """How the column compares with a bound Python number: integer and double
    columns get the operand rewritten exactly; a decimal one its exact value."""
    if isinstance(field, _INTEGERS):
        return Domain.INT
    if isinstance(field, models.DecimalField):
        return Domain.DECIMAL
    return Domain.FLOAT


def _value(value: Any, field: models.Field[Any, Any] | None) -> Value:
    if isinstance(value, datetime) and field is not None:
        return Value(value, output_field=field)
    return Value(value)


def _boolean(q: Q) -> Any:
    return models.ExpressionWrapper(q, output_field=models.BooleanField())


def _all(tests: list[Q]) -> Q:
    if not tests:
        return _EVERY
    out = tests[0]
    for test in tests[1:]:
        out &= test
    return out


def _any(tests: list[Q]) -> Q:
    if not tests:
        return _NONE
    out = tests[0]
    for test in tests[1:]:
        out |= test
    return out


# -- builders: one per operator ------------------------------------------------------


def _comparison(c: Compiler, target: Target, cond: Condition) -> Q:
    if isinstance(target, JsonArray | Related):
        assert cond.op is Op.EQ and isinstance(cond.value, str)
        return c.contains(target, [cond.value])
    field = c.scalar_field(target)
    return _any([c.compare(view, cond.op, cond.value, field) for view in c.views(target, cond, cond.value)])


def _in(c: Compiler, target: Target, cond: Condition) -> Q:
    assert isinstance(cond.value, tuple)
    if isinstance(target, JsonArray | Related):
        return c.contains(target, [v for v in cond.value if isinstance(v, str)])
    field = c.scalar_field(target)
    if isinstance(target, Scalar):
        # A column's one reading does not depend on the operand: one `IN`.
        (view,) = c.views(target, cond, "")
        listed = _listed(c, view, cond.value, field)
        if listed is not None:
            return listed
    return _any([_comparison_of(c, target, cond, value, field) for value in cond.value])


def _listed(c: Compiler, view: View, values: tuple[Any, ...], field: Any) -> Q | None:
    """`$in` on a column as `e IN (v1, v2, ...)` for each compared expression `e`
    (ANDed), when every operand is one plain equality (or matches nothing): the
    same rows as the OR of equalities, in three-valued logic too, but one lookup
    for Django to build and compile instead of one per operand (a profiled
    share of `paginate`'s time). Several compared expressions (`View.equal`)
    may be ANDed list by list because the last is exact and implies the others.
    None: some operand needs its own test (numeric rewrites, shifted instants)."""
    if view.guard is not None or view.domain is Domain.CALL:
        return None
    kept: list[Any] = []
    for value in values:
        terms = c.operands(view, Op.EQ, value)
        if terms is False:
            continue  # matches nothing: drops out of the OR
        if not isinstance(terms, list) or len(terms) != 1 or terms[0][0] is not Op.EQ:
            return None
        kept.append(terms[0][1])
    if len(kept) < 2:
        return None
    listed = f"{{0}} IN ({places(1, len(kept))})"
    return _all([Q(Sql(listed, e, *(_value(v, field) for v in kept))) for e in _compared(view, Op.EQ)])


def _comparison_of(c: Compiler, target: Target, cond: Condition, value: Any, field: Any) -> Q:
    return _any([c.compare(view, Op.EQ, value, field) for view in c.views(target, cond, value)])


def _exists(c: Compiler, target: Target, cond: Condition) -> Q:
    present = c.present(target, cond)
    if cond.value:
        return present
    if isinstance(target, Scalar):
        return Q(**{f"{target.path}__isnull": True})
    # Two-valued: a NULL from a missing JSON key must count as "not present".
    return ~Q(Coalesce(_boolean(present), Value(False)))


def _text_views(c: Compiler, target: Target, cond: Condition) -> list[View]:
    return c.views(target, cond, "")


def _autocomplete(c: Compiler, target: Target, cond: Condition) -> Q:
    assert isinstance(cond.value, str)
    prefix = fold(cond.value)
    return _any([_guarded(v, c.vendor.autocomplete(v.value, prefix)) for v in _text_views(c, target, cond)])


def _q(c: Compiler, target: Target, cond: Condition) -> Q:
    assert isinstance(cond.value, str)
    wanted = words(cond.value)
    return _any([_guarded(v, c.vendor.has_words(v.value, wanted)) for v in _text_views(c, target, cond)])


def _guarded(view: View, test: Any) -> Q:
    return Q(view.guard) & Q(test) if view.guard is not None else Q(test)


def _contains(c: Compiler, target: Target, cond: Condition) -> Q:
    """`$contains` on an array in custom data (on `string_array` it is `$eq`)."""
    assert isinstance(target, Json) and not isinstance(cond.value, tuple | Instant)
    value = cond.value

    def element(view: View) -> Any:
        return _boolean(c.compare(view, Op.EQ, value))

    return Q(c.vendor.json_contains(F(target.path), cond.path, json_kind(value), element))


BUILDERS: dict[Op, Callable[[Compiler, Target, Condition], Q]] = {
    Op.EQ: _comparison,
    Op.GT: _comparison,
    Op.GTE: _comparison,
    Op.LT: _comparison,
    Op.LTE: _comparison,
    Op.IN: _in,
    Op.EXISTS: _exists,
    Op.AUTOCOMPLETE: _autocomplete,
    Op.Q: _q,
    Op.CONTAINS: _contains,
}


def compile_filter(node: Node, mapping: DjangoMapping, vendor: SQLite) -> Q:
    """The `Q` for a filter AST."""
    if isinstance(node, And) and not node.children:
        return Q()
    return as_where(Compiler(mapping, vendor).compile(node))
