"""The query endpoints' schemas and where their fields live in the models.

Each schema is Stream's (`QUERY_CALLS`, `QUERY_MEMBERS`) plus hidden fields
the application scopes by (SPEC §8): a client cannot name them, and a cursor
made under one scope is refused under another."""

from __future__ import annotations

from dataclasses import replace

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Field, FieldType, Op, Schema
from stream_filters.sql import Related, SqlMapping, map_table

from .models import Call, CallMember, User

_SCOPE_OPS = frozenset({Op.EQ, Op.IN})


def _with_hidden(schema: Schema, *names: str) -> Schema:
    hidden = tuple(Field(name, FieldType.STRING, _SCOPE_OPS, hidden=True) for name in names)
    return replace(schema, fields=(*schema.fields, *hidden))


CALLS = _with_hidden(QUERY_CALLS, "tenant_id")
MEMBERS = _with_hidden(QUERY_MEMBERS, "tenant_id", "call_cid")

CALLS_MAPPING: SqlMapping = map_table(
    CALLS,
    Call,
    {
        "created_by_user_id": Call.created_by,
        "created_at": Call.created,
        "updated_at": Call.updated,
        "starts_at": Call.starts,
        "ended_at": Call.ended,
        "ongoing": Call.live,
        "members": Related(CallMember.call_cid == Call.cid, CallMember.user_uid),
    },
    strict=False,  # `team` is not stored: a request using it is refused (unsupported)
)

# A member row joined with its user (the statement that pages it joins them):
# `custom` and the tenant are the user's. Sort fields stay in the member table,
# so that one index per sort can serve it (`sort_indexes` refuses otherwise).
MEMBERS_MAPPING: SqlMapping = map_table(
    MEMBERS,
    CallMember,
    {
        "user_id": CallMember.user_uid,
        "role": CallMember.role,
        "custom": User.custom,
        "created_at": CallMember.joined,
        "updated_at": CallMember.updated,
        "tenant_id": User.tenant_id,
    },
)
