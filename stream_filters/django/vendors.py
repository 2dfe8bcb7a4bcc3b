"""What differs between SQLite, PostgreSQL and MariaDB under Django, and nothing else.

The SQL backend's decisions (`stream_filters.sqlcore`, shared with
`stream_filters.sql.dialects`): strings compare by code point (SQLite's
BINARY; PostgreSQL's "C"; MariaDB's `utf8mb4_nopad_bin`), a value in custom
data compares only with an operand of its JSON type (SPEC §3) and a custom
number exactly, read as the SQL backend reads it, `$autocomplete`/`$q` never
lower-case in the database (Python functions on SQLite, code-point patterns
elsewhere), NULL sorts lowest (SPEC §5). A `Vendor` writes those few
expressions as SQL around Django expressions (`Sql`); the compiler asks it
and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, DecimalField, Field, FloatField, OrderBy, TextField, Value
from django.db.models.functions import Collate

from ..errors import Code, FilterError
from ..operators import Op
from ..sqlcore import textmatch
from ..sqlcore.custom import Kind, json_path
from ..sqlcore.numbers import DECIMAL65_DIGITS, DECIMAL65_MAX, Domain
from ..sqlcore.strings import (
    MARIADB_CODE_POINT_COLLATIONS,
    MARIADB_COLLATION,
    PG_CODE_POINT_COLLATIONS,
    PG_COLLATION,
    without_nul,
)
from .expressions import Sql, places

Expr = Any  # a Django expression


@dataclass(frozen=True, slots=True)
class View:
    """One typed reading of a value: `guard` holds when it has this type (None:
    always, or the value is NULL otherwise); compare `value`."""

    guard: Expr | None
    value: Expr
    kind: Kind
    domain: Domain = Domain.EXACT
    booleans_as_int: bool = False
    # For `=` and `$in` on a string column: the expressions to compare instead
    # of `value`, each one the column's own index can serve and together exact
    # (None: compare `value`), as the SQL backend's `string_equality` decides.
    # The last one is exact and implies the others (`$in` relies on it).
    equal: tuple[Expr, ...] | None = None


def unsupported(message: str) -> FilterError:
    return FilterError.single(Code.UNSUPPORTED, message)


def declared_collation(field: Field[Any, Any]) -> str | None:
    """The collation a model field declares (`db_collation`; None: the database's)."""
    collation = getattr(field, "db_collation", None)
    return collation if isinstance(collation, str) else None


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _text(value: str) -> Value:
    return Value(value, output_field=TextField())


# SQLite's `json_type` names of the values an operand of each kind compares with.
_SQLITE_TYPES = {Kind.STRING: ("text",), Kind.NUMBER: ("integer", "real"), Kind.BOOLEAN: ("true", "false")}


class SQLite:
    name = "sqlite"
    row_values = True  # keyset groups as `(a, b) > (?, ?)`, which seeks in an index
    collation: str | None = None  # BINARY: UTF-8 bytes, that is code points
    # Column collations that already order by code point (as the SQL backend's dialect says).
    code_point_collations: frozenset[str] = frozenset()  # SQLite's BINARY needs none

    def string(self, expr: Expr) -> Expr:
        return expr if self.collation is None else Collate(expr, self.collation)

    def column_string(self, expr: Expr, field: Field[Any, Any]) -> Expr:
        """A string column as `string` orders it, without `COLLATE` where the
        column's own collation already orders by code point: so its plain index
        serves ORDER BY and ranges (MariaDB sorts `col COLLATE <its own>` with
        a filesort), as the SQL backend's `Dialect.string` decides."""
        return expr if declared_collation(field) in self.code_point_collations else self.string(expr)

    def string_operand(self, op: Op, value: str) -> tuple[Op, str] | None:
        """The comparison to run for a string operand; None: nothing matches."""
        return op, value

    def string_equality(self, expr: Expr, field: Field[Any, Any]) -> tuple[Expr, ...] | None:
        """What `=` and `$in` compare on a string column, so that the column's
        own index serves them (None: compare `string(expr)`)."""
        return None

    # -- $autocomplete and $q ------------------------------------------------

    def autocomplete(self, expr: Expr, folded: str) -> Expr:
        return Sql("sf_autocomplete({0}, {1})", expr, _text(folded))

    def has_words(self, expr: Expr, words: list[str]) -> Expr:
        return Sql("sf_has_words({0}, {1})", expr, _text(json.dumps(words, ensure_ascii=False)))

    # -- JSON ------------------------------------------------------------------

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        p = _text(json_path(path))
        guard = Sql(f"json_type({{0}}, {{1}}) IN ({_quoted(_SQLITE_TYPES[kind])})", column, p)
        if kind is Kind.NUMBER:
            return [View(guard, Sql("({0} -> {1})", column, p, output_field=TextField()), kind, Domain.CALL)]
        value = Sql("json_extract({0}, {1})", column, p, output_field=TextField())
        return [View(guard, value, kind, booleans_as_int=True)]

    def compare_number(self, text: Expr, sign: str, value: int | float) -> Expr:
        """`x sign value` for a JSON number `x` given as its text (Domain.CALL):
        SQLite compares a 64-bit integer exactly itself; a float, or an integer
        beyond 64 bits (which `json_extract` reads as a REAL), goes to Python."""
        extracted = "json_extract({0}, '$')"
        return Sql(
            f"(CASE WHEN typeof({extracted}) = 'integer' THEN {extracted} {sign} {{1}}"
            f" ELSE sf_compare_numbers({{0}}, {{1}}) {sign} 0 END)",
            text,
            Value(value),
        )

    def json_present(self, column: Expr, path: Sequence[str]) -> Expr:
        return Sql("json_type({0}, {1}) != 'null'", column, _text(json_path(path)))

    def json_contains(self, column: Expr, path: Sequence[str], kind: Kind, compare: Any) -> Expr:
        """`$contains` in custom data: the value at `path` is an array with an
        element that `compare(view)` accepts."""
        p = json_path(path)
        guard = Sql(f"sf_e.type IN ({_quoted(_SQLITE_TYPES[kind])})")
        if kind is Kind.NUMBER:  # by its JSON text, as `json_views` reads a number
            element = View(guard, Sql("({0} -> sf_e.fullkey)", column, output_field=TextField()), kind, Domain.CALL)
        else:
            element = View(guard, Sql("sf_e.value", output_field=TextField()), kind, booleans_as_int=True)
        return Sql(
            "(json_type({0}, {1}) = 'array' AND EXISTS (SELECT 1 FROM json_each({0}, {1}) AS sf_e WHERE {2}))",
            column,
            _text(p),
            compare(element),
        )

    def array_contains(self, column: Expr, values: list[str]) -> Expr:
        marks = places(1, len(values))
        return Sql(
            f"EXISTS (SELECT 1 FROM json_each({{0}}) AS sf_e WHERE sf_e.type = 'text' AND sf_e.value IN ({marks}))",
            column,
            *map(_text, values),
        )

    def array_nonempty(self, column: Expr) -> Expr:
        return Sql("json_array_length({0}) > 0", column)

    # -- order -----------------------------------------------------------------

    def is_null(self, expr: Expr) -> Expr:
        """A keyset range's NULL sort key."""
        return Sql("{0} IS NULL", expr)

    def order(self, expr: Expr, ascending: bool, nullable: bool) -> OrderBy:
        """NULL is the lowest value, as SQLite and MariaDB already sort it."""
        return OrderBy(expr, descending=not ascending)

    def beyond(self, exprs: Sequence[Expr], values: Sequence[Expr], ascending: bool, inclusive: bool) -> Expr:
        """Rows after `values` in the order of `exprs`, all in one direction."""
        sign = (">" if ascending else "<") + ("=" if inclusive else "")
        n = len(exprs)
        if n == 1 or not self.row_values:
            return _expanded(exprs, values, ascending, inclusive)
        left, right = places(0, n), places(n, n)
        return Sql(f"(({left}) {sign} ({right}))", *exprs, *values)


def _expanded(exprs: Sequence[Expr], values: Sequence[Expr], ascending: bool, inclusive: bool) -> Expr:
    """`a > x OR (a = x AND b > y) ...`."""
    terms: list[str] = []
    parts: list[Any] = []
    for i in range(len(exprs)):
        last = i == len(exprs) - 1
        sign = (">" if ascending else "<") + ("=" if inclusive and last else "")
        equal = []
        for j in range(i):
            equal.append(places(len(parts), 2, " = "))
            parts.extend((exprs[j], values[j]))
        compared = places(len(parts), 2, f" {sign} ")
        parts.extend((exprs[i], values[i]))
        terms.append("(" + " AND ".join([*equal, compared]) + ")")
    return Sql("(" + " OR ".join(terms) + ")", *parts)


class _Patterns(SQLite):
    """`$autocomplete` and `$q` as code-point regular expressions (`sqlcore.textmatch`)."""

    regex_start, regex_end = "^", "$"
    operator = "~"

    def escape(self, code: int) -> str:
        raise NotImplementedError

    def regex(self, expr: Expr, pattern: str) -> Expr:
        return Sql(f"({{0}} {self.operator} {{1}})", expr, _text(pattern))  # `expr` carries its collation

    def autocomplete(self, expr: Expr, folded: str) -> Expr:
        if textmatch.has_sigma(folded):
            raise unsupported(f"$autocomplete with σ or ς cannot be matched exactly on {self.name}")
        pattern = textmatch.prefix_pattern(folded, self.escape, self.regex_start)
        return Sql("1 = 0") if pattern is None else self.regex(expr, pattern)

    def has_words(self, expr: Expr, words: list[str]) -> Expr:
        if any(textmatch.has_sigma(w) for w in words):
            raise unsupported(f"$q with σ or ς cannot be matched exactly on {self.name}")
        terms: list[Expr] = []
        for word in dict.fromkeys(words):
            pattern = textmatch.word_pattern(word, self.escape, self.regex_start, self.regex_end)
            if pattern is None:
                return Sql("1 = 0")
            terms.append(self.regex(expr, pattern))
        return Sql(f"({places(0, len(terms), ' AND ')})", *terms)


class PostgreSQL(_Patterns):
    name = "postgresql"
    collation = PG_COLLATION
    code_point_collations = PG_CODE_POINT_COLLATIONS

    def escape(self, code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    def string_equality(self, expr: Expr, field: Field[Any, Any]) -> tuple[Expr, ...] | None:
        # Under a deterministic collation (every database default is one)
        # equality is byte equality, and `COLLATE "C"` would stop the column's
        # index from serving it. A column declaring some other collation might
        # be nondeterministic (case-insensitive ICU): it keeps COLLATE "C".
        return (expr,) if declared_collation(field) is None else None

    def string_operand(self, op: Op, value: str) -> tuple[Op, str] | None:
        return without_nul(op, value)  # PostgreSQL text cannot hold NUL

    def autocomplete(self, expr: Expr, folded: str) -> Expr:
        if "\x00" in folded:
            return Sql("1 = 0")  # PostgreSQL text cannot hold NUL
        return super().autocomplete(expr, folded)

    def _node(self, path: Sequence[str]) -> str:
        """The JSON node at `path` of part {0}; the segments are parts {1}, {2}, ..."""
        text = "({0})::jsonb"
        for i in range(len(path)):
            text = f"({text} -> ({{{i + 1}}})::text)"
        return text

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        return self._views(self._node(path), [column, *map(_text, path)], kind)

    def _views(self, node: str, parts: list[Any], kind: Kind) -> list[View]:
        """Readings of the JSON value `node` (SQL text over `parts`) as `kind`."""
        scalar = f"(jsonb_build_array({node}) ->> 0)"  # a scalar's text, a string unquoted
        if kind is Kind.STRING:
            text = Sql(scalar, *parts, output_field=TextField())
            return [View(Sql(f"jsonb_typeof({node}) = 'string'", *parts), self.string(text), kind)]
        # CASE, not AND: PostgreSQL may evaluate a cast before its guard.
        if kind is Kind.BOOLEAN:
            typed = f"CASE WHEN jsonb_typeof({node}) = 'boolean' THEN {scalar}::boolean END"
            return [View(None, Sql(typed, *parts, output_field=BooleanField()), kind)]
        # As the SQL backend reads jsonb numbers: one written with a point is the
        # double it denotes, the others the exact integers jsonb keeps.
        number, point = f"jsonb_typeof({node}) = 'number'", f"strpos({scalar}, '.') > 0"
        integer = f"CASE WHEN {number} AND NOT {point} THEN {scalar}::numeric END"
        floating = f"CASE WHEN {number} AND {point} THEN {scalar}::double precision END"
        return [
            View(None, Sql(integer, *parts, output_field=DecimalField()), kind, Domain.DECIMAL),
            View(None, Sql(floating, *parts, output_field=FloatField()), kind, Domain.FLOAT),
        ]

    def json_present(self, column: Expr, path: Sequence[str]) -> Expr:
        return Sql(f"jsonb_typeof({self._node(path)}) != 'null'", column, *map(_text, path))

    def json_contains(self, column: Expr, path: Sequence[str], kind: Kind, compare: Any) -> Expr:
        node, parts = self._node(path), [column, *map(_text, path)]
        views = self._views("sf_e.value", [], kind)
        tests = places(len(parts), len(views), " OR ")
        # jsonb_array_elements of a non-array is an error, not an empty set: CASE first.
        template = (
            f"(jsonb_typeof({node}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements("
            f"CASE WHEN jsonb_typeof({node}) = 'array' THEN {node} END) AS sf_e(value) WHERE {tests}))"
        )
        return Sql(template, *parts, *map(compare, views))

    def array_contains(self, column: Expr, values: list[str]) -> Expr:
        values = [v for v in values if "\x00" not in v]
        if not values:
            return Sql("1 = 0")
        marks = places(1, len(values))
        return Sql(f"(({{0}})::jsonb ?| ARRAY[{marks}]::text[])", column, *map(_text, values))

    def array_nonempty(self, column: Expr) -> Expr:
        return Sql(
            "(CASE WHEN jsonb_typeof(({0})::jsonb) = 'array' THEN jsonb_array_length(({0})::jsonb) END > 0)", column
        )

    def order(self, expr: Expr, ascending: bool, nullable: bool) -> OrderBy:
        """PostgreSQL sorts NULL highest: say where it goes, only where one can occur."""
        if not nullable:
            return OrderBy(expr, descending=not ascending)
        return OrderBy(
            expr,
            descending=not ascending,
            nulls_first=True if ascending else None,
            nulls_last=None if ascending else True,
        )


class MariaDB(_Patterns):
    name = "mysql"
    row_values = False  # MariaDB does not range-scan row comparisons
    regex_start, regex_end = "\\A", "\\z"
    collation = MARIADB_COLLATION
    code_point_collations = MARIADB_CODE_POINT_COLLATIONS
    operator = "REGEXP"

    def escape(self, code: int) -> str:
        return f"\\x{{{code:x}}}"

    def string_equality(self, expr: Expr, field: Field[Any, Any]) -> tuple[Expr, ...] | None:
        # A case- or accent-insensitive collation (utf8mb4_unicode_ci) finds a
        # superset of the exactly equal rows with the column's index; the
        # binary comparison then keeps the exact ones.
        if declared_collation(field) in self.code_point_collations:
            return None
        return (expr, self.string(expr))

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        return self._views("JSON_EXTRACT({0}, {1})", "JSON_VALUE({0}, {1})", [column, _text(json_path(path))], kind)

    def _views(self, node: str, scalar: str, parts: list[Any], kind: Kind) -> list[View]:
        """Readings of a JSON value given as JSON text (`node`) and as its scalar text."""
        typeof = f"JSON_TYPE({node})"
        if kind is Kind.STRING:
            value = Sql(scalar, *parts, output_field=TextField())
            return [View(Sql(typeof + " = 'STRING'", *parts), self.string(value), kind)]
        if kind is Kind.BOOLEAN:
            is_true = Sql(f"CASE WHEN {node} = 'true' THEN 1 ELSE 0 END", *parts)
            return [View(Sql(typeof + " = 'BOOLEAN'", *parts), is_true, kind, booleans_as_int=True)]
        # JSON_TYPE calls 1e300 an INTEGER; Python reads a number with a point or an exponent as a float.
        number = f"{typeof} IN ('INTEGER', 'DOUBLE') AND {scalar}"
        whole = Sql(f"({number} NOT REGEXP '[.eE]')", *parts)
        real = Sql(f"({number} REGEXP '[.eE]')", *parts)
        # JSON integers read exactly as DECIMAL(65,0), as the SQL backend reads them.
        # CAST saturates an integer beyond it, with the wrong sign at -10^300: such
        # an integer is read as ±(10^65 - 1), which is on the same side of every
        # operand `numeric_terms` lets through (Domain.JSON_INTEGER).
        wide = f"CHAR_LENGTH(REPLACE({scalar}, '-', '')) > {DECIMAL65_DIGITS}"
        largest = f"CAST('{DECIMAL65_MAX}' AS DECIMAL(65, 0))"
        clamped = f"CASE WHEN LEFT({scalar}, 1) = '-' THEN -{largest} ELSE {largest} END"
        integer = f"CASE WHEN {wide} THEN {clamped} ELSE CAST({scalar} AS DECIMAL(65, 0)) END"
        exact = Sql(integer, *parts, output_field=DecimalField())
        double = Sql(f"CAST({scalar} AS DOUBLE)", *parts, output_field=FloatField())
        return [View(whole, exact, kind, Domain.JSON_INTEGER), View(real, double, kind, Domain.FLOAT)]

    def json_present(self, column: Expr, path: Sequence[str]) -> Expr:
        return Sql("JSON_TYPE(JSON_EXTRACT({0}, {1})) != 'NULL'", column, _text(json_path(path)))

    def json_contains(self, column: Expr, path: Sequence[str], kind: Kind, compare: Any) -> Expr:
        # Each element as JSON text (`v`: 1, "a", true) and as its scalar value (`s`).
        # The path is validated segments ([A-Za-z0-9_-]+): JSON_TABLE needs it as a literal.
        p = json_path(path)
        views = self._views("sf_e.v", "sf_e.s", [], kind)
        tests = places(2, len(views), " OR ")
        return Sql(
            "(JSON_TYPE(JSON_EXTRACT({0}, {1})) = 'ARRAY' AND EXISTS (SELECT 1 FROM JSON_TABLE({0}, "
            f"'{p}[*]' COLUMNS (v JSON PATH '$', s LONGTEXT CHARACTER SET utf8mb4 PATH '$')) AS sf_e"
            f" WHERE {tests}))",
            column,
            _text(p),
            *(compare(view) for view in views),
        )

    def array_contains(self, column: Expr, values: list[str]) -> Expr:
        # JSON_CONTAINS compares strings as written, escapes and all; JSON_TABLE reads each value.
        marks = places(1, len(values))
        return Sql(
            "EXISTS (SELECT 1 FROM JSON_TABLE({0}, '$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 PATH '$'))"
            f" AS sf_e WHERE sf_e.v COLLATE {self.collation} IN ({marks}))",
            column,
            *map(_text, values),
        )

    def array_nonempty(self, column: Expr) -> Expr:
        return Sql("(JSON_TYPE({0}) = 'ARRAY' AND JSON_LENGTH({0}) > 0)", column)

    def is_null(self, expr: Expr) -> Expr:
        # `a <=> NULL`, unlike `a IS NULL`, lets MariaDB see that `a` is constant
        # in the range, so ORDER BY a, id walks the index instead of sorting
        # (as the SQL backend's MariaDB dialect writes it).
        return Sql("{0} <=> NULL", expr)


VENDORS: dict[str, SQLite] = {"sqlite": SQLite(), "postgresql": PostgreSQL(), "mysql": MariaDB()}


def for_connection(connection: Any) -> SQLite:
    try:
        return VENDORS[connection.vendor]
    except KeyError:
        raise ValueError(f"unsupported database {connection.vendor!r}: use sqlite, postgresql or mysql") from None
