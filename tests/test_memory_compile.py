"""Compiling filters in memory: one compiled shape per filter structure, operands as constants."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from stream_filters import memory
from stream_filters.memory import compile_filter
from tests.schemas import ALL_TYPES


def test_operands_are_bound_not_spliced_into_source() -> None:
    hostile = "x') or True or ('"
    benign = ALL_TYPES.parse_filter({"name": "a", "custom.color": {"$autocomplete": "b"}})
    node = ALL_TYPES.parse_filter({"name": hostile, "custom.color": {"$autocomplete": hostile}})
    before = memory._shape.cache_info()
    compile_filter(benign)
    predicate = compile_filter(node)
    # One source for both: the operands are constants of the code, not text.
    assert memory._shape.cache_info().currsize <= before.currsize + 1
    assert predicate.__code__.co_code == compile_filter(benign).__code__.co_code
    assert hostile in predicate.__code__.co_consts
    assert predicate({"name": hostile, "custom": {"color": hostile + "!"}}) is True
    assert predicate({"name": "x", "custom": {"color": hostile}}) is False


@pytest.mark.parametrize("text", ["\\ud8000", "'\\ud8000'", "\\x00const0\\x00", "{0}", "}{"])
def test_operands_that_look_like_placeholders_are_values(text: str) -> None:
    predicate = compile_filter(ALL_TYPES.parse_filter({"name": text, "custom.color": {"$in": [text, 1]}}))
    assert predicate({"name": text, "custom": {"color": text}}) is True
    assert predicate({"name": text, "custom": {"color": "x"}}) is False
    assert repr(text) in (predicate.__doc__ or "")


def test_new_operands_reuse_the_compiled_shape() -> None:
    first = compile_filter(ALL_TYPES.parse_filter({"created_at": {"$gt": "2024-01-01T00:00:00Z"}, "count": 1}))
    misses = memory._shape.cache_info().misses
    later = compile_filter(ALL_TYPES.parse_filter({"created_at": {"$gt": "2024-05-01T00:00:00Z"}, "count": 7}))
    assert memory._shape.cache_info().misses == misses
    assert later is not first
    moment = datetime(2024, 3, 1, tzinfo=UTC)
    assert (first({"created_at": moment, "count": 1}), later({"created_at": moment, "count": 7})) == (True, False)


def test_docstring_shows_the_source_with_its_constants() -> None:
    predicate = compile_filter(ALL_TYPES.parse_filter({"name": "default", "count": {"$gt": 1}}))
    assert predicate.__doc__ == (
        "def compiled(_row):\n"
        "    return ((_row.get('name') == 'default') and ((_v1 := _row.get('count')) is not None and _v1 > 1))\n"
    )


def test_docstring_names_sets_by_their_place_in_the_code() -> None:
    predicate = compile_filter(ALL_TYPES.parse_filter({"name": {"$in": ["a", "b"]}, "custom.x": {"$q": "Hi"}}))
    doc = predicate.__doc__ or ""
    shown = re.findall(r"_c([0-9]+)", doc.splitlines()[1])
    assert [predicate.__code__.co_consts[int(i)] for i in shown] == [frozenset({"a", "b"}), frozenset({"hi"})]
    assert "words(" in doc
    assert doc.endswith("# _c<i> is __code__.co_consts[i]\n")


def test_filters_without_constants_share_one_function() -> None:
    node = ALL_TYPES.parse_filter({"name": {"$exists": True}})
    a = compile_filter.__wrapped__(node)
    assert compile_filter.__wrapped__(ALL_TYPES.parse_filter({"name": {"$exists": True}})) is a
    b = compile_filter(ALL_TYPES.parse_filter({"name": {"$exists": True}, "count": {"$in": []}}))
    assert (a({"name": "x"}), a({}), b({"name": "x"})) == (True, False, False)


def test_constant_swapping_refuses_what_it_cannot_swap() -> None:
    with pytest.raises(AssertionError, match="nest"):
        memory._build(memory._Source(), "(lambda: _row)()")
    unused = memory._Source()
    unused.const("made but not placed")
    with pytest.raises(AssertionError, match="constants made"):
        memory._build(unused, "True")
    folded = memory._Source()
    with pytest.raises(AssertionError, match="folded"):
        memory._build(folded, f"_row in ({folded.const(1)}, {folded.const(2)})")


def test_constants_of_branches_the_compiler_drops_are_not_missed() -> None:
    node = ALL_TYPES.parse_filter({"$or": [{}, {"name": {"$in": ["a", "b"]}}], "count": 3})
    predicate = compile_filter(node)
    assert (predicate({"count": 3}), predicate({"count": 4, "name": "a"})) == (True, False)


def test_in_lists_differing_only_in_operand_types_are_different_filters() -> None:
    ints, bools, floats = (ALL_TYPES.parse_filter({"custom.n": {"$in": [v, 2]}}) for v in (1, True, 1.0))
    assert len({ints, bools, floats}) == 3
    assert (compile_filter(ints)({"custom": {"n": True}}), compile_filter(bools)({"custom": {"n": True}})) == (
        False,
        True,
    )


def test_operands_the_source_depends_on_make_their_own_shape() -> None:
    """The shape key holds each template's text, so an operand that changes the text (a
    boolean's keyword, an empty `$in`, a type bracket, an instant between two microseconds)
    gives another shape, not another constant of one shape."""
    requests = [
        {"active": True},
        {"active": False},
        {"custom.x": True},
        {"custom.x": 1},
        {"custom.x": "1"},
        {"count": {"$in": []}},
        {"count": {"$in": [1]}},
        {"custom.x": {"$in": [1, "1"]}},
        {"created_at": "2024-01-01T00:00:00Z"},
        {"created_at": "2024-01-01T00:00:00.0000001Z"},
        {"name": {"$ne": "a"}},
    ]
    keys = {memory._walk(memory._Source(), ALL_TYPES.parse_filter(r), 0) for r in requests}
    assert len(keys) == len(requests)
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    row = {"active": False, "count": 1, "custom": {"x": 1}, "created_at": moment, "name": "b"}
    found = [compile_filter(ALL_TYPES.parse_filter(r))(row) for r in requests]
    assert found == [False, True, False, True, False, False, True, True, True, False, True]


def test_a_known_shape_compiles_what_a_new_shape_would() -> None:
    """With the shape cached (operands of another filter) and with every cache cleared,
    a filter compiles to the same code and constants."""
    nested = {"$or": [{"name": "a"}, {"$and": [{"count": {"$gt": 1, "$lt": 9}}, {"custom.p.q": {"$in": [1, "x"]}}]}]}
    other = {"$or": [{"name": "b"}, {"$and": [{"count": {"$gt": 2, "$lt": 8}}, {"custom.p.q": {"$in": [2, "y"]}}]}]}
    compile_filter(ALL_TYPES.parse_filter(other))
    warm = compile_filter.__wrapped__(ALL_TYPES.parse_filter(nested))
    memory._shape.cache_clear()
    memory._compiled.cache_clear()
    cold = compile_filter.__wrapped__(ALL_TYPES.parse_filter(nested))
    assert warm is not cold
    assert (warm.__code__.co_code, warm.__code__.co_consts) == (cold.__code__.co_code, cold.__code__.co_consts)
    assert warm.__doc__ == cold.__doc__
