"""Frozen dataclasses built from values already checked, without their `__init__`'s cost.

A frozen dataclass's generated `__init__` sets each field through
`object.__setattr__` (its own `__setattr__` refuses). On CPython 3.11 that is
about 0.8 µs for a node of five fields, and the parser builds one node per
condition and one `Query` per request. Writing the fields directly (a slot's
own descriptor, or the instance `__dict__` of a class without slots) costs
half of that or less. Only code that has validated the values uses this; the
classes' own constructors stay what everyone else calls.

`slot_setters` and `check_fields` compare the names a fast constructor sets
with the class's fields, at import, so a field added to such a class cannot
be left unset: the import fails until its fast constructor sets it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

new = object.__new__  # an instance with nothing set: its fast constructor sets every field

Setter = Callable[[Any, Any], None]


def check_fields(cls: type, names: tuple[str, ...]) -> None:
    """TypeError unless `names` are the dataclass fields of `cls`, in order."""
    declared = tuple(f.name for f in fields(cls))
    if names != declared:
        raise TypeError(f"{cls.__name__}: its fast constructor sets {names}, its fields are {declared}")


def slot_setters(cls: type, *names: str) -> tuple[Setter, ...]:
    """The setters of the slots `names` of the slots dataclass `cls`, which must be all its fields."""
    check_fields(cls, names)
    return tuple(cls.__dict__[name].__set__ for name in names)
