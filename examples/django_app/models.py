"""The application's own models, as it had them before adding Stream-style
query endpoints: column names of its own (`db_column`), a tenant per Django
user (through a profile), a JSONField of custom data, call members in a join
table. Nothing here knows about stream_filters but the code-point key columns
(fields.py), which let indexes serve the library's ORDER BY."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.db import models

from .fields import CodePointCharField

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.related_descriptors import RelatedManager

    _NullableDateTime: TypeAlias = models.DateTimeField[datetime | None, datetime | None]

# Fields are annotated with their types: mypy runs without the django-stubs
# plugin (which would need these settings to check the library too).


class Tenant(models.Model):
    key = CodePointCharField(max_length=64, primary_key=True, db_column="tenant_key")
    name: models.CharField[str, str] = models.CharField(max_length=128, db_column="display_name")

    class Meta:
        db_table = "video_tenants"

    def __str__(self) -> str:
        return str(self.key)


class Profile(models.Model):
    """Which tenant a Django user (an API caller) belongs to."""

    user: models.OneToOneField[User, User] = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile", db_column="user_ref"
    )
    tenant: models.ForeignKey[Tenant, Tenant] = models.ForeignKey(
        Tenant, models.CASCADE, related_name="profiles", db_column="tenant_ref"
    )

    class Meta:
        db_table = "video_profiles"


class VideoUser(models.Model):
    """A user of the video service: who creates calls and joins them."""

    uid = CodePointCharField(max_length=64, primary_key=True, db_column="user_uid")
    tenant: models.ForeignKey[Tenant, Tenant] = models.ForeignKey(Tenant, models.CASCADE, db_column="tenant_ref")
    name: models.CharField[str | None, str | None] = models.CharField(
        max_length=128, null=True, db_column="display_name"
    )
    tenant_id: str  # Django's attribute for the foreign key's value (declared for mypy without the plugin)

    class Meta:
        db_table = "video_users"


class Call(models.Model):
    cid = CodePointCharField(max_length=128, primary_key=True, db_column="call_cid")
    call_id = CodePointCharField(max_length=64, db_column="call_id")  # Stream's `id` (Django reserves `id`)
    type = CodePointCharField(max_length=64, db_column="call_type")
    team = CodePointCharField(max_length=64, null=True, db_column="team_name")
    tenant: models.ForeignKey[Tenant, Tenant] = models.ForeignKey(
        Tenant, models.CASCADE, related_name="calls", db_column="tenant_ref"
    )
    created_by: models.ForeignKey[VideoUser | None, VideoUser | None] = models.ForeignKey(
        VideoUser, models.SET_NULL, null=True, related_name="+", db_column="creator_uid"
    )
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_column="created_on")
    updated: _NullableDateTime = models.DateTimeField(null=True, db_column="updated_on")
    starts: _NullableDateTime = models.DateTimeField(null=True, db_column="starts_on")
    ended: _NullableDateTime = models.DateTimeField(null=True, db_column="ended_on")
    backstage: models.BooleanField[bool, bool] = models.BooleanField(default=False)
    live: models.BooleanField[bool, bool] = models.BooleanField(default=False, db_column="is_live")
    members = models.ManyToManyField(VideoUser, through="CallMember", related_name="calls")
    tenant_id: str
    created_by_id: str | None
    memberships: RelatedManager[CallMember]

    class Meta:
        db_table = "video_calls"
        indexes = (
            # QueryCalls' default sort (created_at desc, cid desc) within a tenant.
            models.Index(fields=["tenant", "created", "cid"], name="video_calls_tenant_created"),
        )


class CallMember(models.Model):
    call: models.ForeignKey[Call, Call] = models.ForeignKey(
        Call, models.CASCADE, related_name="memberships", db_column="call_ref"
    )
    user: models.ForeignKey[VideoUser, VideoUser] = models.ForeignKey(
        VideoUser, models.CASCADE, related_name="memberships", db_column="user_ref"
    )
    role = CodePointCharField(max_length=32, null=True, db_column="member_role")
    custom: models.JSONField[Any] = models.JSONField(null=True, db_column="custom_data")
    joined: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_column="joined_on")
    updated: _NullableDateTime = models.DateTimeField(null=True, db_column="updated_on")
    call_id: str
    user_id: str

    class Meta:
        db_table = "video_call_members"
        constraints = (models.UniqueConstraint(fields=["call", "user"], name="video_call_members_one_per_user"),)
        indexes = (
            # QueryCallMembers' default sort (created_at asc, user_id asc) within a call.
            models.Index(fields=["call", "joined", "user"], name="video_members_call_joined"),
        )
