"""Job leases: a planning job is run by whoever claims its lease, and only while it holds it.

The database is the record of every job, not the broker. A runner claims a job (one attempt
more: the fencing token) when it is queued or its lease ran out, renews the lease while it works
(the heartbeat), and writes its end only while it still holds it. The sweeper hands a job to a
queue again when its lease ran out (its runner died) or nobody took it after it was sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.batch_runs import ClaimLostError
from scheduler.store.models import JobStatus

UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobClaim(NamedTuple):
    """A held job: what it does (``kind``), its attempt (the fencing token) and its request."""

    job_id: str
    kind: str
    attempt: int
    branch_id: str
    start_date: date
    days: int
    time_limit: float


class QueueState(NamedTuple):
    """Jobs waiting and running in one queue, and when the oldest waiting one was queued."""

    queue: str
    waiting: int
    running: int
    oldest_waiting: datetime | None


def add_job_lease(session: Session, *, job_id: str, kind: str, queue: str, now: datetime) -> None:
    """Give the new job ``job_id`` its (unclaimed) lease, sent to ``queue`` at ``now``."""
    session.add(models.JobLease(job_id=job_id, kind=kind, queue=queue, attempts=0, sent_at=now))
    session.flush()


def claim_job(
    session: Session, *, job_id: str, owner: str, lease_seconds: float, now: datetime
) -> JobClaim | None:
    """Claim ``job_id`` for ``owner`` until ``now + lease_seconds``; ``None`` if not claimable.

    A job is claimable while unfinished and not held (never claimed, or its lease ran out); a
    second delivery of a job that is running, finished or cancelled claims nothing.
    """
    lease, job = models.JobLease, models.PlanningJob
    claimed = session.execute(
        update(lease)
        .where(
            lease.job_id == job_id,
            or_(lease.lease_until.is_(None), lease.lease_until < now),
            lease.job_id.in_(select(job.id).where(job.id == job_id, job.status.in_(UNFINISHED))),
        )
        .values(
            owner=owner,
            attempts=lease.attempts + 1,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    started = session.execute(
        update(job)
        .where(job.id == job_id, job.status.in_(UNFINISHED))  # not if cancelled just now
        .values(status=JobStatus.RUNNING, phase="loading", progress=0.0, started_at=now, error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not started:
        return None
    row = session.execute(
        select(lease.kind, lease.attempts, job.branch_id, job.start_date, job.days, job.time_limit)
        .join(job, job.id == lease.job_id)
        .where(lease.job_id == job_id)
    ).one()
    return JobClaim(job_id, *row)


def hold_job(session: Session, claim: JobClaim, *, lease_until: datetime) -> None:
    """Extend the claim's lease in the caller's transaction (which then holds the row).

    Raises
    ------
    ClaimLostError
        When the job was cancelled or another attempt took it over.
    """
    lease, job = models.JobLease, models.PlanningJob
    held = session.execute(
        update(lease)
        .where(
            lease.job_id == claim.job_id,
            lease.attempts == claim.attempt,
            lease.job_id.in_(
                select(job.id).where(job.id == claim.job_id, job.status == JobStatus.RUNNING)
            ),
        )
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not held:
        raise ClaimLostError(
            f"job {claim.job_id} attempt {claim.attempt} lost its lease (cancelled, or taken "
            "over after the lease ran out)"
        )


def let_lease_lapse(session: Session, claim: JobClaim, *, now: datetime) -> None:
    """End the claim's lease at ``now`` unfinished: the sweeper sends the job again."""
    session.execute(
        update(models.JobLease)
        .where(models.JobLease.job_id == claim.job_id, models.JobLease.attempts == claim.attempt)
        .values(lease_until=now)
    )


def jobs_to_send(
    session: Session, *, now: datetime, sent_before: datetime, waiting: set[str]
) -> list[tuple[str, str, datetime]]:
    """Unfinished jobs to hand to a queue again: id, queue, and when they were last sent.

    Those not held (never claimed, or their lease ran out: their runner died), last sent
    before ``sent_before``, and not among the ids the queue holds waiting (``waiting``).
    """
    lease, job = models.JobLease, models.PlanningJob
    rows = session.execute(
        select(lease.job_id, lease.queue, lease.sent_at)
        .join(job, job.id == lease.job_id)
        .where(
            job.status.in_(UNFINISHED),
            or_(lease.lease_until.is_(None), lease.lease_until < now),
            lease.sent_at < sent_before,
        )
        .order_by(lease.sent_at)
    ).all()
    return [(job_id, queue, sent_at) for job_id, queue, sent_at in rows if job_id not in waiting]


def mark_sent(session: Session, *, job_id: str, last_sent: datetime, now: datetime) -> bool:
    """Record that ``job_id`` is sent again at ``now``, unless someone did since ``last_sent``."""
    lease = models.JobLease
    return bool(
        session.execute(
            update(lease)
            .where(lease.job_id == job_id, lease.sent_at == last_sent)
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def queue_states(session: Session) -> list[QueueState]:
    """Per queue with unfinished jobs: how many are queued and running, the oldest queued."""
    lease, job = models.JobLease, models.PlanningJob
    running = job.status == JobStatus.RUNNING
    rows = session.execute(
        select(
            lease.queue,
            func.count().filter(~running),
            func.count().filter(running),
            func.min(job.created_at).filter(~running),
        )
        .join(job, job.id == lease.job_id)
        .where(job.status.in_(UNFINISHED))
        .group_by(lease.queue)
        .order_by(lease.queue)
    ).all()
    return [QueueState(*row) for row in rows]


def cancel_job(session: Session, *, job_id: str, now: datetime) -> bool:
    """Cancel ``job_id`` if unfinished (a running attempt then cannot write); whether it was."""
    job = models.PlanningJob
    return bool(
        session.execute(
            update(job)
            .where(job.id == job_id, job.status.in_(UNFINISHED))
            .values(status=JobStatus.CANCELLED, phase="cancelled", finished_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


class JobCounts(NamedTuple):
    """Jobs by how they ended, jobs claimed more than once, and the plans they wrote."""

    succeeded: int
    failed: int
    unfinished: int
    retried: int
    plans: int
    planned_branches: int

    @property
    def ended(self) -> int:
        """Jobs that succeeded or failed."""
        return self.succeeded + self.failed


def job_counts(session: Session) -> JobCounts:
    """Count every job by its end, those claimed more than once, and the plan versions."""
    job, lease, plan = models.PlanningJob, models.JobLease, models.Plan
    by_status = dict(
        session.execute(select(job.status, func.count()).group_by(job.status)).tuples().all()
    )
    retried = session.scalar(select(func.count()).where(lease.attempts > 1)) or 0
    plans, branches = session.execute(
        select(func.count(), func.count(plan.branch_id.distinct()))
    ).one()
    return JobCounts(
        by_status.get(JobStatus.SUCCEEDED, 0),
        by_status.get(JobStatus.FAILED, 0),
        sum(by_status.get(status, 0) for status in UNFINISHED),
        retried,
        plans,
        branches,
    )
