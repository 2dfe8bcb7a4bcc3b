"""Authentication as Stream does it: api_key + server-side JWT; 401/403 with Stream's error body."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import API_KEY, API_SECRET, assert_stream_error, running_server, settings, token

PATH = "/api/v2/video/call/default/auth-probe"
BODY = {"data": {"created_by_id": "alice"}}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    db = Path(tmp_path_factory.mktemp("auth")) / "auth.db"
    with running_server(settings(f"sqlite:///{db}")) as base_url, httpx.Client(base_url=base_url) as http:
        yield http


GOOD = token()

# (case, query string, headers, status, Stream code)
CASES = [
    ("valid", f"api_key={API_KEY}", {"Authorization": GOOD, "stream-auth-type": "jwt"}, 200, None),
    ("bearer prefix", f"api_key={API_KEY}", {"Authorization": f"Bearer {GOOD}", "stream-auth-type": "jwt"}, 200, None),
    ("no api_key", "", {"Authorization": GOOD, "stream-auth-type": "jwt"}, 401, 2),
    ("wrong api_key", "api_key=other", {"Authorization": GOOD, "stream-auth-type": "jwt"}, 401, 2),
    ("no auth type", f"api_key={API_KEY}", {"Authorization": GOOD}, 401, 5),
    ("anonymous", f"api_key={API_KEY}", {"Authorization": GOOD, "stream-auth-type": "anonymous"}, 401, 5),
    ("no token", f"api_key={API_KEY}", {"stream-auth-type": "jwt"}, 401, 5),
    ("garbage token", f"api_key={API_KEY}", {"Authorization": "not.a.jwt", "stream-auth-type": "jwt"}, 401, 5),
    (
        "wrong secret",
        f"api_key={API_KEY}",
        {"Authorization": token("another-secret-" + "0123456789abcdef" * 4), "stream-auth-type": "jwt"},
        401,
        5,
    ),
    (
        "HS512 token",
        f"api_key={API_KEY}",
        {"Authorization": token(algorithm="HS512"), "stream-auth-type": "jwt"},
        401,
        5,
    ),
    (
        "expired",
        f"api_key={API_KEY}",
        {"Authorization": token(exp=int(time.time()) - 3600), "stream-auth-type": "jwt"},
        401,
        5,
    ),
    (
        "user token",
        f"api_key={API_KEY}",
        {"Authorization": token(user_id="alice"), "stream-auth-type": "jwt"},
        403,
        17,
    ),
]


@pytest.mark.parametrize(("case", "query", "request_headers", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_authentication(
    client: httpx.Client, case: str, query: str, request_headers: dict[str, str], status: int, code: int | None
) -> None:
    response = client.post(f"{PATH}?{query}", json=BODY, headers=request_headers)
    if code is None:
        assert response.status_code in (200, 201), response.text
        assert response.json()["call"]["cid"] == "default:auth-probe"
    else:
        assert_stream_error(response.status_code, response.json(), status, code)


def test_unsigned_token_is_refused(client: httpx.Client) -> None:
    unsigned = token().rsplit(".", 1)[0] + "."
    response = client.post(
        f"{PATH}?api_key={API_KEY}", json=BODY, headers={"Authorization": unsigned, "stream-auth-type": "jwt"}
    )
    assert_stream_error(response.status_code, response.json(), 401, 5)


def test_refusal_happens_before_the_body_is_read(client: httpx.Client) -> None:
    response = client.post(PATH, content=b"{not json", headers={"stream-auth-type": "jwt"})
    assert_stream_error(response.status_code, response.json(), 401, 2)
    assert API_SECRET not in response.text


def test_a_token_accepted_once_is_refused_when_it_expires(client: httpx.Client) -> None:
    """Verified tokens are remembered; their expiry is checked on every request."""
    expiring = {"Authorization": token(exp=int(time.time()) - 4), "stream-auth-type": "jwt"}  # 5 s leeway
    first = client.post(f"{PATH}?api_key={API_KEY}", json=BODY, headers=expiring)
    assert first.status_code in (200, 201), first.text
    time.sleep(2.1)
    again = client.post(f"{PATH}?api_key={API_KEY}", json=BODY, headers=expiring)
    assert_stream_error(again.status_code, again.json(), 401, 5)
    assert "expired" in again.json()["message"]
