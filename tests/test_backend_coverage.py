"""Every operator × field type × backend has an entry, or an explicit refusal.

For each operator a field type defines (`operators.OPERATORS`), each backend
compiles a condition of that operator on a field of that type, for operands
of every kind the type admits. The backend must return its compiled form or
refuse with the `unsupported` error: any other exception (a missing table
entry is a KeyError, a branch that did not expect the operator an
AssertionError or TypeError) fails here. Operators the front end lowers
(`ast.lowered`) need no entry; the static checks below require one for every
other pair in the backends' dispatch tables.
"""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import Condition, FieldType, FilterError, Instant, Op, memory
from stream_filters.elasticsearch import compiler as es_compiler
from stream_filters.field_types import CHECKERS
from stream_filters.operators import OPERATORS, Operand, defined_on, is_sugar
from stream_filters.sql import compiler as sql_compiler
from stream_filters.text.printer import WORDS
from stream_filters.text.reader import OPERATOR_TOKENS
from tests.backends import BACKENDS, Backend
from tests.schemas import ALL_TYPES

_FIELDS = {f.type: f for f in ALL_TYPES.fields}
_SAMPLES: dict[FieldType, tuple[Any, ...]] = {
    FieldType.STRING: ("a", "a\x00b"),
    FieldType.INTEGER: (1, 2.5, 2**63 - 1),
    FieldType.NUMBER: (1.5, 2**53 + 1),
    FieldType.BOOLEAN: (True, False),
    FieldType.DATETIME: (Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2024-01-01T00:00:00.0000001Z")),
    FieldType.STRING_ARRAY: ("a",),
    FieldType.CUSTOM: ("a", 1, 1.5, True),
}
_PAIRS = [(kind, op) for kind in FieldType for op in sorted(defined_on(kind))]


def _operands(kind: FieldType, op: Op) -> list[Any]:
    shape = OPERATORS[op].operand
    samples = _SAMPLES[kind]
    if shape is Operand.LIST:
        return [(), samples]
    if shape is Operand.BOOLEAN:
        return [True, False]
    if shape in (Operand.PREFIX, Operand.WORDS):
        return ["ab"]
    return list(samples)


def test_every_field_type_has_samples_and_a_field() -> None:
    assert set(_SAMPLES) == set(FieldType) == set(CHECKERS)
    assert set(_FIELDS) == set(FieldType), "tests.schemas.ALL_TYPES must hold a field of every type"


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
@pytest.mark.parametrize(("kind", "op"), _PAIRS, ids=[f"{k}-{o}" for k, o in _PAIRS])
def test_backend_compiles_or_refuses(backend: Backend, kind: FieldType, op: Op) -> None:
    field = _FIELDS[kind]
    path = ("a",) if kind is FieldType.CUSTOM else ()
    for operand in _operands(kind, op):
        node = Condition(field.name, path, op, operand, kind)
        try:
            compiled = backend.compile(ALL_TYPES, node)
        except FilterError as exc:
            assert exc.codes == ["unsupported"], exc.to_dict()
        else:
            assert compiled is not None


def test_memory_has_a_template_for_every_pair() -> None:
    missing = [(k, o) for k, o in _PAIRS if not is_sugar(o, k) and (k, o) not in memory._TEMPLATES]
    assert missing == []


@pytest.mark.parametrize("builders", [sql_compiler.BUILDERS, es_compiler.BUILDERS], ids=["sql", "elasticsearch"])
def test_sql_and_elasticsearch_have_a_builder_for_every_operator(builders: dict[Op, Any]) -> None:
    missing = sorted({o for k, o in _PAIRS if not is_sugar(o, k)} - set(builders))
    assert missing == []


def test_text_syntax_has_a_word_for_every_operator() -> None:
    """Every operator but `$exists` (`exists`/`missing`) has a canonical word and a token."""
    assert set(WORDS) == set(Op) - {Op.EXISTS}
    assert set(OPERATOR_TOKENS.values()) == {str(op) for op in WORDS}
