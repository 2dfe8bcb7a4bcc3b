"""The database work runs in the app's own threads: as many as the storage
asks for (2 on SQLite, whose driver hands the GIL to and fro per column read,
the engine's pool elsewhere) unless `ServerSettings.database_threads` says
otherwise; the threads go with the app."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from server_helpers import database_url, settings

from stream_filters.server import ServerSettings, create_app
from stream_filters.server.app import open_storage
from stream_filters.server.storage import POOL_OVERFLOW, POOL_SIZE, SQLITE_THREADS
from stream_filters.server.threads import DatabaseThreads


@pytest.mark.parametrize(("kind", "threads"), [("sqlite", SQLITE_THREADS), ("postgresql", POOL_SIZE + POOL_OVERFLOW)])
def test_each_database_has_its_number_of_threads(kind: str, threads: int, tmp_path: Path) -> None:
    config = settings(database_url(kind, tmp_path, "sf_server_threads"))
    assert _threads_of(config, None) == threads
    assert _threads_of(config, 7) == 7


def _threads_of(config: ServerSettings, wanted: int | None) -> int:
    app_settings = dataclasses.replace(config, database_threads=wanted)
    storage = open_storage(app_settings)
    app = create_app(app_settings, storage)

    async def run() -> int:
        async with app.router.lifespan_context(app):
            threads = app.state.database_threads
            assert isinstance(threads, DatabaseThreads)
            size = threads.size
        assert threads.closed  # gone with the app
        return size

    try:
        return asyncio.run(run())
    finally:
        storage.dispose()
