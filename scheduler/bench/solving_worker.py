"""One ``scheduler worker`` solving a planning job at a lower CPU priority, beside a load test.

Used by ``bench api-load --solving``: the worker runs at ``nice`` on an idle Redis database
and solves a planning job of the week long enough for every run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from scheduler.bench.served_api import group_cpu
from scheduler.domain import Problem
from scheduler.errors import BenchmarkError, SchedulerError
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.job_queue import BrokerQueue
from scheduler.service.planning_jobs import cancel_planning_job, create_planning_job
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import make_engine, session_factory, transaction

READY = "ready."


class SolvingWorker:
    """A ``scheduler worker`` process solving one planning job, and that job."""

    def __init__(self, process: subprocess.Popen, sessions: sessionmaker[Session], job_id: str):
        self.process = process
        self.sessions = sessions
        self.job_id = job_id

    def cpu(self) -> float:
        """CPU seconds of the worker's process group so far (its searches included)."""
        return group_cpu(self.process.pid)

    def solving(self) -> bool:
        """Whether the job is still solving."""
        with self.sessions() as session:
            job = session.get(models.PlanningJob, self.job_id)
            return job is not None and job.status == models.JobStatus.RUNNING


@contextmanager
def solving_worker(
    database_url: str,
    problem: Problem,
    *,
    settings: Settings,
    broker_url: str,
    nice: int,
    seconds: float,
    log: Path,
) -> Iterator[SolvingWorker]:
    """One worker under ``nice`` solving a ``seconds``-long planning job of the demo week.

    Yields once the job is solving; at the end the job is cancelled, the worker and its
    searches killed and the broker's database emptied.

    Raises
    ------
    BenchmarkError
        When Redis is down or the broker's database holds tasks, or the worker or job fails.
    """
    values = {"database_url": database_url, "broker_url": broker_url}
    job_settings = settings.model_copy(update=values)
    broker = BrokerQueue(job_settings)
    try:
        try:
            waiting = any(broker.depths().values())
        except Exception as error:  # kombu and redis raise several kinds
            raise BenchmarkError(
                f"Redis does not answer at {broker_url} ({error}); start it with "
                "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379` or pass --broker-url"
            ) from error
        if waiting:
            raise BenchmarkError(f"the broker at {broker_url} holds tasks; give an idle one")
        engine = make_engine(database_url)
        sessions = session_factory(engine)
        env = os.environ | {
            "SCHEDULER_DATABASE_URL": database_url,
            "SCHEDULER_BROKER_URL": broker_url,
            "SCHEDULER_DATA_DIR": str(settings.data_dir),
            "SCHEDULER_CACHE_DIR": str(settings.cache_dir),
        }
        command = ["nice", "-n", str(nice), sys.executable, "-m", "scheduler.cli", "worker"]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*command, "--queues", "planning"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        job_id: str | None = None
        try:
            _wait_for(lambda: READY in log.read_text(errors="replace"), process, log, "start")
            with transaction(sessions) as session:
                job_id = create_planning_job(
                    session,
                    branch_id=DEMO_BRANCH,
                    start_date=problem.horizon.start_date,
                    days=problem.horizon.days,
                    time_limit=min(seconds, settings.max_job_seconds),
                    requested_by=None,
                    settings=job_settings,
                ).id
            broker.submit(job_id)
            worker = SolvingWorker(process, sessions, job_id)
            _wait_for(lambda: _phase(sessions, worker.job_id) == "solving", process, log, "solve")
            time.sleep(2.0)  # the searches start
            yield worker
        finally:
            if job_id is not None:
                with suppress(SchedulerError):  # it ended already
                    cancel_planning_job(sessions, job_id)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            engine.dispose()
            with broker.app.connection_for_write() as connection:
                connection.default_channel.client.flushdb()
    finally:
        broker.close()


def _phase(sessions: sessionmaker[Session], job_id: str) -> str:
    with sessions() as session:
        job = session.get(models.PlanningJob, job_id)
        if job is None or job.status in (models.JobStatus.FAILED, models.JobStatus.SUCCEEDED):
            raise BenchmarkError(f"the planning job ended before the load: {job and job.error}")
        return job.phase


def _wait_for(done: Callable[[], bool], process: subprocess.Popen, log: Path, what: str) -> None:
    """Wait up to 120 s for ``done``; fail when the worker exits first."""
    deadline = time.monotonic() + 120
    while not done():
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchmarkError(f"the worker's {what} did not come; see {log}")
        time.sleep(0.2)
