"""ORM instances as the JSON the endpoints return (Stream's field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stream_filters.timestamps import Instant

from .models import Call, CallMember


def _time(value: datetime | None) -> str | None:
    return None if value is None else Instant.from_datetime(value).to_rfc3339()


def call_json(call: Call) -> dict[str, Any]:
    return {
        "cid": call.cid,
        "id": call.id,
        "type": call.type,
        "created_by_user_id": call.created_by,
        "created_at": _time(call.created),
        "updated_at": _time(call.updated),
        "starts_at": _time(call.starts),
        "ended_at": _time(call.ended),
        "backstage": call.backstage,
        "ongoing": call.live,
        "members": sorted(m.user_uid for m in call.members),  # loaded by the statement's selectinload
    }


def member_json(member: CallMember) -> dict[str, Any]:
    return {
        "user_id": member.user_uid,
        "role": member.role,
        "custom": member.user.custom or {},  # joined and loaded by the statement
        "created_at": _time(member.joined),
        "updated_at": _time(member.updated),
    }
