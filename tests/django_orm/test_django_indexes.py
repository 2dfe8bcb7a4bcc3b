"""`sort_indexes` / `add_sort_indexes`: the Django `Index`es a schema's sorts need.

What each database's index says (the DDL Django writes for it), the names
(deterministic, at most 30 characters), the declaration on the model that
`makemigrations` reads, and the refusals. EXPLAIN proofs that pages walk
these indexes are in test_django_explain.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, SortKey
from tests.django_orm.harness import configure

configure()

from django.core import checks  # noqa: E402
from django.db import connections, models  # noqa: E402
from django.db.migrations.state import ModelState  # noqa: E402

from stream_filters.django import DjangoMapping, Scalar, add_sort_indexes, map_model, sort_indexes  # noqa: E402
from stream_filters.django.indexes import index_name  # noqa: E402

_count = iter(range(1_000_000))


def _model(cid_collation: str | None = None, meta: dict[str, Any] | None = None) -> type[models.Model]:
    n = next(_count)
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "cid": models.CharField(primary_key=True, max_length=64, db_collation=cid_collation),
        "id": models.CharField(max_length=64),
        "team": models.CharField(max_length=64, null=True),
        "type": models.CharField(max_length=64),
        "created_by_user_id": models.CharField(max_length=64),
        "created_at": models.DateTimeField(),
        "updated_at": models.DateTimeField(),
        "starts_at": models.DateTimeField(null=True, db_column="c_starts"),
        "ended_at": models.DateTimeField(null=True),
        "backstage": models.BooleanField(),
        "ongoing": models.BooleanField(),
        "members": models.JSONField(),
        "Meta": type(
            "Meta", (), {"app_label": "sf_indexes", "db_table": f"sfi_calls_{os.getpid()}_{n}", **(meta or {})}
        ),
    }
    return type(f"IndexCall{n}", (models.Model,), attrs)


def _ddl(model: type[models.Model], alias: str, indexes: list[models.Index]) -> list[str]:
    connection = connections[alias]
    with connection.schema_editor(collect_sql=True) as editor:
        for index in indexes:
            editor.add_index(model, index)
    return [sql.replace(model._meta.db_table, "T").rstrip(";") for sql in editor.collected_sql]


NULLABLE_BOTH_WAYS = [(SortKey("starts_at", 1),), (SortKey("starts_at", -1),)]


def test_postgresql_places_nulls_lowest_and_collates_string_keys() -> None:
    model = _model()
    mapping = map_model(QUERY_CALLS, model)
    indexes = sort_indexes(
        mapping, "postgresql", [*NULLABLE_BOTH_WAYS, (SortKey("type", 1), SortKey("created_at", -1))]
    )
    assert len(indexes) == 2  # a sort and its exact reverse are one index
    starts, mixed = (sql.split(" ON ")[1] for sql in _ddl(model, "postgresql", indexes))
    assert starts == '"T" ("c_starts" ASC NULLS FIRST, "cid" COLLATE "C" ASC)'
    assert mixed == '"T" ("type" COLLATE "C" ASC, "created_at" DESC, "cid" COLLATE "C" DESC)'


def test_postgresql_descending_first_is_the_reverse_of_nulls_first() -> None:
    """`starts_at desc` alone: NULLs last when descending is the same index read backwards."""
    model = _model()
    indexes = sort_indexes(map_model(QUERY_CALLS, model), "postgresql", NULLABLE_BOTH_WAYS[1:])
    assert _ddl(model, "postgresql", indexes)[0].endswith('("c_starts" ASC NULLS FIRST, "cid" COLLATE "C" ASC)')


def test_postgresql_code_point_columns_are_plain_fields() -> None:
    model = _model(cid_collation="C")
    (index,) = sort_indexes(map_model(QUERY_CALLS, model), "postgresql", [(SortKey("created_at", -1),)])
    assert index.fields == ["created_at", "cid"] and not index.expressions


@pytest.mark.parametrize("vendor", ["sqlite", "mysql"])
def test_sqlite_and_mariadb_get_plain_fields(vendor: str) -> None:
    """NULL is already lowest there, and neither can index NULLS FIRST (nor MariaDB an expression)."""
    model = _model()
    mapping = map_model(QUERY_CALLS, model)
    sorts = [*NULLABLE_BOTH_WAYS, (SortKey("type", 1), SortKey("created_at", -1))]
    indexes = sort_indexes(mapping, vendor, sorts)
    assert [i.fields for i in indexes] == [["starts_at", "cid"], ["type", "-created_at", "-cid"]]
    assert all(not i.expressions for i in indexes)


def test_names_are_deterministic_short_and_valid() -> None:
    model = _model()
    mapping = map_model(QUERY_CALLS, model)
    first = [i.name for i in sort_indexes(mapping, "postgresql")]
    again = [i.name for i in sort_indexes(mapping, "sqlite")]
    assert first == again  # the same keys, the same name, on every database
    # One per sortable field but the tie-breaker; the default sort is created_at's reversed.
    assert len(set(first)) == len(first) == len(QUERY_CALLS.sortable_fields) - 1
    long_keys = (("a" * 40, True), ("b" * 40, False))
    for name in [*first, index_name("t" * 80, long_keys)]:
        assert len(name) <= 30 and name[0].isalpha(), name
    assert index_name("calls", long_keys) != index_name("calls", (("a" * 40, True), ("b" * 40, True)))


def test_the_indexes_pass_djangos_model_checks() -> None:
    model = _model()
    add_sort_indexes(map_model(QUERY_CALLS, model), "postgresql")
    errors = [e for e in model.check(databases=["postgresql"]) if e.level >= checks.WARNING]
    assert errors == []


def test_add_sort_indexes_declares_them_once_for_migrations() -> None:
    model = _model()
    mapping = map_model(QUERY_CALLS, model)
    assert ModelState.from_model(model).options["indexes"] == []  # its Meta declares none
    declared = add_sort_indexes(mapping, "postgresql", NULLABLE_BOTH_WAYS)
    again = add_sort_indexes(mapping, "postgresql", NULLABLE_BOTH_WAYS)
    assert [i.name for i in model._meta.indexes] == [i.name for i in declared]
    assert again[0] is declared[0]
    state = ModelState.from_model(model)  # what makemigrations compares
    assert [i.name for i in state.options["indexes"]] == [declared[0].name]


def test_add_sort_indexes_keeps_the_models_own() -> None:
    own = models.Index(fields=["type"], name="calls_type_own")
    model = _model(meta={"indexes": [own]})
    add_sort_indexes(map_model(QUERY_CALLS, model), "sqlite", NULLABLE_BOTH_WAYS)
    assert ModelState.from_model(model).options["indexes"][0].name == "calls_type_own"
    assert len(model._meta.indexes) == 2


def test_sort_keys_off_the_table_are_refused() -> None:
    model = _model()
    mapping = map_model(QUERY_CALLS, model)
    joined = DjangoMapping(QUERY_CALLS, model, {**mapping.targets, "type": Scalar("owner__name")})
    with pytest.raises(ValueError, match="one index covers one table"):
        sort_indexes(joined, "postgresql", [(SortKey("type", 1),)])
    with pytest.raises(ValueError, match="must map to a model field"):
        sort_indexes(mapping, "postgresql", [(SortKey("members", 1),)])  # a JSON array
