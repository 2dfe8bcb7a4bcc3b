"""FastAPI and pydantic v2 integration (install the `[fastapi]` extra).

```python
from stream_filters.fastapi import ERROR_RESPONSES, PageModel, add_exception_handlers, query_body

app = FastAPI()
add_exception_handlers(app)
CallsQuery = Annotated[Query, Depends(query_body(QUERY_CALLS))]

@app.post("/calls", response_model=PageModel[CallOut], responses=ERROR_RESPONSES)
async def calls(query: CallsQuery) -> Page[Row]: ...
```

- `query_body(schema, ...)`: a dependency that parses the request body with
  the library's parser (the only validation; the raw bytes, so size limits and
  JSON errors are the parser's too) into a `Query`, and shows the endpoint's
  JSON Schema as the operation's request body in the OpenAPI document, its
  parts under `components/schemas` (`stream_filters.json_schema`).
- `add_exception_handlers(app)`: `FilterError` -> HTTP 400 with
  `error.to_dict()`; a body FastAPI could not decode (not JSON, not UTF-8),
  on a route that takes a `query_body`, gets the parser's 400
  (`invalid_json`) instead of FastAPI's 422 or its bare 400.
- `PageModel[Item]`: the response model of a page (`items`, `next`, `prev`);
  `ErrorBody`: the 400 body, for `responses=ERROR_RESPONSES`.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Body, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic import Field as PydanticField
from pydantic.json_schema import CoreRef, GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, core_schema
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import json_schema
from .errors import FilterError
from .query import Query
from .schema import Schema

__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "PageModel",
    "ProblemBody",
    "RequestBody",
    "add_exception_handlers",
    "filter_error_handler",
    "query_body",
]

ItemT = TypeVar("ItemT")
_SCHEMA_ATTRIBUTE = "__stream_filters_schema__"


@dataclass(frozen=True)
class RequestBody:
    """Pydantic metadata for `Annotated[Any, RequestBody(schema)]`: validates
    nothing (the parser does) and describes the body with the endpoint's JSON
    Schema, registering each named part as a definition of the document being
    generated, so references work in `$defs` and in `components/schemas` alike."""

    schema: Schema
    extra_keys: tuple[str, ...] = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.any_schema()

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        generator = getattr(handler, "generate_json_schema", None)
        if not isinstance(generator, GenerateJsonSchema):
            raise TypeError("RequestBody needs pydantic's GenerateJsonSchema (pydantic >= 2.6)")

        # One core reference per part, named after it (`QueryCallsFilter`) and
        # keyed by the whole description, so two endpoints that differ (extra
        # keys, another schema of the same name) never share a definition;
        # pydantic merges identical parts and renames the rest, references included.
        key = hashlib.sha256(repr((self.schema.to_dict(), self.extra_keys)).encode()).hexdigest()[:16]

        def ref(name: str) -> str:
            return str(generator.get_cache_defs_ref_schema(CoreRef(f"stream_filters.{name}:{key}"))[1]["$ref"])

        named = json_schema.build(self.schema, extra_keys=self.extra_keys, ref=ref)
        for name, part in named.items():
            defs_ref, _ = generator.get_cache_defs_ref_schema(CoreRef(f"stream_filters.{name}:{key}"))
            generator.definitions[defs_ref] = part
        return {"$ref": ref(json_schema.request_name(self.schema))}


def query_body(
    schema: Schema,
    *,
    scope: Callable[..., Any] | None = None,
    extra_keys: Sequence[str] = (),
) -> Callable[..., Awaitable[Query]]:
    """A FastAPI dependency: the request body parsed by `schema` into a `Query`.

    `scope` is itself a FastAPI dependency (it may take headers, the path, the
    user) returning the scope filter of SPEC §8, or None; `extra_keys` names
    body keys the endpoint accepts besides the request's own (SPEC §8).
    An empty body is the empty request `{}`.
    """
    extra = tuple(extra_keys)
    body_type = Annotated[Any, RequestBody(schema, extra), Body()]

    async def parse(request: Request, body: Any = None, scope_filter: Any = None) -> Query:
        raw = await request.body()  # FastAPI read it already; this is its cached copy
        return schema.parse(raw or b"{}", scope=scope_filter, extra_keys=extra)

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=body_type, default=None),
    ]
    if scope is not None:
        parameters.append(
            inspect.Parameter(
                "scope_filter", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any, default=Depends(scope)
            )
        )
    parse.__signature__ = inspect.Signature(parameters, return_annotation=Query)  # type: ignore[attr-defined]
    setattr(parse, _SCHEMA_ATTRIBUTE, schema)
    return parse


# -- responses ----------------------------------------------------------------------


class PageModel(BaseModel, Generic[ItemT]):
    """A page as `Page.to_dict()` shapes it: `PageModel[CallOut]` as a response model."""

    model_config = ConfigDict(from_attributes=True)

    items: list[ItemT]
    next: str | None = PydanticField(None, description="pass it as `next` for the page after this one")
    prev: str | None = PydanticField(None, description="pass it as `prev` for the page before this one")


class ProblemBody(BaseModel):
    code: str = PydanticField(description="a stable problem code (docs/errors.md)")
    message: str
    path: list[str | int] = PydanticField(description="from the request root to the bad part")
    context: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """`FilterError.to_dict()`: the body of a 400."""

    code: str = PydanticField(description="the code of the first problem")
    message: str
    problems: list[ProblemBody]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request was rejected: every problem, each with its path"}
}


# -- exception handlers ----------------------------------------------------------------


async def filter_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """`FilterError` -> 400 with the library's body."""
    assert isinstance(exc, FilterError)
    return JSONResponse(exc.to_dict(), status_code=400)


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        answer = await _parser_answer(request)
        if answer is not None:
            return answer
    return await request_validation_exception_handler(request, exc)


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI's "There was an error parsing the body" (bytes not in UTF-8 ...)
        answer = await _parser_answer(request)
        if answer is not None:
            return answer
    return await http_exception_handler(request, exc)


async def _parser_answer(request: Request) -> Response | None:
    """FastAPI decodes JSON bodies before any dependency runs; on a route that
    takes a `query_body`, a body it could not decode is answered as the parser
    answers it, from the same bytes (None if the parser has no objection)."""
    schema = _route_schema(request)
    if schema is None:
        return None
    try:
        schema.parse(await request.body())
    except FilterError as error:
        return await filter_error_handler(request, error)
    return None


def _route_schema(request: Request) -> Schema | None:
    dependant = getattr(request.scope.get("route"), "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        schema = getattr(current.call, _SCHEMA_ATTRIBUTE, None)
        if isinstance(schema, Schema):
            return schema
        pending.extend(current.dependencies)
    return None


def add_exception_handlers(app: FastAPI) -> None:
    """Answer `FilterError` with HTTP 400 and `error.to_dict()`, and bodies FastAPI
    could not decode on `query_body` routes the same way; every other validation
    or HTTP error keeps FastAPI's own answer."""
    app.add_exception_handler(FilterError, filter_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
