"""The operators and what their operands look like (SPEC §2).

Adding an operator: one `Op` member, one `OperatorSpec` in `OPERATORS`, and one
entry in each backend's dispatch table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum


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


class Operand(Enum):
    """The shape of an operator's operand."""

    SCALAR = "a value of the field's type"
    LIST = "an array of values of the field's type"
    BOOLEAN = "true or false"
    PREFIX = "a non-empty string"
    WORDS = "a string with at least one word"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    op: Op
    operand: Operand
    strings_only: bool = False  # only on string values: `string` fields and `custom.*`


OPERATORS: dict[str, OperatorSpec] = {
    spec.op: spec
    for spec in (
        OperatorSpec(Op.EQ, Operand.SCALAR),
        OperatorSpec(Op.GT, Operand.SCALAR),
        OperatorSpec(Op.GTE, Operand.SCALAR),
        OperatorSpec(Op.LT, Operand.SCALAR),
        OperatorSpec(Op.LTE, Operand.SCALAR),
        OperatorSpec(Op.IN, Operand.LIST),
        OperatorSpec(Op.EXISTS, Operand.BOOLEAN),
        OperatorSpec(Op.AUTOCOMPLETE, Operand.PREFIX, strings_only=True),
        OperatorSpec(Op.Q, Operand.WORDS, strings_only=True),
    )
}

COMPARISONS = frozenset({Op.EQ, Op.GT, Op.GTE, Op.LT, Op.LTE})
RANGES = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE})

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
