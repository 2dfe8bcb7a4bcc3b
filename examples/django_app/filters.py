"""The query endpoints' schemas and where their fields live in the models.

Each schema is Stream's (`QUERY_CALLS`, `QUERY_MEMBERS`) plus hidden fields the
views scope by (SPEC §8): a client cannot name them, and a cursor made under one
scope (tenant, call) is `invalid_cursor` under any other."""

from __future__ import annotations

from dataclasses import replace

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Field, FieldType, Op, Schema
from stream_filters.django import DjangoMapping, Related, map_model

from .models import Call, CallMember

_SCOPE_OPS = frozenset({Op.EQ, Op.IN})


def _with_hidden(schema: Schema, *names: str) -> Schema:
    hidden = tuple(Field(name, FieldType.STRING, _SCOPE_OPS, hidden=True) for name in names)
    return replace(schema, fields=(*schema.fields, *hidden))


CALLS = _with_hidden(QUERY_CALLS, "tenant_id")
MEMBERS = _with_hidden(QUERY_MEMBERS, "tenant_id", "call_cid")

CALLS_MAPPING: DjangoMapping = map_model(
    CALLS,
    Call,
    {
        "id": "call_id",
        "created_by_user_id": "created_by_id",
        "created_at": "created",
        "updated_at": "updated",
        "starts_at": "starts",
        "ended_at": "ended",
        "ongoing": "live",
        "members": Related(CallMember, "call", "user_id"),  # EXISTS over the join table
        "tenant_id": "tenant_id",
    },
)

MEMBERS_MAPPING: DjangoMapping = map_model(
    MEMBERS,
    CallMember,
    {
        "created_at": "joined",
        "updated_at": "updated",
        "tenant_id": "call__tenant_id",
        "call_cid": "call_id",
    },
)
