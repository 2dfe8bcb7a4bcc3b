"""Opaque keyset cursors shared by every backend (SPEC §5).

A cursor is `base64url(payload) "." base64url(tag)`. The payload is compact JSON
`[version, direction, fingerprint, [sort values...]]`; the tag is
HMAC-SHA256(secret, payload) when the application gives a secret, and an
unkeyed SHA-256 checksum otherwise. Without a secret a cursor detects
corruption but not forgery: give a secret in production. Several secrets may
be given (`Secrets`): cursors are signed with the first and accepted with any,
so a secret can be rotated without breaking the walks in progress.

Sort values are encoded by the sort field's type: datetimes as integer
microseconds since the epoch (stored values have microsecond precision),
everything else as its JSON value, `null` for a missing value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, assert_never

from .errors import Code, FilterError
from .field_types import FieldType
from .query import Direction, Query
from .timestamps import epoch_micros, from_epoch_micros

VERSION = 1
_CHECKSUM_BYTES = 12  # the tag without a secret; an HMAC-SHA256 tag has 32
MALFORMED = "it cannot be read (edited, truncated, or not a cursor this endpoint made)"

SortValue = str | int | float | bool | datetime | None
Secret = bytes | str
Secrets = Secret | Sequence[Secret] | None
"""One secret, several (sign with the first, accept any), or None (unsigned)."""


def sort_values(query: Query, row: Mapping[str, Any]) -> tuple[SortValue, ...]:
    """A row's values for the query's sort keys, from a row keyed by field
    name (the in-memory backend's rows, Elasticsearch's sources): what a
    cursor carries."""
    return tuple(row.get(key.field) for key in query.sort)


@dataclass(frozen=True, slots=True)
class Boundary:
    """A decoded cursor: the boundary row's sort values and which side is wanted."""

    direction: Direction
    values: tuple[SortValue, ...]


def encode(query: Query, direction: Direction, values: tuple[SortValue, ...], secret: Secrets) -> str:
    """A cursor for the rows after (`next`) or before (`prev`) a row with `values`."""
    encoded = tuple(_encode_value(query, i, v) for i, v in enumerate(values))
    return _token(str(direction), query.fingerprint, encoded, repr(encoded), key_list(secret)[0])


# A page's cursors are mostly those of the pages before it (the first page's
# `next` is the same for every client): each is made once. The values' repr is
# in the key because Python finds equal what JSON writes otherwise
# (`True == 1 == 1.0`, `-0.0 == 0.0`); for these values (numbers, strings,
# booleans, None) the repr is exact.
@lru_cache(maxsize=1024)
def _token(direction: str, fingerprint: str, values: tuple[Any, ...], _written: str, key: bytes | None) -> str:
    payload = json.dumps([VERSION, direction, fingerprint, list(values)], separators=(",", ":"), ensure_ascii=False)
    data = payload.encode()
    return f"{_b64(data)}.{_b64(_tag(data, key))}"


def decode(query: Query, secret: Secrets) -> Boundary | None:
    """The boundary of `query.cursor`, or None without one; any fault is `invalid_cursor`."""
    if query.cursor is None:
        return None
    path = (str(query.cursor.direction),)
    try:
        return _decode(query, query.cursor.token, key_list(secret))
    except _Invalid as exc:
        raise FilterError.single(Code.INVALID_CURSOR, f"invalid cursor: {exc}", path) from None


class _Invalid(Exception):
    pass


def key_list(secret: Secrets) -> tuple[bytes | None, ...]:
    """The secrets as keys, the signing one first; ValueError for an empty list
    (which would otherwise turn signing off without a word)."""
    if secret is None or isinstance(secret, bytes | str):
        return (_key(secret),)
    keys = tuple(_key(s) for s in secret)
    if not keys or None in keys:
        raise ValueError("cursor secrets: give at least one secret (bytes or str), or None for unsigned cursors")
    return keys


def _key(secret: object) -> bytes | None:
    if secret is None or isinstance(secret, bytes):
        return secret
    if isinstance(secret, str):
        return secret.encode()
    raise ValueError(f"a cursor secret is bytes or str, got {type(secret).__name__}")


def _decode(query: Query, token: str, keys: tuple[bytes | None, ...]) -> Boundary:
    payload_text, sep, tag_text = token.partition(".")
    if not sep:
        raise _Invalid(MALFORMED)
    payload, tag = _unb64(payload_text), _unb64(tag_text)
    data = _payload(payload)
    if not any(hmac.compare_digest(tag, _tag(payload, key)) for key in keys):
        # A readable payload under a tag that does not match was signed with
        # another secret (or edited); an unreadable one is damage. Which
        # secret would match is never said.
        raise _Invalid(MALFORMED if data is None else _signature_mismatch(tag, keys[0]))
    if data is None:
        raise _Invalid(MALFORMED)
    if data[1] != str(query.cursor.direction if query.cursor else ""):
        raise _Invalid(f"this is a {data[1]} cursor")
    if data[2] != query.fingerprint:
        raise _Invalid(
            "it was made for another filter, sort or scope; send a cursor only with the request that returned it "
            "(the limit may change)"
        )
    if len(data[3]) != len(query.sort):
        raise _Invalid(MALFORMED)
    values = tuple(_decode_value(query, i, v) for i, v in enumerate(data[3]))
    return Boundary(query.cursor.direction if query.cursor else Direction.NEXT, values)


def _payload(payload: bytes) -> list[Any] | None:
    """The cursor's payload if it has our shape, else None."""
    try:
        data = json.loads(payload, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, list) and len(data) == 4 and data[0] == VERSION and isinstance(data[3], list):
        return data
    return None


def _signature_mismatch(tag: bytes, secret: bytes | None) -> str:
    unsigned = len(tag) == _CHECKSUM_BYTES
    if secret is not None and unsigned:
        return "it was made without a secret, and this endpoint signs its cursors; request the first page again"
    if secret is None and not unsigned:
        return "it was signed with a secret, and none was given to check it"
    return (
        "its signature does not match this secret (it was signed with another one, or edited); "
        "sign and check every page with the same secret"
    )


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _sort_type(query: Query, index: int) -> FieldType:
    return query.schema.by_name[query.sort[index].field].type


def _encode_value(query: Query, index: int, value: SortValue) -> Any:
    if isinstance(value, datetime):
        return epoch_micros(value)
    return value


def _decode_value(query: Query, index: int, value: Any) -> SortValue:
    if value is None:
        return None
    kind = _sort_type(query, index)
    match kind:
        case FieldType.DATETIME:
            if type(value) is int:
                try:
                    return from_epoch_micros(value)
                except OverflowError:
                    raise _Invalid(MALFORMED) from None
        case FieldType.BOOLEAN:
            if type(value) is bool:
                return value
        case FieldType.INTEGER | FieldType.NUMBER:
            if type(value) is int or (type(value) is float and math.isfinite(value)):
                return value
        case FieldType.STRING:
            if type(value) is str:
                return value
        case FieldType.STRING_ARRAY | FieldType.CUSTOM:
            raise AssertionError(f"{kind} fields are not sortable")  # the schema refuses them
        case _:
            assert_never(kind)
    raise _Invalid(MALFORMED)


def _tag(payload: bytes, key: bytes | None) -> bytes:
    if key is None:
        return hashlib.sha256(payload).digest()[:_CHECKSUM_BYTES]
    return hmac.new(key, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _Invalid(MALFORMED) from None
    # Base64 has spare bits; only the canonical spelling is accepted, so that
    # every changed character is a changed cursor.
    if _b64(data) != text:
        raise _Invalid(MALFORMED)
    return data
