"""The Python functions SQLite runs for SPEC semantics it lacks, registered on
a DB-API connection (`sqlite3.Connection`, whoever opened it).

- `sf_autocomplete`, `sf_has_words`: Python's own lower-casing and word
  splitting (SQLite's `lower()` is ASCII-only);
- `sf_compare_numbers`: a JSON number compared from its text, since
  `json_extract` reads an integer beyond 64 bits as a REAL.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..ast import Condition, Node, conditions
from ..field_types import FieldType
from ..operators import Op, fold, words


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """`$autocomplete` and `$q` on SQLite run Python's own lower-casing and word
    splitting (SQLite's `lower()` is ASCII-only); numbers in JSON are compared by
    Python from their text (`json_extract` reads integers beyond 64 bits as REAL)."""
    dbapi_connection.create_function("sf_autocomplete", 2, _sqlite_autocomplete, deterministic=True)
    dbapi_connection.create_function("sf_has_words", 2, _sqlite_has_words, deterministic=True)
    dbapi_connection.create_function("sf_compare_numbers", 2, _sqlite_compare_numbers, deterministic=True)


def needs_sqlite_functions(node: Node) -> bool:
    """Whether SQLite runs one of these functions for the filter `node`."""
    return any(_needs_function(c) for c in conditions(node))


def _needs_function(cond: Condition) -> bool:
    """Text matching, or a number compared inside custom data."""
    if cond.op in (Op.AUTOCOMPLETE, Op.Q):
        return True
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    return cond.type is FieldType.CUSTOM and any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _sqlite_autocomplete(value: Any, prefix: str) -> int | None:
    if not isinstance(value, str):
        return None
    return int(fold(value).startswith(prefix))


@lru_cache(maxsize=256)
def _wanted(words_json: str) -> frozenset[str]:
    return frozenset(json.loads(words_json))


def _sqlite_has_words(value: Any, words_json: str) -> int | None:
    if not isinstance(value, str):
        return None
    return int(_wanted(words_json) <= set(words(value)))


def _sqlite_compare_numbers(text: Any, operand: int | float) -> int | None:
    """The sign of `number - operand` for a JSON number's text, exactly as Python
    compares an int or float with another (SPEC §3)."""
    if not isinstance(text, str):
        return None
    try:  # the text of a JSON number (the caller's guard): as `json.loads` reads it
        number = float(text) if "." in text or "e" in text or "E" in text else int(text)
    except ValueError:
        return None
    return (number > operand) - (number < operand)
