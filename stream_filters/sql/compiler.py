"""Filter AST -> one SQLAlchemy Core boolean expression.

One dispatch table (`BUILDERS`) from operator to builder; where databases
differ, a builder asks the `Dialect`. Every operand is a bound parameter,
identifiers come only from the mapping, JSON paths only from validated
segments.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..ast import And, Condition, Node, Nor, lowered
from ..field_types import FieldType
from ..operators import Op, fold, is_sugar, words
from ..sqlcore.custom import Kind, json_kind
from ..sqlcore.numbers import DECIMALS, Domain, Inexact, Terms, numeric_terms, refusal
from ..timestamps import Instant, at_microseconds
from .dialects import Bool, Dialect, View
from .mapping import Json, JsonArray, Related, Scalar, SqlMapping, Target

_COMPARE: dict[Op, Callable[[Any, Any], Bool]] = {
    Op.EQ: operator.eq,
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
}
_KINDS = {
    FieldType.STRING: Kind.STRING,
    FieldType.INTEGER: Kind.NUMBER,
    FieldType.NUMBER: Kind.NUMBER,
    FieldType.BOOLEAN: Kind.BOOLEAN,
    FieldType.DATETIME: None,
}

_COLLECTIONS = (JsonArray, Related)


@dataclass(frozen=True, slots=True)
class Compiler:
    mapping: SqlMapping
    dialect: Dialect

    def compile(self, node: Node) -> Bool:
        if isinstance(node, Condition):
            if is_sugar(node.op, node.type):
                return self.compile(lowered(node))
            try:
                return BUILDERS[node.op](self, self.mapping.target(node.field), node)
            except Inexact as exc:
                raise refusal(node, self.dialect.name, exc) from None
        children = [self.compile(child) for child in node.children]
        if isinstance(node, And):
            return _all(children) if children else sa.true()
        if isinstance(node, Nor):
            # SQL's NOT of NULL is NULL: a condition on a missing value is NULL, not
            # false, so it is made false first, and the NOT of it is true (SPEC §2).
            return sa.not_(sa.func.coalesce(_any(children), sa.false(), type_=sa.Boolean))
        return _any(children)

    # -- typed readings of a target --------------------------------------------

    def views(self, target: Target, cond: Condition, value: Any) -> list[View]:
        if isinstance(target, Json):
            return self.dialect.json_views(target.expr, cond.path, json_kind(value))
        assert isinstance(target, Scalar)
        key = (self.dialect, cond.field)
        found = self.mapping.views.get(key)
        if found is None:
            found = self.mapping.views[key] = self._scalar_views(target, cond)
        return found

    def _scalar_views(self, target: Scalar, cond: Condition) -> list[View]:
        """A column's one reading, the same for every request: kept on the mapping."""
        expr = target.expr
        kind = _KINDS[cond.type]
        if kind is None:
            return [View(None, expr, Kind.STRING, Domain.EXACT)]  # datetimes compare as given
        if kind is Kind.STRING:
            return [View(None, self.dialect.string(expr), kind, equal=self.dialect.string_equality(expr))]
        if kind is Kind.NUMBER:
            domain = self.dialect.number_domain(cond.type is FieldType.INTEGER, expr.type)
            return [View(None, expr, kind, domain)]
        return [View(None, expr, kind)]

    def operands(self, view: View, op: Op, value: Any) -> Terms:
        """The comparisons that decide `op value` on `view`, exactly."""
        if isinstance(value, Instant):
            shifted = at_microseconds(str(op), value)
            if shifted is None:
                return False
            return [(Op(shifted[0]), self.dialect.datetime_param(shifted[1], view.value.type))]
        if isinstance(value, bool):
            return [(op, int(value) if view.booleans_as_int else value)]
        if isinstance(value, str):
            rewritten = self.dialect.string_operand(op, value)
            return False if rewritten is None else [rewritten]
        return numeric_terms(op, value, view.domain)

    def compare(self, view: View, op: Op, value: Any) -> Bool:
        terms = self.operands(view, op, value)
        if terms is False:
            return sa.false()
        if terms is True:
            tests: list[Bool] = [view.value.is_not(None)]
        else:
            assert isinstance(terms, list)
            tests = [t for o, v in terms for t in self._tests(view, o, v)]
        return _all([view.guard, *tests] if view.guard is not None else tests)

    def _tests(self, view: View, op: Op, value: Any) -> list[Bool]:
        if view.domain is Domain.CALL:
            return [self.dialect.compare_number(view.value, _COMPARE[op], value)]
        return [_COMPARE[op](e, _bound(view, value)) for e in _compared(view, op)]

    def contains(self, target: JsonArray | Related, values: list[str]) -> Bool:
        kept = [r[1] for r in (self.dialect.string_operand(Op.EQ, v) for v in values) if r is not None]
        if not kept:
            return sa.false()
        if isinstance(target, JsonArray):
            return self.dialect.array_contains(target.expr, kept)
        element = self.dialect.string(target.value)
        return sa.select(sa.literal(1)).where(target.on, element.in_(kept)).exists()

    def present(self, target: Target, cond: Condition) -> Bool:
        if isinstance(target, Scalar):
            return target.expr.is_not(None)
        if isinstance(target, Json):
            return self.dialect.json_present(target.expr, cond.path)
        if isinstance(target, JsonArray):
            return self.dialect.array_nonempty(target.expr)
        return sa.select(sa.literal(1)).where(target.on).exists()


def _compared(view: View, op: Op) -> tuple[Any, ...]:
    """What `op` compares: equality may use the column as its index has it."""
    return view.equal if op is Op.EQ and view.equal is not None else (view.value,)


def _bound(view: View, value: Any) -> Any:
    """Booleans need an explicit parameter: SQLAlchemy reads `x > False` as a
    constant comparison it refuses."""
    if isinstance(value, bool):
        return sa.literal(value, sa.Boolean())
    if view.domain in DECIMALS:
        return sa.literal(value, sa.Numeric())
    return value


# -- builders: one per operator ------------------------------------------------------


def _comparison(c: Compiler, target: Target, cond: Condition) -> Bool:
    if isinstance(target, _COLLECTIONS):
        assert cond.op is Op.EQ and isinstance(cond.value, str)
        return c.contains(target, [cond.value])
    return _any([c.compare(view, cond.op, cond.value) for view in c.views(target, cond, cond.value)])


def _in(c: Compiler, target: Target, cond: Condition) -> Bool:
    assert isinstance(cond.value, tuple)
    if isinstance(target, _COLLECTIONS):
        return c.contains(target, [v for v in cond.value if isinstance(v, str)])
    groups: dict[Kind, list[Any]] = {}
    for value in cond.value:
        groups.setdefault(json_kind(value) if isinstance(target, Json) else Kind.STRING, []).append(value)
    tests: list[Bool] = []
    for values in groups.values():
        for view in c.views(target, cond, values[0]):
            equal = _equal_operands(c, view, values)
            if equal and view.domain is Domain.CALL:
                tests.append(_all([*_guard(view), _any([t for v in equal for t in c._tests(view, Op.EQ, v)])]))
            elif equal:
                operands = (
                    sa.bindparam(None, equal, expanding=True, type_=sa.Numeric()) if view.domain in DECIMALS else equal
                )
                test = _all([e.in_(operands) for e in _compared(view, Op.EQ)])
                tests.append(_all([view.guard, test]) if view.guard is not None else test)
    return _any(tests) if tests else sa.false()


def _equal_operands(c: Compiler, view: View, values: list[Any]) -> list[Any]:
    """The operands of `$eq value` for each value, dropping those that match nothing."""
    if isinstance(values[0], str):
        if not c.dialect.rewrites_strings:
            return values
        rewritten = [c.dialect.string_operand(Op.EQ, v) for v in values]
        return [r[1] for r in rewritten if r is not None]
    equal: list[Any] = []
    for value in values:
        terms = c.operands(view, Op.EQ, value)
        if isinstance(terms, list):
            equal.extend(v for _, v in terms)
    return equal


def _all(tests: list[Bool]) -> Bool:
    return tests[0] if len(tests) == 1 else sa.and_(*tests)


def _any(tests: list[Bool]) -> Bool:
    return tests[0] if len(tests) == 1 else sa.or_(*tests)


def _exists(c: Compiler, target: Target, cond: Condition) -> Bool:
    present = c.present(target, cond)
    if cond.value:
        return present
    if isinstance(target, Scalar):
        return target.expr.is_(None)  # as written, so an index on the column serves it
    if isinstance(target, Related):
        return sa.not_(present)
    # Two-valued: a NULL from a missing JSON key must count as "not present".
    return sa.not_(sa.func.coalesce(present, sa.false(), type_=sa.Boolean))


def _text_views(c: Compiler, target: Target, cond: Condition) -> list[View]:
    return c.views(target, cond, "")


def _autocomplete(c: Compiler, target: Target, cond: Condition) -> Bool:
    assert isinstance(cond.value, str)
    prefix = fold(cond.value)
    return _any([_all([*_guard(v), c.dialect.autocomplete(v.value, prefix)]) for v in _text_views(c, target, cond)])


def _q(c: Compiler, target: Target, cond: Condition) -> Bool:
    assert isinstance(cond.value, str)
    wanted = words(cond.value)
    return _any([_all([*_guard(v), c.dialect.has_words(v.value, wanted)]) for v in _text_views(c, target, cond)])


def _contains(c: Compiler, target: Target, cond: Condition) -> Bool:
    """`$contains` on an array in custom data (on `string_array` it is `$eq`): an
    element compared as `$eq` compares a value, type-bracketed (SPEC §3)."""
    assert isinstance(target, Json) and not isinstance(cond.value, tuple | Instant)
    is_array, elements, views = c.dialect.json_elements(target.expr, cond.path, json_kind(cond.value))
    tests = [c.compare(view, Op.EQ, cond.value) for view in views]
    found = sa.select(sa.literal(1)).select_from(elements).where(_any(tests)).exists()
    return sa.and_(is_array, found)


def _guard(view: View) -> list[Bool]:
    return [view.guard] if view.guard is not None else []


BUILDERS: dict[Op, Callable[[Compiler, Target, Condition], Bool]] = {
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


def compile_filter(node: Node, mapping: SqlMapping, dialect: Dialect) -> Bool:
    """The WHERE clause for a filter AST."""
    if isinstance(node, And) and not node.children:
        return sa.true()
    return Compiler(mapping, dialect).compile(node)
