"""``scheduler worker``: run a worker, see the queues, cancel a job."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.errors import SchedulerError
from scheduler.jobs.batch import open_batch_database
from scheduler.jobs.worker import serve_worker
from scheduler.service.job_queue import QUEUES, BrokerQueue, queue_report
from scheduler.service.planning_jobs import cancel_planning_job
from scheduler.settings import get_settings
from scheduler.store.models import utc_now


def worker(
    ctx: typer.Context,
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues to take jobs from.")
    ] = ",".join(QUEUES),
    concurrency: Annotated[
        int, typer.Option(min=1, help="Jobs at once (above 1: in threads of this process).")
    ] = 1,
) -> None:
    """Run a worker on SCHEDULER_BROKER_URL until SIGTERM or Ctrl+C (the job under way ends).

    Workers on any host take jobs from the same Redis and write to the same database
    (SCHEDULER_DATABASE_URL); each job has one effect, and one whose worker died runs again.
    """
    if ctx.invoked_subcommand is not None:
        return
    logging.getLogger("scheduler").setLevel(logging.INFO)
    try:
        serve_worker(
            get_settings(),
            queues=[name.strip() for name in queues.split(",") if name.strip()],
            concurrency=concurrency,
        )
    except SchedulerError as error:
        raise fail(error) from error


def worker_queue() -> None:
    """Jobs waiting and running per queue, the oldest waiting one's age, tasks in the broker."""
    settings = get_settings()
    engine, sessions = open_batch_database(settings)
    broker = BrokerQueue(settings) if settings.broker_url else None
    try:
        report = queue_report(sessions, broker)
    finally:
        engine.dispose()
        if broker is not None:
            broker.close()
    if broker is not None and all(row.tasks_in_broker is None for row in report):
        console.print("the broker does not answer: its tasks are not counted")
    now = utc_now()
    rows = [
        (
            row.queue,
            row.waiting,
            row.running,
            str(now - row.oldest_waiting).split(".")[0] if row.oldest_waiting else "-",
            "-" if row.tasks_in_broker is None else row.tasks_in_broker,
        )
        for row in report
    ]
    console.print(
        _console.rows_table(
            "Job queues", ("queue", "waiting", "running", "oldest waiting", "tasks in broker"), rows
        )
    )


def worker_cancel(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Cancel a queued or running job (a running one's result is not written)."""
    engine, sessions = open_batch_database(get_settings())
    try:
        cancel_planning_job(sessions, job_id)
    except SchedulerError as error:
        raise fail(error) from error
    finally:
        engine.dispose()
    console.print(f"job {job_id} cancelled")
