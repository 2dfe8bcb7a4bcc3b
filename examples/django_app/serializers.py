"""The response items: Stream's field names over the models' own."""

from __future__ import annotations

from rest_framework import serializers

from .models import Call, CallMember


class CallSerializer(serializers.ModelSerializer[Call]):
    id = serializers.CharField(source="call_id")
    created_by_user_id = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField(source="created")
    updated_at = serializers.DateTimeField(source="updated", allow_null=True)
    starts_at = serializers.DateTimeField(source="starts", allow_null=True)
    ended_at = serializers.DateTimeField(source="ended", allow_null=True)
    ongoing = serializers.BooleanField(source="live")
    members = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = (
            "cid",
            "id",
            "type",
            "team",
            "created_by_user_id",
            "created_at",
            "updated_at",
            "starts_at",
            "ended_at",
            "backstage",
            "ongoing",
            "members",
        )

    def get_members(self, call: Call) -> list[str]:
        # The view prefetches memberships, so this reads no rows of its own.
        return sorted(m.user_id for m in call.memberships.all())


class MemberSerializer(serializers.ModelSerializer[CallMember]):
    user_id = serializers.CharField()
    created_at = serializers.DateTimeField(source="joined")
    updated_at = serializers.DateTimeField(source="updated", allow_null=True)
    custom = serializers.JSONField(allow_null=True)

    class Meta:
        model = CallMember
        fields = ("user_id", "role", "custom", "created_at", "updated_at")
