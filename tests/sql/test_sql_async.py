"""`paginate_async` over AsyncConnection and AsyncSession (asyncpg, aiomysql)
gives the same pages as `paginate`."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from stream_filters.sql import paginate_async
from tests.schemas import ALL_TYPES
from tests.sql.harness import URLS, get_store, walk
from tests.sql.test_sql_pages import SORTS, _rows

ASYNC_DRIVERS = {"postgresql": ("+psycopg", "+asyncpg"), "mysql": ("+pymysql", "+aiomysql")}


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("use_session", [False, True])
async def test_async_pages_equal_sync_pages(dialect: str, use_session: bool) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    sync_driver, async_driver = ASYNC_DRIVERS[dialect]
    engine = create_async_engine(URLS[dialect].replace(sync_driver, async_driver))
    try:
        for sort in SORTS[:5]:
            body: dict[str, Any] = {"sort": [{"field": n, "direction": d} for n, d in sort], "limit": 4}
            expected = [([i["id"] for i in p.items], p.next is not None, p.prev is not None) for p in walk(store, body)]
            got = []
            async with engine.connect() as conn:
                session = AsyncSession(bind=conn) if use_session else None
                target: Any = session if session is not None else conn
                page = await paginate_async(ALL_TYPES.parse(body), target, store.mapping)
                got.append(([i["id"] for i in page.items], page.next is not None, page.prev is not None))
                while page.next:
                    page = await paginate_async(ALL_TYPES.parse({**body, "next": page.next}), target, store.mapping)
                    got.append(([i["id"] for i in page.items], page.next is not None, page.prev is not None))
                if session is not None:
                    await session.close()
            assert got == expected
    finally:
        await engine.dispose()
