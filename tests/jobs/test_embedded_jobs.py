"""Jobs without a broker (the embedded demo, on SQLite): threads of this process run them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.job_queue import EmbeddedQueue, sweep_jobs
from scheduler.service.planning_jobs import create_planning_job, open_job_queue
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.job_leases import claim_job
from scheduler.store.models import utc_now
from tests.batch_support import WEEK, wait_for

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def queue_job(world, *, sent_ago: float) -> str:
    """Queue a planning job of the demo week, last sent ``sent_ago`` seconds ago; its id."""
    with transaction(world.sessions) as session:
        job = create_planning_job(
            session,
            branch_id=DEMO_BRANCH,
            start_date=WEEK,
            days=7,
            time_limit=1.0,
            requested_by=None,
            settings=world.settings,
        )
        session.get(models.JobLease, job.id).sent_at = utc_now() - timedelta(seconds=sent_ago)
    return job.id


def test_a_start_runs_again_the_job_of_a_dead_runner_and_leaves_a_held_one(
    database_url, tmp_path, seed_demo
):
    """A lapsed lease is taken over (attempt 2, a plan); a held one stays running, not failed."""
    world = seed_demo(database_url, tmp_path)
    dead, held, queued = (queue_job(world, sent_ago=60) for _ in range(3))
    with transaction(world.sessions) as session:
        claim_job(
            session,
            job_id=dead,
            owner="dead",
            lease_seconds=1,
            now=utc_now() - timedelta(seconds=5),
        )
        claim_job(session, job_id=held, owner="alive", lease_seconds=600, now=utc_now())
    queue = open_job_queue(world.sessions, world.settings)
    assert isinstance(queue, EmbeddedQueue)
    try:
        assert sweep_jobs(world.sessions, queue, settings=world.settings) == 2
        wait_for(lambda: not queue.waiting(), seconds=60, what="the jobs' end")
    finally:
        queue.close()
    with world.sessions() as session:
        rows = {
            job_id: (session.get(models.PlanningJob, job_id), session.get(models.JobLease, job_id))
            for job_id in (dead, held, queued)
        }
    assert [(job.status, lease.attempts) for job, lease in rows.values()] == [
        ("succeeded", 2),
        ("running", 1),
        ("succeeded", 1),
    ]
    assert rows[dead][1].owner.startswith("embedded@")
