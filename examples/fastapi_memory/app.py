"""A FastAPI app with Stream-style query endpoints over in-memory rows.

Run: `uvicorn examples.fastapi_memory.app:app` (needs the `[fastapi]` extra and
uvicorn), then open http://127.0.0.1:8000/docs: the request bodies are the
endpoints' JSON Schemas (`stream_filters.json_schema`), the 400 body is the
library's error body.

- `POST /video/calls`: Stream's `query_calls` over the demo calls.
- `POST /video/call/{call_type}/{call_id}/members`: `query_members` over the
  members of one call. The call is the request's scope (SPEC §8): a hidden
  `call_cid` field the client cannot name, ANDed into every page and part of
  every cursor, so a cursor of one call is `invalid_cursor` on another.

Cursors are signed with `EXAMPLE_CURSOR_SECRET` (a fixed demo value when unset).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi import Path as PathParam
from pydantic import BaseModel

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Field, FieldType, Query, demo, memory
from stream_filters.fastapi import ERROR_RESPONSES, PageModel, add_exception_handlers, query_body

# The members endpoint's schema: Stream's, plus the field its scope uses.
CALL_MEMBERS = dataclasses.replace(
    QUERY_MEMBERS, fields=(*QUERY_MEMBERS.fields, Field("call_cid", FieldType.STRING, hidden=True))
)


class CallOut(BaseModel):
    id: str
    cid: str
    type: str
    team: str | None = None
    created_by_user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    ended_at: datetime | None = None
    starts_at: datetime | None = None
    backstage: bool | None = None
    ongoing: bool | None = None
    members: list[str] | None = None
    custom: dict[str, Any] | None = None


class MemberOut(BaseModel):
    user_id: str
    role: str | None = None
    custom: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# Path segments as Stream allows them; bounded, so a scope built from them is always valid.
Segment = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)]


def call_scope(call_type: Segment, call_id: Segment) -> dict[str, Any]:
    """The members of the call in the path, and only those."""
    return {"call_cid": f"{call_type}:{call_id}"}


CallsQuery = Annotated[Query, Depends(query_body(QUERY_CALLS))]
MembersQuery = Annotated[Query, Depends(query_body(CALL_MEMBERS, scope=call_scope))]


def create_app(
    calls: Sequence[dict[str, Any]] | None = None,
    members: Sequence[dict[str, Any]] | None = None,
    *,
    secret: str | None = None,
) -> FastAPI:
    """The app over `calls` and `members` (the demo data by default)."""
    call_rows = list(demo.calls() if calls is None else calls)
    member_rows = list(demo.members() if members is None else members)
    cursor_secret = secret or os.environ.get("EXAMPLE_CURSOR_SECRET", "example-only-secret")
    app = FastAPI(title="stream_filters FastAPI example", version="1.0.0")
    add_exception_handlers(app)

    @app.post("/video/calls", responses=ERROR_RESPONSES)
    async def query_calls(query: CallsQuery) -> PageModel[CallOut]:
        page = memory.paginate(query, call_rows, secret=cursor_secret)
        return PageModel[CallOut].model_validate(page)

    @app.post("/video/call/{call_type}/{call_id}/members", responses=ERROR_RESPONSES)
    async def query_call_members(query: MembersQuery) -> PageModel[MemberOut]:
        page = memory.paginate(query, member_rows, secret=cursor_secret)
        return PageModel[MemberOut].model_validate(page)

    return app


app = create_app()
