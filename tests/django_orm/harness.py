"""Django configured once for the tests, and one model per schema in each database.

Settings come from the same URLs as the SQL tests (STREAM_FILTERS_PG_URL,
STREAM_FILTERS_MYSQL_URL): the database aliases are `sqlite` (in memory),
`postgresql` and `mysql`. A test store creates its model's table with the
schema editor, and each test deletes and inserts its rows. Model fields carry
their own column names (`c_<field>`), so the mapping by model field name is
what is tested. MariaDB is reached through PyMySQL standing in for mysqlclient
(which needs a C build); Django checks mysqlclient's version, so PyMySQL
reports the one Django asks for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import django
import pymysql
from django.conf import settings

from stream_filters import FieldType, Query, Schema

URLS = {
    "postgresql": os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mysql": os.environ.get("STREAM_FILTERS_MYSQL_URL", "mysql+pymysql://root:@127.0.0.1:3306/test?charset=utf8mb4"),
}
ALIASES = ("sqlite", "postgresql", "mysql")
CODE_POINT_COLLATIONS = {"sqlite": "BINARY", "postgresql": "C", "mysql": "utf8mb4_nopad_bin"}


def _database(url: str, engine: str) -> dict[str, Any]:
    parts = urlsplit(url)
    found: dict[str, Any] = {
        "ENGINE": engine,
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }
    if engine.endswith("mysql"):
        found["OPTIONS"] = {"charset": "utf8mb4"}
    return found


def configure() -> None:
    if settings.configured:
        return
    pymysql.version_info = (2, 2, 7, "final", 0)
    pymysql.install_as_MySQLdb()
    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            "postgresql": _database(URLS["postgresql"], "django.db.backends.postgresql"),
            "mysql": _database(URLS["mysql"], "django.db.backends.mysql"),
        },
        INSTALLED_APPS=[],
        USE_TZ=True,
        TIME_ZONE="UTC",
        SECRET_KEY="stream-filters tests",  # DRF views and their derived cursor keys need one
    )
    django.setup()


configure()

from django.db import OperationalError, connections, models  # noqa: E402

from stream_filters.django import DjangoMapping, map_model, paginate  # noqa: E402
from stream_filters.pagination import Page  # noqa: E402
from tests.conftest import require_server  # noqa: E402

_FIELDS: dict[FieldType, Any] = {
    FieldType.STRING: lambda: models.CharField(max_length=255, null=True),
    FieldType.INTEGER: lambda: models.BigIntegerField(null=True),
    FieldType.NUMBER: lambda: models.FloatField(null=True),
    FieldType.BOOLEAN: lambda: models.BooleanField(null=True),
    FieldType.DATETIME: lambda: models.DateTimeField(null=True),
    FieldType.STRING_ARRAY: lambda: models.JSONField(null=True),
    FieldType.CUSTOM: lambda: models.JSONField(null=True),
}
_models: dict[str, type[models.Model]] = {}


def model_for(schema: Schema) -> type[models.Model]:
    """A model with one field per schema field, each with its own column name."""
    if schema.name not in _models:
        attrs: dict[str, Any] = {"__module__": __name__}
        for f in schema.fields:
            field = _FIELDS[f.type]()
            field.db_column = f"c_{f.name}"
            if f.name == schema.tie_breaker:
                field = models.CharField(max_length=255, primary_key=True, db_column=f"c_{f.name}")
            attrs[f.name] = field
        attrs["Meta"] = type("Meta", (), {"app_label": "sf_tests", "db_table": f"sfd_{schema.name}_{os.getpid()}"})
        _models[schema.name] = type(f"Model_{schema.name}", (models.Model,), attrs)
    return _models[schema.name]


@dataclass
class Store:
    alias: str
    schema: Schema
    model: type[models.Model]
    mapping: DjangoMapping

    def stored(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row as the database holds it: `number` fields are doubles (FloatField)."""
        out = {f.name: row.get(f.name) for f in self.schema.fields}
        for f in self.schema.fields:
            if f.type is FieldType.NUMBER and out[f.name] is not None:
                out[f.name] = float(out[f.name])
        return out

    def load(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace the table's rows; returns them as read back (PostgreSQL's jsonb
        keeps a number's value, not its text: 1e300 in custom data comes back as 10**300)."""
        manager = self.model._default_manager.db_manager(self.alias)
        manager.all().delete()
        manager.bulk_create([self.model(**self.stored(row)) for row in rows])
        return [self.item(instance) for instance in manager.all()]

    def item(self, instance: models.Model) -> dict[str, Any]:
        return {f.name: getattr(instance, f.name) for f in self.schema.fields}

    def page(self, body: dict[str, Any], secret: str | None = None) -> Page[dict[str, Any]]:
        return self.paginate(self.schema.parse(body), secret)

    def paginate(self, query: Query, secret: str | bytes | None = None) -> Page[dict[str, Any]]:
        queryset = self.model._default_manager.using(self.alias).all()
        found = paginate(query, queryset, self.mapping, secret=secret)
        return Page([self.item(i) for i in found.items], found.next, found.prev)


_stores: dict[tuple[str, str], Store] = {}
_down: dict[str, str] = {}


def get_store(alias: str, schema: Schema) -> Store:
    if alias in _down:
        require_server(f"{alias} for Django", _down[alias])
    key = (alias, schema.name)
    if key not in _stores:
        model = model_for(schema)
        connection = connections[alias]
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField):
                # Keys compare by code point, so "a" and "A" are two ids (MariaDB's default is case-insensitive).
                field.db_collation = CODE_POINT_COLLATIONS[alias]
        try:
            with connection.schema_editor() as editor:
                if model._meta.db_table in connection.introspection.table_names():
                    editor.delete_model(model)
                editor.create_model(model)
        except OperationalError as exc:
            _down[alias] = str(exc).splitlines()[0]
            require_server(f"{alias} for Django", _down[alias])
        _stores[key] = Store(alias, schema, model, map_model(schema, model))
    return _stores[key]


def drop_stores() -> None:
    for store in _stores.values():
        with connections[store.alias].schema_editor() as editor:
            editor.delete_model(store.model)
    _stores.clear()
