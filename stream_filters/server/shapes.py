"""Rows as Stream's video API shapes them, with every field the official SDK requires.

Stream's Python SDK (`getstream` 7.0.0, measured) decodes each timestamp as
integer Unix nanoseconds; an RFC 3339 string in a response makes it fail. Our
stores keep microseconds, so a timestamp goes out as microseconds * 1000.

This server models calls and their members, not users, call types or live
sessions: users are made up from their id (role `user`, no custom data), every
call reports the settings of Stream's `default` call type, and an `ongoing`
call carries an empty session so that `current_session_id` says it is live.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson

from ..timestamps import EPOCH

# The most bytes one member and one call (without its members) can take in a
# response, whatever was written (bodies.py's limits: strings of 255
# characters, each at worst a six-byte JSON escape; custom data of 5 KiB
# encoded); tests/server/test_server_faults.py writes such rows. A page is at
# most `limit` x (MAX_CALL_BYTES + members_per_call x MAX_MEMBER_BYTES).
MAX_MEMBER_BYTES = 10 * 1024
MAX_CALL_BYTES = 12 * 1024
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class CallRecord:
    cid: str
    id: str
    type: str
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime
    team: str | None = None
    starts_at: datetime | None = None
    ended_at: datetime | None = None
    backstage: bool | None = False
    ongoing: bool | None = False
    custom: Mapping[str, Any] = field(default_factory=dict)
    # The call's first members, as a QueryCalls page reads them with the call
    # (`first_members.first_members`); empty where the call is read alone.
    members: tuple[MemberRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberRecord:
    call_cid: str
    user_id: str
    created_at: datetime
    updated_at: datetime | None  # null in the store; answered as created_at
    role: str | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)


def nanoseconds(value: datetime) -> int:
    """Integer Unix nanoseconds; a naive datetime (as SQLite returns them) is UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _MICROSECOND * 1000  # stores keep microseconds


def user(user_id: str, at: datetime) -> dict[str, Any]:
    return _user(user_id, nanoseconds(at))


# A response is mostly the same keys in the same order for every row: each
# object starts as a copy of its template (a copied dict keeps its key order)
# and only the row's values are set, which costs a third of building the dict
# from its items. Values that are the same for every row stay in the template.
def _user(user_id: str, stamp: int) -> dict[str, Any]:
    body = _USER_TEMPLATE.copy()
    body["id"] = user_id
    body["created_at"] = body["updated_at"] = stamp
    return body


def member(row: MemberRecord) -> dict[str, Any]:
    created = nanoseconds(row.created_at)
    body = _MEMBER_TEMPLATE.copy()
    body["user_id"] = row.user_id
    body["user"] = _user(row.user_id, created)
    body["custom"] = row.custom
    body["created_at"] = created
    body["updated_at"] = created if row.updated_at is None else nanoseconds(row.updated_at)
    if row.role is not None:
        body["role"] = row.role
    return body


def call(row: CallRecord) -> dict[str, Any]:
    created = nanoseconds(row.created_at)
    body = _CALL_TEMPLATE.copy()
    body["cid"] = row.cid
    body["id"] = row.id
    body["type"] = row.type
    body["created_by"] = _user(row.created_by_user_id, created)
    body["created_at"] = created
    body["updated_at"] = nanoseconds(row.updated_at)
    body["custom"] = row.custom
    body["backstage"] = bool(row.backstage)
    body["current_session_id"] = f"{row.cid}:session" if row.ongoing else ""
    body["ingress"] = _ingress(row)
    if row.starts_at is not None:
        body["starts_at"] = nanoseconds(row.starts_at)
    if row.ended_at is not None:
        body["ended_at"] = nanoseconds(row.ended_at)
    if row.team is not None:
        body["team"] = row.team
    if row.ongoing:
        body["session"] = _session(body["current_session_id"], row)
    return body


def call_state(row: CallRecord, members: Sequence[MemberRecord]) -> dict[str, Any]:
    return {
        "call": encoded(row, call),
        "members": [encoded(m, member) for m in members],
        "own_capabilities": _CAPABILITIES,
    }


# A record's object, encoded once and reused while the record lives in the
# cache. Pages read their records through the storage's row caches
# (`stream_filters.sql.RowCache`), which hand back the same record object for
# a stored row read again, and another object for a row changed by any write,
# ours or another process's: keyed by the record itself, the bytes can never
# be stale. Most of a page's calls and members are the ones the last page had,
# so a page reuses their bytes instead of shaping and encoding them again. At
# most ENCODED_CACHE_SIZE records (oldest out first): about 3 KiB each for
# the demo's calls, 0.6 KiB for members, at most MAX_CALL_BYTES or
# MAX_MEMBER_BYTES.
ENCODED_CACHE_SIZE = 8192
_R = TypeVar("_R", CallRecord, MemberRecord)


class _Encoded:
    """Encoded bytes by the ids of the objects they were made from, each entry
    holding those objects, so that no id is reused while its entry lives; at
    most `budget` in all, an entry costing `cost(its bytes)`, oldest out first
    (an entry costing more than the whole budget is not kept)."""

    def __init__(self, budget: int, cost: Callable[[bytes], int]) -> None:
        self.budget = budget
        self.cost = cost
        self._entries: dict[Hashable, tuple[object, orjson.Fragment, int]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> orjson.Fragment | None:
        found = self._entries.get(key)
        return None if found is None else found[1]

    def keep(self, key: Hashable, held: object, encoded: bytes) -> orjson.Fragment:
        fragment = orjson.Fragment(encoded)
        cost = self.cost(encoded)
        if cost > self.budget:
            return fragment
        with self._lock:
            while self._entries and self._size + cost > self.budget:
                self._size -= self._entries.pop(next(iter(self._entries)))[2]
            if key not in self._entries:
                self._entries[key] = (held, fragment, cost)
                self._size += cost
        return fragment


_encoded = _Encoded(ENCODED_CACHE_SIZE, lambda _bytes: 1)


def encoded(record: _R, shape: Callable[[_R], dict[str, Any]]) -> orjson.Fragment | dict[str, Any]:
    """`shape(record)`, encoded once per record object."""
    found = _encoded.get(id(record))
    if found is not None:
        return found
    body = shape(record)
    try:
        return _encoded.keep(id(record), record, orjson.dumps(body))
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: encode (and fail) with the response
        return body


# The `calls` of a QueryCalls page, encoded once per distinct list of call
# and member records: a page read again with nothing written meanwhile is
# the same records (the row caches), so its calls go out as the bytes made
# the first time, without a call state per call and a lookup per record
# (0.12 M of a default page's 2.5 M instructions). Keyed by the records' ids
# and how the members fall to the calls; at most PAGE_CACHE_BYTES of pages.
PAGE_CACHE_BYTES = 16 * 1024 * 1024
_pages = _Encoded(PAGE_CACHE_BYTES, len)


def call_states(calls: Sequence[CallRecord], members: Mapping[str, Sequence[MemberRecord]]) -> Any:
    """`[call_state(c, members[c.cid]) for c in calls]`, encoded once per list of records."""
    groups = [members.get(c.cid, ()) for c in calls]
    key = (*map(id, calls), *map(len, groups), *(id(m) for group in groups for m in group))
    found = _pages.get(key)
    if found is not None:
        return found
    states = [call_state(c, group) for c, group in zip(calls, groups, strict=True)]
    try:
        encoded_states = orjson.dumps(states)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: encode (and fail) with the response
        return states
    return _pages.keep(key, (tuple(calls), tuple(map(tuple, groups))), encoded_states)  # held, not the lists


def _ingress(row: CallRecord) -> dict[str, Any]:
    return {
        "rtmp": {"address": f"rtmps://ingress.invalid/{row.type}/{row.id}"},
        "srt": {"address": f"srt://ingress.invalid?streamid={row.type}:{row.id}:{{token}}&passphrase={{passphrase}}"},
        "whip": {"address": f"https://ingress.invalid/whip/{row.type}/{row.id}"},
    }


def _session(session_id: str, row: CallRecord) -> dict[str, Any]:
    return {
        "id": session_id,
        "started_at": nanoseconds(row.starts_at or row.created_at),
        "anonymous_participant_count": 0,
        "participants": [],
        "participants_count_by_role": {},
        "accepted_by": {},
        "missed_by": {},
        "rejected_by": {},
    }


def members_by_call(rows: Iterable[MemberRecord]) -> dict[str, list[MemberRecord]]:
    grouped: dict[str, list[MemberRecord]] = {}
    for row in rows:
        grouped.setdefault(row.call_cid, []).append(row)
    return grouped


# A server-side token may do everything to every call.
CAPABILITIES = (
    "block-users",
    "create-call",
    "create-reaction",
    "end-call",
    "join-backstage",
    "join-call",
    "join-ended-call",
    "mute-users",
    "read-call",
    "remove-call-member",
    "screenshare",
    "send-audio",
    "send-video",
    "start-broadcast-call",
    "start-record-call",
    "start-transcription-call",
    "stop-broadcast-call",
    "stop-record-call",
    "stop-transcription-call",
    "update-call",
    "update-call-member",
    "update-call-permissions",
    "update-call-settings",
)

_USER_FLAGS = {
    "role": "user",
    "banned": False,
    "invisible": False,
    "language": "",
    "online": False,
    "shadow_banned": False,
}
_USER_LISTS: dict[str, Any] = {"blocked_user_ids": [], "teams": [], "custom": {}}
_CALL_FLAGS: dict[str, Any] = {
    "captioning": False,
    "recording": False,
    "transcribing": False,
    "translating": False,
    "blocked_user_ids": [],
    "egress": {"broadcasting": False, "rtmps": []},
}

_LAYOUT = {"name": "spotlight", "external_app_url": "", "external_css_url": ""}

DEFAULT_SETTINGS: dict[str, Any] = {
    "audio": {
        "access_request_enabled": True,
        "default_device": "speaker",
        "hifi_audio_enabled": False,
        "mic_default_on": True,
        "opus_dtx_enabled": True,
        "redundant_coding_enabled": True,
        "speaker_default_on": True,
    },
    "backstage": {"enabled": False},
    "broadcasting": {
        "enabled": True,
        "hls": {"auto_on": False, "enabled": False, "quality_tracks": ["720p"], "layout": _LAYOUT},
        "rtmp": {"enabled": True, "quality": "720p", "layout": _LAYOUT},
    },
    "encryption": {"mode": "disabled"},
    "frame_recording": {"capture_interval_in_seconds": 3, "mode": "disabled"},
    "geofencing": {"names": []},
    "individual_recording": {"mode": "disabled"},
    "limits": {"max_participants_exclude_roles": []},
    "raw_recording": {"mode": "disabled"},
    "recording": {"audio_only": False, "mode": "available", "quality": "720p", "layout": _LAYOUT},
    "ring": {"auto_cancel_timeout_ms": 15000, "incoming_call_timeout_ms": 15000, "missed_call_timeout_ms": 15000},
    "screensharing": {"access_request_enabled": True, "enabled": True},
    "session": {"inactivity_timeout_seconds": 30},
    "thumbnails": {"enabled": False},
    "transcription": {"closed_caption_mode": "available", "language": "auto", "mode": "available"},
    "video": {
        "access_request_enabled": True,
        "camera_default_on": True,
        "camera_facing": "front",
        "enabled": True,
        "target_resolution": {"height": 720, "width": 1280},
    },
}

# The parts every call state shares, encoded once: most of a call's bytes.
_SETTINGS = orjson.Fragment(orjson.dumps(DEFAULT_SETTINGS))
_CAPABILITIES = orjson.Fragment(orjson.dumps(list(CAPABILITIES)))

# Templates in the order the keys go out; None marks what each row sets.
_USER_TEMPLATE: dict[str, Any] = {
    "id": None,
    **_USER_FLAGS,
    "created_at": None,
    "updated_at": None,
    **_USER_LISTS,
}
_MEMBER_TEMPLATE: dict[str, Any] = dict.fromkeys(("user_id", "user", "custom", "created_at", "updated_at"))
_CALL_TEMPLATE: dict[str, Any] = {
    **dict.fromkeys(("cid", "id", "type", "created_by", "created_at", "updated_at", "custom", "backstage")),
    **_CALL_FLAGS,
    "current_session_id": None,
    "ingress": None,
    "settings": _SETTINGS,
}
