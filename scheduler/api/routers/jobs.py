"""The job queues: their depth and oldest waiting job (admins), and cancelling a job.

Also how a request answered by a worker (a reschedule, insertion options) says that none
answered in time: 503 with ``Retry-After``, the job cancelled, nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, Field

from scheduler.api.access import AdminUser, StaffUser
from scheduler.api.deps import SessionDep
from scheduler.api.reach import fetch_in_reach
from scheduler.api.schemas.answers import ErrorMessage
from scheduler.api.schemas.plans import PlanningJobPublic
from scheduler.errors import WorkerTimeoutError
from scheduler.service.job_queue import BrokerQueue, queue_report
from scheduler.service.planning_jobs import cancel_planning_job
from scheduler.store import models
from scheduler.store.models import utc_now

router = APIRouter(prefix="/v1", tags=["jobs"])
JobId = Annotated[str, Path(max_length=64)]
RETRY_SECONDS = 5

WORKER_TIMEOUT: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorMessage,
        "description": "No worker answered within the request's time limit plus "
        "SCHEDULER_INTERACTIVE_WAIT_SECONDS (only with a broker set): the job was cancelled "
        "and nothing changed; retry",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}


@contextmanager
def worker_answers() -> Iterator[None]:
    """Turn a worker's missing answer (``WorkerTimeoutError``) into 503 with Retry-After."""
    try:
        yield
    except WorkerTimeoutError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            str(error),
            headers={"Retry-After": str(RETRY_SECONDS)},
        ) from error


class JobQueuePublic(BaseModel):
    """One queue: jobs waiting and running, the oldest waiting one, tasks in the broker."""

    queue: str = Field(description="``interactive`` (reschedules, insertion options, the "
                       "board's places for a left-out visit) or ``planning`` (planning jobs, "
                       "nightly runs).")  # fmt: skip
    waiting: int = Field(description="Jobs queued, not yet taken by a worker.")
    running: int = Field(description="Jobs a worker holds now.")
    oldest_waiting_at: datetime | None = Field(
        description="When the oldest waiting job was queued."
    )
    oldest_waiting_seconds: float | None = Field(description="How long it has waited.")
    tasks_in_broker: int | None = Field(
        description="Tasks in the broker's queue (null without a broker, or when it does not "
        "answer: the database's counts are the record)."
    )


@router.get(
    "/job-queues",
    response_model=list[JobQueuePublic],
    summary="Queue depth and the oldest waiting job",
)
def read_job_queues(request: Request, principal: AdminUser) -> list[dict[str, Any]]:
    """Jobs waiting and running per queue, as ``scheduler worker queue`` shows them."""
    jobs = request.app.state.jobs
    report = queue_report(
        request.app.state.sessions, jobs if isinstance(jobs, BrokerQueue) else None
    )
    now = utc_now()
    return [
        row._asdict()
        | {
            "oldest_waiting_at": row.oldest_waiting,
            "oldest_waiting_seconds": (
                None if row.oldest_waiting is None else (now - row.oldest_waiting).total_seconds()
            ),
        }
        for row in report
    ]


@router.post(
    "/planning-jobs/{job_id}/cancel",
    response_model=PlanningJobPublic,
    responses={
        404: {"model": ErrorMessage, "description": "No such job within the caller's reach"},
        409: {"model": ErrorMessage, "description": "The job already ended"},
    },
    summary="Cancel a job",
)
def cancel_queued_job(
    request: Request, session: SessionDep, principal: StaffUser, job_id: JobId
) -> Any:
    """Cancel a queued or running job, as ``scheduler worker cancel`` does.

    A queued job never runs; a running one is marked cancelled at once, stops at its next
    check and writes nothing. A request waiting on it (a reschedule) answers 409.
    """
    job = fetch_in_reach(session, principal, models.PlanningJob, job_id, label="planning job")
    cancel_planning_job(request.app.state.sessions, job_id)
    session.refresh(job)
    return job
