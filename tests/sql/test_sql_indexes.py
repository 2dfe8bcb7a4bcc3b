"""`sort_indexes` builds indexes without touching the tables; `add_sort_indexes`
declares them once; a sort whose fields live in a joined table is indexed
there, and one spanning two tables is refused with a ValueError. Mappings take
ORM attributes (their own column names) as well as Core columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateIndex

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, SortKey
from stream_filters.sql import (
    DIALECTS,
    Scalar,
    UtcDateTime,
    add_sort_indexes,
    code_point_string,
    json_type,
    map_table,
    schema_table,
    sort_indexes,
)


def _calls() -> tuple[sa.MetaData, sa.Table, Any]:
    metadata = sa.MetaData()
    table = schema_table(QUERY_CALLS, metadata, "calls")
    return metadata, table, map_table(QUERY_CALLS, table)


def test_sort_indexes_change_nothing() -> None:
    metadata, table, mapping = _calls()
    first = sort_indexes(mapping, "sqlite")
    second = sort_indexes(mapping, DIALECTS["sqlite"])  # ours or its name
    assert table.indexes == set()
    assert [str(CreateIndex(i)) for i in first] == [str(CreateIndex(i)) for i in second]
    assert all(index.table is table for index in first)
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        for index in first:
            index.create(conn)
    assert {i["name"] for i in sa.inspect(engine).get_indexes("calls")} == {str(i.name) for i in first}


def test_add_sort_indexes_declares_them_once() -> None:
    metadata, table, mapping = _calls()
    declared = add_sort_indexes(mapping, "sqlite")
    again = add_sort_indexes(mapping, "sqlite")
    assert [id(i) for i in declared] == [id(i) for i in again]
    assert table.indexes == set(declared)
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    metadata.create_all(engine)  # "index already exists" would raise here


def test_postgresql_indexes_spell_the_order_by() -> None:
    metadata = sa.MetaData()
    plain = sa.Table("plain", metadata, *(sa.Column(n, sa.String) for n in ("cid", "id", "type")))
    mapping = map_table(QUERY_CALLS, plain, {"cid": Scalar(plain.c.cid, nullable=False)}, strict=False)
    [index] = sort_indexes(mapping, "postgresql", [(SortKey("type", 1),)])
    sql = str(CreateIndex(index).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    # A column of the database's collation carries COLLATE "C", as ORDER BY does.
    assert sql == 'CREATE INDEX ix_plain_type_cid ON plain (type COLLATE "C" ASC NULLS FIRST, (cid COLLATE "C"))'
    _, _, calls = _calls()
    [index] = sort_indexes(calls, "postgresql", [(SortKey("type", 1),)])
    sql = str(CreateIndex(index).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    assert sql == "CREATE INDEX ix_calls_type_cid ON calls (type ASC NULLS FIRST, cid)"  # code-point columns


class Base(DeclarativeBase):
    pass


class AppUser(Base):
    __tablename__ = "app_users"
    uid: Mapped[str] = mapped_column("user_uid", code_point_string(64), primary_key=True)
    custom: Mapped[dict[str, Any] | None] = mapped_column("custom_data", json_type())
    updated_at: Mapped[datetime | None] = mapped_column("updated_on", UtcDateTime())


class Member(Base):
    __tablename__ = "app_call_members"
    call_cid: Mapped[str] = mapped_column(code_point_string(64), primary_key=True)
    user_uid: Mapped[str] = mapped_column(sa.ForeignKey(AppUser.uid), primary_key=True)
    role: Mapped[str | None] = mapped_column("member_role", code_point_string(32))
    joined: Mapped[datetime | None] = mapped_column("joined_on", UtcDateTime())


def test_orm_attributes_and_joined_tables() -> None:
    # `updated_at` is found by attribute name (its column is `updated_on`).
    mapping = map_table(
        QUERY_MEMBERS, AppUser, {"user_id": AppUser.uid, "role": Member.role, "created_at": Member.joined}
    )
    assert mapping.targets["updated_at"] == Scalar(AppUser.__table__.c.updated_on)
    [index] = sort_indexes(mapping, "sqlite", [(SortKey("updated_at", -1),)])
    assert index.table is AppUser.__table__
    with pytest.raises(ValueError, match=r"sort \(created_at, user_id\).* app_call_members, app_users"):
        sort_indexes(mapping, "sqlite", [(SortKey("created_at", 1),)])
    joined = map_table(
        QUERY_MEMBERS,
        Member,
        {
            "user_id": Member.user_uid,
            "created_at": Member.joined,
            "custom": AppUser.custom,
            "updated_at": AppUser.updated_at,
        },
    )
    [index] = sort_indexes(joined, "sqlite", [(SortKey("created_at", 1),)])
    assert index.table is Member.__table__
    assert AppUser.__table__.indexes == set() and Member.__table__.indexes == set()
