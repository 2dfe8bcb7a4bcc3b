"""The DRF classes (`stream_filters.django.rest_framework`) on a view over a
test model: pages equal to memory's (rows and cursor tokens) by POST and GET,
the library's 400 body for every bad input, cursors bound to the view's scope,
the cursor secret from settings.

DRF reads its settings lazily; the harness's settings have no auth apps, so the
views authenticate nobody (UNAUTHENTICATED_USER None) and the secret is set
per test with `override_settings`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from stream_filters import QUERY_CALLS, Field, FieldType, FilterError, Op, Page, Query, memory
from stream_filters.django.rest_framework import (
    RejectedQuery,
    StreamFilterBackend,
    StreamQueryAPIView,
    cursor_secrets,
    exception_handler,
    query_parameters,
)
from tests.django_orm.harness import Store, get_store

SCHEMA = replace(
    QUERY_CALLS,
    name="drf_query_calls",
    fields=(*QUERY_CALLS.fields, Field("tenant_id", FieldType.STRING, frozenset({Op.EQ, Op.IN}), hidden=True)),
)
SECRET = "drf-test-secret"
SETTINGS: dict[str, Any] = {
    "REST_FRAMEWORK": {"UNAUTHENTICATED_USER": None, "DEFAULT_PERMISSION_CLASSES": []},
    "STREAM_FILTERS_CURSOR_SECRET": SECRET,
}
_T0 = datetime(2024, 1, 1, tzinfo=UTC)
factory = APIRequestFactory()


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "cid": f"default:c{i:02d}",
            "id": f"c{i:02d}",
            "type": ["default", "livestream", "audio"][i % 3],
            "tenant_id": "a" if i % 4 else "b",
            "created_at": _T0 + timedelta(minutes=(i * 7) % 11),
            "ended_at": None if i % 3 else _T0 + timedelta(hours=i),
            "members": [f"u{i % 5}"],
            "ongoing": i % 2 == 0,
        }
        for i in range(23)
    ]


@pytest.fixture
def store(alias: str) -> Iterator[Store]:
    found = get_store(alias, SCHEMA)
    with override_settings(**SETTINGS):
        yield found


class _CidSerializer(serializers.BaseSerializer[Any]):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"cid": instance.cid}


def _view(store: Store, **attributes: Any) -> Any:
    """A query view over the store's model; `?tenant=` plays the request user."""

    class QueryCalls(StreamQueryAPIView[Any]):
        authentication_classes: ClassVar[list[Any]] = []
        serializer_class = _CidSerializer
        stream_schema = SCHEMA
        stream_mapping = store.mapping
        stream_items_key = "calls"

        def get_queryset(self) -> QuerySet[Any]:
            return store.model._default_manager.using(store.alias).all()

        def get_stream_scope(self) -> dict[str, Any]:
            return {"tenant_id": self.request.headers.get("X-Tenant", "a")}

    for name, value in attributes.items():
        setattr(QueryCalls, name, value)
    return QueryCalls.as_view()


def _post(view: Any, body: Any, tenant: str = "a") -> Response:
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    response: Response = view(factory.post("/calls", text, content_type="application/json", HTTP_X_TENANT=tenant))
    return response


def _get(view: Any, params: dict[str, str], tenant: str = "a") -> Response:
    response: Response = view(factory.get("/calls", params, HTTP_X_TENANT=tenant))
    return response


def _as_get(body: dict[str, Any]) -> dict[str, str]:
    return {k: json.dumps(v) if k in ("filter_conditions", "sort") else str(v) for k, v in body.items()}


def _memory(rows: list[dict[str, Any]], body: dict[str, Any], tenant: str) -> Page[Any]:
    query: Query = SCHEMA.parse(body, scope={"tenant_id": tenant})
    return memory.paginate(query, rows, secret=SECRET)


def _page(response: Response) -> tuple[list[str], str | None, str | None]:
    assert response.status_code == 200, response.data
    assert set(response.data) == {"calls", "next", "prev"}
    return [c["cid"] for c in response.data["calls"]], response.data["next"], response.data["prev"]


BODIES = [
    {"limit": 4},
    {"filter_conditions": {"type": {"$in": ["default", "audio"]}}, "sort": [{"field": "ended_at"}], "limit": 3},
    {"filter_conditions": {"$or": [{"ongoing": True}, {"members": {"$in": ["u1"]}}]}, "limit": 5},
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("method", ["post", "get"])
def test_pages_walked_both_ways_are_memorys(store: Store, body: dict[str, Any], method: str) -> None:
    rows = store.load(_rows())
    view = _view(store)

    def ask(request: dict[str, Any]) -> tuple[list[str], str | None, str | None]:
        return _page(_post(view, request) if method == "post" else _get(view, _as_get(request)))

    def expect(request: dict[str, Any]) -> tuple[list[str], str | None, str | None]:
        page = _memory(rows, request, "a")
        return [r["cid"] for r in page.items], page.next, page.prev

    pages = [ask(body)]
    assert pages[0] == expect(body)
    while pages[-1][1] is not None:
        request = {**body, "next": pages[-1][1]}
        pages.append(ask(request))
        assert pages[-1] == expect(request)
    assert len(pages) > 1
    seen = [cid for items, _, _ in pages for cid in items]
    assert len(seen) == len(set(seen)) == len(_memory(rows, {**body, "limit": 100}, "a").items)
    for i in range(len(pages) - 1, 0, -1):  # back with prev: exactly the page before, each time
        request = {**body, "prev": pages[i][2]}
        assert ask(request) == pages[i - 1] == expect(request)


def test_tenant_b_sees_only_its_rows_and_not_with_a_cursor_of_a(store: Store) -> None:
    rows = store.load(_rows())
    view = _view(store)
    b_rows = {r["cid"] for r in rows if r["tenant_id"] == "b"}
    b_page = _page(_post(view, {"limit": 100}, tenant="b"))
    assert set(b_page[0]) == b_rows and b_rows
    a_first = _page(_post(view, {"limit": 2}, tenant="a"))
    assert a_first[1] is not None
    refused = _post(view, {"limit": 2, "next": a_first[1]}, tenant="b")
    assert refused.status_code == 400
    assert refused.data["code"] == "invalid_cursor"
    assert refused.data["problems"][0]["path"] == ["next"]
    assert _post(view, {"limit": 2, "next": a_first[1]}, tenant="a").status_code == 200


def _problems(response: Response) -> list[tuple[str, list[Any]]]:
    assert response.status_code == 400, response.data
    return [(p["code"], p["path"]) for p in response.data["problems"]]


def test_bad_get_parameters_are_400s_with_paths_all_at_once(store: Store) -> None:
    view = _view(store)
    response = _get(view, {"filter_conditions": "{type: 1}", "sort": "[", "limit": "x", "lmit": "3"})
    assert _problems(response) == [
        ("invalid_json", ["filter_conditions"]),
        ("invalid_json", ["sort"]),
        ("unknown_key", ["lmit"]),
        ("invalid_limit", ["limit"]),
    ]
    assert response.data["code"] == "invalid_json"
    assert _problems(_get(view, {"filter_conditions": '{"tpye": "x"}'})) == [
        ("unknown_field", ["filter_conditions", "tpye"])
    ]
    assert _problems(_get(view, {"filter_conditions": "[" * 100_000})) == [("too_deep", ["filter_conditions"])]
    assert _problems(_get(view, {"limit": "9" * 5000})) == [("invalid_limit", ["limit"])]
    assert _problems(_get(view, {"limit": "0"})) == [("invalid_limit", ["limit"])]
    assert _get(view, {"limit": "2", "format": "json"}).status_code == 200  # DRF's own parameter


def test_bad_bodies_and_cursors_are_the_librarys_400_body(store: Store) -> None:
    view = _view(store)
    for body, expected in [
        (b'{"limit": 5,}', [("invalid_json", [])]),
        (b"\xff", [("invalid_json", [])]),
        (b"[1]", [("invalid_type", [])]),
        ({"filter_conditions": {"tenant_id": "b"}}, [("unknown_field", ["filter_conditions", "tenant_id"])]),
        ({"next": "garbage"}, [("invalid_cursor", ["next"])]),
    ]:
        response = _post(view, body)
        assert _problems(response) == expected, body
        assert set(response.data) == {"code", "message", "problems"}
    assert _post(view, b"").status_code == 200  # an empty body is the request {}


def test_a_cursor_signed_with_another_secret_is_refused(store: Store) -> None:
    store.load(_rows())
    view = _view(store)
    cursor = _page(_post(view, {"limit": 2}))[1]
    with override_settings(STREAM_FILTERS_CURSOR_SECRET=["new", SECRET]):
        assert _post(view, {"limit": 2, "next": cursor}).status_code == 200  # rotation: old accepted
    with override_settings(STREAM_FILTERS_CURSOR_SECRET="other"):
        assert _problems(_post(view, {"limit": 2, "next": cursor})) == [("invalid_cursor", ["next"])]


@pytest.mark.parametrize("alias", ["sqlite"])
def test_cursor_secrets_come_from_the_setting_or_the_secret_key(store: Store) -> None:
    assert cursor_secrets() == (SECRET,)
    with override_settings(STREAM_FILTERS_CURSOR_SECRET=[b"k1", "k2"]):
        assert cursor_secrets() == (b"k1", "k2")
    with override_settings(STREAM_FILTERS_CURSOR_SECRET=[]), pytest.raises(ImproperlyConfigured):
        cursor_secrets()
    with override_settings(STREAM_FILTERS_CURSOR_SECRET=None, SECRET_KEY_FALLBACKS=["old"]):
        derived = cursor_secrets()
        assert len(derived) == 2 and all(isinstance(k, bytes) and len(k) == 32 for k in derived)
        assert b"stream-filters tests" not in derived[0]
        with override_settings(SECRET_KEY="rotated"):
            assert cursor_secrets()[0] != derived[0]


@pytest.mark.parametrize("alias", ["sqlite"])
def test_the_backend_refuses_another_pagination_class(store: Store) -> None:
    class Unpaged(ListAPIView[Any]):
        authentication_classes: ClassVar[list[Any]] = []
        serializer_class = _CidSerializer
        filter_backends = (StreamFilterBackend,)
        pagination_class = LimitOffsetPagination
        stream_schema = SCHEMA
        stream_mapping = store.mapping

        def get_queryset(self) -> QuerySet[Any]:
            return store.model._default_manager.using(store.alias).all()

    with pytest.raises(ImproperlyConfigured, match="StreamPagination"):
        Unpaged.as_view()(factory.get("/calls"))


@pytest.mark.parametrize("alias", ["sqlite"])
def test_a_view_with_a_wrong_mapping_is_a_configuration_error(store: Store) -> None:
    view = _view(store, stream_schema=QUERY_CALLS)
    with pytest.raises(ImproperlyConfigured, match="stream_mapping"):
        _post(view, {})


@pytest.mark.parametrize("alias", ["sqlite"])
def test_a_body_drf_already_parsed_is_read_from_request_data(store: Store) -> None:
    store.load(_rows())

    class ReadsDataFirst(StreamQueryAPIView[Any]):
        authentication_classes: ClassVar[list[Any]] = []
        serializer_class = _CidSerializer
        stream_schema = SCHEMA
        stream_mapping = store.mapping

        def get_queryset(self) -> QuerySet[Any]:
            assert isinstance(self.request.data, dict)  # DRF's parser consumed the stream
            return store.model._default_manager.using(store.alias).all()

    view = ReadsDataFirst.as_view()
    response = view(factory.post("/calls", {"limit": 1}, format="json"))
    assert response.status_code == 200 and len(response.data["items"]) == 1
    response = view(factory.post("/calls", {"limit": 0}, format="json"))
    assert _problems(response) == [("invalid_limit", ["limit"])]


@pytest.mark.parametrize("alias", ["sqlite"])
def test_exception_handler_answers_a_bare_filter_error(store: Store) -> None:
    class Raises(APIView):
        authentication_classes: ClassVar[list[Any]] = []

        def get(self, request: Any) -> Response:
            SCHEMA.parse({"limit": "many"})
            return Response({})

        def get_exception_handler(self) -> Any:
            return exception_handler

    response = Raises.as_view()(factory.get("/"))
    assert _problems(response) == [("invalid_limit", ["limit"])]
    assert response.data == SCHEMA_ERROR({"limit": "many"})


def SCHEMA_ERROR(body: dict[str, Any]) -> dict[str, Any]:
    try:
        SCHEMA.parse(body)
    except FilterError as error:
        return error.to_dict()
    raise AssertionError("parsed")


def test_query_parameters_keep_json_types_and_paths() -> None:
    body, problems = query_parameters({"filter_conditions": '{"id": 5}', "limit": "-3", "next": "abc"}, SCHEMA)
    assert body == {"filter_conditions": {"id": 5}, "limit": -3, "next": "abc"} and problems == []
    body, problems = query_parameters({"sort": "nan", "extra": "[1]"}, SCHEMA, ["extra"])
    assert body == {"extra": [1]}
    assert [(p.code, p.path) for p in problems] == [("invalid_json", ("sort",))]
    error = RejectedQuery(FilterError(problems))
    assert error.status_code == 400 and error.detail == FilterError(problems).to_dict()


_TEXT = st.sampled_from(
    [
        "",
        "1",
        "-1",
        "25",
        "1e999",
        "null",
        "[]",
        "{}",
        '{"id": 1}',
        '{"$or": []}',
        '[{"field": "cid"}]',
        "{",
        "\x00",
        "σ",
    ]
) | st.text(max_size=12)
_NAMES = st.sampled_from(["filter_conditions", "sort", "limit", "next", "prev", "format", "", "x"])


@pytest.mark.parametrize("alias", ["sqlite"])
def test_no_get_parameters_or_body_get_anything_but_200_or_400(store: Store) -> None:
    view = _view(store)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(params=st.dictionaries(_NAMES, _TEXT, max_size=4), body=st.binary(max_size=40) | _TEXT.map(str.encode))
    def check(params: dict[str, str], body: bytes) -> None:
        for response in (_get(view, params), _post(view, body)):
            # DRF's own answer to ?format=<no such renderer> is a 404.
            drf_format = response.status_code == 404 and "format" in params
            assert response.status_code in (200, 400) or drf_format, response.data
            if response.status_code == 400:
                assert response.data["problems"] and all("path" in p for p in response.data["problems"])

    check()


def test_the_backend_describes_the_get_form_for_openapi() -> None:
    names = [p["name"] for p in StreamFilterBackend().get_schema_operation_parameters(APIView())]
    assert names == ["filter_conditions", "sort", "limit", "next", "prev"]
