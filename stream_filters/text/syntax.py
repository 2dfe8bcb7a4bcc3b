"""Lark's parse failures -> one `syntax_error` problem a person can act on.

The message names the position, what was expected in words (not terminal
names), what was found, a hint for the common mistakes (`==`, `!=`, `&&`,
single quotes, bare words, `is null`, a missing value or parenthesis) and a
caret excerpt. The expected set comes from the parser itself
(`InteractiveParser.accepts`), so it is exact for the position.

Hints are keyed on what the parser expected and what it found rather than on
lark's `match_examples`: that compares whole parser stacks, so an example
written at the top level would not match the same mistake inside parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..errors import Code, FilterError, Path, Problem
from .positions import excerpt, locate
from .printer import string_literal

SCALARS = frozenset({"STRING", "NUMBER", "TIMESTAMP", "TRUE", "FALSE", "NULL"})
OPERATORS = (
    "EQ",
    "GT",
    "GTE",
    "LT",
    "LTE",
    "IN",
    "STARTSWITH",
    "MATCHES",
    "EXISTS",
    "MISSING",
    "NE",
    "NIN",
    "CONTAINS",
)
_OPERATOR_WORDS = "=, >, >=, <, <=, in, startswith, matches, exists, missing, !=, not in or contains"
_NAMES = {
    "FIELD": "a field name",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "AND": "'and'",
    "OR": "'or'",
    "$END": "the end of the filter",
}
_ESCAPES = '"\\/bfnrt'
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SINGLE_QUOTED = re.compile(r"['`]([^'`\n]{0,40})['`]")


class _Found:
    """What the parser stumbled on: where, and how to name it."""

    def __init__(self, text: str, exc: UnexpectedInput) -> None:
        self.kind = "CHAR"
        self.value = ""
        self.start = exc.pos_in_stream or 0
        self.end = self.start + 1
        self.problem: str | None = None
        if isinstance(exc, UnexpectedToken):
            self.kind, self.value = exc.token.type, str(exc.token)
            if self.kind == "$END":
                self.start = self.end = len(text)
            else:
                self.start = exc.token.start_pos or 0
                self.end = exc.token.end_pos or self.start + len(self.value)
        elif isinstance(exc, UnexpectedCharacters):
            self.value = exc.char
            if exc.char == '"':
                self.start, self.problem = _string_problem(text, self.start)
                self.end = self.start + 1
        if self.start >= len(text) and self.kind != "$END":
            self.start = self.end = len(text)
        self.following = text[self.start : self.start + 80]

    def describe(self) -> str:
        if self.problem is not None:
            return self.problem
        if self.kind == "$END":
            return "the end of the filter"
        if self.value == "'":
            return '"\'"'
        shown = self.value if len(self.value) <= 30 else self.value[:27] + "..."
        return f"'{shown}'"


def syntax_error(text: str, exc: UnexpectedInput, path: Path) -> FilterError:
    found = _Found(text, exc)
    expected = _accepted(exc)
    where = locate(text, found.start, found.end)
    message = (
        f"syntax error at line {where['line']}, column {where['column']}: "
        f"expected {_expected_words(expected)}, got {found.describe()}"
    )
    hint = _hint(text, found, expected)
    if hint:
        message += f". {hint}"
    message += "\n" + excerpt(text, found.start, found.end)
    context = {**where, "expected": _expected_list(expected)}
    return FilterError([Problem(Code.SYNTAX_ERROR, message, path, context)])


def _accepted(exc: UnexpectedInput) -> set[str]:
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        accepted = set(parser.accepts())
    else:
        accepted = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    if "OR" in accepted:
        # An LALR parser reduces `a = 1` to a whole `or` operand before seeing
        # that the next token is wrong, so `and` drops out of its set; yet
        # wherever `or` may follow a condition, `and` may too.
        accepted.add("AND")
    return accepted


def _expected_list(expected: set[str]) -> list[str]:
    """Human names for the expected tokens, values and operators grouped."""
    out: list[str] = []
    rest = set(expected)
    if SCALARS - {"NULL"} <= rest:
        out.append('a value ("string", number, true, false, timestamp' + (" or [list])" if "LSQB" in rest else ")"))
        rest -= SCALARS | {"LSQB"}
    if set(OPERATORS) <= rest:
        out.append(f"an operator ({_OPERATOR_WORDS})")
        rest -= set(OPERATORS)
    out.extend(_NAMES.get(name, f"'{name.lower()}'") for name in _ORDER if name in rest)
    return out


_ORDER = ("FIELD", "LPAR", "LSQB", *SCALARS, *OPERATORS, "COMMA", "RSQB", "AND", "OR", "RPAR", "$END")


def _expected_words(expected: set[str]) -> str:
    names = _expected_list(expected)
    if not names:
        return "nothing more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# -- hints -----------------------------------------------------------------------------


def _hint(text: str, found: _Found, expected: set[str]) -> str | None:
    before = text[: found.start].rstrip()
    for rule in _HINTS:
        hint = rule(found, expected, before)
        if hint:
            return hint
    return None


def _quotes(found: _Found, expected: set[str], before: str) -> str | None:
    if found.kind == "CHAR" and found.value in ("'", "`"):
        quoted = _SINGLE_QUOTED.match(found.following)
        example = string_literal(quoted.group(1)) if quoted else '"like this"'
        return f"Strings are written in double quotes: {example}"
    return None


def _logical_symbols(found: _Found, expected: set[str], before: str) -> str | None:
    if found.kind == "CHAR" and found.value in ("&", "|"):
        return "Combine conditions with the words and / or"
    return None


def _not_equal(found: _Found, expected: set[str], before: str) -> str | None:
    if (found.kind == "CHAR" and found.value == "!") or (found.value == ">" and before.endswith("<")):
        return (
            "not-equal is written != (where the endpoint allows $ne); "
            "or list the values you want with in [...], or use < and > with or"
        )
    return None


def _double_equals(found: _Found, expected: set[str], before: str) -> str | None:
    if found.value == "=" and before.endswith("="):
        return "Equality is a single '='"
    return None


def _negation(found: _Found, expected: set[str], before: str) -> str | None:
    word = found.value.lower()
    negating = word in ("is", "not") or re.search(r"(?:^|[\s(])not$", before, re.IGNORECASE)
    if found.kind == "FIELD" and negating and set(OPERATORS) <= expected:
        return (
            "There is no 'not' or 'is null': write `name missing` to match a missing or null value "
            "and `name exists` to match a present one; comparisons cannot be negated"
        )
    return None


def _bare_word(found: _Found, expected: set[str], before: str) -> str | None:
    if found.kind != "FIELD" or not expected >= SCALARS:
        return None
    word = found.value.lower()
    if word in ("true", "false", "null"):
        return f"Write {word} in lower case"
    if word in ("and", "or"):
        return "A value is missing before it"
    return f'Strings are written in double quotes: "{found.value}"'


def _missing_value(found: _Found, expected: set[str], before: str) -> str | None:
    if expected >= SCALARS and found.kind in ("$END", "AND", "OR", "RPAR"):
        return "A value is missing after the operator"
    if set(OPERATORS) <= expected and found.kind == "$END":
        return 'A condition is a field, an operator and a value, such as type = "default"'
    return None


def _missing_operator(found: _Found, expected: set[str], before: str) -> str | None:
    if set(OPERATORS) <= expected and found.kind in SCALARS | {"FIELD", "LSQB"}:
        return "An operator must come between the field and the value"
    return None


def _missing_join(found: _Found, expected: set[str], before: str) -> str | None:
    if "AND" in expected and found.kind in SCALARS | {"FIELD", "LPAR"}:
        return "Join conditions with and / or"
    return None


def _list_items(found: _Found, expected: set[str], before: str) -> str | None:
    if "COMMA" in expected and found.kind in SCALARS | {"FIELD"}:
        return "Separate list items with ','"
    return None


def _parentheses(found: _Found, expected: set[str], before: str) -> str | None:
    if "RPAR" in expected and found.kind == "$END":
        return "A '(' is not closed"
    if found.kind == "RPAR" and "RPAR" not in expected:
        return "This ')' has no matching '('"
    return None


def _path(found: _Found, expected: set[str], before: str) -> str | None:
    if found.kind == "CHAR" and found.value == ".":
        return "A field path is segments of letters, digits, '_' and '-' joined by single dots, such as custom.color"
    return None


_HINTS: tuple[Callable[[_Found, set[str], str], str | None], ...] = (
    _quotes,
    _logical_symbols,
    _not_equal,
    _double_equals,
    _negation,
    _bare_word,
    _missing_value,
    _missing_operator,
    _missing_join,
    _list_items,
    _parentheses,
    _path,
)


def _string_problem(text: str, quote: int) -> tuple[int, str]:
    """Where and why the string opening at `quote` is not a JSON string."""
    i = quote + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            break
        if char == "\\":
            following = text[i + 1 : i + 2]
            if following == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
                i += 6
                continue
            if following and following in _ESCAPES:
                i += 2
                continue
            shown = "\\" + following if following else "a lone \\"
            return i, f'an invalid escape {shown} (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)'
        if ord(char) < 0x20:
            return i, "a raw control character or line break inside a string (write it as \\n, \\t or \\u00XX)"
        i += 1
    if i >= len(text):
        return quote, 'a string with no closing "'
    return quote, "an invalid string"
