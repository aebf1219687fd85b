"""Interactive jobs without a broker: run at once in the caller's thread, never late."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.interactive_jobs import RESCHEDULE, ask_reschedule
from scheduler.service.job_queue import PLANNING, EmbeddedQueue
from scheduler.service.planning_jobs import create_planning_job, open_job_queue, run_job
from scheduler.service.reschedule_events import ClinicianUnavailable
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.job_requests import add_interactive_job, job_answer
from scheduler.store.models import utc_now
from tests.batch_support import WEEK, wait_for

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SIX = datetime.fromisoformat(f"{WEEK.isoformat()}T06:00:00-05:00")


def call_out(world, queue, *, dry_run: bool):
    """c01 calls out for the demo Monday, asked through ``queue`` with a 0.5 s limit."""
    return ask_reschedule(
        world.sessions,
        queue,
        branch_id=DEMO_BRANCH,
        day=WEEK,
        events=(ClinicianUnavailable("c01"),),
        now=SIX,
        settings=world.settings,
        time_limit=0.5,
        dry_run=dry_run,
        expected_revision=None,
        requested_by=None,
    )


def test_a_reschedule_runs_at_once_while_the_embedded_pool_plans(database_url, tmp_path, seed_demo):
    """The pool's one thread holds a 4 s plan; a dry-run reschedule is answered meanwhile."""
    world = seed_demo(database_url, tmp_path)
    queue = open_job_queue(world.sessions, world.settings)
    assert isinstance(queue, EmbeddedQueue)
    try:
        with transaction(world.sessions) as session:
            plan_id = create_planning_job(
                session,
                branch_id=DEMO_BRANCH,
                start_date=WEEK,
                days=7,
                time_limit=4.0,
                requested_by=None,
                settings=world.settings,
            ).id
        queue.submit(plan_id, PLANNING)

        def planning() -> bool:
            with world.sessions() as session:
                return session.get(models.PlanningJob, plan_id).phase == "solving"

        wait_for(planning, seconds=30, what="the plan's solve")
        started = time.monotonic()
        outcome = call_out(world, queue, dry_run=True)
        assert time.monotonic() - started < 3.5
        assert outcome.plan_id is None and outcome.day == WEEK
        assert planning()  # the plan still runs
    finally:
        queue.close()


def test_an_interactive_job_nobody_waits_for_any_more_never_runs(database_url, tmp_path, seed_demo):
    """A reschedule's job past its deadline (its API process died) fails unrun."""
    world = seed_demo(database_url, tmp_path)
    past = utc_now() - timedelta(seconds=1)
    with transaction(world.sessions) as session:
        job_id = add_interactive_job(
            session,
            kind=RESCHEDULE,
            branch_id=DEMO_BRANCH,
            day=WEEK,
            time_limit=1.0,
            requested_by=None,
            request={
                "day": WEEK.isoformat(),
                "events": [{"event": "VisitCancelled", "visit_id": "nope"}],
                "now": SIX.isoformat(),
                "time_limit": 1.0,
                "dry_run": False,
                "expected_revision": None,
                "deadline": past.isoformat(),
            },
            now=past,
        )
    run_job(world.sessions, job_id, settings=world.settings, owner="late")
    with world.sessions() as session:
        state = job_answer(session, job_id=job_id)
    assert (state.status, state.answer["error"]) == ("failed", "ConflictError")
    assert "stopped waiting" in state.error


class DownBroker:
    """A queue whose broker does not answer."""

    def submit(self, job_id: str, queue: str = PLANNING) -> None:
        """Fail as kombu does when Redis is down."""
        raise ConnectionError("broker down")


def test_a_reschedule_the_broker_did_not_take_is_cancelled_so_it_never_runs_later(
    database_url, tmp_path, seed_demo
):
    """The sending fails: the error goes up and the job is cancelled (a sweep never sends it)."""
    world = seed_demo(database_url, tmp_path)
    with pytest.raises(ConnectionError):
        call_out(world, DownBroker(), dry_run=False)
    with world.sessions() as session:
        assert [job.status for job in session.scalars(select(models.PlanningJob))] == ["cancelled"]
