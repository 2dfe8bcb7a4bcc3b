"""A Django project of one model, run in a subprocess of its own (its own
settings): `python -m tests.django_orm.standalone DATABASE [--no-sqlalchemy]`.

It pages one request that needs SQLite's Python functions (`$autocomplete`,
and a custom number that `json_extract` would round) with `paginate` and with
`paginate_async`, and prints three lines: the sync pages, the async pages
(the ids of each page, walked with `next`), and the sqlalchemy modules
loaded. `--no-sqlalchemy` makes SQLAlchemy unimportable first, as in a
Django project that never installed it. `DATABASE` is a SQLite file (async
queries run on another thread, with its own connection: `:memory:` would be
another, empty database there) or `:memory:` for sync only.
"""

from __future__ import annotations

import asyncio
import sys
from importlib.machinery import ModuleSpec
from typing import Any


class NoSqlAlchemy:
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name == "sqlalchemy" or name.startswith("sqlalchemy."):
            raise ImportError(f"{name} is blocked")
        return None


def main(database: str, block: bool) -> None:
    if block:
        sys.meta_path.insert(0, NoSqlAlchemy())
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

    from django.db import connection, models

    from stream_filters import Field, FieldType, Op, Schema, SortKey
    from stream_filters.django import map_model, paginate, paginate_async
    from stream_filters.schema import COMPARE_OPS

    class Call(models.Model):
        cid = models.CharField(max_length=20, primary_key=True)
        title = models.CharField(max_length=50, null=True)
        custom = models.JSONField(null=True)

        class Meta:
            app_label = "sf_standalone"

    with connection.schema_editor() as editor:
        editor.create_model(Call)
    titles = ["Alpha one", "alpha two", "Beta", None, "ALPHA three"]
    numbers = [7, 0.5, 2**64 + 1, -(2**63) - 1, 2**63]
    Call.objects.bulk_create(
        Call(cid=f"c{i}", title=t, custom={"n": n}) for i, (t, n) in enumerate(zip(titles, numbers, strict=True))
    )
    schema = Schema(
        name="calls",
        fields=(
            Field("cid", FieldType.STRING, COMPARE_OPS, sortable=True),
            Field("title", FieldType.STRING, COMPARE_OPS | {Op.AUTOCOMPLETE}, sortable=True),
            Field("custom", FieldType.CUSTOM, COMPARE_OPS),
        ),
        tie_breaker="cid",
        default_sort=(SortKey("cid", 1),),
    )
    mapping = map_model(schema, Call)
    first: dict[str, Any] = {
        "filter_conditions": {"$or": [{"title": {"$autocomplete": "alph"}}, {"custom.n": {"$gt": float(2**64)}}]},
        "sort": [{"field": "title", "direction": -1}],
        "limit": 2,
    }

    def walk_sync() -> list[list[str]]:
        pages, body = [], first
        while True:
            page = paginate(schema.parse(body), Call.objects.all(), mapping)
            pages.append([c.cid for c in page.items])
            if page.next is None:
                return pages
            body = {**first, "next": page.next}

    async def walk_async() -> list[list[str]]:
        pages, body = [], first
        while True:
            page = await paginate_async(schema.parse(body), Call.objects.all(), mapping)
            pages.append([c.cid for c in page.items])
            if page.next is None:
                return pages
            body = {**first, "next": page.next}

    print(walk_sync())
    print(asyncio.run(walk_async()) if database != ":memory:" else None)
    print(sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy"))


if __name__ == "__main__":
    main(sys.argv[1], "--no-sqlalchemy" in sys.argv[2:])
