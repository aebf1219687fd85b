"""``scheduler worker``: a Celery worker running planning jobs and nightly runs from Redis.

The task ``scheduler.run_job`` takes a job id and runs ``service.planning_jobs.run_job``: the
job's row and lease in the database say what to do and keep its effect once, so a task
delivered twice, or given back by a worker that died (late acknowledgement, reject on worker
lost), runs the job once. Each worker also sweeps: it sends again jobs whose lease ran out or
that nobody took (their message lost, e.g. Redis restarted without its data). SIGTERM or
Ctrl+C stops it warmly: the task under way finishes first.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence

from celery import Celery

from scheduler.errors import SchedulerError
from scheduler.jobs.batch import open_batch_database
from scheduler.service.job_queue import QUEUES, TASK, BrokerQueue, Sweeper, runner_name
from scheduler.service.planning_jobs import run_job
from scheduler.settings import Settings

log = logging.getLogger("scheduler")


def worker_app(settings: Settings) -> tuple[Celery, Sweeper]:
    """The Celery app with the job task on ``settings``' database, and this worker's sweeper.

    Raises
    ------
    SchedulerError
        When no broker is configured.
    """
    if not settings.broker_url:
        raise SchedulerError(
            "a worker needs a broker: set SCHEDULER_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
            "without one, jobs run inside `scheduler serve`"
        )
    _engine, sessions = open_batch_database(settings)
    queue = BrokerQueue(settings)
    owner = runner_name("worker")

    def run_job_task(job_id: str) -> None:
        run_job(sessions, job_id, settings=settings, owner=owner)

    app = queue.app
    app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)(run_job_task)
    return app, Sweeper(sessions, queue, settings=settings)


def serve_worker(
    settings: Settings, *, queues: Sequence[str] = QUEUES, concurrency: int = 1
) -> None:
    """Run a worker on ``queues`` until SIGTERM or Ctrl+C (warm: the running job finishes).

    One job at a time runs in the worker's own process; ``concurrency`` above 1 runs that
    many in threads (each solve has its own search processes).

    Raises
    ------
    SchedulerError
        When no broker is configured, or for an unknown queue.
    """
    unknown = set(queues) - set(QUEUES)
    if unknown:
        raise SchedulerError(f"unknown queue(s) {sorted(unknown)}; use {', '.join(QUEUES)}")
    app, sweeper = worker_app(settings)
    sweeper.start()
    log.info("worker %s on %s", runner_name("worker"), ", ".join(queues))
    try:
        app.worker_main(
            [
                "worker",
                f"--queues={','.join(queues)}",
                f"--concurrency={concurrency}",
                f"--pool={'solo' if concurrency == 1 else 'threads'}",
                f"--hostname=worker-{os.getpid()}@{socket.gethostname()}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        sweeper.stop()
    log.info("worker stopped")
