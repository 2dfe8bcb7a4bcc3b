"""Differential walks for the opt-in operators, every backend against memory.

For each opt-in operator on each field type that defines it, and for `$nor`
over every field type: generated rows where the field is often missing, null,
near the operand or (in `custom.*`) a JSON value of any type, including arrays
that hold the operand; a whole `next` walk in pages of 3 on the backend must
give exactly the pages memory gives.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_filters import Field, FieldType, FilterError, Op, Schema, SortKey, strategies
from stream_filters.ast import conditions
from stream_filters.schema import ALL_LOGICAL
from tests.backends import BACKENDS, Backend
from tests.schemas import ALL_TYPES

OTHERS = [b for b in BACKENDS if b.name != "memory"]
MEMORY = next(b for b in BACKENDS if b.name == "memory")
OPT_IN = (Op.NE, Op.NIN, Op.CONTAINS)
CASES = [
    *((f.name, op) for f in ALL_TYPES.fields if f.name != "id" for op in OPT_IN if op in f.operators),
    *((f.name, "$nor") for f in ALL_TYPES.fields if f.name != "id"),
]
EXAMPLES = 15

_scalars = strategies.json_scalars
VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: strategies.strings,
    FieldType.INTEGER: strategies.integers,
    # Floats only: MariaDB keeps `number` as DOUBLE (docs/sql.md), so an int beyond 2^53 would differ there.
    FieldType.NUMBER: strategies.numbers.map(float),
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: strategies.datetimes,
    FieldType.STRING_ARRAY: st.lists(strategies.strings, max_size=3),
    FieldType.CUSTOM: st.dictionaries(
        st.sampled_from(strategies.CUSTOM_KEYS),
        st.one_of(_scalars, st.none(), st.lists(st.one_of(_scalars, st.none(), st.lists(_scalars, max_size=1)))),
        max_size=4,
    ),
}


def _schema(name: str, ops: frozenset[Op], label: str) -> Schema:
    field = ALL_TYPES.by_name[name]
    return Schema(
        name=f"opt_{name}{label}",
        fields=(ALL_TYPES.by_name["id"], Field(name, field.type, ops, field.sortable)),
        tie_breaker="id",
        default_sort=(SortKey("id", 1),),
        logical=ALL_LOGICAL,
    )


def _focused(name: str, op: str) -> Schema:
    """The operator under test (and, under `$nor`, the operators it negates), to draw filters from."""
    field = ALL_TYPES.by_name[name]
    ops = {Op.EQ, Op.IN, Op.EXISTS} | ({Op(op)} if op != "$nor" else set(field.operators) - set(OPT_IN))
    return _schema(name, frozenset(ops), f"_{op[1:]}")


def _stored(name: str) -> Schema:
    """`id` and the field with every operator: one table per field on each database."""
    return _schema(name, ALL_TYPES.by_name[name].operators, "")


def _request(schema: Schema, op: str) -> st.SearchStrategy[dict[str, Any]]:
    found = strategies.filters(schema, max_depth=2, max_conditions=3)
    if op == "$nor":
        found = found.map(lambda f: {"$nor": [f]})
    return st.fixed_dictionaries({"filter_conditions": found, "limit": st.just(3)})


def _with_operands(data: st.DataObject, schema: Schema, name: str, rows: list[dict[str, Any]], body: Any) -> None:
    """Put operands of the filter into some rows (in arrays too), so that matches happen."""
    kind = schema.by_name[name].type
    operands = [
        (c.path, v)
        for c in conditions(schema.parse(body).filter)
        for v in (c.value if isinstance(c.value, tuple) else (c.value,))
        if isinstance(v, str | int | float | bool)
    ]
    for row in rows:
        row[name] = data.draw(st.one_of(st.none(), VALUES[kind]), label=name)
        if not operands or not data.draw(st.booleans(), label="use an operand"):
            continue
        path, value = data.draw(st.sampled_from(operands), label="operand")
        if kind is FieldType.CUSTOM and path:
            shape = data.draw(st.sampled_from(("scalar", "array", "array of two")), label="shape")
            placed = {"scalar": value, "array": [value], "array of two": ["x", value]}[shape]
            row[name] = {**(row[name] or {}), path[0]: placed} if len(path) == 1 else row[name]
        elif kind is FieldType.STRING_ARRAY and isinstance(value, str):
            row[name] = [*(row[name] or []), value]
        elif kind is FieldType.STRING and isinstance(value, str):
            row[name] = value


def _walk(backend: Backend, schema: Schema, rows: list[dict[str, Any]], body: dict[str, Any]) -> list[list[Any]]:
    page = backend.open(schema, rows)
    pages = [page(body)]
    while pages[-1].next is not None and len(pages) < 20:
        pages.append(page({**body, "next": pages[-1].next}))
    return [[item["id"] for item in p.items] for p in pages]


@pytest.mark.parametrize("backend", OTHERS, ids=lambda b: b.name)
@pytest.mark.parametrize(("name", "op"), CASES, ids=[f"{n}{o}" for n, o in CASES])
def test_backend_agrees_with_memory(backend: Backend, name: str, op: str) -> None:
    focused, schema = _focused(name, op), _stored(name)
    backend.open(schema, [])  # skip or fail now if the backend's server is down

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        body = data.draw(_request(focused, op), label="request")
        rows = data.draw(strategies.row_lists(schema, min_size=4, max_size=10), label="rows")
        _with_operands(data, schema, name, rows, body)
        try:
            theirs = _walk(backend, schema, rows, body)
        except FilterError as exc:
            assert exc.codes == ["unsupported"], exc.to_dict()  # σ/ς in $autocomplete/$q on some databases
            return
        assert theirs == _walk(MEMORY, schema, rows, body)

    check()
