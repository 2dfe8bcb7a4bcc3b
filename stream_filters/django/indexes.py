"""The Django `Index`es a schema's sorts need, for a model's `Meta.indexes`.

The same decision as the SQL backend's `sort_indexes`: the key lists are
`stream_filters.sqlcore.indexes.index_keys` (sort keys in order, tie-breaker last,
a sort and its exact reverse as one index), and each key is indexed exactly as
the page's ORDER BY spells it (`vendors.Vendor.order`), so that the ORDER BY
and the keyset range conditions walk the index:

- **PostgreSQL** sorts NULL highest; pages put it lowest (SPEC §5) and say so
  on nullable keys only: `ASC NULLS FIRST` / `DESC NULLS LAST`, as
  `OrderBy(F(key), nulls_first=True)` index expressions. A string key whose
  column does not already collate by code point is indexed as
  `Collate(F(key), "C")`, the expression pages order by (`column_string`).
- **SQLite and MariaDB** already sort NULL lowest and cannot index
  `NULLS FIRST` (SQLite's CREATE INDEX has no such clause; MariaDB has no
  expression indexes): plain `fields=["key", "-tie"]`. MariaDB cannot index a
  `COLLATE` expression either, so a string sort key's column must itself be
  in `utf8mb4_nopad_bin` (`db_collation`) for its index to serve the sort.

Names are `sf_<table>_<first key>_<hash>`, at most 30 characters (Django's
limit), the same on every run and every database for the same keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.models import F, OrderBy

from ..field_types import FieldType
from ..sort import SortKey
from ..sqlcore.indexes import IndexKeys, index_keys
from .mapping import DjangoMapping, Scalar
from .vendors import VENDORS, SQLite

NAME_LIMIT = 30  # Django's check models.E034


def sort_indexes(
    mapping: DjangoMapping, vendor: str, sorts: Iterable[Sequence[SortKey]] | None = None
) -> list[models.Index]:
    """`Index`es covering `sorts` (default: the schema's default sort and each
    sortable field on its own) on `mapping.model`, for the database `vendor`
    (`connection.vendor`: "postgresql", "sqlite" or "mysql"). Building them
    changes nothing; `add_sort_indexes` declares them on the model."""
    ours = VENDORS[vendor]
    return [_index(mapping, ours, keys) for keys in index_keys(mapping.schema, sorts)]


def add_sort_indexes(
    mapping: DjangoMapping, vendor: str, sorts: Iterable[Sequence[SortKey]] | None = None
) -> list[models.Index]:
    """Declare `sort_indexes` on the model, as if listed in its `Meta.indexes`
    (so `makemigrations` writes them and `schema_editor.create_model` creates
    them), except those it already has under the same name; returns the
    model's indexes for `sorts`. Call it in `models.py`, after the model."""
    meta: Any = mapping.model._meta
    out = []
    for index in sort_indexes(mapping, vendor, sorts):
        existing = {i.name: i for i in meta.indexes}
        if index.name not in existing:
            meta.indexes.append(index)
        out.append(existing.get(index.name, index))
    # Migrations read a model's indexes only when its Meta declared `indexes`.
    meta.original_attrs.setdefault("indexes", meta.indexes)
    return out


def _index(mapping: DjangoMapping, vendor: SQLite, keys: IndexKeys) -> models.Index:
    paths = [_path(mapping, name) for name, _ in keys]
    name = index_name(mapping.model._meta.db_table, keys)
    fields = [path if ascending else "-" + path for path, (_, ascending) in zip(paths, keys, strict=True)]
    if vendor.name != "postgresql":
        return models.Index(fields=fields, name=name)
    ordered = [_ordered(mapping, vendor, path, key) for path, key in zip(paths, keys, strict=True)]
    if not any(special for _, special in ordered):
        return models.Index(fields=fields, name=name)  # plain columns: the usual migration
    return models.Index(*(expr for expr, _ in ordered), name=name)


def _ordered(mapping: DjangoMapping, vendor: SQLite, path: str, key: tuple[str, bool]) -> tuple[OrderBy, bool]:
    """A key as the page's ORDER BY spells it (`Vendor.order` of the expression
    pages compare), and whether that is more than the column in a direction
    (a collation, a NULL placement)."""
    name, ascending = key
    nullable = mapping.targets[name] == Scalar(path, nullable=True)
    column = F(path)
    expr = column
    if mapping.schema.by_name[name].type is FieldType.STRING:
        expr = vendor.column_string(column, mapping.model_field(path))
    return vendor.order(expr, ascending, nullable), nullable or expr is not column


def _path(mapping: DjangoMapping, name: str) -> str:
    target = mapping.target(name)
    if not isinstance(target, Scalar):
        raise ValueError(f"sort field {name!r} must map to a model field")
    if "__" in target.path:
        raise ValueError(f"sort field {name!r} is {target.path!r}, on another table; one index covers one table")
    return target.path


def index_name(table: str, keys: IndexKeys) -> str:
    """`sf_<table>_<first key>_<hash of table and keys>`: deterministic, at
    most 30 characters, starting with a letter (Django's checks E033/E034)."""
    digest = hashlib.sha256(repr((table, keys)).encode()).hexdigest()[:8]
    readable = f"sf_{table[:10].strip('_')}_{keys[0][0][:6].strip('_')}"
    return f"{readable}_{digest}"[:NAME_LIMIT]
