"""`$in` on a column compiles to one `IN (...)` list per compared expression
(docs/django.md "Performance"): the SQL text on each vendor, for strings,
integers (an operand no integer equals drops out) and datetimes; custom data
keeps its OR of typed equalities. The rows are the conformance table's and the
differential walks' business; this is the shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.django_orm.harness import configure, model_for

configure()

from stream_filters import QUERY_CALLS  # noqa: E402
from stream_filters.django import map_model  # noqa: E402
from stream_filters.django.compiler import compile_filter  # noqa: E402
from stream_filters.django.vendors import VENDORS  # noqa: E402
from tests.schemas import ALL_TYPES  # noqa: E402


def _where(vendor: str, condition: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The WHERE text (compiled by `default`, SQLite: the text is the vendor's
    Q, the quoting SQLite's) and its parameters."""
    model = model_for(ALL_TYPES)
    node = ALL_TYPES.parse({"filter_conditions": condition}).where
    q = compile_filter(node, map_model(ALL_TYPES, model), VENDORS[vendor])
    sql, params = model._default_manager.filter(q).query.sql_with_params()
    return sql.split(" WHERE ", 1)[1], tuple(params)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_string_in_is_one_list(vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The harness shares one model between databases and declares each one's
    # code-point collation on it as it creates a table: start from none.
    monkeypatch.setattr(model_for(ALL_TYPES)._meta.get_field("name"), "db_collation", None)
    where, params = _where(vendor, {"name": {"$in": ["a", "b", "c"]}})
    assert " OR " not in where
    # MariaDB compares the column as its index has it, then by code point: two lists.
    lists = 2 if vendor == "mysql" else 1
    assert where.count(" IN (%s, %s, %s)") == lists
    assert params == ("a", "b", "c") * lists


def test_string_in_on_a_code_point_column_is_one_list_on_mariadb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_for(ALL_TYPES)._meta.get_field("name"), "db_collation", "utf8mb4_nopad_bin")
    where, params = _where("mysql", {"name": {"$in": ["a", "b", "c"]}})
    assert where.count(" IN (%s, %s, %s)") == 1
    assert params == ("a", "b", "c")


def test_integer_in_drops_what_no_integer_equals() -> None:
    where, params = _where("postgresql", {"count": {"$in": [1, 1.5, 2]}})
    assert " OR " not in where
    assert '"c_count" IN (%s, %s)' in where
    assert params == (1, 2)


def test_one_operand_left_is_an_equality() -> None:
    where, params = _where("sqlite", {"count": {"$in": [1, 1.5]}})
    assert " IN (" not in where
    assert '"c_count" = %s' in where
    assert params == (1,)


def test_custom_data_keeps_typed_equalities() -> None:
    where, _ = _where("sqlite", {"custom.k": {"$in": ["a", 1]}})
    assert " OR " in where


def test_benchmark_filter_is_one_list() -> None:
    """The benchmark's filter, `type $in [default, livestream]` on the calls schema."""
    model = model_for(QUERY_CALLS)
    node = QUERY_CALLS.parse({"filter_conditions": {"type": {"$in": ["default", "livestream"]}}}).where
    q = compile_filter(node, map_model(QUERY_CALLS, model), VENDORS["sqlite"])
    sql, params = model._default_manager.filter(q).query.sql_with_params()
    assert sql.endswith('"c_type" IN (%s, %s)')
    assert params == ("default", "livestream")
