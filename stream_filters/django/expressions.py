"""`Sql`: a boolean or value expression written as SQL text around Django expressions.

Django has no portable spelling for what SPEC needs from a database (JSON type
checks, row comparisons, code-point collations on a JSON value), so each vendor
writes its own text; every operand stays a Django expression (`Value` binds
it as a parameter, `F` resolves a model path and its joins).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, Field, Q, Value
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler

_PLACE = re.compile(r"\{(\d+)\}")


class Sql(Expression):
    """`template` with `{0}`, `{1}`, ... replaced by the compiled `parts`; a part
    may appear more than once (its parameters are repeated where it appears)."""

    def __init__(self, template: str, *parts: Any, output_field: Field[Any, Any] | None = None) -> None:
        super().__init__(output_field=output_field or BooleanField())
        self.template = template
        self.parts = [p if hasattr(p, "resolve_expression") else Value(p) for p in parts]

    def get_source_expressions(self) -> list[Any]:
        return list(self.parts)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.parts = list(exprs)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        compiled = [compiler.compile(part) for part in self.parts]
        params: list[Any] = []

        def place(match: re.Match[str]) -> str:
            text, found = compiled[int(match.group(1))]
            params.extend(found)
            return str(text)

        return _PLACE.sub(place, self.template), params


def places(start: int, count: int, joiner: str = ", ") -> str:
    """`{start}, {start+1}, ...`: the placeholders of `count` parts of a template."""
    return joiner.join("{" + str(i) + "}" for i in range(start, start + count))


class Where(Lookup):
    """A boolean `Sql` as a filter, written as it is. Django compares any other
    boolean expression `= true` in MariaDB's WHERE (its operations'
    `conditional_expression_supported_in_where_clause`), which hides the
    comparison from the optimizer: no index range, a full scan and a filesort.
    A lookup it writes as is."""

    lookup_name = "sf_where"
    prepare_rhs = False

    def __init__(self, condition: Sql) -> None:
        super().__init__(condition, True)

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        sql, params = compiler.compile(self.lhs)
        return sql, params


def as_where(q: Q) -> Q:
    """`q` with each boolean `Sql` leaf as a `Where`."""
    out = Q(*(as_where(c) if isinstance(c, Q) else _leaf(c) for c in q.children), _connector=q.connector)
    out.negated = q.negated
    return out


def _leaf(child: Any) -> Any:
    return Where(child) if isinstance(child, Sql) and isinstance(child.output_field, BooleanField) else child
