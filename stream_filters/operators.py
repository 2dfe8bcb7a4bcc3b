"""The operators: what each means, what operand it takes, where it applies (SPEC §2-3).

Every operator is declared once, in `OPERATORS`: its role, its operand's
shape, the field types it is defined on, and — for sugar — the existing
operator it negates. Backends branch on `Op` only through dispatch tables
whose completeness tests/test_backend_coverage.py checks, or through `match`
statements ending in `assert_never`, so a new operator cannot fall into
another's branch. docs/extending.md lists the places an operator touches.

Missing values (SPEC §3): no operator matches a missing or null value except
`$exists: false`. The negations `$ne` and `$nin` keep that rule: they mean
"present, and not ...", which `lowered` spells with existing nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import assert_never

from .field_types import STRING_TYPES, FieldType


class Op(StrEnum):
    EQ = "$eq"
    GT = "$gt"
    GTE = "$gte"
    LT = "$lt"
    LTE = "$lte"
    IN = "$in"
    EXISTS = "$exists"
    AUTOCOMPLETE = "$autocomplete"
    Q = "$q"
    # Opt-in (SPEC §2 "Opt-in operators"): a schema must name them on a field.
    NE = "$ne"
    NIN = "$nin"
    CONTAINS = "$contains"


class Logical(StrEnum):
    """The filter-level operators that combine filters."""

    AND = "$and"
    OR = "$or"
    NOR = "$nor"  # opt-in: a schema allows it with `logical=`


class Role(Enum):
    """What an operator asks of a value."""

    EQUALITY = "equality"  # equal to the operand (type-bracketed in custom.*)
    ORDER = "order"  # above or below the operand, within its type
    MEMBERSHIP = "membership"  # equal to one of a list
    PRESENCE = "presence"  # present and not null, or not
    TEXT = "text"  # string matching: prefix, words
    ARRAY = "array"  # an element of an array value


class Operand(Enum):
    """The shape of an operator's operand."""

    SCALAR = "a value of the field's type"
    LIST = "an array of values of the field's type"
    BOOLEAN = "true or false"
    PREFIX = "a non-empty string"
    WORDS = "a string with at least one word"


_ALL_TYPES = frozenset(FieldType)
_SCALAR_TYPES = _ALL_TYPES - {FieldType.STRING_ARRAY}


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    op: Op
    role: Role
    operand: Operand
    types: frozenset[FieldType]  # the field types SPEC gives it a meaning on
    negates: Op | None = None  # sugar: `present and not <negates>` (see `lowered`)

    @property
    def strings_only(self) -> bool:
        """Only string values can match (`string` fields and strings in `custom.*`)."""
        return self.types <= STRING_TYPES


OPERATORS: dict[str, OperatorSpec] = {
    spec.op: spec
    for spec in (
        OperatorSpec(Op.EQ, Role.EQUALITY, Operand.SCALAR, _ALL_TYPES),
        OperatorSpec(Op.GT, Role.ORDER, Operand.SCALAR, _SCALAR_TYPES),
        OperatorSpec(Op.GTE, Role.ORDER, Operand.SCALAR, _SCALAR_TYPES),
        OperatorSpec(Op.LT, Role.ORDER, Operand.SCALAR, _SCALAR_TYPES),
        OperatorSpec(Op.LTE, Role.ORDER, Operand.SCALAR, _SCALAR_TYPES),
        OperatorSpec(Op.IN, Role.MEMBERSHIP, Operand.LIST, _ALL_TYPES),
        OperatorSpec(Op.EXISTS, Role.PRESENCE, Operand.BOOLEAN, _ALL_TYPES),
        OperatorSpec(Op.AUTOCOMPLETE, Role.TEXT, Operand.PREFIX, STRING_TYPES),
        OperatorSpec(Op.Q, Role.TEXT, Operand.WORDS, STRING_TYPES),
        OperatorSpec(Op.NE, Role.EQUALITY, Operand.SCALAR, _ALL_TYPES, negates=Op.EQ),
        OperatorSpec(Op.NIN, Role.MEMBERSHIP, Operand.LIST, _ALL_TYPES, negates=Op.IN),
        OperatorSpec(Op.CONTAINS, Role.ARRAY, Operand.SCALAR, frozenset({FieldType.STRING_ARRAY, FieldType.CUSTOM})),
    )
}

COMPARISONS = frozenset(op for op, spec in OPERATORS.items() if spec.role in (Role.EQUALITY, Role.ORDER))
RANGES = frozenset(spec.op for spec in OPERATORS.values() if spec.role is Role.ORDER)
# Operators no backend implements: the front end's `lowered` rewrites them.
SUGAR = frozenset(spec.op for spec in OPERATORS.values() if spec.negates is not None)


def defined_on(kind: FieldType) -> frozenset[Op]:
    """The operators SPEC gives a meaning to on a field type."""
    return frozenset(spec.op for spec in OPERATORS.values() if kind in spec.types)


def is_sugar(op: Op, kind: FieldType) -> bool:
    """Whether `op` on a `kind` field is written with other operators by `ast.lowered`:
    the negations everywhere, and `$contains` on `string_array`, which is `$eq` (SPEC §3)."""
    return op in SUGAR or (op is Op.CONTAINS and kind is FieldType.STRING_ARRAY)


class Side(Enum):
    EQUAL = "equal"
    ABOVE = "above"
    BELOW = "below"


def comparison(op: Op) -> tuple[Side, bool]:
    """Which side of the operand a comparison keeps, and whether the operand
    itself; a TypeError for an operator that is not a comparison, so that no
    helper rewriting comparisons can read a new operator as another."""
    match op:
        case Op.EQ:
            return Side.EQUAL, True
        case Op.GT:
            return Side.ABOVE, False
        case Op.GTE:
            return Side.ABOVE, True
        case Op.LT:
            return Side.BELOW, False
        case Op.LTE:
            return Side.BELOW, True
        case Op.IN | Op.EXISTS | Op.AUTOCOMPLETE | Op.Q | Op.NE | Op.NIN | Op.CONTAINS:
            raise TypeError(f"{op} is not a comparison")
        case _:
            assert_never(op)


# A word is a maximal run of Unicode letters (category L) and numbers
# (category N): exactly the characters for which `str.isalnum()` holds.
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, as `$q` compares them.

    Words are found before lower-casing: lower-casing can yield characters
    that are not letters (U+0130 becomes "i" and a combining dot).
    """
    return [word.lower() for word in _WORD.findall(text)]


def fold(text: str) -> str:
    """Case folding for `$autocomplete`: Unicode default lower-casing."""
    return text.lower()
