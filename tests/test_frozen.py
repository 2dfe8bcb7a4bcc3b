"""The fast constructors of frozen dataclasses (`stream_filters.frozen`) build what the
classes' own constructors build, and cannot fall behind a class that gains a field."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, SortKey
from stream_filters.ast import MATCH_ALL, And, Condition, Nor, Or, conjoin, disjoin, make_condition, nor
from stream_filters.field_types import FieldType
from stream_filters.frozen import check_fields, slot_setters
from stream_filters.operators import Op
from stream_filters.query import CursorToken, Direction, Query, make_query
from stream_filters.timestamps import Instant


def _same(made: Any, built: Any) -> None:
    """Equal, and every field set, to a value of the same type and value as the constructor's."""
    assert type(made) is type(built)
    assert made == built
    for f in dataclasses.fields(built):
        mine, theirs = getattr(made, f.name), getattr(built, f.name)
        assert type(mine) is type(theirs), f.name
        assert mine == theirs, f.name


def test_make_condition_is_the_constructor() -> None:
    args = ("custom", ("a", "b"), Op.GTE, 1.5, FieldType.CUSTOM)
    made, built = make_condition(*args), Condition(*args)
    _same(made, built)
    assert hash(made) == hash(built)


def test_compounds_are_built_as_their_constructors_build_them() -> None:
    a = Condition("id", (), Op.EQ, "a", FieldType.STRING)
    b = Condition("id", (), Op.EQ, "b", FieldType.STRING)
    _same(conjoin([a, b]), And((a, b)))
    _same(disjoin([a, b]), Or((a, b)))
    _same(nor([a]), Nor((a,)))


def test_parsed_instants_are_constructed_instants() -> None:
    made = Instant.parse("2024-02-01T00:00:00.5Z")
    _same(made, Instant(1_706_745_600_500_000_000))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.epoch_ns = 0  # type: ignore[misc]


def test_make_query_is_the_constructor() -> None:
    parts = (QUERY_CALLS, MATCH_ALL, (SortKey("cid", 1),), 7, CursorToken(Direction.NEXT, "t"), MATCH_ALL, {"x": 1})
    made, built = make_query(*parts), Query(*parts)
    _same(made, built)
    assert set(vars(made)) == {f.name for f in dataclasses.fields(Query)}  # none left to a class default
    assert made.fingerprint == built.fingerprint
    assert made.where == built.where
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.limit = 8  # type: ignore[misc]


def test_a_fast_constructor_must_name_every_field_in_order() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Two:
        a: int
        b: int

    with pytest.raises(TypeError, match="fields are"):
        slot_setters(Two, "a")
    with pytest.raises(TypeError, match="fields are"):
        check_fields(Two, ("b", "a"))
    set_a, set_b = slot_setters(Two, "a", "b")
    two = object.__new__(Two)
    set_a(two, 1)
    set_b(two, 2)
    assert two == Two(1, 2)
