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
from django.db.models import BooleanField, Expression, Field, Value
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
