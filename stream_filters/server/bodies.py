"""Request bodies -> validated data, every fault a `Problem` with its path.

Query bodies go to `Schema.parse` (after `id`/`type` are taken out of a
QueryCallMembers body); the bodies that write data (GetOrCreateCall,
UpdateCallMembers) are checked here, all problems at once, in the same shape.

Stores cannot hold every string JSON can spell: PostgreSQL refuses NUL
characters and no UTF-8 store takes an unpaired surrogate (`"\\ud800"`). Such
a string anywhere in a body is refused up front, so no backend ever sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import Code, FilterError, Path, Problem, describe, json_type
from ..parser import load_json
from ..schema import Schema
from ..timestamps import Instant, TimestampError

CALL_PART = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
MAX_ID_LENGTH = 255
MAX_MEMBERS = 100
MAX_CUSTOM_BYTES = 5 * 1024
MAX_CUSTOM_DEPTH = 10
MAX_MEMBERS_LIMIT = 100
DEFAULT_MEMBERS_LIMIT = 25
INT64 = (-(2**63), 2**63 - 1)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MemberInput:
    user_id: str
    role: str | None  # None: no role given (kept on update)
    custom: dict[str, Any] | None  # None: no custom data given (kept on update)


@dataclass(frozen=True, slots=True)
class CallInput:
    created_by_id: str | None
    members: tuple[MemberInput, ...]
    custom: dict[str, Any]
    starts_at: datetime | None
    team: str | None
    members_limit: int


@dataclass(frozen=True, slots=True)
class MembersUpdate:
    update: tuple[MemberInput, ...]
    remove: tuple[str, ...]


def read_object(raw: bytes, schema: Schema) -> dict[str, Any]:
    """A JSON object from a request body; anything else is a FilterError."""
    body = {} if not raw.strip() else load_json(raw, schema, ())
    if not isinstance(body, dict):
        raise FilterError.single(Code.INVALID_TYPE, f"the request body must be a JSON object, got {json_type(body)}")
    problems = list(_bad_text(body))
    if problems:
        raise FilterError(problems)
    return body


def _bad_text(body: Any) -> list[Problem]:
    """Strings (keys or values) no store can hold; walks without recursion."""
    problems: list[Problem] = []
    stack: list[tuple[Any, Path]] = [(body, ())]
    while stack and len(problems) < 20:
        value, path = stack.pop()
        if isinstance(value, str) and _BAD_TEXT.search(value):
            problems.append(Problem(Code.INVALID_OPERAND, _BAD_TEXT_MESSAGE, path))
        elif isinstance(value, dict):
            for key, item in value.items():
                if _BAD_TEXT.search(key):
                    problems.append(Problem(Code.INVALID_TYPE, "key: " + _BAD_TEXT_MESSAGE, path))
                else:
                    stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
    return problems


_BAD_TEXT_MESSAGE = "strings may not contain NUL characters or unpaired surrogates: no store can hold them"


def call_part(value: str, name: str, path: Path) -> Problem | None:
    if CALL_PART.fullmatch(value):
        return None
    return Problem(
        Code.INVALID_OPERAND,
        f"call {name} must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-', got {describe(value)}",
        path,
    )


def members_query_call(body: Mapping[str, Any]) -> tuple[str, str]:
    """(type, id) of the call a QueryCallMembers body names; the body's other
    keys are the query, which takes these two as extra keys."""
    call_type, call_id = body.get("type"), body.get("id")
    problems = [
        p
        for name, value in (("type", call_type), ("id", call_id))
        for p in [_required_call_part(value, name)]
        if p is not None
    ]
    if problems:
        raise FilterError(problems)
    return str(call_type), str(call_id)


def _required_call_part(value: Any, name: str) -> Problem | None:
    if not isinstance(value, str):
        return Problem(Code.INVALID_TYPE, f"{name} of the call is required: a string, got {json_type(value)}", (name,))
    return call_part(value, name, (name,))


class _Checker:
    """Collects problems while reading a body; each reader returns None on a fault."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, code: Code, message: str, path: Path) -> None:
        self.problems.append(Problem(code, message, path))

    def keys(self, obj: Mapping[str, Any], allowed: tuple[str, ...], path: Path) -> None:
        for key in obj:
            if key not in allowed:
                self.fail(Code.UNKNOWN_KEY, f"unknown key {describe(key)}; allowed: {', '.join(allowed)}", (*path, key))

    def object(self, value: Any, path: Path) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(Code.INVALID_TYPE, f"expected an object, got {json_type(value)}", path)
            return None
        return value

    def text(self, value: Any, path: Path, *, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            self.fail(Code.INVALID_TYPE, f"expected a non-empty string, got {json_type(value)}", path)
            return None
        if len(value) > MAX_ID_LENGTH:
            self.fail(Code.STRING_TOO_LONG, f"at most {MAX_ID_LENGTH} characters, got {len(value)}", path)
            return None
        return value

    def flag(self, value: Any, path: Path) -> None:
        if value is not None and not isinstance(value, bool):
            self.fail(Code.INVALID_TYPE, f"expected true or false, got {json_type(value)}", path)

    def integer(self, value: Any, low: int, high: int, default: int, path: Path) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(Code.INVALID_OPERAND, f"expected an integer from {low} to {high}, got {describe(value)}", path)
            return default
        return value

    def timestamp(self, value: Any, path: Path) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(Code.INVALID_TYPE, f"expected an RFC 3339 timestamp string, got {json_type(value)}", path)
            return None
        try:
            instant = Instant.parse(value)
        except TimestampError as exc:
            self.fail(Code.INVALID_DATETIME, f"{describe(value)}: {exc}", path)
            return None
        return _EPOCH + timedelta(microseconds=instant.epoch_ns // 1000)

    def custom(self, value: Any, path: Path) -> dict[str, Any]:
        obj = self.object(value, path)
        if obj is None:
            return {}
        fault = _custom_fault(obj)
        if fault is not None:
            self.fail(Code.INVALID_OPERAND, fault, path)
            return {}
        return obj

    def member(self, value: Any, path: Path) -> MemberInput | None:
        obj = self.object(value, path)
        if obj is None:
            return None
        self.keys(obj, ("user_id", "role", "custom"), path)
        user_id = self.text(obj.get("user_id"), (*path, "user_id"), required=True)
        role = self.text(obj.get("role"), (*path, "role"))
        custom = None if obj.get("custom") is None else self.custom(obj["custom"], (*path, "custom"))
        return None if user_id is None else MemberInput(user_id, role, custom)

    def members(self, value: Any, path: Path) -> tuple[MemberInput, ...]:
        items = self.array(value, path)
        found = [self.member(item, (*path, i)) for i, item in enumerate(items)]
        members = tuple(m for m in found if m is not None)
        self.unique([m.user_id for m in members], path)
        return members

    def array(self, value: Any, path: Path) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(Code.INVALID_TYPE, f"expected an array, got {json_type(value)}", path)
            return []
        if len(value) > MAX_MEMBERS:
            self.fail(Code.TOO_MANY_VALUES, f"at most {MAX_MEMBERS} items per request, got {len(value)}", path)
            return []
        return value

    def unique(self, user_ids: list[str], path: Path) -> None:
        seen: set[str] = set()
        for user_id in user_ids:
            if user_id in seen:
                self.fail(Code.INVALID_OPERAND, f"user {describe(user_id)} appears more than once", path)
            seen.add(user_id)

    def done(self) -> None:
        if self.problems:
            raise FilterError(self.problems)


def _custom_fault(obj: dict[str, Any]) -> str | None:
    """Why custom data cannot be stored as given, or None."""
    size = 0
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_CUSTOM_DEPTH:
            return f"custom data nests deeper than {MAX_CUSTOM_DEPTH} levels"
        if isinstance(value, dict):
            size += sum(len(k) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            size += len(value)
        elif isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
            return "integers in custom data must fit in 64 bits"
        if size > MAX_CUSTOM_BYTES:
            return f"custom data is larger than {MAX_CUSTOM_BYTES} characters"
    return None


_CALL_KEYS = ("members_limit", "notify", "ring", "video", "data")
_DATA_KEYS = (
    "created_by_id",
    "created_by",
    "members",
    "custom",
    "starts_at",
    "team",
    "video",
    "channel_cid",
    "settings_override",
)


def call_input(body: Mapping[str, Any]) -> CallInput:
    """A GetOrCreateCall body; `notify`, `ring`, `video`, `channel_cid` and
    `settings_override` are accepted and ignored (this server models none of them)."""
    check = _Checker()
    check.keys(body, _CALL_KEYS, ())
    for key in ("notify", "ring", "video"):
        check.flag(body.get(key), (key,))
    limit = check.integer(body.get("members_limit"), 0, MAX_MEMBERS_LIMIT, DEFAULT_MEMBERS_LIMIT, ("members_limit",))
    data = check.object(body.get("data"), ("data",)) or {}
    check.keys(data, _DATA_KEYS, ("data",))
    created_by_id = _creator(check, data)
    result = CallInput(
        created_by_id=created_by_id,
        members=check.members(data.get("members"), ("data", "members")),
        custom=check.custom(data.get("custom"), ("data", "custom")),
        starts_at=check.timestamp(data.get("starts_at"), ("data", "starts_at")),
        team=check.text(data.get("team"), ("data", "team")),
        members_limit=limit,
    )
    check.flag(data.get("video"), ("data", "video"))
    check.done()
    return result


def _creator(check: _Checker, data: Mapping[str, Any]) -> str | None:
    by_id = check.text(data.get("created_by_id"), ("data", "created_by_id"))
    creator = check.object(data.get("created_by"), ("data", "created_by"))
    if not creator:
        return by_id
    from_user = check.text(creator.get("id"), ("data", "created_by", "id"), required=True)
    if by_id is not None and from_user is not None and by_id != from_user:
        check.fail(
            Code.INVALID_OPERAND,
            f"created_by.id {describe(from_user)} differs from created_by_id {describe(by_id)}",
            ("data", "created_by", "id"),
        )
    return from_user or by_id


def members_update(body: Mapping[str, Any]) -> MembersUpdate:
    """An UpdateCallMembers body: members to add or update, user ids to remove."""
    check = _Checker()
    check.keys(body, ("update_members", "remove_members"), ())
    update = check.members(body.get("update_members"), ("update_members",))
    removals = check.array(body.get("remove_members"), ("remove_members",))
    remove = tuple(
        r for r in (check.text(v, ("remove_members", i), required=True) for i, v in enumerate(removals)) if r
    )
    check.unique(list(remove), ("remove_members",))
    both = sorted({m.user_id for m in update} & set(remove))
    if both:
        check.fail(
            Code.INVALID_OPERAND,
            f"users both updated and removed: {', '.join(describe(u) for u in both[:5])}",
            ("remove_members",),
        )
    check.done()
    return MembersUpdate(update, remove)
