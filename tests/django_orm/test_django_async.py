"""`paginate_async` gives the pages `paginate` gives: the same rows and cursors,
walked with `next` to the end and back with `prev`.

On PostgreSQL and MariaDB: Django runs async queries on a worker thread with
its own connection, and an in-memory SQLite database is one per connection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from stream_filters import Page
from stream_filters.django import paginate_async
from tests.conformance.cases import ALL_ROWS
from tests.django_orm.harness import Store, get_store
from tests.schemas import ALL_TYPES

SECRET = "async"
BODY: dict[str, Any] = {"sort": [{"field": "created_at", "direction": -1}], "limit": 3}


def _sync_walk(store: Store) -> list[Page[Any]]:
    pages = [store.page(BODY, SECRET)]
    while pages[-1].next is not None:
        pages.append(store.page({**BODY, "next": pages[-1].next}, SECRET))
    pages.append(store.page({**BODY, "prev": pages[-1].prev}, SECRET))
    return pages


async def _async_page(store: Store, body: dict[str, Any]) -> Page[Any]:
    queryset = store.model._default_manager.using(store.alias).all()
    found = await paginate_async(ALL_TYPES.parse(body), queryset, store.mapping, secret=SECRET)
    return Page([store.item(i) for i in found.items], found.next, found.prev)


@pytest.mark.parametrize("alias", ["postgresql", "mysql"])
async def test_async_pages_are_the_sync_pages(alias: str) -> None:
    def prepare() -> tuple[Store, list[Page[Any]]]:
        store = get_store(alias, ALL_TYPES)
        store.load([dict(row) for row in ALL_ROWS])
        return store, _sync_walk(store)

    store, expected = await sync_to_async(prepare)()
    assert len(expected) > 3  # several pages, then one back
    pages = [await _async_page(store, BODY)]
    while pages[-1].next is not None:
        pages.append(await _async_page(store, {**BODY, "next": pages[-1].next}))
    pages.append(await _async_page(store, {**BODY, "prev": pages[-1].prev}))
    assert pages == expected


def test_async_pages_on_sqlite_register_its_functions(tmp_path: Path) -> None:
    """On SQLite, `paginate_async` registers the Python functions a filter needs
    on the connection of the thread Django runs async queries on (not from the
    event loop, where connecting is refused). In a process of its own, on a
    database file (tests/django_orm/standalone.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.django_orm.standalone", str(tmp_path / "sf_djcore.sqlite3")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    sync_pages, async_pages, _ = done.stdout.splitlines()
    assert sync_pages == "[['c1', 'c2'], ['c0', 'c4']]"
    assert async_pages == sync_pages
