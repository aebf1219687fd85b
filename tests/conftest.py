"""Fixtures shared by every test folder: the database to test against, engines, the demo."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.demo.week import generate_agency_week
from scheduler.domain import Problem
from scheduler.service import demo_service
from scheduler.service.demo_service import seed_demo_branch
from scheduler.service.planning import PlanningOutcome
from scheduler.settings import Settings
from scheduler.solver import SolveParams
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from tests.batch_support import WEEK, Seeded, batch_settings

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_LIBPQ = "postgresql://postgres@127.0.0.1:5432/test"  # the same, for psycopg and pg_dump
SQLITE = "sqlite:///"
PG_DUMP = ["pg_dump", "--dbname", POSTGRES_LIBPQ, "--inserts", "--no-owner", "--no-privileges"]
TEMPLATE_SCHEMA = "template_a1b2c3d4e5f6"  # stands for the schema's name in the dumped schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database URL: a SQLite file, or an empty PostgreSQL schema dropped afterwards."""
    with database_for(request.param, tmp_path) as url:
        yield url


@contextmanager
def database_for(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new ``kind`` database (``sqlite`` or ``postgresql``), dropped after."""
    if kind == "sqlite":
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
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class MigratedTemplate:
    """Brings an empty test database to the latest migration by copying one migrated once.

    Migrating costs a second or two on PostgreSQL (a migration reflects tables), and most
    tests only need the latest schema. So once per worker, an empty SQLite file and an empty
    PostgreSQL schema are migrated by ``upgrade_schema``; the file is then copied, and the
    schema dumped by ``pg_dump`` (tables, constraints, indexes, sequences and the rows of
    ``alembic_version``) and replayed under each test's schema name. A database that is not
    empty, or a machine without ``pg_dump``, is migrated by ``upgrade_schema`` itself.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def __call__(self, database_url: str) -> None:
        """Bring ``database_url`` (a ``database_url`` fixture's value) to the latest schema."""
        if database_url.startswith(SQLITE):
            target = Path(database_url.removeprefix(SQLITE))
            if not target.exists():
                shutil.copyfile(self._sqlite_template(), target)
                return
        elif (schema := _schema_of(database_url)) and shutil.which("pg_dump"):
            with psycopg.connect(POSTGRES_LIBPQ, autocommit=True) as connection:
                if not _has_tables(connection, schema):
                    script = self._postgres_script().replace(TEMPLATE_SCHEMA, schema)
                    with connection.transaction():
                        connection.execute(script.encode())
                    return
        _upgrade(database_url)

    def _sqlite_template(self) -> Path:
        if self._sqlite is None:
            path = self.folder / "migrated.db"
            _upgrade(f"{SQLITE}{path}")
            self._sqlite = path
        return self._sqlite

    def _postgres_script(self) -> str:
        if self._postgres is None:
            schema = f"template_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(POSTGRES_LIBPQ, autocommit=True) as connection:
                connection.execute(f"CREATE SCHEMA {schema}".encode())
                try:
                    _upgrade(f"{POSTGRES}?options=-csearch_path%3D{schema}")
                    dump = subprocess.run(
                        [*PG_DUMP, "--schema", schema],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                finally:
                    connection.execute(f"DROP SCHEMA {schema} CASCADE".encode())
            lines = [
                line
                for line in dump.splitlines()
                if not line.startswith("\\")  # psql's commands (\restrict): not SQL
                and line != f"CREATE SCHEMA {schema};"  # the test's schema exists
            ]
            assert f"INSERT INTO {schema}.alembic_version" in dump, dump
            self._postgres = "\n".join(lines).replace(schema, TEMPLATE_SCHEMA)
        return self._postgres


def _schema_of(database_url: str) -> str | None:
    """The schema of a PostgreSQL ``database_url`` fixture's URL (``None``: not one)."""
    found = re.fullmatch(
        re.escape(POSTGRES) + r"\?options=-csearch_path%3D(test_\w+)", database_url
    )
    return found.group(1) if found else None


def _has_tables(connection: psycopg.Connection, schema: str) -> bool:
    """Whether ``schema`` holds any table."""
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s"
    row = connection.execute(query, (schema,)).fetchone()
    return bool(row and row[0])


def _upgrade(database_url: str) -> None:
    """``upgrade_schema`` on ``database_url`` with an engine of its own, disposed after."""
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrate(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplate:
    """``migrate(database_url)``: the test's empty database brought to the latest schema."""
    return MigratedTemplate(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def migrated_url(database_url: str, migrate: MigratedTemplate) -> str:
    """``database_url`` brought to the latest schema (see ``MigratedTemplate``)."""
    migrate(database_url)
    return database_url


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


@pytest.fixture(scope="session")
def demo_plans() -> dict[tuple[Problem, SolveParams, str], PlanningOutcome]:
    """The demo problems planned so far by this worker, by problem, parameters and settings."""
    return {}


@pytest.fixture
def plan_demo_once(
    monkeypatch: pytest.MonkeyPatch,
    demo_plans: dict[tuple[Problem, SolveParams, str], PlanningOutcome],
) -> None:
    """``seed_demo_branch`` plans each demo problem once per worker, then reuses that plan.

    The seeded plan is only the starting point of the tests that ask for it (what they check
    happens after it is published), and the same stored problem with the same parameters would
    be planned again and again, seconds each. The plan is a real solve of the very problem the
    test stored (equal problems, parameters and settings but the test's own database and
    folders); only the repeat is saved.
    """
    plan = demo_service.plan_problem

    def plan_once(
        problem: Problem, *, settings: Settings, params: SolveParams | None = None
    ) -> PlanningOutcome:
        if params is None:
            return plan(problem, settings=settings)
        planning = settings.model_dump(exclude={"database_url", "data_dir", "cache_dir"})
        key = (problem, params, repr(sorted(planning.items())))
        if key not in demo_plans:
            demo_plans[key] = plan(problem, settings=settings, params=params)
        return demo_plans[key]

    monkeypatch.setattr(demo_service, "plan_problem", plan_once)


@pytest.fixture
def seed_demo(
    engine_for: Callable[[str], Engine], migrate: MigratedTemplate, plan_demo_once: None
) -> Callable[..., Seeded]:
    """A seeder of the demo branch: ``seed_demo(database_url, tmp_path, start=WEEK)``.

    It stores the branch (3 clinicians, 12 patients), plans its week from ``start`` and
    publishes it; the engine is disposed at teardown.
    """

    def seed(database_url: str, tmp_path: Path, *, start: date = WEEK) -> Seeded:
        migrate(database_url)
        sessions = session_factory(engine_for(database_url))
        settings = batch_settings(database_url, tmp_path)
        problem = generate_agency_week(clinicians=3, patients=12, start_date=start)
        access = seed_demo_branch(sessions, problem, settings=settings, time_limit=2.0)
        return Seeded(sessions, settings, access.plan_id, start)

    return seed


@pytest.fixture
def migrated(migrated_url: str, engine_for: Callable[[str], Engine]) -> sessionmaker[Session]:
    """Sessions on the test database upgraded to the latest schema (engine disposed after)."""
    return session_factory(engine_for(migrated_url))
