"""A FastAPI app with Stream-style query endpoints over its own ORM models.

    STREAM_APP_DATABASE_URL=sqlite+aiosqlite:///app.db uvicorn examples.fastapi_app.app:app
    curl -X POST localhost:8000/calls/query -H 'Authorization: Bearer token-a' \
         -d '{"filter_conditions": {"type": "livestream"}, "limit": 2}'

- `POST /calls/query` (`query_calls`) and `POST /calls/{cid}/members/query`
  (`query_members`), each paging the app's own `select()` of ORM entities.
- The tenant comes from an auth dependency (a bearer token) and is the query's
  scope: no filter reaches another tenant's rows, and a cursor from tenant A
  is `invalid_cursor` for tenant B. The members endpoint is also scoped to its
  call, so a cursor of one call's members is refused for another call.
- A `FilterError` is a 400 with its body (code, message, problems with paths);
  /openapi.json describes each request body with its endpoint's JSON Schema
  (`stream_filters.fastapi`).
- PostgreSQL (asyncpg) or SQLite (aiosqlite), by URL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, HTTPException, Path, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import contains_eager, selectinload

from stream_filters import Query
from stream_filters.fastapi import ERROR_RESPONSES, add_exception_handlers, query_body
from stream_filters.sql import dumps_json, paginate_async, sort_indexes

from .filters import CALLS, CALLS_MAPPING, MEMBERS, MEMBERS_MAPPING
from .models import Base, Call, CallMember
from .responses import call_json, member_json


@dataclass
class Settings:
    database_url: str
    cursor_secrets: tuple[str, ...]  # sign with the first, accept any (rotation)
    tokens: dict[str, str] = field(default_factory=dict)  # bearer token -> tenant


def settings_from_env() -> Settings:
    return Settings(
        database_url=os.environ.get("STREAM_APP_DATABASE_URL", "sqlite+aiosqlite:///stream_app.db"),
        cursor_secrets=tuple(os.environ.get("STREAM_APP_CURSOR_SECRETS", "change-me").split(",")),
        tokens={"token-a": "tenant-a", "token-b": "tenant-b"},
    )


async def create_schema(engine: AsyncEngine) -> None:
    """Tables, and the indexes the sorts need on this database (built by
    `sort_indexes`, which leaves the models' metadata as it is)."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        for mapping in (CALLS_MAPPING, MEMBERS_MAPPING):
            for index in sort_indexes(mapping, engine.dialect.name):
                await conn.run_sync(_create, index)


def _create(connection: sa.Connection, index: sa.Index) -> None:
    index.create(connection, checkfirst=True)


# -- dependencies --------------------------------------------------------------------


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as s:
        yield s


def tenant(
    config: Annotated[Settings, Depends(settings)], authorization: Annotated[str | None, Header()] = None
) -> str:
    """The auth dependency: the caller's tenant, from a bearer token."""
    found = config.tokens.get((authorization or "").removeprefix("Bearer "))
    if found is None:
        raise HTTPException(status_code=401, detail="unknown token")
    return found


Tenant = Annotated[str, Depends(tenant)]
Session = Annotated[AsyncSession, Depends(session)]
Config = Annotated[Settings, Depends(settings)]


# The one place a request body becomes a `Query`: `query_body` parses the raw
# bytes (so the request size limit holds) under the caller's scope, and shows
# the endpoint's JSON Schema as the request body in /openapi.json.

# A path segment bounded so that the scope built from it is always valid.
CallCid = Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9_:-]+$")]


def calls_scope(tenant: Tenant) -> dict[str, Any]:
    return {"tenant_id": tenant}


def members_scope(cid: CallCid, tenant: Tenant) -> dict[str, Any]:
    return {"tenant_id": tenant, "call_cid": cid}


CallsQuery = Annotated[Query, Depends(query_body(CALLS, scope=calls_scope))]
MembersQuery = Annotated[Query, Depends(query_body(MEMBERS, scope=members_scope))]
RESPONSES: dict[int | str, dict[str, Any]] = {**ERROR_RESPONSES, 401: {"description": "unknown bearer token"}}


# -- the app -------------------------------------------------------------------------


def create_app(config: Settings, engine: AsyncEngine | None = None) -> FastAPI:
    # dumps_json: custom floats written through this engine stay floats in jsonb (docs/sql.md).
    database = engine or create_async_engine(config.database_url, json_serializer=dumps_json)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await create_schema(database)
        yield
        await database.dispose()

    app = FastAPI(title="Stream-style queries over the app's own models", lifespan=lifespan)
    app.state.settings = config
    app.state.sessions = async_sessionmaker(database, expire_on_commit=False)
    add_exception_handlers(app)

    @app.post("/calls/query", responses=RESPONSES)
    async def query_calls(query: CallsQuery, session: Session, config: Config) -> dict[str, Any]:
        statement = sa.select(Call).options(selectinload(Call.members))
        page = await paginate_async(query, session, CALLS_MAPPING, statement=statement, secret=config.cursor_secrets)
        return {"calls": [call_json(c) for c in page.items], "next": page.next, "prev": page.prev}

    @app.post("/calls/{cid}/members/query", responses=RESPONSES)
    async def query_members(query: MembersQuery, session: Session, config: Config) -> dict[str, Any]:
        statement = sa.select(CallMember).join(CallMember.user).options(contains_eager(CallMember.user))
        page = await paginate_async(query, session, MEMBERS_MAPPING, statement=statement, secret=config.cursor_secrets)
        return {"members": [member_json(m) for m in page.items], "next": page.next, "prev": page.prev}

    return app


app = create_app(settings_from_env())
