"""The application's own SQLAlchemy ORM models, as it had them before adding
Stream-style query endpoints: column names that differ from the API's field
names, a tenant column, JSONB `custom`, call members in a join table.

String columns use `code_point_string` (COLLATE "C" on PostgreSQL) so that
ranges and ORDER BY need no COLLATE and plain indexes serve every sort;
`UtcDateTime` keeps datetimes UTC on every database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from stream_filters.sql import UtcDateTime, code_point_string, json_type


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "app_users"

    uid: Mapped[str] = mapped_column("user_uid", code_point_string(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(code_point_string(64), index=True)
    name: Mapped[str | None] = mapped_column("display_name", code_point_string(128))
    custom: Mapped[dict[str, Any] | None] = mapped_column("custom_data", json_type())
    updated: Mapped[datetime | None] = mapped_column("updated_on", UtcDateTime())


class Call(Base):
    __tablename__ = "app_calls"

    cid: Mapped[str] = mapped_column("call_cid", code_point_string(128), primary_key=True)
    id: Mapped[str] = mapped_column("call_id", code_point_string(64))
    type: Mapped[str] = mapped_column("call_type", code_point_string(64))
    tenant_id: Mapped[str] = mapped_column(code_point_string(64), index=True)
    created_by: Mapped[str | None] = mapped_column("creator_uid", code_point_string(64))
    created: Mapped[datetime] = mapped_column("created_on", UtcDateTime())
    updated: Mapped[datetime | None] = mapped_column("updated_on", UtcDateTime())
    starts: Mapped[datetime | None] = mapped_column("starts_on", UtcDateTime())
    ended: Mapped[datetime | None] = mapped_column("ended_on", UtcDateTime())
    backstage: Mapped[bool] = mapped_column(default=False)
    live: Mapped[bool] = mapped_column("is_live", default=False)
    members: Mapped[list[CallMember]] = relationship(back_populates="call")


class CallMember(Base):
    __tablename__ = "app_call_members"

    call_cid: Mapped[str] = mapped_column(sa.ForeignKey(Call.cid), primary_key=True)
    user_uid: Mapped[str] = mapped_column(sa.ForeignKey(User.uid), primary_key=True)
    role: Mapped[str | None] = mapped_column("member_role", code_point_string(32))
    joined: Mapped[datetime] = mapped_column("joined_on", UtcDateTime())
    updated: Mapped[datetime | None] = mapped_column("updated_on", UtcDateTime())
    call: Mapped[Call] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
