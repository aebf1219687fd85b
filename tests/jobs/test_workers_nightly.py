"""Nightly runs through real workers: the batch only queues a night; it is published once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler.jobs.batch import BatchContext, _run
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.job_queue import BrokerQueue
from scheduler.store import models
from tests.batch_support import DAY, published_state, run_row, wait_for

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_a_night_sent_twice_to_the_workers_is_published_once(database_url, broker_url, fleet_for):
    """The batch queues the night as a job; sent again, the second job finds it done: one plan."""
    fleet = fleet_for(database_url, broker_url)
    fleet.processes.workers()
    before = published_state(fleet.sessions)
    broker = BrokerQueue(fleet.settings)
    context = BatchContext(fleet.settings, fleet.sessions, "test", 3.0, 2.0, broker)
    try:
        for _ in range(2):
            _run(context, DEMO_BRANCH, DAY)
    finally:
        broker.close()
    with fleet.sessions() as session:
        jobs = list(session.scalars(select(models.JobLease.job_id)))
    assert len(jobs) == 2
    fleet.wait_done(jobs)
    run = wait_for(lambda: run_row(fleet.sessions, DAY), seconds=5, what="the night's run")
    assert (run.status, run.attempts) == ("succeeded", 1)
    assert {fleet.job(job_id)[0].plan_id for job_id in jobs} == {run.plan_id}
    after = published_state(fleet.sessions)
    assert after["plans"] == before["plans"] + 1
    assert after["days"][DAY] == run.plan_id
