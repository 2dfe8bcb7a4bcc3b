"""A CharField that compares by code point on every database (SPEC §3.5).

The library writes its comparisons and ORDER BY with the code-point collation
of each database; a column declared with the same collation lets a plain index
serve them, and holds `"a"` and `"A"` as two keys (MariaDB's default collation
would call them one). The collation is chosen when the column is created, by
the database it is created in, so one migration serves SQLite, PostgreSQL and
MariaDB."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

CODE_POINT_COLLATIONS = {"sqlite": "BINARY", "postgresql": "C", "mysql": "utf8mb4_nopad_bin"}

if TYPE_CHECKING:  # django-stubs' fields are generic; Django's own are not subscriptable
    _CharField = models.CharField[Any, Any]
else:
    _CharField = models.CharField


class CodePointCharField(_CharField):
    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        found = super().db_parameters(connection)
        found["collation"] = CODE_POINT_COLLATIONS.get(connection.vendor)
        return found
