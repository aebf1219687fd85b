"""Planning jobs: plan a branch over some days outside the request that asked for it.

A job is a row (queued, running, succeeded or failed, with its phase and progress); a small
thread pool runs jobs one after another, each solve in stoppable child processes with a hard
wall-clock limit. The plan is written whole in one transaction at the end.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import ProblemError, SchedulerError
from scheduler.service.branch_problem import load_branch_problem
from scheduler.service.planning import plan_problem
from scheduler.settings import Settings
from scheduler.solver import SolveParams
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import JobStatus, utc_now
from scheduler.store.plan_versions import save_plan

log = logging.getLogger("scheduler")

MAX_DAYS = 28


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
    job = models.PlanningJob(
        id=uuid.uuid4().hex,
        branch_id=branch_id,
        start_date=start_date,
        days=days,
        time_limit=settings.resolve_time_limit(time_limit),
        status=JobStatus.QUEUED,
        phase="queued",
        progress=0.0,
        requested_by=requested_by,
    )
    session.add(job)
    session.flush()
    return job


def run_planning_job(sessions: sessionmaker[Session], job_id: str, *, settings: Settings) -> None:
    """Run a queued job to its end: the job row says how it went (never raises)."""
    try:
        with transaction(sessions) as session:
            job = session.get(models.PlanningJob, job_id)
            if job is None or job.status != JobStatus.QUEUED:
                return
            branch_id, start_date, days, limit = (
                job.branch_id,
                job.start_date,
                job.days,
                job.time_limit,
            )
        _update(sessions, job_id, status=JobStatus.RUNNING, phase="loading", started_at=utc_now())
        with sessions() as session:
            problem = load_branch_problem(
                session,
                branch_id=branch_id,
                start_date=start_date,
                days=days,
                rules=settings.care_rules(),
            )
        _update(sessions, job_id, phase="solving", progress=0.1)
        params = SolveParams(time_limit=limit, workers=settings.solve_workers)
        outcome = plan_problem(problem, settings=settings, params=params)
        _update(sessions, job_id, phase="writing", progress=0.9)
        with transaction(sessions) as session:
            plan = save_plan(
                session,
                branch_id=branch_id,
                problem=problem,
                plan=outcome.result.plan,
                solver_status=outcome.result.status.value,
            )
            session.execute(
                update(models.PlanningJob)
                .where(models.PlanningJob.id == job_id)
                .values(
                    status=JobStatus.SUCCEEDED,
                    phase="done",
                    progress=1.0,
                    plan_id=plan.id,
                    finished_at=utc_now(),
                )
            )
        log.info("planning job %s wrote plan %s (%s)", job_id, plan.id, outcome.result.status)
    except SchedulerError as error:
        _fail(sessions, job_id, str(error))
    except Exception:
        log.exception("planning job %s crashed", job_id)
        _fail(sessions, job_id, "internal error while planning; the log has the details")


def fail_interrupted_jobs(sessions: sessionmaker[Session]) -> int:
    """Mark jobs a stopped process left queued or running as failed; returns how many."""
    with transaction(sessions) as session:
        result = session.execute(
            update(models.PlanningJob)
            .where(models.PlanningJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            .values(
                status=JobStatus.FAILED,
                error="interrupted: the service stopped before the job ended; start it again",
                finished_at=utc_now(),
            )
        )
        return result.rowcount or 0


class PlanningJobRunner:
    """Runs planning jobs in background threads of this process, ``workers`` at a time."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, workers: int = 1):
        self._sessions = sessions
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planning")

    def submit(self, job_id: str) -> Future[None]:
        """Start ``job_id`` when a worker is free."""
        return self._pool.submit(run_planning_job, self._sessions, job_id, settings=self._settings)

    def shutdown(self) -> None:
        """Wait for running jobs and stop."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _update(sessions: sessionmaker[Session], job_id: str, **values: Any) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(models.PlanningJob).where(models.PlanningJob.id == job_id).values(**values)
        )


def _fail(sessions: sessionmaker[Session], job_id: str, message: str) -> None:
    log.warning("planning job %s failed", job_id)
    _update(sessions, job_id, status=JobStatus.FAILED, error=message, finished_at=utc_now())
