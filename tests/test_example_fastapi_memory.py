"""The FastAPI example: its OpenAPI document is valid, and schemathesis, driven by
that document over ASGI, finds no 5xx and no response outside what it documents."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from openapi_spec_validator import validate

from examples.fastapi_memory.app import create_app
from stream_filters import QUERY_CALLS, demo, memory
from tests.openapi_fuzzing import BOUNDED, CHECKS

APP = create_app(secret="test-secret")
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
MEMBERS = demo.members()


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://example")


async def test_openapi_document_is_valid_openapi_3_1() -> None:
    async with _client() as client:
        document = (await client.get("/openapi.json")).json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    body = document["paths"]["/video/calls"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/QueryCallsRequest"}
    assert "call_cid" not in repr(document)  # the members scope's hidden field


@SCHEMA.parametrize()
@BOUNDED
def test_schemathesis_finds_nothing(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


async def test_pages_walk_as_the_memory_backend_does() -> None:
    request: dict[str, Any] = {"filter_conditions": {"type": {"$in": ["default", "audio_room"]}}, "limit": 40}
    query = QUERY_CALLS.parse(request)
    expected = [row["cid"] for row in memory.paginate(query, demo.calls(), secret="test-secret").items]
    pages: list[list[str]] = []
    async with _client() as client:
        body = dict(request)
        while True:
            page = (await client.post("/video/calls", json=body)).json()
            pages.append([item["cid"] for item in page["items"]])
            if not page["next"]:
                break
            body = {**request, "next": page["next"]}
        back = (await client.post("/video/calls", json={**request, "prev": page["prev"]})).json()
    walked = [cid for items in pages for cid in items]
    assert pages[0] == expected
    assert sorted(walked) == sorted(r["cid"] for r in demo.calls() if r["type"] in ("default", "audio_room"))
    assert len(walked) == len(set(walked))
    assert [item["cid"] for item in back["items"]] == pages[-2]


async def test_the_scope_is_the_call_in_the_path() -> None:
    by_call = Counter(row["call_cid"] for row in MEMBERS)
    (cid, count), (other, _) = by_call.most_common(2)
    assert count >= 2
    path = "/video/call/{}/{}/members".format(*cid.split(":"))
    seen: list[str] = []
    cursors: list[str] = []
    async with _client() as client:
        body: dict[str, Any] = {"limit": 1}
        while True:
            page = (await client.post(path, json=body)).json()
            seen.extend(item["user_id"] for item in page["items"])
            if not page["next"]:
                break
            cursors.append(page["next"])
            body = {"limit": 1, "next": page["next"]}
        # A cursor of one call is no cursor for another (SPEC §8).
        elsewhere = "/video/call/{}/{}/members".format(*other.split(":"))
        reused = await client.post(elsewhere, json={"next": cursors[0]})
        hidden = await client.post(path, json={"filter_conditions": {"call_cid": cid}})
    assert sorted(seen) == sorted(row["user_id"] for row in MEMBERS if row["call_cid"] == cid)
    assert reused.status_code == 400 and reused.json()["code"] == "invalid_cursor"
    assert hidden.status_code == 400 and hidden.json()["code"] == "unknown_field"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{nope", "invalid_json"),
        (b"\xff\xfe{", "invalid_json"),
        (b'{"limit": NaN}', "invalid_json"),
        (b"[]", "invalid_type"),
    ],
)
async def test_bodies_fastapi_cannot_decode_get_the_library_error(content: bytes, code: str) -> None:
    async with _client() as client:
        response = await client.post("/video/calls", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["problems"][0]["code"] == code
