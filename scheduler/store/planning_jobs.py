"""Planning jobs in the store: a row per job, queued, running, succeeded, failed or cancelled.

Each function works in the caller's session; the caller's transaction decides when a change
is seen (a job's progress is written in its own short transaction). Who runs a job, and
until when, is its lease (``store/job_leases.py``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.job_leases import add_job_lease
from scheduler.store.models import JobStatus


def add_planning_job(
    session: Session,
    *,
    branch_id: str,
    start_date: date,
    days: int,
    time_limit: float,
    requested_by: str | None,
    kind: str = "plan",
    queue: str = "planning",
    now: datetime,
) -> models.PlanningJob:
    """Queue a job planning ``days`` days of ``branch_id`` from ``start_date`` (flushed).

    ``kind`` says what runs it (``plan``: a draft plan; ``nightly``: the branch's night,
    published); ``queue`` is where it is sent, its lease is made unclaimed at ``now``.
    """
    job = models.PlanningJob(
        id=uuid.uuid4().hex,
        branch_id=branch_id,
        start_date=start_date,
        days=days,
        time_limit=time_limit,
        status=JobStatus.QUEUED,
        phase="queued",
        progress=0.0,
        requested_by=requested_by,
        created_at=now,
    )
    session.add(job)
    session.flush()
    add_job_lease(session, job_id=job.id, kind=kind, queue=queue, now=now)
    return job


def advance_planning_job(session: Session, *, job_id: str, phase: str, progress: float) -> None:
    """Record the running job's ``phase`` and ``progress`` (0 to 1); a finished job stays."""
    session.execute(
        update(models.PlanningJob)
        .where(models.PlanningJob.id == job_id, models.PlanningJob.status == JobStatus.RUNNING)
        .values(phase=phase, progress=progress)
    )


def finish_planning_job(session: Session, *, job_id: str, plan_id: str, now: datetime) -> None:
    """Mark the job succeeded at ``now``, having written plan ``plan_id``."""
    _set(
        session,
        job_id,
        status=JobStatus.SUCCEEDED,
        phase="done",
        progress=1.0,
        plan_id=plan_id,
        finished_at=now,
    )


def fail_planning_job(session: Session, *, job_id: str, error: str, now: datetime) -> None:
    """Mark the job failed at ``now`` with ``error`` (a message for its requester)."""
    _set(session, job_id, status=JobStatus.FAILED, error=error, finished_at=now)


def _set(session: Session, job_id: str, **values: Any) -> None:
    """Write ``values`` onto the job's row."""
    session.execute(
        update(models.PlanningJob).where(models.PlanningJob.id == job_id).values(**values)
    )
