"""Hypothesis strategies for fuzzing query endpoints (install the `[testing]` extra).

For any `Schema` (the built-in ones or your own):

- `filters(schema)`: valid `filter_conditions`;
- `sorts(schema)`, `requests(schema)`: valid sort arrays and request bodies;
- `rows(schema)`, `row_lists(schema)`: rows that fit the schema;
- `invalid_requests(schema)`: bodies every backend must reject with FilterError.

Rows and operands are drawn from the same small pools, so that filters match
some rows and miss others, sort values repeat, and the awkward cases (nulls,
case pairs such as 'É'/'é', 'ß', 'İ', non-BMP characters, combining marks,
`% _ \\ ' "`, integers around 2**53, sub-microsecond timestamps with offsets)
come up in every run rather than once in a million.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from .field_types import INT64_MAX, INT64_MIN, FieldType
from .operators import OPERATORS, Logical, Op, words
from .schema import Field, Schema

__all__ = ["filters", "invalid_requests", "requests", "row_lists", "rows", "sorts"]

Draw = Callable[[st.SearchStrategy[Any]], Any]

# -- the shared value pools ----------------------------------------------------

STRINGS: tuple[str, ...] = (
    "",
    "a",
    "A",
    "ab",
    "Ab",
    "abc",
    "b",
    "z",
    "jo",
    "John",
    "Mojo",
    "john smith",
    "Smith, John",
    "hello world",
    "Hello, World!",
    "world",
    "É",
    "é",
    "école",
    "Écoles",
    "e\u0301cole",
    "n\u0303",
    "A\u030a",
    "ß",
    "SS",
    "ss",
    "straße",
    "İ",
    "i",
    "I",
    "ı",
    "İstanbul",
    "istanbul",
    "😀",
    "😀 smile",
    "𝔘𝔫𝔦",
    "中文 字",
    "100%",
    "10% off",
    "a_b",
    "a%b",
    "a\\b",
    "\\",
    "%",
    "_",
    "it's",
    'say "hi"',
    "'",
    '"',
    "x y z",
    "42",
    "1",
    "true",
    "2024-01-01T00:00:00Z",
    "default",
    "livestream",
)
WORDS: tuple[str, ...] = tuple(sorted({w for s in STRINGS for w in words(s)}))
INTEGERS: tuple[int, ...] = (
    0,
    1,
    -1,
    2,
    3,
    7,
    10,
    42,
    100,
    2**53 - 1,
    2**53,
    2**53 + 1,
    -(2**53),
    -(2**53) - 1,
    2**62,
    INT64_MAX,
    INT64_MIN,
)
FLOATS: tuple[float, ...] = (0.0, -0.0, 0.5, 1.0, 1.5, -2.5, 3.0, 10.0, 0.1, 0.30000000000000004, 2.0**53, 1e300, -1e-9)
CUSTOM_KEYS: tuple[str, ...] = ("a", "b", "color", "n", "x-y", "A_1")
_UTC_MIN = datetime(1950, 1, 1, tzinfo=UTC)
_UTC_MAX = datetime(2100, 1, 1, tzinfo=UTC)
DATETIMES: tuple[datetime, ...] = tuple(
    datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
    for parts in (
        (2024, 1, 1),
        (2024, 1, 1, 0, 0, 0, 1),
        (2023, 12, 31, 23, 59, 59, 999999),
        (2024, 2, 29, 12, 30, 45, 123456),
        (2024, 2, 29, 12, 30, 45, 123457),
        (1970, 1, 1),
        (1969, 12, 31, 23, 59, 59, 999999),
        (2000, 1, 1, 5, 30),
        (2038, 1, 19, 3, 14, 8),
        (2099, 12, 31, 23, 59, 59, 999999),
    )
)
# Nanoseconds added to a pooled instant to make operands: exact hits, and
# instants just inside and outside a stored microsecond.
_NANO_SHIFTS = (0, 0, 0, 1, -1, 500, -500, 999, -999, 1000, -1000, 123)
_OFFSETS_MIN = (0, 0, 60, -60, 330, -330, 840, -720, 45, 1439, -1439)
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)

_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
strings: st.SearchStrategy[str] = st.one_of(st.sampled_from(STRINGS), st.sampled_from(STRINGS), _text)
integers: st.SearchStrategy[int] = st.one_of(st.sampled_from(INTEGERS), st.integers(-5, 12))
floats: st.SearchStrategy[float] = st.one_of(
    st.sampled_from(FLOATS), st.floats(-20, 20, allow_nan=False, allow_infinity=False)
)
numbers: st.SearchStrategy[int | float] = st.one_of(integers, floats)
datetimes: st.SearchStrategy[datetime] = st.one_of(
    st.sampled_from(DATETIMES),
    st.datetimes(_UTC_MIN.replace(tzinfo=None), _UTC_MAX.replace(tzinfo=None), timezones=st.just(UTC)),
)
json_scalars: st.SearchStrategy[Any] = st.one_of(strings, integers, floats, st.booleans())
json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(json_scalars, st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(CUSTOM_KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)


def _prefixes() -> st.SearchStrategy[str]:
    """Non-empty prefixes of pooled strings, sometimes with the case changed."""
    base = st.sampled_from([s for s in STRINGS if s]).flatmap(lambda s: st.integers(1, len(s)).map(lambda n: s[:n]))
    return st.one_of(base, base.map(str.upper), base.map(str.lower), st.text(min_size=1, max_size=3).filter(_clean))


def _clean(text: str) -> bool:
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _queries() -> st.SearchStrategy[str]:
    """`$q` operands: one to three pooled words, in any case, with punctuation."""
    word = st.sampled_from(WORDS)
    cased = st.one_of(word, word.map(str.upper), word.map(str.title))
    return st.tuples(st.lists(cased, min_size=1, max_size=3), st.sampled_from((" ", ", ", "-", "  "))).map(
        lambda parts: parts[1].join(parts[0])
    )


def _rfc3339(epoch_ns: int, offset_min: int, digits: int, sep: str, zulu: str) -> str:
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    local = _EPOCH + timedelta(seconds=seconds, minutes=offset_min)
    text = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}{sep}{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )
    if digits:
        text += "." + f"{nanos:09d}"[:digits]
    if offset_min == 0:
        return text + zulu
    sign = "+" if offset_min > 0 else "-"
    hours, minutes = divmod(abs(offset_min), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


@st.composite
def _timestamps(draw: Draw) -> str:
    """RFC 3339 operands near pooled instants: 0-9 fraction digits, any offset."""
    base = draw(datetimes)
    epoch_ns = (base - _EPOCH_UTC) // timedelta(microseconds=1) * 1000 + draw(st.sampled_from(_NANO_SHIFTS))
    needed = len(f"{epoch_ns % 1_000_000_000:09d}".rstrip("0"))
    digits = draw(st.integers(needed, 9))
    offset = draw(st.sampled_from(_OFFSETS_MIN))
    return _rfc3339(
        epoch_ns,
        offset,
        digits,
        draw(st.sampled_from(("T", "t", " "))),
        draw(st.sampled_from(("Z", "z", "+00:00", "-00:00"))),
    )


timestamps: st.SearchStrategy[str] = _timestamps()

# -- values by field type ------------------------------------------------------

_ROW_VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: strings,
    FieldType.INTEGER: integers,
    FieldType.NUMBER: numbers,
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: datetimes,
    FieldType.STRING_ARRAY: st.lists(st.one_of(st.sampled_from(STRINGS), _text), max_size=3),
    FieldType.CUSTOM: st.dictionaries(
        st.sampled_from(CUSTOM_KEYS), st.one_of(json_scalars, st.booleans(), st.none(), json_values), max_size=4
    ),
}

_OPERANDS: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: strings,
    FieldType.INTEGER: st.one_of(integers, integers, floats),
    FieldType.NUMBER: numbers,
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: timestamps,
    FieldType.STRING_ARRAY: strings,
    FieldType.CUSTOM: json_scalars,
}

# -- rows ------------------------------------------------------------------------


def _value(field: Field) -> st.SearchStrategy[Any]:
    """A field's value: usually present, sometimes null (None or a missing key)."""
    return st.one_of(_ROW_VALUES[field.type], _ROW_VALUES[field.type], _ROW_VALUES[field.type], st.none())


def rows(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """One row fitting `schema`: a dict keyed by field name; the tie-breaker is never null."""
    tie = schema.by_name[schema.tie_breaker]
    optional = {f.name: _value(f) for f in schema.fields if f.name != tie.name}
    return st.fixed_dictionaries({tie.name: _ROW_VALUES[tie.type]}, optional=optional)


def row_lists(schema: Schema, *, min_size: int = 0, max_size: int = 30) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rows with distinct tie-breaker values (booleans allow at most two rows)."""
    tie = schema.by_name[schema.tie_breaker]
    if tie.type is FieldType.BOOLEAN:
        max_size = min(max_size, 2)
    if min_size > max_size:
        raise ValueError(f"a {tie.type} tie-breaker allows at most {max_size} rows")
    unique_ties = st.one_of(_ROW_VALUES[tie.type], _text) if tie.type is FieldType.STRING else _ROW_VALUES[tie.type]

    @st.composite
    def build(draw: Draw) -> list[dict[str, Any]]:
        drawn: list[dict[str, Any]] = draw(st.lists(rows(schema), min_size=min_size, max_size=max_size))
        ties = draw(st.lists(unique_ties, min_size=len(drawn), max_size=len(drawn), unique_by=_tie_key))
        for row, value in zip(drawn, ties, strict=True):
            row[tie.name] = value
        return drawn

    return build()


def _tie_key(value: Any) -> Any:
    # 1 and 1.0 are one sort value; so are datetimes at the same instant.
    return (type(value) is bool, value)


# -- filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldPlan:
    """Strategies for one field's conditions, built once per `filters()` call:
    building strategies inside a draw costs more than the draw itself."""

    field: Field
    name: st.SearchStrategy[str]
    ops: st.SearchStrategy[list[Op]]
    operands: dict[Op, st.SearchStrategy[Any]]
    scalar: st.SearchStrategy[Any]


@dataclass(frozen=True)
class _Budget:
    fields: tuple[_FieldPlan, ...]
    max_depth: int
    children: st.SearchStrategy[int]
    pick: st.SearchStrategy[_FieldPlan]
    any_kind: st.SearchStrategy[str]  # "field" or a logical operator the schema allows
    logical_only: st.SearchStrategy[str]


_ENTRIES = st.integers(0, 3)
_FIELD_ONLY = st.just("field")
_CUSTOM_PATHS = st.lists(st.sampled_from(CUSTOM_KEYS), min_size=1, max_size=2).map(".".join)


def _short(strategy: st.SearchStrategy[Any], max_string: int) -> st.SearchStrategy[Any]:
    if max_string >= 64:  # every pooled or generated string is shorter
        return strategy
    return strategy.filter(lambda v: not isinstance(v, str) or len(v) <= max_string)


def _field_plan(field: Field, max_in: int, max_string: int) -> _FieldPlan:
    scalar = _short(_OPERANDS[field.type], max_string)
    special: dict[Op, st.SearchStrategy[Any]] = {
        Op.EXISTS: st.booleans(),
        Op.AUTOCOMPLETE: _short(_prefixes(), max_string),
        Op.Q: _short(_queries(), max_string),
        Op.IN: st.lists(scalar, max_size=min(4, max_in)),
        Op.NIN: st.lists(scalar, max_size=min(4, max_in)),
    }
    name = _CUSTOM_PATHS.map(f"{field.name}.".__add__) if field.type is FieldType.CUSTOM else st.just(field.name)
    ops = sorted(field.operators)
    return _FieldPlan(
        field,
        name,
        st.lists(st.sampled_from(ops), min_size=1, max_size=min(3, len(ops)), unique=True),
        {op: special.get(op, scalar) for op in ops},
        scalar,
    )


def _field_condition(draw: Draw, plan: _FieldPlan, remaining: list[int]) -> tuple[str, Any]:
    chosen: list[Op] = draw(plan.ops)[: remaining[0]]
    remaining[0] -= len(chosen)
    name = draw(plan.name)
    if chosen == [Op.EQ] and draw(st.booleans()):
        return name, draw(plan.scalar)
    return name, {str(op): draw(plan.operands[op]) for op in chosen}


def _filter(draw: Draw, budget: _Budget, depth: int, remaining: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nested = depth < budget.max_depth
    if not budget.fields and not nested:
        return out
    kinds = (budget.any_kind if nested else _FIELD_ONLY) if budget.fields else budget.logical_only
    for _ in range(draw(_ENTRIES)):
        if remaining[0] <= 0:
            break
        kind = draw(kinds)
        if kind == "field":
            name, condition = _field_condition(draw, draw(budget.pick), remaining)
            out.setdefault(name, condition)
        elif kind not in out:
            out[kind] = [_filter(draw, budget, depth + 1, remaining) for _ in range(draw(budget.children))]
    return out


def filters(schema: Schema, *, max_depth: int = 3, max_conditions: int = 8) -> st.SearchStrategy[dict[str, Any]]:
    """Valid `filter_conditions` over the schema's fields and allowed operators."""
    limits = schema.limits
    plans = tuple(
        _field_plan(f, limits.max_in_values, limits.max_string_length) for f in schema.visible.values() if f.operators
    )
    logical = [str(k) for k in Logical if k in schema.logical]
    budget = _Budget(
        plans,
        min(max_depth, limits.max_depth),
        st.integers(1, min(3, limits.max_conditions)),
        st.sampled_from(plans) if plans else st.nothing(),
        st.sampled_from(("field", "field", *logical)),
        st.sampled_from(logical),
    )
    cap = min(max_conditions, limits.max_conditions)

    @st.composite
    def build(draw: Draw) -> dict[str, Any]:
        return _filter(draw, budget, 0, [cap])

    return build()


def sorts(schema: Schema) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Valid sort arrays: distinct sortable fields, each ascending or descending."""
    names = schema.sortable_fields
    keys = st.lists(st.sampled_from(names), unique=True, max_size=min(schema.limits.max_sort_keys, len(names), 3))
    return keys.flatmap(
        lambda chosen: st.tuples(*(st.sampled_from((1, -1)) for _ in chosen)).map(
            lambda dirs: [{"field": name, "direction": d} for name, d in zip(chosen, dirs, strict=True)]
        )
    )


def requests(schema: Schema, *, max_limit: int | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid request bodies (no cursor): any of filter_conditions, sort, limit."""
    top = schema.max_limit if max_limit is None else min(max_limit, schema.max_limit)
    return st.fixed_dictionaries(
        {},
        optional={"filter_conditions": filters(schema), "sort": sorts(schema), "limit": st.integers(1, top)},
    )


# -- invalid requests ------------------------------------------------------------

_BAD_OPERANDS: dict[FieldType, tuple[Any, ...]] = {
    FieldType.STRING: (1, 1.5, True, False, ["a"], {"a": 1}),
    FieldType.INTEGER: ("1", True, False, 2**64, -(2**64), ["1"], {"a": 1}),
    FieldType.NUMBER: ("1.5", True, False, 2**64, [1], {"a": 1}),
    FieldType.BOOLEAN: (1, 0, 1.0, "true", [True]),
    FieldType.DATETIME: (
        "2024-02-30T00:00:00Z",
        "2024-01-01T00:00:00",
        "2024-01-01",
        "2024-01-01T24:00:00Z",
        "2016-12-31T23:59:60Z",
        "2024-01-01T00:00:00.1234567891Z",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00Z",
        "yesterday",
        1704067200,
        True,
    ),
    FieldType.STRING_ARRAY: (1, True, 2.5, ["a"], {"a": 1}),
    FieldType.CUSTOM: ([1], {"a": 1}, ["x", "y"], 2**64),
}
_BAD_BY_OP: dict[Op, tuple[Any, ...]] = {
    Op.EXISTS: ("true", 1, 0, "yes", [True]),
    Op.AUTOCOMPLETE: ("", 1, True, ["a"]),
    Op.Q: ("", "   ", "%%", "-- !", 1, ["a"]),
}
_UNKNOWN_OPERATORS = ("$regex", "$like", "$not", "$elemMatch", "$EQ", "$", "eq")


def _bad_filters(schema: Schema) -> list[st.SearchStrategy[Any]]:
    fields = list(schema.visible.values())
    named = st.sampled_from(fields)
    hidden = [f.name for f in schema.fields if f.hidden]  # unknown to clients (SPEC §8)
    guesses = ("zz_no_such_field", "createdAt", "ID", "custom_x", "ty pe")
    unknown_names = [*hidden, *(n for n in guesses if n not in schema.by_name)]
    out: list[st.SearchStrategy[Any]] = [
        st.sampled_from(unknown_names).map(lambda n: {n: {"$exists": True}}),
        st.tuples(named, st.sampled_from(_UNKNOWN_OPERATORS)).map(lambda p: {_plain(p[0]): {p[1]: 1}}),
        named.map(lambda f: {_plain(f): {}}),
        named.map(lambda f: {_plain(f): {"color": 1}}),
        named.map(lambda f: {_plain(f): {"$exists": True, "color": 1}}),
        st.sampled_from(
            [
                {"$and": []},
                {"$or": []},
                {"$and": {}},
                {"$or": [1]},
                {"$and": "x"},
                {"$not": [{}]},
                {"$nor": [{}] if Logical.NOR not in schema.logical else []},
            ]
        ),
    ]
    with_ops = [f for f in fields if f.operators]
    if with_ops:
        out.append(
            st.sampled_from(with_ops).flatmap(
                lambda f: st.sampled_from(sorted(f.operators)).map(lambda op: {_plain(f): {str(op): None}})
            )
        )
        out.append(st.sampled_from(with_ops).flatmap(_wrong_operand))
    not_allowed = [(f, op) for f in fields for op in OPERATORS.values() if op.op not in f.operators]
    if not_allowed:
        out.append(st.sampled_from(not_allowed).map(lambda p: {_plain(p[0]): {str(p[1].op): True}}))
    dotted = [f for f in fields if f.type is not FieldType.CUSTOM]
    if dotted:
        out.append(st.sampled_from(dotted).map(lambda f: {f"{f.name}.x": {"$exists": True}}))
    customs = [f for f in fields if f.type is FieldType.CUSTOM]
    if customs:
        bad_paths = ("", ".a", "a..b", "a b", "a.é", "a/b")
        out.append(
            st.tuples(st.sampled_from(customs), st.sampled_from(bad_paths)).map(
                lambda p: {f"{p[0].name}{'.' if p[1] else ''}{p[1]}": {"$exists": True}}
            )
        )
    return out


def _plain(field: Field) -> str:
    return f"{field.name}.a" if field.type is FieldType.CUSTOM else field.name


def _wrong_operand(field: Field) -> st.SearchStrategy[Any]:
    choices: list[tuple[str, Any]] = []
    for op in sorted(field.operators):
        if op in _BAD_BY_OP:
            choices.extend((str(op), v) for v in _BAD_BY_OP[op])
        elif op in (Op.IN, Op.NIN):
            choices.extend((str(op), [v]) for v in _BAD_OPERANDS[field.type] if not isinstance(v, list | dict))
            choices.extend((str(op), v) for v in ("a", 1, {"a": 1}))
        else:
            choices.extend((str(op), v) for v in _BAD_OPERANDS[field.type])
    return st.sampled_from(choices).map(lambda c: {_plain(field): {c[0]: c[1]}})


def _bad_sorts(schema: Schema) -> list[Any]:
    sortable = schema.sortable_fields
    first = sortable[0]
    bad: list[Any] = [
        [{"field": "zz_no_such_field", "direction": 1}],
        [{"field": first, "direction": 0}],
        [{"field": first, "direction": 2}],
        [{"field": first, "direction": "asc"}],
        [{"field": first, "direction": True}],
        [{"field": first, "direction": 1.0}],
        [{"field": first, "direction": 1}, {"field": first, "direction": -1}],
        [{"field": first, "direction": 1, "nulls": "last"}],
        [{"direction": 1}],
        [first],
        {"field": first},
        first,
        [{"field": first, "direction": 1}] * (schema.limits.max_sort_keys + 1),
    ]
    bad.extend([{"field": f.name, "direction": 1}] for f in schema.fields if not f.sortable)  # hidden: unknown
    return bad


def _bad_tops(schema: Schema) -> list[Any]:
    return [
        {"limit": 0},
        {"limit": -1},
        {"limit": schema.max_limit + 1},
        {"limit": "10"},
        {"limit": True},
        {"limit": 1.5},
        {"next": "abc", "prev": "def"},
        {"next": 5},
        {"prev": ["x"]},
        {"next": "a" * (schema.limits.max_cursor_length + 1)},
        {"filter": {}},
        {"filter_conditions": []},
        {"filter_conditions": "x"},
        {"filter_conditions": 1},
    ]


@st.composite
def _mutate(draw: Draw, schema: Schema) -> Any:
    base: dict[str, Any] = dict(draw(requests(schema)))
    kind = draw(st.sampled_from(("filter", "filter", "filter", "sort", "top", "shape")))
    if kind == "filter":
        bad = draw(st.one_of(*_bad_filters(schema)))
        good = base.get("filter_conditions") or {}
        base["filter_conditions"] = draw(st.sampled_from((bad, {"$and": [good, bad]}, {"$or": [bad, good]})))
    elif kind == "sort":
        base["sort"] = draw(st.sampled_from(_bad_sorts(schema)))
    elif kind == "top":
        base.update(draw(st.sampled_from(_bad_tops(schema))))
    else:
        return draw(st.sampled_from(([], [base], "x", 1, None, "{", '{"limit": 0}', b"\xff", "[]")))
    return base


def invalid_requests(schema: Schema) -> st.SearchStrategy[Any]:
    """Mutations of valid requests that `schema.parse` must reject with FilterError."""
    return _mutate(schema)


def is_row_of(schema: Schema, row: Mapping[str, Any]) -> bool:
    """Whether `row` fits `schema` as `rows` describes (for tests of custom generators)."""
    checks: dict[FieldType, Callable[[Any], bool]] = {
        FieldType.STRING: lambda v: isinstance(v, str),
        FieldType.INTEGER: lambda v: type(v) is int,
        FieldType.NUMBER: lambda v: type(v) in (int, float),
        FieldType.BOOLEAN: lambda v: type(v) is bool,
        FieldType.DATETIME: lambda v: isinstance(v, datetime) and v.tzinfo is not None,
        FieldType.STRING_ARRAY: lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
        FieldType.CUSTOM: lambda v: isinstance(v, dict),
    }
    return all(row.get(f.name) is None or checks[f.type](row[f.name]) for f in schema.fields)
