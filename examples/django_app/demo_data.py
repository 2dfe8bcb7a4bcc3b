"""Demo rows for the example project: two tenants, each with a signed-in user,
video users, calls (some never started or ended: NULL sort keys) and members
with custom data. Deterministic, so the tests and `manage.py seed` agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from .models import Call, CallMember, Profile, Tenant, VideoUser

TENANTS = ("acme", "globex")
_T0 = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    users: dict[str, User]  # tenant key -> the Django user who queries for it


@transaction.atomic
def seed(calls: int = 30, users: int = 16) -> Seeded:
    """Rows for both tenants; `calls` and `users` in all (split between them)."""
    tenants = [Tenant.objects.create(key=key, name=key.title()) for key in TENANTS]
    callers = {}
    for tenant in tenants:
        user = User.objects.create_user(username=f"{tenant.key}-admin")
        Profile.objects.create(user=user, tenant=tenant)
        callers[tenant.key] = user
    people = [VideoUser.objects.create(uid=f"u{i:02d}", tenant=tenants[i % 2], name=f"User {i}") for i in range(users)]
    for i in range(calls):
        tenant = tenants[i % 2 if i % 5 else 0]  # acme has more calls than globex
        own = [p for p in people if p.tenant_id == tenant.key]
        call = Call.objects.create(
            cid=f"{['default', 'livestream'][i % 2]}:c{i:02d}",
            call_id=f"c{i:02d}",
            type=["default", "livestream"][i % 2],
            team=None if i % 3 == 0 else ["red", "blue"][i % 2],
            tenant=tenant,
            created_by=own[i % len(own)] if i % 4 else None,
            created=_T0 + timedelta(minutes=(i * 7) % 13),  # repeated values: the tie-breaker decides
            updated=None if i % 2 else _T0 + timedelta(hours=i),
            starts=None if i % 3 == 0 else _T0 + timedelta(days=i % 4),
            ended=None if i % 4 else _T0 + timedelta(days=1, hours=i),
            backstage=i % 6 == 0,
            live=i % 5 == 0,
        )
        for j, person in enumerate(own):
            if (i + j) % 4 != 3:
                CallMember.objects.create(
                    call=call,
                    user=person,
                    role=[None, "host", "guest"][j % 3],
                    custom=_custom(i, j),
                    joined=_T0 + timedelta(seconds=(j * 11) % 7),
                    updated=None if j % 2 else _T0 + timedelta(minutes=j),
                )
    return Seeded(callers)


def _custom(i: int, j: int) -> dict[str, Any] | None:
    if (i + j) % 5 == 0:
        return None
    return {"level": (i + j) % 4, "color": ["red", "green", "blue"][j % 3], "vip": j % 4 == 0}
