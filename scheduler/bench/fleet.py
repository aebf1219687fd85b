"""Fleet bench: many branches' nights planned through 1, then more, worker processes.

Each phase stores ``branches`` generated branches in a fresh PostgreSQL schema (one agency
each, ``clinicians`` clinicians, their patients' visits of one day), starts that many
``scheduler worker`` processes on Redis, queues every branch's night as the batch does
(``create_nightly_job``, then the job's id to the broker) and waits until every job ended.
Each solve does a fixed amount of search work (``GREEDY_DESCENT``: it stops at the first
local optimum, its time limit far away), so the ratio of the phases' speeds is the scaling of
the workers, not of a wall clock. CPU seconds are the workers' and their searches' (counted
once the workers are stopped and waited for).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from scheduler.bench.api_load import bench_database
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Problem
from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import store_branch
from scheduler.service.job_queue import BrokerQueue
from scheduler.service.planning_jobs import create_nightly_job
from scheduler.settings import Settings
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.job_leases import JobCounts, job_counts

FIXED_WORK = "GREEDY_DESCENT"
TIME_LIMIT = 600.0  # never reached: the search stops at its local optimum
DISTINCT = 10  # distinct generated branches, stored again and again under new ids
READY = "ready."


@dataclass(frozen=True)
class FleetPhase:
    """One phase: ``workers`` processes planned ``branches`` nights in ``seconds``."""

    workers: int
    branches: int
    seconds: float
    cpu_seconds: float
    counts: JobCounts
    peak_megabytes: float  # the largest resident memory of a worker or one of its searches
    load_average: float  # the machine's 1-minute load at the phase's end (others' work too)

    @property
    def branches_per_minute(self) -> float:
        """Nights planned per minute of wall clock."""
        return 60 * self.branches / self.seconds

    @property
    def cores(self) -> float:
        """Cores the workers had on average (CPU seconds over wall-clock seconds)."""
        return self.cpu_seconds / self.seconds

    @property
    def cpu_per_branch(self) -> float:
        """CPU seconds of the workers and their searches per night."""
        return self.cpu_seconds / self.branches


def bench_fleet(
    *,
    settings: Settings,
    broker_url: str,
    branches: int = 200,
    clinicians: int = 8,
    patients: int = 70,
    worker_counts: Sequence[int] = (1, 2),
    folder: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[FleetPhase]:
    """Run one phase per entry of ``worker_counts``; each phase's figures.

    Raises
    ------
    BenchmarkError
        When the broker's queues hold tasks already, PostgreSQL is down, or a worker dies.
    """
    problems = [
        generate_agency_week(seed=seed, clinicians=clinicians, patients=patients)
        for seed in range(DISTINCT)
    ]
    return [
        _phase(settings, broker_url, problems, branches, workers, folder, on_progress)
        for workers in worker_counts
    ]


def _phase(
    settings: Settings,
    broker_url: str,
    problems: list[Problem],
    branches: int,
    workers: int,
    folder: Path,
    on_progress: Callable[[int, int], None] | None,
) -> FleetPhase:
    """Store the branches in a fresh schema, plan each night through ``workers`` workers."""
    with bench_database(None) as database_url:
        engine = make_engine(database_url)
        try:
            upgrade_schema(engine)
            sessions = session_factory(engine)
            for index in range(branches):
                with transaction(sessions) as session:
                    store_branch(
                        session,
                        problems[index % len(problems)],
                        agency_id=f"agency-{index:04d}",
                        branch_id=f"branch-{index:04d}",
                    )
            day = problems[0].horizon.start_date
            values = {"database_url": database_url, "broker_url": broker_url}
            phase_settings = settings.model_copy(update=values)
            broker = BrokerQueue(phase_settings)
            try:
                if any(broker.depths().values()):
                    raise BenchmarkError(
                        f"the broker at {broker_url} holds tasks already; give an idle one"
                    )
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                with _workers(_worker_env(phase_settings), workers, folder) as started:
                    with transaction(sessions) as session:
                        jobs = [
                            create_nightly_job(
                                session,
                                branch_id=f"branch-{index:04d}",
                                day=day,
                                time_limit=TIME_LIMIT,
                                settings=phase_settings,
                            ).id
                            for index in range(branches)
                        ]
                    began = time.monotonic()
                    for job_id in jobs:
                        broker.submit(job_id)
                    counts = _wait_for_jobs(sessions, started, branches, on_progress)
                    seconds = time.monotonic() - began
            finally:
                broker.close()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            engine.dispose()
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = after.ru_maxrss / 1024
    return FleetPhase(workers, branches, seconds, cpu, counts, peak, os.getloadavg()[0])


def _worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a bench worker: the phase's database and broker, fixed work."""
    return os.environ | {
        "SCHEDULER_DATABASE_URL": settings.database_url,
        "SCHEDULER_BROKER_URL": settings.broker_url or "",
        "SCHEDULER_SOLVE_WORKERS": "1",
        "SCHEDULER_SOLVE_METAHEURISTIC": FIXED_WORK,
        "SCHEDULER_DATA_DIR": str(settings.data_dir),
        "SCHEDULER_CACHE_DIR": str(settings.cache_dir),
    }


@contextmanager
def _workers(env: dict[str, str], count: int, folder: Path) -> Iterator[list[subprocess.Popen]]:
    """``count`` worker processes, ready; stopped (SIGTERM) and waited for at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen] = []
    try:
        for number in range(count):
            log = folder / f"fleet-worker-{count}-{number}.log"
            with log.open("wb") as sink:
                started.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "scheduler.cli", "worker"],
                        env=env,
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            _wait_ready(started[-1], log)
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_ready(process: subprocess.Popen, log: Path) -> None:
    """Wait until the worker takes tasks."""
    deadline = time.monotonic() + 120
    while READY not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchmarkError(f"a worker did not start; see {log}")
        time.sleep(0.2)


def _wait_for_jobs(
    sessions: sessionmaker[Session],
    workers: list[subprocess.Popen],
    branches: int,
    on_progress: Callable[[int, int], None] | None,
) -> JobCounts:
    """Poll the jobs until every one ended; their counts."""
    while True:
        with sessions() as session:
            counts = job_counts(session)
        if on_progress:
            on_progress(counts.ended, branches)
        if counts.ended >= branches:
            return counts
        if any(process.poll() is not None for process in workers):
            raise BenchmarkError("a worker stopped during the bench; see its log")
        time.sleep(0.5)
