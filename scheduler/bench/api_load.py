"""Load test of the API on loopback: itinerary reads at a constant rate from a real server.

A demo branch is stored in a fresh PostgreSQL schema (or the database given), the API runs
under uvicorn in its own process, and requests leave on a fixed schedule whatever the answers
take (open loop): a slow answer cannot hold back the next request, and each latency is measured
from the time its request was due, so delays are not hidden by coordinated omission.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import httpx
import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import seed_demo_branch
from scheduler.service.demo_week import generate_agency_week
from scheduler.settings import Settings
from scheduler.store.database import make_engine, session_factory, upgrade_schema

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APP_FACTORY = "scheduler.api.app:create_app"
POOL_CONNECTIONS = 500


@dataclass(frozen=True)
class Reader:
    """One request of the cycle: a clinician reading their own itinerary of one day."""

    token: str
    clinician_id: str
    day: str

    @property
    def path(self) -> str:
        """The itinerary's URL path."""
        return f"/v1/itineraries/{self.clinician_id}/{self.day}"


@dataclass(frozen=True)
class LoadResult:
    """A constant-rate run: latencies (seconds, from each due time) and send lags of all requests.

    A request is an error when it is not answered 200 (other status, exception, timeout, or
    still unanswered at the end of the run); ``error_kinds`` counts them by kind.
    """

    rate: float
    seconds: float
    requests: int
    errors: int
    send_seconds: float
    latencies: tuple[float, ...]
    lags: tuple[float, ...]
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_rate(self) -> float:
        """Requests sent a second, from the first due time to the last send."""
        return self.requests / self.send_seconds if self.send_seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0-100, nearest rank) in seconds."""
        return float(np.percentile(self.latencies, q, method="inverted_cdf"))

    @property
    def p50(self) -> float:
        """Median latency in seconds."""
        return self.percentile(50)

    @property
    def p95(self) -> float:
        """95th percentile latency in seconds."""
        return self.percentile(95)

    @property
    def p99(self) -> float:
        """99th percentile latency in seconds."""
        return self.percentile(99)

    @property
    def max(self) -> float:
        """Slowest latency in seconds."""
        return max(self.latencies)

    @property
    def percentiles(self) -> dict[str, float]:
        """p50, p95, p99 and max latency in seconds."""
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}

    @property
    def max_lag(self) -> float:
        """Longest delay between a request's due time and its send (the generator's lateness)."""
        return max(self.lags)


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
    time_limit: float = 15.0,
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
    """Migrate, store a planned and published demo week; one reader per clinician and weekday."""
    problem = generate_agency_week(seed=seed, clinicians=clinicians, patients=patients)
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
        access = seed_demo_branch(
            session_factory(engine),
            problem,
            settings=settings.model_copy(update={"database_url": database_url}),
            time_limit=time_limit,
        )
    finally:
        engine.dispose()
    horizon = problem.horizon
    weekdays = [
        horizon.date_of(day).isoformat()
        for day in range(horizon.days)
        if horizon.weekday_of(day) < 5
    ]
    return [
        Reader(token, clinician_id, day)
        for day in weekdays
        for clinician_id, token in access.clinicians.items()
    ]


@dataclass(frozen=True)
class ApiServer:
    """A running API server: its base URL and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def log_tail(self, *, chars: int = 4000) -> str:
        """The last ``chars`` characters the server wrote."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


@contextmanager
def serve_api(
    database_url: str, *, workers: int = 1, startup_timeout: float = 60.0
) -> Iterator[ApiServer]:
    """The API under uvicorn in a child process on a free loopback port, stopped on exit."""
    port = _free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]
    env = os.environ | {"SCHEDULER_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = ApiServer(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_up(server, timeout=startup_timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(server: ApiServer, *, timeout: float) -> None:
    """Poll the server until it answers; fail with its output if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"the API server exited with code {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            httpx.get(f"{server.url}/openapi.json", timeout=2.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise BenchmarkError(
        f"the API server did not answer within {timeout:g} s:\n{server.log_tail()}"
    )


def run_load(
    base_url: str,
    readers: Sequence[Reader],
    *,
    rate: float,
    seconds: float,
    timeout: float = 10.0,
) -> LoadResult:
    """Read the readers' itineraries in turn, ``rate`` a second for ``seconds`` (open loop).

    Every reader is read once first (not measured), which fails early on a refused request.
    The measured part ends at most ``timeout`` + 1 s after the last request is due; requests
    unanswered by then count as errors.
    """
    if not readers:
        raise BenchmarkError("no itineraries to read: the demo branch has no clinicians")
    if rate <= 0 or seconds <= 0:
        raise BenchmarkError(f"rate and seconds must be positive, got {rate} and {seconds}")
    return asyncio.run(_drive(base_url, readers, rate=rate, seconds=seconds, timeout=timeout))


async def _drive(
    base_url: str, readers: Sequence[Reader], *, rate: float, seconds: float, timeout: float
) -> LoadResult:
    total = max(1, round(rate * seconds))
    interval = 1.0 / rate
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(
        max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
    )
    headers = [{"Authorization": f"Bearer {reader.token}"} for reader in readers]
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        for reader, auth in zip(readers, headers, strict=True):
            response = await client.get(reader.path, headers=auth)
            if response.status_code != 200:
                raise BenchmarkError(
                    f"GET {reader.path} answered {response.status_code}: {response.text[:300]}"
                )
        start = loop.time() + interval
        tasks: list[asyncio.Task[tuple[float, float, float, str | None]]] = []
        for k in range(total):
            due = start + k * interval
            pause = due - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            index = k % len(readers)
            request = _read(client, readers[index].path, headers[index], due)
            tasks.append(asyncio.create_task(request))
        await asyncio.wait(tasks, timeout=timeout + 1.0)
        ended = loop.time()
        samples = []
        for k, task in enumerate(tasks):
            if task.done():
                samples.append(task.result())
            else:
                task.cancel()
                due = start + k * interval
                samples.append((due, due, ended, "unanswered"))
    kinds: dict[str, int] = {}
    for *_, error in samples:
        if error is not None:
            kinds[error] = kinds.get(error, 0) + 1
    return LoadResult(
        rate=rate,
        seconds=seconds,
        requests=total,
        errors=sum(kinds.values()),
        send_seconds=max(sent for _, sent, _, _ in samples) - start + interval,
        latencies=tuple(done - due for due, _, done, _ in samples),
        lags=tuple(sent - due for due, sent, _, _ in samples),
        error_kinds=kinds,
    )


async def _read(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], due: float
) -> tuple[float, float, float, str | None]:
    """One request: (due, sent, answered, error kind or ``None``), on the loop's clock."""
    loop = asyncio.get_running_loop()
    sent = loop.time()
    try:
        response = await client.get(path, headers=headers)
        error = None if response.status_code == 200 else f"HTTP {response.status_code}"
    except Exception as failure:  # a failed request is counted, never raised
        error = type(failure).__name__
    return due, sent, loop.time(), error
