"""A deterministic demo data set: calls for `query_calls`, members for `query_members`.

Generated from a fixed seed, so every run (and every machine) sees the same
rows, and the README's examples print the same pages. Rows are dicts as the
in-memory backend takes them: aware UTC datetimes, `None` for null.

- `calls()`: 3,000 calls (`cid` = `type:id`), with `members` (user ids) and a
  `custom` object so a server can show it;
- `members()`: one row per user (2,000 users, `user_id` unique), each the
  member of one call, named by `call_cid`; that call's `members` lists it.

Values come from small pools (types, teams, colours, a few named users such as
alice and bob) so that filters find something, sort values repeat, and some
values are null.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

__all__ = ["SEED", "calls", "members", "rows"]

SEED = 20240101
CALL_COUNT = 3000
NAMED_USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
USER_COUNT = 2000

CALL_TYPES = ("default", "livestream", "audio_room", "development")
TEAMS = ("blue", "red", "green", None)
COLORS = ("red", "green", "blue", "yellow", "purple")
TOPICS = ("standup", "Town Hall", "release planning", "Café chat", "Q&A: 100% live", "retro")
ROLES = ("member", "member", "member", "admin", "moderator", "host")
LEVELS: tuple[Any, ...] = ("gold", "silver", 1, 2, 3, True, False)

_START = datetime(2024, 1, 1, tzinfo=UTC)
_SPAN_US = 540 * 24 * 3600 * 1_000_000  # about 18 months


def _moment(rng: random.Random) -> datetime:
    moment = _START + timedelta(microseconds=rng.randrange(_SPAN_US))
    # One in five on a whole minute, so that sort values repeat.
    return moment.replace(second=0, microsecond=0) if rng.random() < 0.2 else moment


def _users() -> list[str]:
    return [*NAMED_USERS, *(f"user-{i:04d}" for i in range(USER_COUNT - len(NAMED_USERS)))]


@lru_cache(maxsize=1)
def _generate() -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    rng = random.Random(SEED)
    users = _users()
    call_rows = [_call(rng, i, users) for i in range(CALL_COUNT)]
    member_rows = []
    for user in users:
        call = call_rows[rng.randrange(CALL_COUNT)]
        call["members"].append(user)
        member_rows.append(_member(rng, user, call))
    for call in call_rows:
        call["members"].sort()
        if not call["members"] and rng.random() < 0.5:
            call["members"] = None
    return tuple(call_rows), tuple(member_rows)


def _call(rng: random.Random, index: int, users: list[str]) -> dict[str, Any]:
    kind = rng.choice(CALL_TYPES)
    created = _moment(rng)
    ended = created + timedelta(minutes=rng.randrange(5, 240)) if rng.random() < 0.6 else None
    starts = created + timedelta(hours=rng.randrange(0, 72)) if rng.random() < 0.5 else None
    call: dict[str, Any] = {
        "id": f"call-{index:05d}",
        "cid": f"{kind}:call-{index:05d}",
        "type": kind,
        "team": rng.choice(TEAMS),
        "created_by_user_id": rng.choice(users[:60]),
        "created_at": created,
        "updated_at": (ended or created) + timedelta(seconds=rng.randrange(0, 600)),
        "ended_at": ended,
        "starts_at": starts,
        "backstage": rng.random() < 0.2 if rng.random() < 0.95 else None,
        "ongoing": ended is None and rng.random() < 0.7,
        "members": [],
        "custom": _call_custom(rng),
    }
    return call


def _call_custom(rng: random.Random) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    if rng.random() < 0.7:
        custom["color"] = rng.choice(COLORS)
    if rng.random() < 0.6:
        custom["topic"] = rng.choice(TOPICS)
    if rng.random() < 0.5:
        custom["priority"] = rng.randrange(1, 6)
    if rng.random() < 0.2:
        custom["recording"] = {"enabled": rng.random() < 0.5, "quality": rng.choice(("720p", "1080p"))}
    return custom


def _member(rng: random.Random, user: str, call: dict[str, Any]) -> dict[str, Any]:
    created = call["created_at"] + timedelta(seconds=rng.randrange(0, 3600))
    custom: dict[str, Any] = {}
    if rng.random() < 0.6:
        custom["color"] = rng.choice(COLORS)
    if rng.random() < 0.5:
        custom["score"] = rng.choice((rng.randrange(0, 120), round(rng.uniform(0, 120), 2)))
    if rng.random() < 0.3:
        custom["vip"] = rng.random() < 0.5
    if rng.random() < 0.4:
        custom["profile"] = {"level": rng.choice(LEVELS)}
    if rng.random() < 0.2:
        custom["tags"] = rng.sample(("speaker", "guest", "staff", "press"), rng.randrange(1, 3))
    if rng.random() < 0.05:
        custom["banned"] = True
    return {
        "user_id": user,
        "call_cid": call["cid"],
        "role": rng.choice(ROLES),
        "custom": custom if custom or rng.random() < 0.5 else None,
        "created_at": created,
        "updated_at": created + timedelta(minutes=rng.randrange(0, 90)) if rng.random() < 0.7 else None,
    }


def calls() -> list[dict[str, Any]]:
    """The demo calls (shared dicts: copy before changing them)."""
    return list(_generate()[0])


def members() -> list[dict[str, Any]]:
    """The demo members, one per user, each with the `call_cid` of its call."""
    return list(_generate()[1])


def rows(endpoint: str) -> list[dict[str, Any]]:
    """The demo rows for a built-in endpoint: `query_calls` or `query_members`."""
    if endpoint == "query_calls":
        return calls()
    if endpoint == "query_members":
        return members()
    raise ValueError(f"no demo data for endpoint {endpoint!r}; there is query_calls and query_members")
