"""Engine and unit of work over an AsyncSession.

SQLite (the embedded default) gets WAL mode, a busy timeout and enforced foreign keys on
every connection; PostgreSQL is used as it is. The unit of work rolls back unless
``commit()`` ran, so a failure half-way leaves nothing half-written.

``in_unit_of_work()`` says whether the calling task is inside one: no Telegram call may be
made there (a send paced by Telegram's limits would hold the transaction, and on SQLite the
one write lock, for seconds). Messengers and tests check it.

On SQLite the units of work of the process take turns, first come first served (SQLite
serves one process: ``spinecare.bootstrap.check_role``). SQLite itself has one writer at a
time, and its busy handler, which makes the others wait, polls up to 100 ms apart and keeps
no queue: in the full-size fuzz, with no transaction holding the lock for more than 0.3 s,
a writer still waited past the 5 s busy timeout while others took the lock again and again,
and a patient's text failed with "database is locked". The busy timeout is left for other
processes (the CLI). A unit of work opened inside another (in its task, or in a task started
there) takes no turn: the outer one holds it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as NoConnectionFree
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000

# What says "the database cannot be reached now" (refused, dropped, locked, too slow): worth
# trying again later, as opposed to a statement it will never take.
# (NoConnectionFree: every pooled connection busy past the pool's timeout.)
UNREACHABLE = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    NoConnectionFree,
    OSError,
    TimeoutError,
)

# Set while the current task (and tasks it starts) is inside a UnitOfWork.
_IN_UNIT_OF_WORK: ContextVar[bool] = ContextVar("in_unit_of_work", default=False)


def in_unit_of_work() -> bool:
    """True inside ``async with db.uow()`` in this task: no Telegram call belongs here."""
    return _IN_UNIT_OF_WORK.get()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def create_engine(
    url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction. ``async with uow:`` ... ``await uow.commit()``; otherwise rolled back."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], turns: asyncio.Lock | None = None
    ) -> None:
        self._sessions = sessions
        self._turns = turns  # SQLite: held from start to end (None: PostgreSQL, or nested)
        self._session: AsyncSession | None = None
        self._marker: Token[bool] | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        if self._turns is not None:
            await self._turns.acquire()
        try:
            self._session = self._sessions()
        except BaseException:
            if self._turns is not None:
                self._turns.release()
            raise
        self._marker = _IN_UNIT_OF_WORK.set(True)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it leaves the loaded
        # objects readable (detached, not expired), so callers can still render them.
        try:
            await self.session.close()
        finally:
            self._session = None
            if self._marker is not None:
                _IN_UNIT_OF_WORK.reset(self._marker)
                self._marker = None
            if self._turns is not None:
                self._turns.release()

    async def commit(self) -> None:
        await self.session.commit()


class Database:
    """The engine and its session factory, built once by the composition root."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        self.url = url
        self._sqlite = is_sqlite(url)
        self.engine = create_engine(url, echo=echo, busy_timeout_ms=busy_timeout_ms)
        self.sessions = session_factory(self.engine)
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def is_sqlite(self) -> bool:
        return self._sqlite

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self._turn())

    def _turn(self) -> asyncio.Lock | None:
        """SQLite's turns, one lock per event loop (a CLI may run several in turn); None on
        PostgreSQL, or inside a unit of work already (its turn is held)."""
        if not self._sqlite or in_unit_of_work():
            return None
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            turns = self._turns[loop] = asyncio.Lock()
        return turns

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.uow() as uow:
            yield uow.session

    async def dispose(self) -> None:
        await self.engine.dispose()
