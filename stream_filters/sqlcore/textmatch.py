"""`$autocomplete` and `$q` as regular expressions that never lower-case in the database.

PostgreSQL's and MariaDB's `lower()` follow their own Unicode tables and
locales, so comparing lowered values would differ from Python's `str.lower`
(the contract). Instead the operand is turned, in Python, into a pattern of
explicit code points: position by position, the class of every character
whose `str.lower()` is the operand's character. Only two characters make
lower-casing more than a per-character map:

- U+0130 `İ` lowers to two characters (`i` + U+0307): an alternative branch;
- U+03A3 `Σ` lowers to `σ` or `ς` depending on its neighbours (Final_Sigma):
  operands containing `σ` or `ς` are refused on these dialects (the
  `unsupported` error), since no pattern here can see that context exactly.

A `$q` word must be a whole maximal run of letters and digits: it is
bracketed by a class of the characters for which `str.isalnum()` fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache

DOTTED_CAPITAL_I = "\u0130"
SIGMAS = frozenset("σς")
_COMBINING_DOT = "\u0307"
_SKIP = frozenset({DOTTED_CAPITAL_I, "\u03a3"})

Escape = Callable[[int], str]


@cache
def _inverse_lower() -> dict[str, tuple[int, ...]]:
    """Lowered character -> every code point that lowers to exactly it."""
    inverse: dict[str, list[int]] = {}
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        lowered = char.lower()
        if len(lowered) == 1 and char not in _SKIP:
            inverse.setdefault(lowered, []).append(code)
    return {k: tuple(v) for k, v in inverse.items()}


@cache
def _alnum() -> frozenset[int]:
    return frozenset(c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and chr(c).isalnum())


@cache
def _alnum_ranges() -> tuple[tuple[int, int], ...]:
    return _ranges(sorted(_alnum()))


def _ranges(codes: list[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for code in codes:
        if out and out[-1][1] == code - 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return tuple(out)


def _class(codes: list[int], escape: Escape, negate: bool = False) -> str:
    body = "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in _ranges(sorted(codes)))
    return f"[{'^' if negate else ''}{body}]"


def _sources(target: str, words_only: bool) -> list[int]:
    codes = list(_inverse_lower().get(target, ()))
    if words_only:
        alnum = _alnum()
        codes = [c for c in codes if c in alnum]
    return codes


def _body(folded: str, escape: Escape, words_only: bool, open_end: bool) -> str | None:
    """A pattern matching exactly the strings whose lower-casing is `folded`
    (or, with `open_end`, starts with it); None when nothing can."""
    parts: list[str] = []
    i = 0
    while i < len(folded):
        char = folded[i]
        here = _sources(char, words_only)
        if char == "i" and folded[i + 1 : i + 2] == _COMBINING_DOT:
            after = _sources(_COMBINING_DOT, words_only)
            pair = f"{_class(here, escape)}{_class(after, escape)}" if here and after else None
            dotted = escape(ord(DOTTED_CAPITAL_I))
            parts.append(f"(?:{pair}|{dotted})" if pair else dotted)
            i += 2
            continue
        if char == "i" and open_end and i == len(folded) - 1:
            parts.append(f"(?:{_class(here, escape)}|{escape(ord(DOTTED_CAPITAL_I))})")
            i += 1
            continue
        if not here:
            return None
        parts.append(_class(here, escape))
        i += 1
    return "".join(parts)


def prefix_pattern(folded: str, escape: Escape, start: str) -> str | None:
    """Values whose lower-casing starts with `folded`."""
    body = _body(folded, escape, words_only=False, open_end=True)
    return None if body is None else start + body


def word_pattern(word: str, escape: Escape, start: str, end: str) -> str | None:
    """Values having `word` (already lower-cased) as one of their words."""
    body = _body(word, escape, words_only=True, open_end=False)
    if body is None:
        return None
    boundary = _not_alnum(escape)
    return f"(?:{start}|{boundary}){body}(?:{boundary}|{end})"


@cache
def _not_alnum(escape: Escape) -> str:
    return "[^" + "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in _alnum_ranges()) + "]"


def has_sigma(text: str) -> bool:
    return any(c in SIGMAS for c in text)
