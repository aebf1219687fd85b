"""Planning jobs in the store: claimed once under a lease, fenced, swept, counted, cancelled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.store import models
from scheduler.store.batch_runs import ClaimLostError
from scheduler.store.database import transaction
from scheduler.store.job_leases import (
    cancel_job,
    claim_job,
    hold_job,
    jobs_to_send,
    mark_sent,
    queue_states,
)
from scheduler.store.models import JobStatus, utc_now
from scheduler.store.planning_jobs import add_planning_job, advance_planning_job

MONDAY = date(2026, 12, 7)


def queue(session, **changes) -> str:
    """Queue a job planning branch ``b``'s week; its id."""
    fields = dict(
        branch_id="b",
        start_date=MONDAY,
        days=7,
        time_limit=5.0,
        requested_by=None,
        now=utc_now() - timedelta(minutes=5),
    )
    return add_planning_job(session, **(fields | changes)).id


@pytest.fixture
def branch(migrated):
    """Sessions on a database holding branch ``b``."""
    with transaction(migrated) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
    return migrated


def test_a_job_is_claimed_once_and_taken_over_only_when_its_lease_ran_out(branch):
    """One claim holds the job; after its lease a second owner takes it, fencing the first."""
    with transaction(branch) as session:
        job_id = queue(session)
    now = utc_now()
    with transaction(branch) as session:
        first = claim_job(session, job_id=job_id, owner="w1", lease_seconds=30, now=now)
        assert first is not None
        assert (first.kind, first.attempt, first.days) == ("plan", 1, 7)
        assert claim_job(session, job_id=job_id, owner="w2", lease_seconds=30, now=now) is None
        advance_planning_job(session, job_id=job_id, phase="solving", progress=0.1)
    later = now + timedelta(seconds=31)
    with transaction(branch) as session:
        second = claim_job(session, job_id=job_id, owner="w2", lease_seconds=30, now=later)
    assert second is not None and second.attempt == 2
    with transaction(branch) as session, pytest.raises(ClaimLostError):
        hold_job(session, first, lease_until=later)
    with transaction(branch) as session:
        hold_job(session, second, lease_until=later + timedelta(seconds=30))
    with branch() as session:
        job = session.get(models.PlanningJob, job_id)
        assert (job.status, job.phase, job.progress) == (JobStatus.RUNNING, "loading", 0.0)
        assert session.get(models.JobLease, job_id).owner == "w2"


def test_a_cancelled_job_is_never_claimed_and_its_runner_may_not_write(branch):
    """Cancelling stops a running attempt's writes and any later claim; a finished job stays."""
    with transaction(branch) as session:
        running, queued = queue(session), queue(session)
        claim = claim_job(session, job_id=running, owner="w", lease_seconds=30, now=utc_now())
    with transaction(branch) as session:
        assert cancel_job(session, job_id=running, now=utc_now())
        assert cancel_job(session, job_id=queued, now=utc_now())
        assert not cancel_job(session, job_id=queued, now=utc_now())
    with transaction(branch) as session, pytest.raises(ClaimLostError):
        hold_job(session, claim, lease_until=utc_now())
    later = utc_now() + timedelta(hours=1)
    with transaction(branch) as session:
        assert claim_job(session, job_id=queued, owner="w", lease_seconds=30, now=later) is None
        assert jobs_to_send(session, now=later, sent_before=later, waiting=set()) == []


def test_the_sweep_finds_jobs_nobody_holds_and_one_sweeper_sends_each(branch):
    """Unheld jobs sent long ago and not waiting are due; a job is marked sent by one sweeper."""
    with transaction(branch) as session:
        lost, waiting, held, fresh = (queue(session) for _ in range(4))
        session.get(models.JobLease, fresh).sent_at = utc_now()
    now = utc_now()
    with transaction(branch) as session:
        claim_job(session, job_id=held, owner="w", lease_seconds=30, now=now)
    sent_before = now - timedelta(seconds=10)
    with branch() as session:
        due = jobs_to_send(session, now=now, sent_before=sent_before, waiting={waiting})
        assert [job_id for job_id, _queue, _sent in due] == [lost]
        later = now + timedelta(seconds=31)  # the holder's lease ran out: it died
        due_later = jobs_to_send(session, now=later, sent_before=sent_before, waiting=set())
        assert {job_id for job_id, _queue, _sent in due_later} == {lost, waiting, held}
    _job_id, name, last_sent = due[0]
    assert name == "planning"
    with transaction(branch) as session:
        assert mark_sent(session, job_id=lost, last_sent=last_sent, now=now)
        assert not mark_sent(session, job_id=lost, last_sent=last_sent, now=now)


def test_queue_states_count_waiting_and_running_jobs_and_the_oldest_waiting(branch):
    """Per queue: jobs queued and running, and when the oldest queued one came."""
    oldest = utc_now() - timedelta(hours=2)
    with transaction(branch) as session:
        queue(session, now=oldest)
        queue(session)
        running = queue(session, queue="interactive")
        done = queue(session)
        claim_job(session, job_id=running, owner="w", lease_seconds=30, now=utc_now())
        cancel_job(session, job_id=done, now=utc_now())
    with branch() as session:
        states = queue_states(session)
    assert [(s.queue, s.waiting, s.running) for s in states] == [
        ("interactive", 0, 1),
        ("planning", 2, 0),
    ]
    assert states[1].oldest_waiting == oldest
    assert states[0].oldest_waiting is None
