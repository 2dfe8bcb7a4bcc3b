"""QueryCalls and QueryCallMembers as DRF views (stream_filters.django.rest_framework).

The caller's tenant comes from the request user (its profile). It restricts
`get_queryset()` and is the view's scope, so it binds cursors: a cursor made
for tenant A is `invalid_cursor` for tenant B, and one made for the members
of call X is refused for call Y.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from stream_filters.django.rest_framework import StreamQueryAPIView

from .filters import CALLS, CALLS_MAPPING, MEMBERS, MEMBERS_MAPPING
from .models import Call, CallMember, Tenant
from .serializers import CallSerializer, MemberSerializer


class HasTenant(BasePermission):
    """Only a signed-in user with a profile (hence a tenant) may query."""

    message = "sign in as a user of a tenant"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and hasattr(request.user, "profile"))


def tenant_of(view: StreamQueryAPIView[Any]) -> Tenant:
    """The request user's tenant (HasTenant has let only users with one in)."""
    tenant: Tenant = getattr(view.request.user, "profile").tenant  # noqa: B009 (a reverse relation mypy cannot see)
    return tenant


class QueryCalls(StreamQueryAPIView[Call]):
    """`GET|POST /calls/query`: Stream's QueryCalls over the tenant's calls."""

    permission_classes = (HasTenant,)
    serializer_class = CallSerializer
    stream_schema = CALLS
    stream_mapping = CALLS_MAPPING
    stream_items_key = "calls"

    def get_queryset(self) -> QuerySet[Call]:
        return Call.objects.filter(tenant=tenant_of(self)).prefetch_related("memberships")

    def get_stream_scope(self) -> dict[str, Any]:
        return {"tenant_id": tenant_of(self).key}


class QueryCallMembers(StreamQueryAPIView[CallMember]):
    """`GET|POST /calls/<cid>/members/query`: Stream's QueryCallMembers over one
    call of the tenant (another tenant's call has no members for this caller)."""

    permission_classes = (HasTenant,)
    serializer_class = MemberSerializer
    stream_schema = MEMBERS
    stream_mapping = MEMBERS_MAPPING
    stream_items_key = "members"

    def get_queryset(self) -> QuerySet[CallMember]:
        return CallMember.objects.filter(call__tenant=tenant_of(self), call_id=self.kwargs["cid"])

    def get_stream_scope(self) -> dict[str, Any]:
        return {"tenant_id": tenant_of(self).key, "call_cid": str(self.kwargs["cid"])}
