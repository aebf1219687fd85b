"""Load test of the API on loopback: itinerary reads at a constant rate from a real server.

A demo branch is stored in a fresh PostgreSQL schema (or the database given), the API runs
under uvicorn in its own process (``served_api.py``), and requests leave on a fixed schedule
whatever the answers take (``open_loop.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from scheduler.bench.open_loop import LoadResult, Reader, run_load
from scheduler.bench.served_api import serve_api
from scheduler.demo.week import generate_agency_week
from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import seed_demo_branch
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import make_engine, session_factory, upgrade_schema

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class ApiLoad:
    """The load run, with what it ran against and the tail of the server's log."""

    load: LoadResult
    readers: int
    workers: int
    database: str
    server_log: str


def bench_api_load(
    *,
    settings: Settings,
    rate: float = 200.0,
    seconds: float = 60.0,
    database_url: str | None = None,
    clinicians: int = 25,
    patients: int = 350,
    workers: int = 1,
    time_limit: float = 40.0,
    seed: int = 7,
    timeout: float = 10.0,
    on_step: Callable[[str], None] | None = None,
) -> ApiLoad:
    """Seed a demo branch, serve the API with uvicorn on loopback and read itineraries at ``rate``.

    ``database_url`` ``None`` uses a fresh PostgreSQL schema at 127.0.0.1:5432, dropped at the
    end; the server is stopped at the end whatever happens.
    """
    note = on_step or (lambda _message: None)
    with bench_database(database_url) as url:
        note(
            f"seeding a demo branch: {clinicians} clinicians, {patients} patients, {time_limit:g} s"
        )
        readers = seed_readers(
            url,
            settings=settings,
            clinicians=clinicians,
            patients=patients,
            time_limit=time_limit,
            seed=seed,
        )
        note(f"starting uvicorn with {workers} worker(s)")
        with serve_api(url, workers=workers) as server:
            note(f"{rate:g} requests a second for {seconds:g} s over {len(readers)} itineraries")
            load = run_load(server.url, readers, rate=rate, seconds=seconds, timeout=timeout)
            log = server.log_tail()
    database = "PostgreSQL, fresh schema" if database_url is None else url.split(":", 1)[0]
    return ApiLoad(load, len(readers), workers, database, log)


@contextmanager
def bench_database(database_url: str | None) -> Iterator[str]:
    """``database_url`` as given, or a new PostgreSQL schema's URL (the schema dropped after)."""
    if database_url is not None:
        yield database_url
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as error:
        admin.dispose()
        raise BenchmarkError(
            f"PostgreSQL is not running at 127.0.0.1:5432 ({error.orig}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
            "or pass --database-url"
        ) from error
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def seed_readers(
    database_url: str,
    *,
    settings: Settings,
    clinicians: int,
    patients: int,
    time_limit: float,
    seed: int = 7,
) -> list[Reader]:
    """Migrate, store a planned and published demo week; a reader per weekday route with visits.

    Raises
    ------
    BenchmarkError
        When the plan placed no visits on a weekday (too short a ``time_limit``): reading
        empty itineraries would measure the wrong thing.
    """
    problem = generate_agency_week(seed=seed, clinicians=clinicians, patients=patients)
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
        sessions = session_factory(engine)
        access = seed_demo_branch(
            sessions,
            problem,
            settings=settings.model_copy(update={"database_url": database_url}),
            time_limit=time_limit,
        )
        with sessions() as session:
            routes = session.execute(
                select(models.PlanRoute.clinician_id, models.PlanRoute.day)
                .where(models.PlanRoute.plan_id == access.plan_id, models.PlanRoute.visits > 0)
                .order_by(models.PlanRoute.day, models.PlanRoute.clinician_id)
            ).all()
    finally:
        engine.dispose()
    readers = [
        Reader(access.clinicians[clinician_id], clinician_id, day.isoformat())
        for clinician_id, day in routes
        if day.weekday() < 5
    ]
    if not readers:
        raise BenchmarkError(
            f"the demo plan placed no weekday visits in {time_limit:g} s of solving; "
            "give it more time (--time-limit)"
        )
    return readers
