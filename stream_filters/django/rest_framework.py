"""Django REST framework: Stream's query request on a DRF list view (docs/django.md).

```python
class QueryCalls(StreamQueryAPIView[Call]):
    serializer_class = CallSerializer
    stream_schema = CALLS                 # QUERY_CALLS plus a hidden `tenant_id` (SPEC §8)
    stream_mapping = CALLS_MAPPING        # map_model(CALLS, Call, {...})
    stream_items_key = "calls"

    def get_queryset(self) -> QuerySet[Call]:
        return Call.objects.filter(tenant=self.request.user.profile.tenant)

    def get_stream_scope(self) -> dict[str, Any]:
        return {"tenant_id": self.request.user.profile.tenant.key}   # binds cursors to the tenant
```

- `StreamFilterBackend` reads the request — the body of a POST, or for GET
  `filter_conditions`/`sort` as JSON text and `limit`/`next`/`prev` as plain
  parameters (SPEC §5.6) — and parses it with the view's `stream_schema`
  under the scope `get_stream_scope()` returns.
- `StreamPagination` pages the view's (filtered) queryset with the library's
  keyset `paginate`, which applies the filter, the sort and the cursor in the
  same queries, and answers `{<stream_items_key>: [...], "next", "prev"}`.
- A `FilterError` is raised as `RejectedQuery`, an `APIException` whose
  response is the library's 400 body (`FilterError.to_dict()`), so DRF's
  default exception handler answers it; `exception_handler` does the same for
  a `FilterError` the application's own code raises.
- Cursors are signed with the `STREAM_FILTERS_CURSOR_SECRET` setting (one
  secret or a list, signing with the first) or, without it, with keys derived
  from `SECRET_KEY` and `SECRET_KEY_FALLBACKS`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet
from django.http.request import RawPostDataException
from rest_framework import exceptions, views
from rest_framework.filters import BaseFilterBackend
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ..ast import Node
from ..cursors import Secret
from ..errors import FilterError, Problem
from ..limits import LimitExceeded
from ..pagination import Page
from ..parser import load_json
from ..query import Query
from ..request_keys import REQUEST_KEYS
from ..schema import Schema
from . import DjangoMapping, paginate  # the package's public API (its modules' layout may change)

__all__ = [
    "CURSOR_SECRET_SETTING",
    "RejectedQuery",
    "StreamFilterBackend",
    "StreamPagination",
    "StreamQueryAPIView",
    "StreamQueryMixin",
    "cursor_secrets",
    "exception_handler",
    "query_parameters",
    "stream_query",
]

M = TypeVar("M", bound=models.Model)
R = TypeVar("R")  # what the queryset yields: model instances (paginate reads its sort values from them)

CURSOR_SECRET_SETTING = "STREAM_FILTERS_CURSOR_SECRET"
# Keys derived from SECRET_KEY are for cursors only: a cursor never reveals the
# key, and rotating SECRET_KEY (with SECRET_KEY_FALLBACKS) rotates cursor keys.
_DERIVATION = b"stream-filters django cursor key v1"
_QUERY_ATTRIBUTE = "_stream_filters_query"  # the parsed request, cached on the DRF request
_INTEGER = re.compile(r"-?[0-9]{1,18}")  # `limit` as a parameter; longer digit runs are the parser's to refuse
_SAFE_METHODS = frozenset({"GET", "HEAD"})


class RejectedQuery(exceptions.APIException):
    """A `FilterError` as DRF's 400: `detail` is `FilterError.to_dict()` as it is
    (DRF would turn the path's indices into strings), so DRF's exception handler
    answers with the library's body, the one the FastAPI integration gives."""

    status_code = 400
    default_code = "invalid_request"

    def __init__(self, error: FilterError) -> None:
        super().__init__()
        self.error = error
        self.detail = cast(Any, error.to_dict())  # JSON as it is, not DRF's ErrorDetail strings


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering a bare `FilterError` (from the
    application's own code) as `RejectedQuery` does. Optional: set it as
    `REST_FRAMEWORK["EXCEPTION_HANDLER"]`; the classes here need no handler."""
    if isinstance(exc, FilterError):
        exc = RejectedQuery(exc)
    return views.exception_handler(exc, context)


# -- what a view declares ---------------------------------------------------------------


class StreamQueryMixin:
    """The attributes the backend and the pagination class read from a view."""

    stream_schema: ClassVar[Schema]  # the endpoint's schema (hidden fields for the scope, SPEC §8)
    stream_mapping: ClassVar[DjangoMapping]  # `map_model(stream_schema, Model, {...})`
    stream_items_key: ClassVar[str] = "items"  # the response's list: `calls`, `members`
    stream_extra_keys: ClassVar[Sequence[str]] = ()  # body keys besides the request's own (SPEC §1.3)

    def get_stream_scope(self) -> Mapping[str, Any] | Node | None:
        """The scope filter (SPEC §8) of this request, e.g. the caller's tenant:
        ANDed into the query and bound into every cursor, so that a cursor of
        tenant A is `invalid_cursor` for tenant B. `self.request` is set."""
        return None


@dataclass(frozen=True, slots=True)
class _Endpoint:
    schema: Schema
    mapping: DjangoMapping
    items_key: str
    extra_keys: tuple[str, ...]


def _endpoint(view: object) -> _Endpoint:
    schema = getattr(view, "stream_schema", None)
    mapping = getattr(view, "stream_mapping", None)
    name = type(view).__name__
    if not isinstance(schema, Schema):
        raise ImproperlyConfigured(f"{name}.stream_schema must be a stream_filters Schema")
    if not isinstance(mapping, DjangoMapping) or mapping.schema is not schema:
        raise ImproperlyConfigured(f"{name}.stream_mapping must be map_model(stream_schema, ...)")
    items_key = getattr(view, "stream_items_key", "items")
    if not isinstance(items_key, str) or items_key in ("next", "prev"):
        raise ImproperlyConfigured(f"{name}.stream_items_key must be a string other than next and prev")
    return _Endpoint(schema, mapping, items_key, tuple(getattr(view, "stream_extra_keys", ())))


def _scope(view: object) -> Mapping[str, Any] | Node | None:
    get_scope = getattr(view, "get_stream_scope", None)
    scope: Mapping[str, Any] | Node | None = get_scope() if callable(get_scope) else None
    return scope


# -- reading the request ----------------------------------------------------------------


def stream_query(request: Request, view: object) -> Query:
    """The view's request parsed into a `Query` (once per request; a bad one is
    `RejectedQuery`). GET and HEAD read query parameters, other methods the body."""
    cached = getattr(request, _QUERY_ATTRIBUTE, None)
    if isinstance(cached, Query):
        return cached
    endpoint = _endpoint(view)
    scope = _scope(view)
    try:  # a bad scope is the application's bug: the parser's ValueError, a 500
        query = _parse(request, endpoint, scope)
    except FilterError as error:
        raise RejectedQuery(error) from None
    setattr(request, _QUERY_ATTRIBUTE, query)
    return query


def _parse(request: Request, endpoint: _Endpoint, scope: Mapping[str, Any] | Node | None) -> Query:
    schema, extra_keys = endpoint.schema, endpoint.extra_keys
    if request.method in _SAFE_METHODS:
        body, problems = query_parameters(request.query_params, schema, extra_keys)
        return _parse_collected(schema, body, problems, scope, extra_keys)
    try:
        raw: bytes | Mapping[str, Any] = request._request.body
    except RawPostDataException:  # the application read `request.data` first: DRF's parsers decoded it
        raw = cast(Any, request.data)  # not an object: the parser's invalid_type
    if isinstance(raw, bytes) and not raw.strip():
        raw = b"{}"  # an empty body is the empty request, as in the FastAPI integration
    return schema.parse(raw, scope=scope, extra_keys=extra_keys)


def _parse_collected(
    schema: Schema,
    body: dict[str, Any],
    problems: list[Problem],
    scope: Mapping[str, Any] | Node | None,
    extra_keys: tuple[str, ...],
) -> Query:
    """Parse what the parameters held, reporting the parameters' own JSON
    problems with the parser's, all at once (a limit breach alone, at once)."""
    try:
        query = schema.parse(body, scope=scope, extra_keys=extra_keys)
    except LimitExceeded:
        raise
    except FilterError as error:
        raise FilterError([*problems, *error.problems]) from None
    if problems:
        raise FilterError(problems)
    return query


def query_parameters(
    params: Mapping[str, str], schema: Schema, extra_keys: Sequence[str] = ()
) -> tuple[dict[str, Any], list[Problem]]:
    """The GET form of a request as the body it stands for, and the problems of
    parameters that are not JSON: `filter_conditions`, `sort` and extra keys
    are JSON text (an invalid one is `invalid_json` at its own path and is left
    out of the body), `limit` an integer, `next`/`prev` plain text. Any other
    parameter is kept so that the parser reports it as `unknown_key`, except
    DRF's own format override (`?format=json`). A repeated parameter's last
    value counts, as a repeated key's does in JSON."""
    json_keys = {"filter_conditions", "sort", *extra_keys}
    body: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in params:
        text = params[name]  # a QueryDict gives the last value
        if name == api_settings.URL_FORMAT_OVERRIDE and name not in REQUEST_KEYS:
            continue
        if name in json_keys:
            try:
                body[name] = load_json(text, schema, (name,))
            except LimitExceeded:
                raise
            except FilterError as error:
                problems.extend(error.problems)
        elif name == "limit" and _INTEGER.fullmatch(text):
            body[name] = int(text)
        else:
            body[name] = text  # the parser refuses a limit that is not an integer, with its path
    return body, problems


# -- cursor secrets ---------------------------------------------------------------------


def cursor_secrets() -> tuple[Secret, ...]:
    """The secrets cursors are signed with (the first) and accepted with (any):
    the `STREAM_FILTERS_CURSOR_SECRET` setting, a secret or a list of them;
    without it, one key derived from each of SECRET_KEY and SECRET_KEY_FALLBACKS."""
    configured = getattr(settings, CURSOR_SECRET_SETTING, None)
    if isinstance(configured, str | bytes):
        return (configured,)
    if configured is not None:
        found = tuple(configured)
        if not found or not all(isinstance(s, str | bytes) for s in found):
            raise ImproperlyConfigured(f"{CURSOR_SECRET_SETTING} must be a secret or a non-empty list of them")
        return found
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    return tuple(hmac.new(_bytes(key), _DERIVATION, hashlib.sha256).digest() for key in keys)


def _bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode()


# -- the DRF classes --------------------------------------------------------------------


class StreamFilterBackend(BaseFilterBackend):
    """Reads and checks the request (a bad one is a 400 before any query runs).

    The filter itself is applied by `StreamPagination`, inside each keyset
    range query: the cursor binds filter, sort and scope together, so a view
    with this backend and another pagination class is refused (it would list
    rows unfiltered)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[M, R], view: views.APIView) -> QuerySet[M, R]:
        if not isinstance(getattr(view, "paginator", None), StreamPagination):
            raise ImproperlyConfigured(
                f"{type(view).__name__}: StreamFilterBackend needs pagination_class = StreamPagination"
            )
        stream_query(request, view)
        return queryset

    def get_schema_operation_parameters(self, view: views.APIView) -> list[dict[str, Any]]:
        """The GET form's parameters, for DRF's OpenAPI schema."""
        json_text = {"type": "string", "contentMediaType": "application/json"}
        return [
            _parameter("filter_conditions", "the filter, as JSON text", json_text),
            _parameter("sort", 'the sort, as JSON text: [{"field": "created_at", "direction": -1}]', json_text),
            _parameter("limit", "page size", {"type": "integer", "minimum": 1}),
            _parameter("next", "the `next` cursor of the page before", {"type": "string"}),
            _parameter("prev", "the `prev` cursor of the page after", {"type": "string"}),
        ]


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "required": False, "in": "query", "description": description, "schema": schema}


class StreamPagination(BasePagination):
    """Keyset pages of the view's queryset (the scope the application allows),
    answered as `{<stream_items_key>: [...], "next": ..., "prev": ...}`."""

    items_key = "items"
    page: Page[Any] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[M, R] | Sequence[R], request: Request, view: views.APIView | None = None
    ) -> list[R] | None:
        if not isinstance(queryset, QuerySet):
            raise ImproperlyConfigured("StreamPagination pages a QuerySet (get_queryset() must return one)")
        endpoint = _endpoint(view)
        query = stream_query(request, view)
        try:
            page = paginate(query, cast("QuerySet[M]", queryset), endpoint.mapping, secret=cursor_secrets())
        except FilterError as error:  # invalid_cursor, or a field this model does not store (unsupported)
            raise RejectedQuery(error) from None
        self.items_key = endpoint.items_key
        self.page = page
        return cast("list[R]", page.items)

    def get_paginated_response(self, data: Any) -> Response:
        page = self.page
        if page is None:
            raise RuntimeError("get_paginated_response before paginate_queryset")
        return Response({self.items_key: data, "next": page.next, "prev": page.prev})


class StreamQueryAPIView(StreamQueryMixin, ListModelMixin, GenericAPIView[M]):
    """A query endpoint: GET with parameters or POST with a body, both answered
    by `list` through `StreamFilterBackend` and `StreamPagination`."""

    filter_backends = (StreamFilterBackend,)
    pagination_class = StreamPagination

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)
