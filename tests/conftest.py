"""Fixtures shared by every test folder: the database to test against, engines, the demo."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.demo.week import generate_agency_week
from scheduler.service.demo_service import seed_demo_branch
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from tests.batch_support import WEEK, Seeded, batch_settings

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database URL: a SQLite file, or an empty PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduler.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as error:
        admin.dispose()
        if "refused" not in str(error.orig):
            raise  # running but failing (e.g. out of connections): a real failure, not a skip
        pytest.skip(
            f"PostgreSQL is not running at 127.0.0.1:5432 ({error.orig}); .ci/run starts it"
        )
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], Engine]]:
    """A maker of engines (``make_engine``) that disposes each one at teardown.

    An engine left undisposed keeps its pooled connections open until garbage collection,
    which psycopg reports as a ResourceWarning (an error in this suite).
    """
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def seed_demo(engine_for: Callable[[str], Engine]) -> Callable[..., Seeded]:
    """A seeder of the demo branch: ``seed_demo(database_url, tmp_path, start=WEEK)``.

    It stores the branch (3 clinicians, 12 patients), plans its week from ``start`` and
    publishes it; the engine is disposed at teardown.
    """

    def seed(database_url: str, tmp_path: Path, *, start: date = WEEK) -> Seeded:
        engine = engine_for(database_url)
        upgrade_schema(engine)
        sessions = session_factory(engine)
        settings = batch_settings(database_url, tmp_path)
        problem = generate_agency_week(clinicians=3, patients=12, start_date=start)
        access = seed_demo_branch(sessions, problem, settings=settings, time_limit=2.0)
        return Seeded(sessions, settings, access.plan_id, start)

    return seed


@pytest.fixture
def migrated(database_url: str, engine_for: Callable[[str], Engine]) -> sessionmaker[Session]:
    """Sessions on the test database upgraded to the latest schema (engine disposed after)."""
    engine = engine_for(database_url)
    upgrade_schema(engine)
    return session_factory(engine)
