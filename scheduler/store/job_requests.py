"""Interactive jobs in the store: a job row and lease, plus what it asks and its answer.

A reschedule or insertion options request becomes a job of the ``interactive`` queue whose
input (events, a new visit: patient data) stays in the database, never in the broker's
task; its runner writes the answer beside it when the job ends, for the request waiting.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.models import JobStatus
from scheduler.store.planning_jobs import add_planning_job

INTERACTIVE = "interactive"


class JobAnswer(NamedTuple):
    """Where an interactive job stands: its status, its answer (once ended), its error."""

    status: str
    answer: dict[str, Any] | None
    error: str | None


def add_interactive_job(
    session: Session,
    *,
    kind: str,
    branch_id: str,
    day: date,
    time_limit: float,
    requested_by: str | None,
    request: dict[str, Any],
    now: datetime,
) -> str:
    """Queue a ``kind`` job of ``branch_id`` on the interactive queue with its ``request``.

    Returns the job's id (flushed: the caller commits it before sending it anywhere).
    """
    job = add_planning_job(
        session,
        branch_id=branch_id,
        start_date=day,
        days=1,
        time_limit=time_limit,
        requested_by=requested_by,
        kind=kind,
        queue=INTERACTIVE,
        now=now,
    )
    session.add(models.JobRequest(job_id=job.id, request=request))
    session.flush()
    return job.id


def job_request(session: Session, *, job_id: str) -> dict[str, Any]:
    """What the interactive job ``job_id`` asks."""
    return session.execute(
        select(models.JobRequest.request).where(models.JobRequest.job_id == job_id)
    ).scalar_one()


def end_interactive_job(
    session: Session,
    *,
    job_id: str,
    succeeded: bool,
    answer: dict[str, Any],
    error: str | None,
    now: datetime,
) -> bool:
    """End the running job with ``answer``; ``False`` (nothing written) if it is not running.

    The job's row is updated first, so a cancel at the same moment either waits for this
    transaction (and finds the job ended) or came first (and this writes nothing).
    """
    job = models.PlanningJob
    ended = session.execute(
        update(job)
        .where(job.id == job_id, job.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED,
            phase="done" if succeeded else "failed",
            progress=1.0,
            error=error,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        return False
    session.execute(
        update(models.JobRequest)
        .where(models.JobRequest.job_id == job_id)
        .values(answer=answer)
        .execution_options(synchronize_session=False)
    )
    return True


def job_answer(session: Session, *, job_id: str) -> JobAnswer:
    """The job's status, answer and error as they stand."""
    job, request = models.PlanningJob, models.JobRequest
    status, answer, error = session.execute(
        select(job.status, request.answer, job.error)
        .join(request, request.job_id == job.id)
        .where(job.id == job_id)
    ).one()
    return JobAnswer(status, answer, error)
