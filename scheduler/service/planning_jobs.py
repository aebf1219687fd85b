"""Planning jobs: plan a branch over some days outside the request that asked for it.

A job is a row (queued, running, succeeded, failed or cancelled, with its phase and progress)
and a lease (``store/job_leases.py``). ``run_job`` is what a Celery worker's task, or a thread
of the embedded queue, runs: it claims the job, renews the lease while it works, and writes
the job's end only while it still holds it, so a job delivered twice, or taken over after its
runner died, has one effect. A ``plan`` job writes a draft plan whole in one transaction; a
``nightly`` job runs the branch's night (``run_nightly``, which publishes); an interactive job
(a reschedule, insertion options, a left-out visit's places) answers a request waiting on it
(``interactive_runs``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import ConflictError, NotFoundError, ProblemError, SchedulerError
from scheduler.service.interactive_jobs import KINDS as INTERACTIVE_KINDS
from scheduler.service.interactive_runs import run_interactive
from scheduler.service.job_queue import BrokerQueue, EmbeddedQueue, JobQueue
from scheduler.service.nightly import STALE_RETRIES, NightlyOutcome, run_nightly
from scheduler.service.planning import plan_problem
from scheduler.service.publishing import save_draft
from scheduler.settings import Settings
from scheduler.solver import SolveParams
from scheduler.store import models
from scheduler.store.batch_runs import ClaimLostError, LeaseKeeper, describe_error
from scheduler.store.branch_problem import load_branch_problem
from scheduler.store.database import transaction
from scheduler.store.job_leases import (
    JobClaim,
    cancel_job,
    claim_job,
    hold_job,
    let_lease_lapse,
)
from scheduler.store.models import utc_now
from scheduler.store.planning_jobs import (
    add_planning_job,
    advance_planning_job,
    fail_planning_job,
    finish_planning_job,
)

log = logging.getLogger("scheduler")

MAX_DAYS = 28
PLAN = "plan"
NIGHTLY = "nightly"


def create_planning_job(
    session: Session,
    *,
    branch_id: str,
    start_date: date,
    days: int,
    time_limit: float,
    requested_by: str | None,
    settings: Settings,
) -> models.PlanningJob:
    """Check the request and queue a job for it.

    Raises
    ------
    ProblemError
        For too many days or visits (``settings.max_visits_per_job``), or records that do not
        add up to a problem.
    NotFoundError
        For an unknown branch.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ProblemError(f"plan 1 to {MAX_DAYS} days at a time, not {days}")
    problem = load_branch_problem(
        session,
        branch_id=branch_id,
        start_date=start_date,
        days=days,
        rules=settings.care_rules(),
    )
    visits = len(problem.visits_to_plan)
    if visits > settings.max_visits_per_job:
        raise ProblemError(
            f"{visits} visits to plan is more than one job may hold "
            f"({settings.max_visits_per_job}); plan fewer days at a time"
        )
    return add_planning_job(
        session,
        branch_id=branch_id,
        start_date=start_date,
        days=days,
        time_limit=settings.resolve_time_limit(time_limit),
        requested_by=requested_by,
        now=utc_now(),
    )


def create_nightly_job(
    session: Session, *, branch_id: str, day: date, time_limit: float | None, settings: Settings
) -> models.PlanningJob:
    """Queue a job running the night of ``branch_id`` for ``day`` (its ``batch_days`` days).

    Raises
    ------
    NotFoundError
        For an unknown branch.
    """
    branch = session.get(models.Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"no branch {branch_id!r}; check the branch id")
    return add_planning_job(
        session,
        branch_id=branch_id,
        start_date=day,
        days=branch.batch_days,
        time_limit=settings.resolve_time_limit(time_limit),
        requested_by=None,
        kind=NIGHTLY,
        now=utc_now(),
    )


def run_job(
    sessions: sessionmaker[Session], job_id: str, *, settings: Settings, owner: str
) -> None:
    """Claim ``job_id`` for ``owner`` and run it to its end; the job's row says how it went.

    A job another runner holds, or that finished or was cancelled, is left alone. Never
    raises for the job's own errors: they fail the job.
    """
    lease_seconds = settings.job_lease_seconds
    with transaction(sessions) as session:
        claim = claim_job(
            session, job_id=job_id, owner=owner, lease_seconds=lease_seconds, now=utc_now()
        )
    if claim is None:
        log.info("job %s not taken: held by another runner, finished or cancelled", job_id)
        return
    log.info("job %s (%s), attempt %d, run by %s", job_id, claim.kind, claim.attempt, owner)
    try:
        with LeaseKeeper(sessions, claim, lease_seconds=lease_seconds, hold=hold_job):
            if claim.kind == NIGHTLY:
                _run_night(sessions, claim, settings=settings, owner=owner)
            elif claim.kind in INTERACTIVE_KINDS:
                run_interactive(sessions, claim, settings=settings)
            else:
                _run_plan(sessions, claim, settings=settings)
    except ClaimLostError as error:
        log.warning("job %s stopped: %s", job_id, error)
    except SchedulerError as error:
        _fail(sessions, claim, str(error))
    except Exception as error:
        log.exception("job %s crashed", job_id)
        _fail(sessions, claim, describe_error(error))


def _run_plan(sessions: sessionmaker[Session], claim: JobClaim, *, settings: Settings) -> None:
    """Plan the job's days and write the plan, as a draft, with the job's end."""
    with sessions() as session:
        problem = load_branch_problem(
            session,
            branch_id=claim.branch_id,
            start_date=claim.start_date,
            days=claim.days,
            rules=settings.care_rules(),
        )
    _advance(sessions, claim.job_id, phase="solving", progress=0.1)
    params = SolveParams(
        time_limit=claim.time_limit,
        workers=settings.solve_workers,
        metaheuristic=settings.solve_metaheuristic,
    )
    outcome = plan_problem(problem, settings=settings, params=params)
    _advance(sessions, claim.job_id, phase="writing", progress=0.9)
    with transaction(sessions) as session:
        _hold(session, claim, settings)
        plan = save_draft(
            session,
            branch_id=claim.branch_id,
            problem=problem,
            plan=outcome.result.plan,
            solver_status=outcome.result.status.value,
        )
        finish_planning_job(session, job_id=claim.job_id, plan_id=plan.id, now=utc_now())
    log.info("job %s wrote plan %s (%s)", claim.job_id, plan.id, outcome.result.status)


def _run_night(
    sessions: sessionmaker[Session], claim: JobClaim, *, settings: Settings, owner: str
) -> None:
    """Run the branch's night; a night someone else is running is left to lapse and retried."""
    _advance(sessions, claim.job_id, phase="solving", progress=0.1)
    outcome: NightlyOutcome = run_nightly(
        sessions,
        branch_id=claim.branch_id,
        day=claim.start_date,
        settings=settings,
        owner=owner,
        lease_seconds=settings.job_lease_seconds,
        time_limit=claim.time_limit,
        stale_retries=STALE_RETRIES,
    )
    if outcome.plan_id is None and outcome.status != "failed":
        log.info("job %s: %s; tried again later", claim.job_id, outcome.detail)
        with transaction(sessions) as session:
            let_lease_lapse(session, claim, now=utc_now())
        return
    with transaction(sessions) as session:
        _hold(session, claim, settings)
        if outcome.plan_id is None:
            fail_planning_job(
                session, job_id=claim.job_id, error=outcome.detail or "failed", now=utc_now()
            )
        else:
            finish_planning_job(
                session, job_id=claim.job_id, plan_id=outcome.plan_id, now=utc_now()
            )


def _hold(session: Session, claim: JobClaim, settings: Settings) -> None:
    """Check the claim still holds the job, in the transaction that writes its end."""
    hold_job(session, claim, lease_until=utc_now() + timedelta(seconds=settings.job_lease_seconds))


def _advance(sessions: sessionmaker[Session], job_id: str, *, phase: str, progress: float) -> None:
    """Record the job's phase and progress in a transaction of its own."""
    with transaction(sessions) as session:
        advance_planning_job(session, job_id=job_id, phase=phase, progress=progress)


def _fail(sessions: sessionmaker[Session], claim: JobClaim, message: str) -> None:
    """Mark the job failed with ``message`` if the claim still holds it."""
    log.warning("job %s failed", claim.job_id)
    try:
        with transaction(sessions) as session:
            hold_job(session, claim, lease_until=utc_now())
            fail_planning_job(session, job_id=claim.job_id, error=message, now=utc_now())
    except ClaimLostError as error:
        log.warning("job %s: %s", claim.job_id, error)


def open_job_queue(
    sessions: sessionmaker[Session], settings: Settings, *, workers: int = 1
) -> JobQueue:
    """Where jobs go: Celery workers when ``settings.broker_url`` is set, else threads.

    Without a broker, ``workers`` threads of this process run ``run_job`` (the embedded mode).
    """
    if settings.broker_url:
        return BrokerQueue(settings)

    def run(job_id: str, owner: str) -> None:
        run_job(sessions, job_id, settings=settings, owner=owner)

    return EmbeddedQueue(run, workers=workers)


def cancel_planning_job(sessions: sessionmaker[Session], job_id: str) -> None:
    """Cancel a queued or running job: it never runs, or its result is not written.

    Raises
    ------
    NotFoundError
        For an unknown job.
    ConflictError
        For a job that already ended.
    """
    with transaction(sessions) as session:
        job = session.get(models.PlanningJob, job_id)
        if job is None:
            raise NotFoundError(f"no planning job {job_id!r}")
        if not cancel_job(session, job_id=job_id, now=utc_now()):
            raise ConflictError(f"job {job_id} already ended ({job.status}); nothing to cancel")
