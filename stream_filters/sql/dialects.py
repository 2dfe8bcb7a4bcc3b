"""What differs between SQLite, PostgreSQL and MariaDB/MySQL, and nothing else.

The compiler asks a `Dialect` for the few expressions that differ: string
collation, JSON access with type checks, string arrays, `$autocomplete` and
`$q`, ORDER BY with nulls lowest, and the keyset row comparison. Each dialect
overrides only what it must.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement

from ..errors import Code, FilterError
from ..operators import Op
from ..sqlcore import textmatch
from ..sqlcore.custom import Kind, json_path
from ..sqlcore.numbers import DECIMAL65_DIGITS, Domain
from ..sqlcore.strings import (
    MARIADB_CODE_POINT_COLLATIONS,
    MARIADB_COLLATION,
    MYSQL_CODE_POINT_COLLATIONS,
    MYSQL_COLLATION,
    PG_CODE_POINT_COLLATIONS,
    PG_COLLATION,
    without_nul,
)
from .types import UtcDateTime

Expr = ColumnElement[Any]
Bool = ColumnElement[bool]


@dataclass(frozen=True, slots=True)
class View:
    """One typed reading of a value: `guard` holds when it has this type
    (None: always, or the value is NULL otherwise); compare `value`."""

    guard: Bool | None
    value: Expr
    kind: Kind
    domain: Domain = Domain.EXACT
    booleans_as_int: bool = False
    # For `=` and `$in` on a string column: the expressions to compare instead
    # of `value`, each one an ordinary index can serve and together exact
    # (None: compare `value`). See `Dialect.string_equality`.
    equal: tuple[Expr, ...] | None = None


def unsupported(message: str) -> FilterError:
    return FilterError.single(Code.UNSUPPORTED, message)


def declared_collation(expr: Expr, dialect_name: str) -> str | None:
    """The collation a column's type declares for this database (its variant
    for the dialect first, as `code_point_string` declares it), or as reflected."""
    column_type = expr.type
    column_type = getattr(column_type, "_variant_mapping", {}).get(dialect_name, column_type)
    column_type = getattr(column_type, "impl_instance", column_type)
    collation = getattr(column_type, "collation", None)
    return collation if isinstance(collation, str) else None


class Dialect:
    name = "sqlite"
    row_values = True  # keyset groups as `(a, b) > (?, ?)`, which seeks in an index
    rewrites_strings = False  # whether `string_operand` ever changes an operand
    regex_start, regex_end = "^", "$"
    # Column collations that already compare by code point: no COLLATE needed.
    code_point_collations: frozenset[str] = frozenset()

    # -- strings ---------------------------------------------------------------

    def string(self, expr: Expr) -> Expr:
        """`expr` as strings compare and sort by code point (ranges, ORDER BY)."""
        return expr

    def string_equality(self, expr: Expr) -> tuple[Expr, ...] | None:
        """What `=` and `$in` compare on a string column, so that the column's
        own index serves them (None: compare `string(expr)`)."""
        return None

    def orders_by_code_point(self, expr: Expr) -> bool:
        return declared_collation(expr, self.name) in self.code_point_collations

    def string_operand(self, op: Op, value: str) -> tuple[Op, str] | None:
        """The comparison to run for a string operand; None: nothing matches."""
        return op, value

    def autocomplete(self, expr: Expr, folded: str) -> Bool:
        return sa.func.sf_autocomplete(expr, folded, type_=sa.Boolean)

    def has_words(self, expr: Expr, words: list[str]) -> Bool:
        return sa.func.sf_has_words(expr, json.dumps(words, ensure_ascii=False), type_=sa.Boolean)

    # -- numbers and datetimes -----------------------------------------------

    def number_domain(self, integer: bool, column_type: Any) -> Domain:
        return Domain.EXACT

    def compare_number(self, text: Expr, compare: Callable[[Any, Any], Bool], value: int | float) -> Bool:
        """`x op value` for a JSON number `x` given as its text (Domain.CALL): SQLite
        compares a 64-bit integer exactly itself; a float, or an integer beyond 64
        bits (which `json_extract` reads as a REAL), goes to Python."""
        extracted = sa.func.json_extract(text, "$")
        by_python = compare(sa.func.sf_compare_numbers(text, value, type_=sa.Integer), 0)
        return sa.case((sa.func.typeof(extracted) == "integer", compare(extracted, value)), else_=by_python)

    def datetime_param(self, value: datetime, column_type: Any) -> datetime:
        utc = value.astimezone(UTC)
        if isinstance(column_type, UtcDateTime):
            return utc
        return utc.replace(tzinfo=None)

    # -- JSON ------------------------------------------------------------------

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        p = json_path(path)
        number = column.op("->", return_type=sa.Text)(p)
        return self._sqlite_views(sa.func.json_type(column, p), sa.func.json_extract(column, p), number, kind)

    def _sqlite_views(self, json_kind: Expr, value: Expr, number: Expr, kind: Kind) -> list[View]:
        """`value` as `json_extract` reads it; a number by its JSON text (`number`):
        `json_extract` reads an integer beyond 64 bits as a REAL."""
        kind_names = {Kind.STRING: ("text",), Kind.NUMBER: ("integer", "real"), Kind.BOOLEAN: ("true", "false")}
        guard = json_kind.in_(kind_names[kind])
        if kind is Kind.NUMBER:
            return [View(guard, number, kind, Domain.CALL)]
        return [View(guard, value, kind, booleans_as_int=True)]

    def json_elements(self, column: Expr, path: Sequence[str], kind: Kind) -> tuple[Bool, Any, list[View]]:
        """For `$contains`: that the value at `path` is an array, a FROM of its
        elements, and their readings as `kind` (as `json_views` reads a value)."""
        p = json_path(path)
        elements = sa.func.json_each(column, p).table_valued("value", "type", "fullkey").alias("sf_elements")
        number = column.op("->", return_type=sa.Text)(elements.c.fullkey)
        views = self._sqlite_views(elements.c.type, elements.c.value, number, kind)
        return sa.func.json_type(column, p) == "array", elements, views

    def json_present(self, column: Expr, path: Sequence[str]) -> Bool:
        return sa.func.json_type(column, json_path(path)) != "null"

    def array_contains(self, column: Expr, values: list[str]) -> Bool:
        elements = sa.func.json_each(column).table_valued("value", "type")
        query = sa.select(sa.literal(1)).select_from(elements)
        return query.where(elements.c.type == "text", elements.c.value.in_(values)).exists()

    def array_nonempty(self, column: Expr) -> Bool:
        return sa.func.json_array_length(column) > 0

    # -- order -------------------------------------------------------------------

    def is_null(self, expr: Expr) -> Bool:
        """A keyset range's NULL sort key."""
        return expr.is_(None)

    def order(self, expr: Expr, ascending: bool, nullable: bool) -> UnaryExpression[Any]:
        """NULL is the lowest value, as SQLite and MariaDB already sort it."""
        return expr.asc() if ascending else expr.desc()

    def beyond(self, exprs: Sequence[Expr], values: Sequence[Expr], ascending: bool, inclusive: bool = False) -> Bool:
        """Rows after `values` in the order of `exprs`, all in one direction
        (`inclusive`: and the row at `values` itself)."""
        if len(exprs) == 1 or not self.row_values:
            return _expanded(exprs, values, ascending, inclusive)
        left, right = sa.tuple_(*exprs), sa.tuple_(*values)
        compared: Bool = _STRICT[ascending, inclusive](left, right)
        return compared

    # -- regular expressions (PostgreSQL, MariaDB) --------------------------

    def escape(self, code: int) -> str:
        raise NotImplementedError

    def regex(self, expr: Expr, pattern: str) -> Bool:
        raise NotImplementedError

    def regex_autocomplete(self, expr: Expr, folded: str) -> Bool:
        if textmatch.has_sigma(folded):
            raise unsupported(f"$autocomplete with σ or ς cannot be matched exactly on {self.name}")
        pattern = textmatch.prefix_pattern(folded, self.escape, self.regex_start)
        return sa.false() if pattern is None else self.regex(expr, pattern)

    def regex_words(self, expr: Expr, words: list[str]) -> Bool:
        if any(textmatch.has_sigma(w) for w in words):
            raise unsupported(f"$q with σ or ς cannot be matched exactly on {self.name}")
        terms: list[Bool] = []
        for word in dict.fromkeys(words):
            pattern = textmatch.word_pattern(word, self.escape, self.regex_start, self.regex_end)
            if pattern is None:
                return sa.false()
            terms.append(self.regex(expr, pattern))
        return sa.and_(*terms)


_STRICT = {
    (True, False): operator.gt,
    (True, True): operator.ge,
    (False, False): operator.lt,
    (False, True): operator.le,
}


def _expanded(exprs: Sequence[Expr], values: Sequence[Expr], ascending: bool, inclusive: bool) -> Bool:
    """`a > x OR (a = x AND b > y) ...` for one direction."""
    terms: list[Bool] = []
    for i, (expr, value) in enumerate(zip(exprs, values, strict=True)):
        equal = [e == v for e, v in zip(exprs[:i], values[:i], strict=True)]
        last = i == len(exprs) - 1
        terms.append(sa.and_(*equal, _STRICT[ascending, inclusive and last](expr, value)))
    return sa.or_(*terms)


class PostgreSQL(Dialect):
    name = "postgresql"
    rewrites_strings = True
    code_point_collations = PG_CODE_POINT_COLLATIONS

    def string(self, expr: Expr) -> Expr:
        return expr if self.orders_by_code_point(expr) else expr.collate(PG_COLLATION)

    def string_equality(self, expr: Expr) -> tuple[Expr, ...] | None:
        # Under a deterministic collation (every database default is one)
        # equality is byte equality. A column declaring some other collation
        # might be nondeterministic (case-insensitive ICU): it keeps COLLATE "C".
        return (expr,) if declared_collation(expr, self.name) is None else None

    def string_operand(self, op: Op, value: str) -> tuple[Op, str] | None:
        return without_nul(op, value)  # PostgreSQL text cannot hold NUL

    def autocomplete(self, expr: Expr, folded: str) -> Bool:
        if "\x00" in folded:
            return sa.false()
        return self.regex_autocomplete(expr, folded)

    def has_words(self, expr: Expr, words: list[str]) -> Bool:
        return self.regex_words(expr, words)

    def escape(self, code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    def regex(self, expr: Expr, pattern: str) -> Bool:
        return expr.collate(PG_COLLATION).op("~", is_comparison=True)(sa.literal(pattern, sa.Text))

    def number_domain(self, integer: bool, column_type: Any) -> Domain:
        if integer:
            return Domain.INT
        return Domain.FLOAT if isinstance(column_type, sa.Float) else Domain.DECIMAL

    def datetime_param(self, value: datetime, column_type: Any) -> datetime:
        utc = value.astimezone(UTC)
        aware = isinstance(column_type, UtcDateTime) or getattr(column_type, "timezone", False)
        return utc if aware else utc.replace(tzinfo=None)

    def _node(self, column: Expr, path: Sequence[str]) -> Expr:
        node: Expr = sa.cast(column, postgresql.JSONB)
        for segment in path:
            node = node.op("->", return_type=postgresql.JSONB)(sa.cast(sa.literal(segment), sa.Text))
        return node

    def _text(self, column: Expr, path: Sequence[str]) -> Expr:
        parent = self._node(column, path[:-1])
        return parent.op("->>", return_type=sa.Text)(sa.cast(sa.literal(path[-1]), sa.Text))

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        return self._typed_views(sa.func.jsonb_typeof(self._node(column, path)), self._text(column, path), kind)

    def json_elements(self, column: Expr, path: Sequence[str], kind: Kind) -> tuple[Bool, Any, list[View]]:
        node = self._node(column, path)
        is_array = sa.func.jsonb_typeof(node) == "array"
        # jsonb_array_elements of a non-array is an error, not an empty set: CASE first.
        array = sa.case((is_array, node))
        elements = sa.func.jsonb_array_elements(array).table_valued("value").alias("sf_elements")
        element = sa.type_coerce(elements.c.value, postgresql.JSONB)
        # The text of a scalar element (a string unquoted), as `->>` reads a key.
        text = sa.func.jsonb_build_array(element).op("->>", return_type=sa.Text)(sa.literal(0, sa.Integer))
        return is_array, elements, self._typed_views(sa.func.jsonb_typeof(element), text, kind)

    def _typed_views(self, typeof: Expr, text: Expr, kind: Kind) -> list[View]:
        if kind is Kind.STRING:
            return [View(typeof == "string", self.string(text), kind)]
        # CASE, not AND: PostgreSQL may evaluate a cast before its guard.
        # Typed, so that operands bind as NUMERIC/BOOLEAN (not INTEGER: 2^53 overflows it).
        if kind is Kind.BOOLEAN:
            value = sa.type_coerce(sa.case((typeof == "boolean", sa.cast(text, sa.Boolean))), sa.Boolean)
            return [View(None, value, kind)]
        # jsonb keeps a number as a decimal, without an exponent: a float written
        # with a point keeps it (`100.0`; `1e-05` is kept as `0.00001`) and is read
        # as the double it denotes, the others as the exact integers they read back
        # as (`1e+16` is stored as 10000000000000000).
        number = typeof == "number"
        point = sa.func.strpos(text, ".") > 0
        integer = sa.case((sa.and_(number, sa.not_(point)), sa.cast(text, sa.Numeric)))
        floating = sa.case((sa.and_(number, point), sa.cast(text, sa.Double)))
        return [
            View(None, sa.type_coerce(integer, sa.Numeric), kind, Domain.DECIMAL),
            View(None, sa.type_coerce(floating, sa.Double), kind, Domain.FLOAT),
        ]

    def json_present(self, column: Expr, path: Sequence[str]) -> Bool:
        return sa.func.jsonb_typeof(self._node(column, path)) != "null"

    def array_contains(self, column: Expr, values: list[str]) -> Bool:
        values = [v for v in values if "\x00" not in v]
        if not values:
            return sa.false()
        array = sa.cast(sa.literal(values, postgresql.ARRAY(sa.Text)), postgresql.ARRAY(sa.Text))
        return sa.cast(column, postgresql.JSONB).op("?|", is_comparison=True)(array)

    def array_nonempty(self, column: Expr) -> Bool:
        node = sa.cast(column, postgresql.JSONB)
        return sa.case((sa.func.jsonb_typeof(node) == "array", sa.func.jsonb_array_length(node))) > 0

    def order(self, expr: Expr, ascending: bool, nullable: bool) -> UnaryExpression[Any]:
        """PostgreSQL sorts NULL highest: say where it goes, only where one can occur
        (so a primary-key index still serves the tie-breaker)."""
        ordered = expr.asc() if ascending else expr.desc()
        if not nullable:
            return ordered
        return ordered.nulls_first() if ascending else ordered.nulls_last()


class MariaDB(Dialect):
    name = "mysql"
    row_values = False  # MariaDB does not range-scan row comparisons
    regex_start, regex_end = "\\A", "\\z"
    collation = MARIADB_COLLATION
    code_point_collations = MARIADB_CODE_POINT_COLLATIONS

    def string(self, expr: Expr) -> Expr:
        return expr if self.orders_by_code_point(expr) else expr.collate(self.collation)

    def string_equality(self, expr: Expr) -> tuple[Expr, ...] | None:
        # A case- or accent-insensitive collation (utf8mb4_unicode_ci) finds a
        # superset of the exactly equal rows with the column's index; the
        # binary comparison then keeps the exact ones.
        if self.orders_by_code_point(expr):
            return None
        return (expr, self.string(expr))

    def autocomplete(self, expr: Expr, folded: str) -> Bool:
        return self.regex_autocomplete(expr, folded)

    def has_words(self, expr: Expr, words: list[str]) -> Bool:
        return self.regex_words(expr, words)

    def escape(self, code: int) -> str:
        return f"\\x{{{code:x}}}"

    def regex(self, expr: Expr, pattern: str) -> Bool:
        return self.string(expr).op("REGEXP", is_comparison=True)(sa.literal(pattern, sa.Text))

    def number_domain(self, integer: bool, column_type: Any) -> Domain:
        return Domain.INT if integer else Domain.FLOAT

    def json_views(self, column: Expr, path: Sequence[str], kind: Kind) -> list[View]:
        p = json_path(path)
        node = sa.func.json_extract(column, p)
        return self._typed_views(node, sa.func.json_value(column, p, type_=sa.Text), kind)

    def json_elements(self, column: Expr, path: Sequence[str], kind: Kind) -> tuple[Bool, Any, list[View]]:
        # Each element as JSON text (`v`: 1, "a", true) and as its scalar value (`s`).
        p = json_path(path)
        spec: Expr = sa.literal_column(f"'{p}[*]' COLUMNS (v JSON PATH '$', s LONGTEXT CHARACTER SET utf8mb4 PATH '$')")
        elements = sa.func.json_table(column, spec).table_valued("v", "s").alias("sf_elements")
        is_array = sa.func.json_type(sa.func.json_extract(column, p)) == "ARRAY"
        return is_array, elements, self._typed_views(elements.c.v, sa.type_coerce(elements.c.s, sa.Text), kind)

    def _typed_views(self, node: Expr, scalar: Expr, kind: Kind) -> list[View]:
        """Readings of a JSON value given as JSON text (`node`) and as its scalar text."""
        typeof = sa.func.json_type(node)
        if kind is Kind.STRING:
            return [View(typeof == "STRING", self.string(scalar), kind)]
        if kind is Kind.BOOLEAN:
            is_true = sa.case((node == "true", 1), else_=0)
            return [View(typeof == "BOOLEAN", is_true, kind, booleans_as_int=True)]
        # JSON_TYPE calls 1e300 an INTEGER; Python (and so the contract) reads
        # any number written with a point or an exponent as a float.
        number = typeof.in_(("INTEGER", "DOUBLE"))
        floating = scalar.op("REGEXP", is_comparison=True)(sa.literal("[.eE]", sa.Text))
        # CAST saturates an integer beyond DECIMAL(65,0), with the wrong sign at
        # -10^300: such an integer is read as ±(10^65 - 1), which is on the same
        # side of every operand the compiler lets through (below 10^65 - 1).
        wide = sa.func.char_length(sa.func.replace(scalar, "-", "")) > DECIMAL65_DIGITS
        largest = sa.literal(10**DECIMAL65_DIGITS - 1, sa.Numeric(65, 0))
        clamped = sa.case((sa.func.left(scalar, 1) == "-", -largest), else_=largest)
        integer = sa.case((wide, clamped), else_=sa.cast(scalar, sa.Numeric(65, 0)))
        return [
            View(sa.and_(number, sa.not_(floating)), integer, kind, Domain.JSON_INTEGER),
            View(sa.and_(number, floating), DoubleCast(scalar), kind, Domain.FLOAT),
        ]

    def json_present(self, column: Expr, path: Sequence[str]) -> Bool:
        return sa.func.json_type(sa.func.json_extract(column, json_path(path))) != "NULL"

    def array_contains(self, column: Expr, values: list[str]) -> Bool:
        # JSON_CONTAINS compares strings as written, escapes and all ("\u00e9"
        # is not "é"); JSON_TABLE reads each element's value.
        spec: Expr = sa.literal_column("'$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 PATH '$')")
        elements = sa.func.json_table(column, spec).table_valued("v").alias("sf_elements")
        query = sa.select(sa.literal(1)).select_from(elements)
        return query.where(self.string(elements.c.v).in_(values)).exists()

    def array_nonempty(self, column: Expr) -> Bool:
        return sa.and_(sa.func.json_type(column) == "ARRAY", sa.func.json_length(column) > 0)

    def is_null(self, expr: Expr) -> Bool:
        # `a <=> NULL`, unlike `a IS NULL`, lets MariaDB see that `a` is constant
        # in the range, so ORDER BY a, id walks the index instead of sorting.
        return expr.is_not_distinct_from(None)


class MySQL(MariaDB):
    collation = MYSQL_COLLATION
    code_point_collations = MYSQL_CODE_POINT_COLLATIONS


_MYSQL = MySQL()
DIALECTS: dict[str, Dialect] = {
    "sqlite": Dialect(),
    "postgresql": PostgreSQL(),
    "mysql": MariaDB(),
    "mariadb": MariaDB(),
}


def for_sqlalchemy(dialect: Any) -> Dialect:
    """Ours for a SQLAlchemy dialect object."""
    name = dialect.name
    if name == "mysql" and not getattr(dialect, "is_mariadb", True):
        return _MYSQL
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported database {name!r}: use sqlite, postgresql, mysql or mariadb") from None


class DoubleCast(FunctionElement[float]):
    """`CAST(x AS DOUBLE)` on MariaDB/MySQL, always. SQLAlchemy writes that
    CAST only once it has seen the server's version, and drops it (with a
    warning) when compiling without a connection, so `stream-filters compile`
    would print SQL other than what is sent."""

    type = sa.Double()
    name = "cast_double"
    inherit_cache = True


@compiles(DoubleCast)
def _compile_double_cast(element: DoubleCast, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DOUBLE)"
