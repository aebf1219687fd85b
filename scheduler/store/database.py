"""Engines, sessions and the schema (Alembic migrations from an empty database)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


SQLITE_POOL = (20, 40)  # connections kept, and opened beyond them when needed
POSTGRES_POOL = (10, 30)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite file or PostgreSQL), with foreign keys enforced.

    A new SQLite file is readable by its owner only; errors never carry the statement's values.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))  # patient data: owner only
            os.chmod(path, 0o600)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_POOL[0],
            max_overflow=SQLITE_POOL[1],
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # hide_parameters: a failed statement's log line names no row values (patient data).
    return create_engine(
        url,
        pool_size=POSTGRES_POOL[0],
        max_overflow=POSTGRES_POOL[1],
        pool_recycle=1800,
        hide_parameters=True,
    )


def pool_connections(url: str) -> int:
    """The most connections an engine of ``url`` opens at once (its pool and overflow)."""
    size, overflow = SQLITE_POOL if url.startswith("sqlite") else POSTGRES_POOL
    return size + overflow


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the latest migration (creates every table on an empty one)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed whole at the end, or rolled back on any error."""
    with sessions() as session, session.begin():
        yield session
