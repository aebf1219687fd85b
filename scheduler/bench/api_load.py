"""Load test of the API on loopback: itinerary reads at a fixed rate from a real server.

A demo branch is stored in a fresh PostgreSQL schema (or the database given), the API runs
under uvicorn in its own process (``served_api.py``) and Locust reads itineraries at a fixed
rate (``fixed_rate.py``), ``runs`` times in a row. Optionally one ``scheduler worker`` solves
a planning job of the branch at a lower CPU priority (``nice``) all along, and one request is
profiled in the served app.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from scheduler.bench.fixed_rate import LoadResult, Reader, check_locust, run_fixed_rate
from scheduler.bench.served_api import PROFILE_HEADER, WRITE_PROFILE, serve_api
from scheduler.bench.solving_worker import solving_worker
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Problem
from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import seed_demo_branch
from scheduler.settings import Settings
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from scheduler.store.plan_details import routes_with_visits
from scheduler.store.schemas import create_schema, drop_schema

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BROKER = "redis://127.0.0.1:6379/8"
PAUSE = 3.0  # seconds between two runs, so one's last answers do not overlap the next
WARM_UP = 50  # plain requests before the profiled ones
PROFILED = 100  # requests profiled one after the other, their times added up


@dataclass(frozen=True)
class SolvingRun:
    """What the solving worker did during one run."""

    cores: float  # CPU of the worker and its searches over the run's wall clock
    solving: bool  # its job was still solving at the run's end


@dataclass(frozen=True)
class LoadRun:
    """One run: Locust's figures, the server's CPU, the solving worker's share."""

    load: LoadResult
    server_cpu: float  # CPU seconds of uvicorn's processes while Locust ran
    solver: SolvingRun | None = None

    @property
    def server_ms_per_request(self) -> float:
        """Milliseconds of server CPU a request (every request Locust sent)."""
        return 1000 * self.server_cpu / max(1, self.load.sent)


@dataclass(frozen=True)
class ApiLoad:
    """The runs, what they ran against, the solving worker's figures and the profile."""

    runs: list[LoadRun]
    readers: int
    workers: int
    database: str
    server_log: str
    solving: bool = False
    solve_processes: int = 0
    nice: int = 0
    profile: str | None = None
    folder: Path | None = None


def bench_api_load(
    *,
    settings: Settings,
    rate: float = 200.0,
    seconds: float = 60.0,
    runs: int = 1,
    database_url: str | None = None,
    clinicians: int = 25,
    patients: int = 350,
    workers: int = 1,
    time_limit: float = 40.0,
    seed: int = 7,
    solving: bool = False,
    nice: int = 10,
    broker_url: str = BROKER,
    profile: bool = False,
    folder: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ApiLoad:
    """Seed a demo branch, serve the API with uvicorn, read itineraries at ``rate``, ``runs`` times.

    ``database_url`` ``None`` uses a fresh PostgreSQL schema at 127.0.0.1:5432, dropped at the
    end. ``solving`` starts one ``scheduler worker`` under ``nice`` on ``broker_url`` (an idle
    Redis database, emptied at the end) solving a planning job of the branch through every
    run. ``profile`` profiles itinerary requests in the served app after the runs. Servers
    and workers are stopped at the end whatever happens; Locust's output and the profile go
    to ``folder`` (default: ``<data_dir>/bench/api-load``).
    """
    check_locust()
    note = on_step or (lambda _message: None)
    folder = folder or settings.data_dir / "bench" / "api-load"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "locust.log"
    log.write_bytes(b"")
    problem = generate_agency_week(seed=seed, clinicians=clinicians, patients=patients)
    results: list[LoadRun] = []
    with bench_database(database_url) as url:
        note(
            f"seeding a demo branch: {clinicians} clinicians, {patients} patients, {time_limit:g} s"
        )
        readers = seed_readers(url, problem, settings=settings, time_limit=time_limit)
        with ExitStack() as stack:
            note(f"starting uvicorn with {workers} worker(s)")
            server = stack.enter_context(
                serve_api(url, workers=workers, broker_url=broker_url if solving else None)
            )
            for reader in readers:  # each once, not measured: a refused request fails early
                _read(server.url, reader)
            worker = None
            if solving:
                note(f"starting a planning worker at nice {nice} and a planning job of the week")
                worker = stack.enter_context(
                    solving_worker(
                        url,
                        problem,
                        settings=settings,
                        broker_url=broker_url,
                        nice=nice,
                        seconds=runs * (seconds + 2 * PAUSE + 10) + 60,
                        log=folder / "worker.log",
                    )
                )
            for number in range(1, runs + 1):
                note(f"run {number}/{runs}: {rate:g} requests a second for {seconds:g} s")
                began, served = time.monotonic(), server.cpu()
                solved = worker.cpu() if worker else 0.0
                load = run_fixed_rate(server.url, readers, rate=rate, seconds=seconds, log=log)
                share = None
                if worker is not None:
                    cores = (worker.cpu() - solved) / (time.monotonic() - began)
                    share = SolvingRun(cores, worker.solving())
                results.append(LoadRun(load, server.cpu() - served, share))
                if number < runs:
                    time.sleep(PAUSE)
            server_log = server.log_tail()
        text = None
        if profile:
            note(f"profiling {PROFILED} itinerary requests in the served app")
            text = profile_request(url, readers, folder=folder)
    database = "PostgreSQL, fresh schema" if database_url is None else url.split(":", 1)[0]
    return ApiLoad(
        results,
        len(readers),
        workers,
        database,
        server_log,
        solving=solving,
        solve_processes=settings.solve_workers if solving else 0,
        nice=nice if solving else 0,
        profile=text,
        folder=folder,
    )


def _read(base_url: str, reader: Reader, *, profile: str | None = None) -> None:
    """GET the reader's itinerary once (``profile``: the profiling header's value).

    Raises
    ------
    BenchmarkError
        Unless it answers 2xx in 120 s.
    """
    headers = {"Authorization": f"Bearer {reader.token}", "Accept": "application/json"}
    if profile is not None:
        headers[PROFILE_HEADER] = profile
    try:
        with urlopen(Request(base_url + reader.path, headers=headers), timeout=120) as answer:
            answer.read()
    except HTTPError as error:
        raise BenchmarkError(f"GET {reader.path} answered {error.code}") from error
    except OSError as error:
        raise BenchmarkError(f"GET {reader.path} failed: {error}") from error


def profile_request(database_url: str, readers: list[Reader], *, folder: Path) -> str:
    """Serve the profiling app, warm it up, profile itinerary requests; pyinstrument's text.

    ``PROFILED`` requests are sent one after the other (none waits for another, as a single
    request would run) and their profiles added up: one request's few milliseconds hold too
    few samples, and on a shared machine one request may be the one that waited for a core.
    The text is written to ``folder`` (``profile.txt``).
    """
    (folder / "profile.txt").unlink(missing_ok=True)
    with serve_api(database_url, workers=1, profile_dir=folder) as server:
        for number in range(WARM_UP):
            _read(server.url, readers[number % len(readers)])
        began = time.monotonic()
        for number in range(PROFILED):
            _read(server.url, readers[number % len(readers)], profile="1")
        seconds = time.monotonic() - began
        _read(server.url, readers[0], profile=WRITE_PROFILE.decode())
    text = folder / "profile.txt"
    if not text.exists():
        raise BenchmarkError(f"the served app wrote no profile to {folder}")
    heading = (
        f"{PROFILED} itinerary requests profiled one after the other (times added up; "
        f"{1000 * seconds / PROFILED:.1f} ms a request at the client, profiler included)"
    )
    return f"{heading}\n{text.read_text()}"


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
            create_schema(connection, name=schema)
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
            drop_schema(connection, name=schema)
        admin.dispose()


def seed_readers(
    database_url: str, problem: Problem, *, settings: Settings, time_limit: float
) -> list[Reader]:
    """Migrate, store a planned and published demo week; a reader per weekday route with visits.

    Raises
    ------
    BenchmarkError
        When the plan placed no visits on a weekday (too short a ``time_limit``): reading
        empty itineraries would measure the wrong thing.
    """
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
            routes = routes_with_visits(session, plan_id=access.plan_id)
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
