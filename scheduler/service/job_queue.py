"""Where planning jobs go to run: Celery workers through Redis, or this process's threads.

With ``settings.broker_url`` set, a job is a Celery task ``scheduler.run_job`` whose only
argument is the job's id, sent to the ``interactive`` or ``planning`` queue; workers
(``scheduler worker``) acknowledge a task late and give it back if they die. Without a
broker (the embedded demo), a pool of threads in this process runs the same function (an
interactive job runs in the thread that submits it, see ``interactive_jobs``). Either
way the job's row and lease in the database are the record, and a sweeper sends again a job
whose lease ran out or that nobody took.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from celery import Celery
from kombu import Queue
from kombu.exceptions import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.settings import Settings
from scheduler.store.batch_runs import describe_error
from scheduler.store.database import transaction
from scheduler.store.job_leases import jobs_to_send, mark_sent, queue_states
from scheduler.store.models import utc_now

log = logging.getLogger("scheduler")

TASK = "scheduler.run_job"
INTERACTIVE = "interactive"
PLANNING = "planning"
QUEUES = (INTERACTIVE, PLANNING)

JobRunner = Callable[[str, str], None]  # (job id, owner): runs the job to its end


class JobQueue(Protocol):
    """Hands jobs to whatever runs them."""

    def submit(self, job_id: str, queue: str = PLANNING) -> None:
        """Send ``job_id`` to ``queue``."""

    def waiting(self) -> set[str]:
        """Ids of the jobs this queue holds, not yet taken by a runner."""

    def close(self) -> None:
        """Stop handing out jobs (the embedded pool finishes the ones running)."""


def runner_name(kind: str) -> str:
    """Who runs something, as recorded on its row: the kind of runner, host and process id."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def celery_app(settings: Settings) -> Celery:
    """The Celery app on ``settings.broker_url``: JSON ids only, late acks, two queues."""
    app = Celery("scheduler", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue=PLANNING,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


class BrokerQueue:
    """Jobs as Celery tasks on Redis: this process never runs them."""

    def __init__(self, settings: Settings) -> None:
        self._app = celery_app(settings)

    @property
    def app(self) -> Celery:
        """The Celery app it sends with (a worker registers its task on it)."""
        return self._app

    def submit(self, job_id: str, queue: str = PLANNING) -> None:
        """Send the task for ``job_id`` (its id only) to ``queue``."""
        self._app.send_task(TASK, args=[job_id], queue=queue, task_id=f"{job_id}.{_tag()}")

    def depths(self) -> dict[str, int]:
        """Tasks waiting in each of the broker's queues."""
        with self._app.connection_for_read() as connection:
            client = connection.default_channel.client
            return {name: client.llen(name) for name in QUEUES}

    def waiting(self) -> set[str]:
        """Ids of the jobs whose tasks wait in the broker's queues (Redis lists)."""
        with self._app.connection_for_read() as connection:
            client = connection.default_channel.client
            messages = [message for name in QUEUES for message in client.lrange(name, 0, -1)]
        return {json.loads(message)["headers"]["id"].split(".")[0] for message in messages}

    def close(self) -> None:
        """Close the broker connections."""
        self._app.close()


class EmbeddedQueue:
    """Jobs run by a pool of threads in this process (no broker), ``workers`` at a time."""

    def __init__(self, run: JobRunner, *, workers: int = 1) -> None:
        self._run = run
        self._owner = runner_name("embedded")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planning")
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def submit(self, job_id: str, queue: str = PLANNING) -> None:
        """Run ``job_id`` when a thread of the pool is free; an interactive one here and now.

        An interactive job (a reschedule) runs in the caller's thread, so no planning job
        in the pool delays it; the call returns once it ended.
        """
        if queue == INTERACTIVE:
            self._run(job_id, self._owner)
            return
        with self._lock:
            self._held.add(job_id)
        self._pool.submit(self._run_held, job_id)

    def waiting(self) -> set[str]:
        """Ids of the jobs submitted here and not yet finished."""
        with self._lock:
            return set(self._held)

    def close(self) -> None:
        """Finish the running jobs and drop the waiting ones (a later sweep sends them again)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run_held(self, job_id: str) -> None:
        try:
            self._run(job_id, self._owner)
        finally:
            with self._lock:
                self._held.discard(job_id)


class QueueReport(NamedTuple):
    """One queue: jobs waiting and running, the oldest waiting one, and tasks in the broker.

    ``tasks_in_broker`` is ``None`` without a broker, or when it does not answer.
    """

    queue: str
    waiting: int
    running: int
    oldest_waiting: datetime | None
    tasks_in_broker: int | None


def queue_report(sessions: sessionmaker[Session], broker: BrokerQueue | None) -> list[QueueReport]:
    """Each queue's jobs as the database counts them, and its tasks in ``broker`` if any."""
    with sessions() as session:
        states = {state.queue: state for state in queue_states(session)}
    depths: dict[str, int] = {}
    if broker is not None:
        try:
            depths = broker.depths()
        except OperationalError as error:
            log.warning("the broker does not answer: %s", describe_error(error))
    return [
        QueueReport(
            name,
            states[name].waiting if name in states else 0,
            states[name].running if name in states else 0,
            states[name].oldest_waiting if name in states else None,
            depths.get(name),
        )
        for name in QUEUES
    ]


def sweep_jobs(sessions: sessionmaker[Session], queue: JobQueue, *, settings: Settings) -> int:
    """Send again each job whose lease ran out, or that nobody took; returns how many.

    A job is sent again only when it was last sent ``settings.job_unpicked_seconds`` ago and
    is not waiting in ``queue``; of several sweepers, the one that records the sending first
    sends it.
    """
    now = utc_now()
    sent_before = now - timedelta(seconds=settings.job_unpicked_seconds)
    waiting = queue.waiting()
    with sessions() as session:
        due = jobs_to_send(session, now=now, sent_before=sent_before, waiting=waiting)
    sent = 0
    for job_id, name, last_sent in due:
        with transaction(sessions) as session:
            if not mark_sent(session, job_id=job_id, last_sent=last_sent, now=now):
                continue
        log.info("job %s sent again to %s (lease ran out, or nobody took it)", job_id, name)
        queue.submit(job_id, name)
        sent += 1
    return sent


class Sweeper:
    """Sweeps (``sweep_jobs``) from a background thread every ``settings.job_sweep_seconds``."""

    def __init__(
        self, sessions: sessionmaker[Session], queue: JobQueue, *, settings: Settings
    ) -> None:
        self._sessions = sessions
        self._queue = queue
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sweeper", daemon=True)

    def start(self) -> None:
        """Sweep now, then every interval."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sweeping (after the sweep under way)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while True:
            try:
                sweep_jobs(self._sessions, self._queue, settings=self._settings)
            except Exception as error:  # the broker or the database is down: try again later
                log.warning("job sweep failed: %s", describe_error(error))
            if self._stop.wait(self._settings.job_sweep_seconds):
                return


def _tag() -> str:
    """A short random suffix: each sending of a job is a task of its own id."""
    return uuid.uuid4().hex[:8]
