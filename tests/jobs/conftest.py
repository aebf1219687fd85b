"""Fixtures of the worker tests: a Redis database of the test's own, real worker processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.demo.week import generate_agency_week
from scheduler.service.demo_service import DEMO_BRANCH, DemoAccess, seed_demo_branch
from scheduler.service.job_queue import BrokerQueue
from scheduler.service.planning_jobs import create_planning_job
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import session_factory, transaction
from tests.batch_support import WEEK, batch_env, batch_settings, wait_for

SHARED_REDIS = "redis://127.0.0.1:6379"
JOB_SETTINGS = {  # short leases and sweeps: a dead worker's job moves on in seconds
    "job_lease_seconds": 3.0,
    "job_sweep_seconds": 0.5,
    "job_unpicked_seconds": 1.0,
}


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_url(worker_id: str) -> Iterator[str]:
    """A database of the shared Redis for this test worker alone, emptied before and after."""
    number = 10 + (int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0)
    url = f"{SHARED_REDIS}/{number}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        client.close()
        pytest.skip(f"Redis is not running at 127.0.0.1:6379 ({error}); .ci/run starts it")
    yield url
    client.flushdb()
    client.close()


class Processes:
    """Starts ``scheduler`` commands in their own sessions; kills leftovers at the end."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start ``scheduler *args``, its output going to a log file named by its order."""
        log = self.folder / f"process-{len(self.started)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli", *args],
                env=self.env | (env or {}),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = log  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    def workers(self, count: int = 1, *, queues: Sequence[str] = ()) -> list[subprocess.Popen]:
        """Start ``count`` workers at once (``scheduler worker``); wait until each takes tasks.

        With ``queues``, the i-th worker takes tasks from ``queues[i]`` only (e.g. "planning").
        """
        started = [
            self.start("worker", *((f"--queues={queues[i]}",) if queues else ()))
            for i in range(count)
        ]
        for process in started:
            wait_for(
                lambda process=process: (
                    "ready." in self.output(process) or process.poll() is not None
                ),
                seconds=60,
                what="the worker's start",
            )
            assert process.poll() is None, self.output(process)
        return started

    @staticmethod
    def output(process: subprocess.Popen) -> str:
        """What the process printed so far."""
        return process.log.read_text(errors="replace")  # type: ignore[attr-defined]

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the process and every process it forked (its solver searches)."""
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL

    def stop(self, process: subprocess.Popen) -> int:
        """SIGTERM the process and return its exit code."""
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=60)

    def close(self) -> None:
        """Kill whatever a test left running."""
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@dataclass
class Fleet:
    """A demo branch stored and published, settings on a broker, and a process starter."""

    sessions: sessionmaker[Session]
    settings: Settings
    access: DemoAccess
    processes: Processes

    def queue_job(self, *, time_limit: float = 2.0, send: int = 1) -> str:
        """Queue a planning job of the demo week and send its task ``send`` times; its id."""
        with transaction(self.sessions) as session:
            job = create_planning_job(
                session,
                branch_id=DEMO_BRANCH,
                start_date=WEEK,
                days=7,
                time_limit=time_limit,
                requested_by=None,
                settings=self.settings,
            )
        broker = BrokerQueue(self.settings)
        for _ in range(send):
            broker.submit(job.id)
        broker.close()
        return job.id

    def job(self, job_id: str) -> tuple[models.PlanningJob, models.JobLease]:
        """The job's row and lease."""
        with self.sessions() as session:
            return session.get(models.PlanningJob, job_id), session.get(models.JobLease, job_id)

    def plans(self) -> int:
        """Plan versions of the demo branch."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(models.Plan))

    def wait_done(self, job_ids: list[str], *, seconds: float = 90) -> None:
        """Wait until every job ended."""

        def ended() -> bool:
            return all(self.job(job_id)[0].status in ("succeeded", "failed") for job_id in job_ids)

        wait_for(ended, seconds=seconds, what=f"the end of jobs {job_ids}")


@pytest.fixture
def fleet_for(
    tmp_path: Path, migrate, engine_for, plan_demo_once
) -> Iterator[Callable[[str, str], Fleet]]:
    """A maker of a ``Fleet`` on a database URL and a broker URL (processes killed after)."""
    starters: list[Processes] = []

    def make(database_url: str, broker_url: str) -> Fleet:
        migrate(database_url)
        sessions = session_factory(engine_for(database_url))
        settings = batch_settings(database_url, tmp_path, broker_url=broker_url, **JOB_SETTINGS)
        problem = generate_agency_week(clinicians=3, patients=12, start_date=WEEK)
        access = seed_demo_branch(sessions, problem, settings=settings, time_limit=2.0)
        env = batch_env(database_url, tmp_path) | {
            "SCHEDULER_BROKER_URL": broker_url,
            **{f"SCHEDULER_{name.upper()}": str(value) for name, value in JOB_SETTINGS.items()},
        }
        starters.append(Processes(env, tmp_path))
        return Fleet(sessions, settings, access, starters[-1])

    yield make
    for starter in starters:
        starter.close()
