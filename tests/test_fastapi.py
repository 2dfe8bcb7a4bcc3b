"""The FastAPI integration: one validation (the parser), the endpoint's JSON Schema
in the OpenAPI document with working references, the library's 400 body."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import Body, Depends, FastAPI, Header, HTTPException
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import BaseModel, TypeAdapter

from stream_filters import QUERY_MEMBERS, Query
from stream_filters.fastapi import ERROR_RESPONSES, RequestBody, add_exception_handlers, query_body
from stream_filters.json_schema import request_schema
from tests.test_json_schema import SMALL


def _document_validator(document: dict[str, Any], ref: str) -> Draft202012Validator:
    """A validator for the schema at `ref` inside `document`, resolving its references there."""
    return Draft202012Validator({**document, "$ref": ref})


def test_pydantic_json_schema_is_the_library_schema_with_its_own_defs() -> None:
    generated = TypeAdapter(Annotated[Any, RequestBody(SMALL)]).json_schema()
    standalone = request_schema(SMALL)
    # pydantic inlines the root definition; every other part stays a definition.
    assert generated.pop("$defs") == standalone.pop("$defs")
    assert generated == {k: v for k, v in standalone.items() if k != "$schema"}


class Echo(BaseModel):
    limit: int


def tenant(x_tenant: Annotated[str, Header(max_length=20)] = "t1") -> dict[str, Any]:
    return {"tenant": x_tenant}


Scoped = Annotated[Query, Depends(query_body(SMALL, scope=tenant, extra_keys=["type", "id"]))]
Plain = Annotated[Query, Depends(query_body(QUERY_MEMBERS))]
WithType = Annotated[Query, Depends(query_body(QUERY_MEMBERS, extra_keys=["type"]))]


def _app() -> FastAPI:
    app = FastAPI()
    add_exception_handlers(app)

    @app.post("/rooms", responses=ERROR_RESPONSES)
    async def rooms(query: Scoped) -> dict[str, Any]:
        return {"scope": repr(query.scope), "extra": dict(query.extra), "limit": query.limit}

    @app.post("/members", responses=ERROR_RESPONSES)
    async def members(query: Plain) -> dict[str, Any]:
        if query.limit == 13:
            raise HTTPException(400, "unlucky")
        return {"limit": query.limit}

    @app.post("/typed-members", responses=ERROR_RESPONSES)
    async def typed_members(query: WithType) -> dict[str, Any]:
        return {"extra": dict(query.extra)}

    @app.post("/echo")
    async def echo(body: Annotated[Echo, Body()]) -> Echo:
        return body

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_each_endpoint_gets_its_own_request_schema_in_components() -> None:
    async with _client(_app()) as client:
        document = (await client.get("/openapi.json")).json()
    validate(document)

    def body_ref(path: str) -> str:
        ref: str = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return ref

    plain, typed = body_ref("/members"), body_ref("/typed-members")
    assert plain != typed  # same schema, other extra keys: never one shared definition
    assert _document_validator(document, typed).is_valid({"type": "x", "limit": 1})
    assert not _document_validator(document, plain).is_valid({"type": "x", "limit": 1})
    rooms = _document_validator(document, body_ref("/rooms"))
    assert rooms.is_valid({"type": "x", "id": "y", "filter_conditions": {"meta.a": 1}})
    assert not rooms.is_valid({"filter_conditions": {"tenant": "t2"}})  # hidden: for the scope only


async def test_the_scope_dependency_and_extra_keys_reach_the_query() -> None:
    async with _client(_app()) as client:
        answer = (await client.post("/rooms", json={"type": "a", "limit": 2}, headers={"x-tenant": "t9"})).json()
        empty = (await client.post("/rooms")).json()
        refused = await client.post("/rooms", json={"filter_conditions": {"tenant": "t2"}})
    assert "t9" in answer["scope"] and answer["extra"] == {"type": "a"} and answer["limit"] == 2
    assert empty["limit"] == SMALL.default_limit  # an empty body is {}
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "unknown_field",
        "message": refused.json()["message"],
        "problems": [refused.json()["problems"][0]],
    }
    assert refused.json()["problems"][0]["path"] == ["filter_conditions", "tenant"]


async def test_other_errors_keep_fastapis_answers() -> None:
    async with _client(_app()) as client:
        mine = await client.post("/members", json={"limit": 13})
        other_route = await client.post("/echo", content=b"{nope", headers={"content-type": "application/json"})
        bad_header = await client.post("/rooms", json={}, headers={"x-tenant": "t" * 21})
    assert mine.status_code == 400 and mine.json() == {"detail": "unlucky"}
    assert other_route.status_code == 422 and other_route.json()["detail"][0]["type"] == "json_invalid"
    assert bad_header.status_code == 422
