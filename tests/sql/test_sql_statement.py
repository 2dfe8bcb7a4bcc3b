"""`paginate(..., statement=...)` pages the application's own SELECT: ORM
entities with their own column names, a WHERE of its own, loader options and
joins, through Session, Connection, AsyncSession and AsyncConnection on every
dialect. Every walk equals the in-memory backend's over the same rows, and
SQLAlchemy's compiled-statement cache stops growing after the first request
of each shape."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

from stream_filters import QUERY_MEMBERS, memory
from stream_filters.pagination import Page
from stream_filters.sql import UtcDateTime, code_point_string, json_type, map_table, paginate, paginate_async
from tests.schemas import TEXT_OPS
from tests.sql.harness import URLS, make_engine

SUFFIX = os.getpid()
_T0 = datetime(2024, 1, 1, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class AppUser(Base):
    __tablename__ = f"sft_app_users_{SUFFIX}"
    __table_args__: ClassVar[dict[str, str]] = {"mysql_charset": "utf8mb4"}

    uid: Mapped[str] = mapped_column("user_uid", code_point_string(64), primary_key=True)
    tenant: Mapped[str] = mapped_column("tenant_id", sa.String(32))  # the database's own collation
    role: Mapped[str | None] = mapped_column("user_role", sa.String(32))
    extra: Mapped[dict[str, Any] | None] = mapped_column("custom_data", json_type())
    created: Mapped[datetime | None] = mapped_column("created_on", UtcDateTime())
    updated: Mapped[datetime | None] = mapped_column("updated_on", UtcDateTime())
    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    __tablename__ = f"sft_app_call_members_{SUFFIX}"
    __table_args__: ClassVar[dict[str, str]] = {"mysql_charset": "utf8mb4"}

    call_cid: Mapped[str] = mapped_column(code_point_string(64), primary_key=True)
    user_uid: Mapped[str] = mapped_column(sa.ForeignKey(AppUser.uid), primary_key=True)
    user: Mapped[AppUser] = relationship(back_populates="memberships")


MAPPING = map_table(
    QUERY_MEMBERS,
    AppUser,
    {
        "user_id": AppUser.uid,
        "role": AppUser.role,
        "custom": AppUser.extra,
        "created_at": AppUser.created,
        "updated_at": AppUser.updated,
    },
)


def _users() -> list[dict[str, Any]]:
    return [
        {
            "user_uid": f"u{i:02d}" if i % 4 else f"U{i:02d}",
            "tenant_id": "t1" if i % 3 else "t2",
            "user_role": [None, "admin", "guest", "Admin"][i % 4],
            "custom_data": {"color": ["red", "blue"][i % 2], "n": i % 5} if i % 5 else None,
            "created_on": None if i % 6 == 0 else _T0 + timedelta(minutes=i % 7),
            "updated_on": _T0 + timedelta(seconds=i),
        }
        for i in range(40)
    ]


def _reference_rows(tenant: str) -> list[dict[str, Any]]:
    return [
        {
            "user_id": u["user_uid"],
            "role": u["user_role"],
            "custom": u["custom_data"],
            "created_at": u["created_on"],
            "updated_at": u["updated_on"],
        }
        for u in _users()
        if u["tenant_id"] == tenant
    ]


def _memberships() -> list[dict[str, Any]]:
    return [{"call_cid": f"c{i % 3}", "user_uid": u["user_uid"]} for i, u in enumerate(_users()) if i % 2 == 0]


@pytest.fixture(scope="module", params=list(URLS))
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    name: str = request.param
    yield from _loaded(_sqlite_file_engine() if name == "sqlite" else make_engine(name))


@pytest.fixture(scope="module")
def sqlite_engine() -> Iterator[sa.Engine]:
    yield from _loaded(_sqlite_file_engine())


def _loaded(engine: sa.Engine) -> Iterator[sa.Engine]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(AppUser.__table__.insert(), _users())
        conn.execute(Membership.__table__.insert(), _memberships())
    yield engine
    Base.metadata.drop_all(engine)


_SQLITE_PATH = f"/tmp/sft_statement_{SUFFIX}.sqlite"


def _sqlite_file_engine() -> sa.Engine:
    """A file, so that aiosqlite sees the same rows."""
    if os.path.exists(_SQLITE_PATH):
        os.remove(_SQLITE_PATH)
    return sa.create_engine(f"sqlite:///{_SQLITE_PATH}")


BODIES: list[dict[str, Any]] = [
    {"limit": 4},
    {"sort": [{"field": "user_id", "direction": -1}], "limit": 3},
    {"sort": [{"field": "created_at", "direction": -1}], "limit": 5},
    {"filter_conditions": {"role": {"$in": ["admin", "Admin"]}}, "limit": 2},
    {"filter_conditions": {"custom.color": "red", "created_at": {"$exists": True}}, "limit": 2},
]


def _tenant_users(tenant: str) -> sa.Select[tuple[AppUser]]:
    return sa.select(AppUser).where(AppUser.tenant == tenant).options(selectinload(AppUser.memberships))


def _expected(tenant: str, body: dict[str, Any]) -> list[tuple[list[str], bool, bool]]:
    rows = _reference_rows(tenant)
    pages = [memory.paginate(QUERY_MEMBERS.parse(body), rows)]
    while pages[-1].next:
        pages.append(memory.paginate(QUERY_MEMBERS.parse({**body, "next": pages[-1].next}), rows))
    return [([r["user_id"] for r in p.items], p.next is not None, p.prev is not None) for p in pages]


def _shape(page: Page[AppUser]) -> tuple[list[str], bool, bool]:
    return [u.uid for u in page.items], page.next is not None, page.prev is not None


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_orm_session_pages_equal_memory(engine: sa.Engine, body: dict[str, Any]) -> None:
    for tenant in ("t1", "t2"):
        got = []
        with Session(engine) as session:
            page = paginate(QUERY_MEMBERS.parse(body), session, MAPPING, statement=_tenant_users(tenant))
            got.append(_shape(page))
            while page.next:
                query = QUERY_MEMBERS.parse({**body, "next": page.next})
                page = paginate(query, session, MAPPING, statement=_tenant_users(tenant))
                got.append(_shape(page))
                # Instances, with the loader option's relationship already loaded.
                assert all(isinstance(u, AppUser) and "memberships" in u.__dict__ for u in page.items)
                assert all(u.tenant == tenant for u in page.items)
        assert got == _expected(tenant, body)


def test_prev_returns_the_page_before(engine: sa.Engine) -> None:
    body = {"sort": [{"field": "created_at", "direction": 1}], "limit": 3}
    with Session(engine) as session:
        first = paginate(QUERY_MEMBERS.parse(body), session, MAPPING, statement=_tenant_users("t1"))
        second = paginate(
            QUERY_MEMBERS.parse({**body, "next": first.next}), session, MAPPING, statement=_tenant_users("t1")
        )
        back = paginate(
            QUERY_MEMBERS.parse({**body, "prev": second.prev}), session, MAPPING, statement=_tenant_users("t1")
        )
        assert [u.uid for u in back.items] == [u.uid for u in first.items]


def test_a_join_returns_rows_of_the_statement(engine: sa.Engine) -> None:
    """Several selected elements: items are the statement's rows (unpackable,
    named), without the sort columns the page adds."""
    statement = sa.select(AppUser, Membership.call_cid).join(Membership).where(Membership.call_cid == "c1")
    with Session(engine) as session:
        page = paginate(QUERY_MEMBERS.parse({"limit": 50}), session, MAPPING, statement=statement)
    members = {m["user_uid"] for m in _memberships() if m["call_cid"] == "c1"}
    assert {user.uid for user, _ in page.items} == members
    assert all(len(row) == 2 and row.call_cid == "c1" for row in page.items)


def test_core_connection_with_core_columns(engine: sa.Engine) -> None:
    users = AppUser.__table__
    statement = sa.select(users.c.user_uid, users.c.user_role).where(users.c.tenant_id == "t2")
    body = {"sort": [{"field": "user_id", "direction": 1}], "limit": 4}
    with engine.connect() as conn:
        pages = [paginate(QUERY_MEMBERS.parse(body), conn, MAPPING, statement=statement)]
        while pages[-1].next:
            query = QUERY_MEMBERS.parse({**body, "next": pages[-1].next})
            pages.append(paginate(query, conn, MAPPING, statement=statement))
    got = [([row.user_uid for row in p.items], p.next is not None, p.prev is not None) for p in pages]
    assert got == _expected("t2", body)


def test_compiled_cache_keeps_hitting(engine: sa.Engine) -> None:
    """Requests of one shape (new statement objects, other operand values,
    other cursors) reuse SQLAlchemy's compiled statements: once every keyset
    shape of these walks has been seen, its cache stops growing."""
    cache: dict[Any, Any] = {}
    cached = engine.execution_options(compiled_cache=cache)

    def walk(tenant: str, other: str) -> int:
        body = {"filter_conditions": {"role": {"$in": ["admin", other]}}, "limit": 2}
        pages = 1
        with Session(cached) as session:
            page = paginate(QUERY_MEMBERS.parse(body), session, MAPPING, statement=_tenant_users(tenant))
            while page.next:
                query = QUERY_MEMBERS.parse({**body, "next": page.next})
                page = paginate(query, session, MAPPING, statement=_tenant_users(tenant))
                pages += 1
        return pages

    assert walk("t1", "x") + walk("t2", "x") > 4
    size = len(cache)
    walk("t1", "y")
    walk("t2", "z")
    assert len(cache) == size


ASYNC_URLS = {
    "sqlite": f"sqlite+aiosqlite:///{_SQLITE_PATH}",
    "postgresql": URLS["postgresql"].replace("+psycopg", "+asyncpg"),
    "mysql": URLS["mysql"].replace("+pymysql", "+aiomysql"),
}


@pytest.mark.parametrize("use_session", [True, False])
async def test_async_pages_equal_memory(engine: sa.Engine, use_session: bool) -> None:
    body = {
        "filter_conditions": {"custom.n": {"$gte": 1}},
        "sort": [{"field": "updated_at", "direction": -1}],
        "limit": 3,
    }
    async_engine = create_async_engine(ASYNC_URLS[engine.dialect.name])
    users = AppUser.__table__
    try:
        got = []
        async with async_engine.connect() as conn:
            if use_session:
                session = AsyncSession(bind=conn)
                target: Any = session
                statement: Any = _tenant_users("t1")
            else:
                session, target = None, conn
                statement = sa.select(users.c.user_uid).where(users.c.tenant_id == "t1")
            next_cursor: str | None = None
            while True:
                query = QUERY_MEMBERS.parse({**body, "next": next_cursor} if next_cursor else body)
                page = await paginate_async(query, target, MAPPING, statement=statement)
                uids = [u.uid for u in page.items] if use_session else list(page.items)
                got.append((uids, page.next is not None, page.prev is not None))
                if not page.next:
                    break
                next_cursor = page.next
            if session is not None:
                await session.close()
        assert got == _expected("t1", body)
    finally:
        await async_engine.dispose()


async def test_async_sqlite_runs_autocomplete(sqlite_engine: sa.Engine) -> None:
    """`$autocomplete` on SQLite needs registered functions: aiosqlite gets them too."""
    fields = tuple(replace(f, operators=TEXT_OPS) if f.name == "custom" else f for f in QUERY_MEMBERS.fields)
    schema = replace(QUERY_MEMBERS, name="members_text", fields=fields)
    mapping = map_table(schema, AppUser, {name: MAPPING.targets[name] for name in schema.by_name})
    query = schema.parse({"filter_conditions": {"custom.color": {"$autocomplete": "RE"}}, "limit": 50})
    async_engine = create_async_engine(ASYNC_URLS["sqlite"])
    try:
        async with AsyncSession(async_engine) as session:
            page = await paginate_async(query, session, mapping, statement=_tenant_users("t2"))
        expected = [r["user_id"] for r in memory.paginate(query, _reference_rows("t2")).items]
        assert [u.uid for u in page.items] == expected and expected
    finally:
        await async_engine.dispose()


def test_a_statement_with_an_offset_is_refused(engine: sa.Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match="OFFSET"):
        paginate(QUERY_MEMBERS.parse({}), session, MAPPING, statement=_tenant_users("t1").offset(3))
