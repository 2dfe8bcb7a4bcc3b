"""Authentication as Stream's server-side API does it.

A request carries the application's key as the `api_key` query parameter and
a JWT signed with the application's secret (HS256) in the `Authorization`
header, with `stream-auth-type: jwt`. Stream's official SDK sends the token
bare (no `Bearer ` prefix) with the payload `{}`; a `Bearer ` prefix is
accepted too so that curl users are not surprised.

Only server-side tokens are accepted: a token naming a `user_id` is a user's
(client-side) token, whose permissions this reference server does not model,
so it gets 403 rather than everything a server token may see.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from typing import Any

import jwt

from .errors import ApiError, StreamCode

_LEEWAY_SECONDS = 5  # the SDK back-dates `iat` by 5 s; clocks differ by about as much


def authenticate(api_key: str, api_secret: str, query: Mapping[str, str], headers: Mapping[str, str]) -> None:
    """Raise ApiError (401/403) unless the request carries this application's credentials."""
    given_key = query.get("api_key")
    if given_key is None:
        raise _unauthorized("api_key query parameter is missing", StreamCode.ACCESS_KEY)
    if not hmac.compare_digest(given_key.encode("utf-8", "surrogatepass"), api_key.encode()):
        raise _unauthorized(
            f"api_key not valid: {given_key[:64]!r} is not this application's key", StreamCode.ACCESS_KEY
        )
    auth_type = headers.get("stream-auth-type")
    if auth_type != "jwt":
        raise _unauthorized(
            "stream-auth-type header must be 'jwt'" + (" (it is missing)" if auth_type is None else ""),
            StreamCode.AUTHENTICATION,
        )
    claims = _claims(_token(headers.get("authorization")), api_secret)
    if not isinstance(claims, dict):
        raise _unauthorized("JWTAuth error: token payload is not an object", StreamCode.AUTHENTICATION)
    if claims.get("user_id") is not None:
        raise ApiError(
            403,
            StreamCode.NOT_ALLOWED,
            "this server accepts server-side tokens only (a token without user_id, signed with the api secret)",
        )


def _claims(token: str, api_secret: str) -> Any:
    """The token's verified claims. A server token is the same on every request,
    so tokens found valid are remembered (bounded): verifying the signature
    again would cost a tenth of a page's CPU. Expiry is checked on every use;
    `iat` and `nbf`, once passed, stay passed."""
    key = (token, api_secret)
    claims = _VERIFIED.get(key)
    if claims is not None and not _expired(claims):
        return claims
    try:
        claims = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            leeway=_LEEWAY_SECONDS,
            options={"require": [], "verify_aud": False, "verify_iss": False},
        )
    except jwt.InvalidTokenError as exc:
        _VERIFIED.pop(key, None)
        raise _unauthorized(f"JWTAuth error: token is not valid: {exc}", StreamCode.AUTHENTICATION) from None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims


def _expired(claims: Any) -> bool:
    expiry = claims.get("exp") if isinstance(claims, dict) else None
    return expiry is not None and time.time() > expiry + _LEEWAY_SECONDS


_VERIFIED: dict[tuple[str, str], Any] = {}
_VERIFIED_MAX = 1024


def _token(header: str | None) -> str:
    if not header:
        raise _unauthorized(
            "Authorization header is missing: send a JWT signed with the api secret (HS256)",
            StreamCode.AUTHENTICATION,
        )
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else header.strip()


def _unauthorized(message: str, code: StreamCode) -> ApiError:
    return ApiError(401, code, message)
