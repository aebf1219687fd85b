"""The nightly batch process: one cron job per branch, its jobs kept in the database.

``scheduler batch`` runs an APScheduler 3 ``BlockingScheduler`` in its own process. Each branch
has one job, ``nightly:{branch_id}``, fired at the branch's ``batch_time`` in its time zone and
stored in the table ``apscheduler_jobs`` (replaced on every start, so restarts never add a
second one; a fire time missed while no process ran is kept and run within the misfire grace).
Each firing plans the branch's next night through ``run_nightly``, whose claim on the
``batch_runs`` row keeps two processes from planning the same branch and day twice. On start,
runs a killed process left behind are redone once their lease runs out, and a sweep does the
same every few minutes. With a broker configured (``settings.broker_url``) a firing only
queues the night as a job for the workers (``scheduler worker``), and this process sweeps for
jobs to send again as the workers do.
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import NotFoundError
from scheduler.service.job_queue import PLANNING, BrokerQueue, JobQueue, Sweeper, runner_name
from scheduler.service.nightly import STALE_RETRIES, NightlyOutcome, run_nightly
from scheduler.service.planning_jobs import create_nightly_job
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.batch_runs import DEFAULT_LEASE_SECONDS, running_runs
from scheduler.store.branches import branch_batch_times
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.job_table import ensure_job_table, stored_next_run_times
from scheduler.store.models import utc_now

log = logging.getLogger("scheduler")

JOBS_TABLE = "apscheduler_jobs"
JOB_PREFIX = "nightly:"
MISFIRE_GRACE_SECONDS = 6 * 3600
SWEEP_MINUTES = 10
STORED = "default"  # the database job store
LOCAL = "local"  # this process's one-off jobs (redos, the sweep): not stored


class BatchScheduler(BlockingScheduler):
    """A blocking scheduler that, once stopped, fires nothing more.

    APScheduler 3 looks for due jobs once more after ``shutdown``; a job due then would fail to
    reach the stopped executor yet have its next fire time moved on, losing that night.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


@dataclass(frozen=True)
class BatchContext:
    """What the job functions of this process run with (set by ``serve_batch``)."""

    settings: Settings
    sessions: sessionmaker[Session]
    owner: str
    lease_seconds: float
    time_limit: float | None
    queue: JobQueue | None = None  # the workers' queue (a broker is configured), else None


_context: BatchContext | None = None


def open_batch_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """An engine on ``settings.database_url`` with the schema brought up to date, and sessions."""
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    return engine, session_factory(engine)


def night_to_plan(batch_time: str, timezone: str, *, now: datetime) -> date:
    """The local date a nightly run started at ``now`` plans: the day after its batch time.

    A run that starts late (after midnight, within the misfire grace) still plans the day
    after the batch time it stands for, not the day after that.
    """
    local = now.astimezone(ZoneInfo(timezone))
    fired_on = local.date()
    if local.time() < time.fromisoformat(batch_time):
        fired_on -= timedelta(days=1)
    return fired_on + timedelta(days=1)


def run_branch_night(branch_id: str) -> None:
    """The stored job of a branch: plan its next night (referenced by name in the job store)."""
    context = _current_context()
    with context.sessions() as session:
        branch = session.get(models.Branch, branch_id)
        if branch is None:
            log.warning("nightly job of branch %s: the branch is gone", branch_id)
            return
        day = night_to_plan(branch.batch_time, branch.timezone, now=utc_now())
    _run(context, branch_id, day)


def redo_branch_day(branch_id: str, day: str) -> None:
    """Redo the run of ``branch_id`` for ``day`` (ISO date) that a killed process left."""
    _run(_current_context(), branch_id, date.fromisoformat(day))


def redo_killed_runs() -> None:
    """Redo every run still to come whose process died (running, lease run out)."""
    context = _current_context()
    for branch_id, day, lease_until in unfinished_runs(context.sessions, now=utc_now()):
        if lease_until < utc_now():
            _run(context, branch_id, day)


def unfinished_runs(
    sessions: sessionmaker[Session], *, now: datetime
) -> list[tuple[str, date, datetime]]:
    """Runs left running, for today or later in their branch: branch, day, lease end."""
    with sessions() as session:
        rows = running_runs(session)
    return [
        (row.branch_id, row.day, row.lease_until)
        for row in rows
        if row.day >= now.astimezone(ZoneInfo(row.timezone)).date()
    ]


def build_scheduler(
    settings: Settings, *, workers: int = 1
) -> tuple[BatchScheduler, SQLAlchemyJobStore]:
    """A blocking scheduler whose jobs live in the database, and that job store.

    ``workers`` runs may go at once (each solve also uses ``settings.solve_workers``
    processes).
    """
    store = SQLAlchemyJobStore(engine=make_engine(settings.database_url), tablename=JOBS_TABLE)
    scheduler = BatchScheduler(
        jobstores={STORED: store, LOCAL: MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone=UTC,
    )
    return scheduler, store


def register_branch_jobs(
    scheduler: BaseScheduler,
    store: SQLAlchemyJobStore,
    sessions: sessionmaker[Session],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Add or replace one nightly job per branch in ``store``; drop those of branches gone.

    A stored fire time already past (no process ran then) is kept, so the scheduler runs the
    missed night within the misfire grace instead of waiting for the next one. Returns the
    ids of the branches' jobs.
    """
    now = now or utc_now()
    stored = _stored_fire_times(store)
    with sessions() as session:
        branches = branch_batch_times(session)
    job_ids = []
    for branch_id, batch_time, timezone in branches:
        job_id = f"{JOB_PREFIX}{branch_id}"
        try:
            at = time.fromisoformat(batch_time)
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(timezone))
        except ValueError:
            log.error(
                "branch %s: batch time %r is not HH:MM; no nightly job", branch_id, batch_time
            )
            continue
        missed = stored.get(job_id)
        scheduler.add_job(
            run_branch_night,
            trigger,
            args=[branch_id],
            id=job_id,
            name=f"nightly run of {branch_id}",
            jobstore=STORED,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            **({"next_run_time": missed} if missed is not None and missed < now else {}),
        )
        job_ids.append(job_id)
    for job_id in stored.keys() - set(job_ids):
        if job_id.startswith(JOB_PREFIX):
            with suppress(JobLookupError):  # another batch process removed it first
                store.remove_job(job_id)
    return job_ids


def schedule_unfinished_runs(
    scheduler: BaseScheduler, sessions: sessionmaker[Session], *, now: datetime | None = None
) -> int:
    """Schedule a redo of each run a killed process left, once its lease runs out.

    A run whose owner is in fact alive renews its lease, and the redo then finds it held.
    Returns how many redos were scheduled.
    """
    now = now or utc_now()
    runs = unfinished_runs(sessions, now=now)
    for branch_id, day, lease_until in runs:
        scheduler.add_job(
            redo_branch_day,
            DateTrigger(run_date=max(now, lease_until) + timedelta(seconds=1)),
            args=[branch_id, day.isoformat()],
            id=f"redo:{branch_id}:{day.isoformat()}",
            jobstore=LOCAL,
            replace_existing=True,
        )
    return len(runs)


def serve_batch(
    settings: Settings,
    *,
    workers: int = 1,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    time_limit: float | None = None,
) -> None:
    """Run the nightly batch in this process until SIGTERM or SIGINT.

    On a signal, no new run starts and a run in progress finishes (a second signal stops at
    once; the run is then redone on the next start).
    """
    global _context
    settings.resolve_time_limit(time_limit)  # a bad limit stops the start, not every run
    engine, sessions = open_batch_database(settings)
    queue = BrokerQueue(settings) if settings.broker_url else None
    _context = BatchContext(
        settings, sessions, runner_name("batch"), lease_seconds, time_limit, queue
    )
    sweeper = Sweeper(sessions, queue, settings=settings) if queue else None
    scheduler, store = build_scheduler(settings, workers=workers)
    jobs = register_branch_jobs(scheduler, store, sessions)
    redos = schedule_unfinished_runs(scheduler, sessions)
    scheduler.add_job(
        redo_killed_runs, "interval", minutes=SWEEP_MINUTES, id="sweep", jobstore=LOCAL
    )

    stop_asked = threading.Event()
    stopping = threading.Lock()

    def shut_down() -> None:
        if stopping.acquire(blocking=False):  # once, and never from the signal handler itself
            threading.Thread(target=scheduler.shutdown, name="stop", daemon=True).start()

    def started(_event: SchedulerEvent) -> None:
        log.info(
            "batch scheduler started (%s): %d branch job(s), %d unfinished run(s) to redo",
            _context.owner if _context else "?",
            len(jobs),
            redos,
        )
        if stop_asked.is_set():  # the signal came while the scheduler was starting
            shut_down()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, signal.SIG_DFL)
        log.info("batch scheduler stopping (%s)", signal.Signals(signum).name)
        stop_asked.set()
        if scheduler.running:
            shut_down()

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    if sweeper:
        sweeper.start()
    try:
        scheduler.start()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if sweeper and queue:
            sweeper.stop()
            queue.close()
        _context = None
        engine.dispose()
    log.info("batch scheduler stopped")


def run_batch_now(
    settings: Settings,
    *,
    branch_id: str,
    day: date,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    time_limit: float | None = None,
) -> NightlyOutcome:
    """Run one branch's night in the foreground (an operator's ``run-now``).

    Raises
    ------
    NotFoundError
        For an unknown branch.
    """
    engine, sessions = open_batch_database(settings)
    try:
        return run_nightly(
            sessions,
            branch_id=branch_id,
            day=day,
            settings=settings,
            owner=runner_name("run-now"),
            lease_seconds=lease_seconds,
            time_limit=time_limit,
            stale_retries=STALE_RETRIES,
        )
    finally:
        engine.dispose()


def _run(context: BatchContext, branch_id: str, day: date) -> None:
    if context.queue is not None:
        _send(context, context.queue, branch_id, day)
        return
    try:
        outcome = run_nightly(
            context.sessions,
            branch_id=branch_id,
            day=day,
            settings=context.settings,
            owner=context.owner,
            lease_seconds=context.lease_seconds,
            time_limit=context.time_limit,
            stale_retries=STALE_RETRIES,
        )
    except NotFoundError as error:
        log.warning("nightly run of branch %s for %s: %s", branch_id, day, error)
        return
    log.info(
        "nightly run of branch %s for %s: %s%s",
        branch_id,
        day,
        outcome.status,
        f" ({outcome.detail})" if outcome.detail else f", plan {outcome.plan_id}",
    )


def _send(context: BatchContext, queue: JobQueue, branch_id: str, day: date) -> None:
    """Queue the night of ``branch_id`` for ``day`` as a job for the workers."""
    try:
        with transaction(context.sessions) as session:
            job = create_nightly_job(
                session,
                branch_id=branch_id,
                day=day,
                time_limit=context.time_limit,
                settings=context.settings,
            )
    except NotFoundError as error:
        log.warning("nightly run of branch %s for %s: %s", branch_id, day, error)
        return
    queue.submit(job.id, PLANNING)
    log.info(
        "nightly run of branch %s for %s: sent to the workers as job %s", branch_id, day, job.id
    )


def _current_context() -> BatchContext:
    if _context is None:
        raise RuntimeError("nightly jobs run inside `scheduler batch` (serve_batch sets them up)")
    return _context


def _stored_fire_times(store: SQLAlchemyJobStore) -> dict[str, datetime | None]:
    """The next fire time of each job in the store (the table is made if missing)."""
    ensure_job_table(store.engine, table=store.jobs_t)
    stored = stored_next_run_times(store.engine, table=store.jobs_t)
    return {job_id: utc_timestamp_to_datetime(at) for job_id, at in stored.items()}
