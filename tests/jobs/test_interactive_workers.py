"""Reschedules, insertion options and left-out places answered by real workers, not the API."""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import scheduler.service.interactive_jobs as interactive_jobs
import scheduler.service.interactive_runs as interactive_runs
import scheduler.service.reschedule as reschedule_module
from scheduler.api.app import create_app
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.store import models
from tests.api.support import bearer
from tests.batch_support import WEEK, wait_for
from tests.jobs.conftest import Fleet

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SIX = f"{WEEK.isoformat()}T06:00:00-05:00"
RESCHEDULES = f"/v1/branches/{DEMO_BRANCH}/reschedules"
OPTIONS = f"/v1/branches/{DEMO_BRANCH}/insertion-options"
NEW_VISIT = {
    "visit": {
        "id": "new-visit",
        "patient_id": "p001",
        "discipline": "SN",
        "minutes": 30,
        "windows": [{"start": SIX, "end": f"{WEEK.isoformat()}T16:00:00-05:00"}],
    }
}


def call_out(fleet: Fleet, **extra) -> dict:
    """A reschedule of the demo Monday: its busiest clinician calls out at 6:00."""
    with fleet.sessions() as session:
        nurse = session.scalar(
            select(models.PlanStop.clinician_id)
            .where(models.PlanStop.day == WEEK)
            .order_by(models.PlanStop.clinician_id)
            .limit(1)
        )
    event = {"type": "clinician_unavailable", "clinician_id": nurse}
    return {"day": WEEK.isoformat(), "now": SIX, "events": [event], "time_limit_seconds": 1} | extra


def last_job(fleet: Fleet, kind: str) -> tuple[models.PlanningJob, models.JobLease]:
    """The newest job of ``kind``, with its lease."""
    with fleet.sessions() as session:
        job_id = session.scalar(
            select(models.JobLease.job_id)
            .join(models.PlanningJob, models.PlanningJob.id == models.JobLease.job_id)
            .where(models.JobLease.kind == kind)
            .order_by(models.PlanningJob.created_at.desc())
            .limit(1)
        )
    return fleet.job(job_id)


def a_published_visit(fleet: Fleet) -> tuple[str, str]:
    """A published version of the demo week and one visit of it (where else could it go?)."""
    with fleet.sessions() as session:
        return session.execute(
            select(models.PlanStop.plan_id, models.PlanStop.visit_id)
            .order_by(models.PlanStop.plan_id, models.PlanStop.visit_id)
            .limit(1)
        ).one()


def left_out_places(api: TestClient, fleet: Fleet, settings) -> list:
    """The board's places for a visit, asked as the board asks them, through ``api``'s queue."""
    plan_id, visit_id = a_published_visit(fleet)
    return interactive_jobs.ask_left_out_places(
        api.app.state.sessions,
        api.app.state.jobs,
        branch_id=DEMO_BRANCH,
        plan_id=plan_id,
        visit_id=visit_id,
        day=WEEK,
        settings=settings,
        requested_by=None,
    )


def without_seconds(answer: dict) -> dict:
    """A reschedule's answer less the time it took."""
    return {key: value for key, value in answer.items() if key != "seconds"}


def test_interactive_work_runs_on_its_own_queue_and_jobs_are_seen_and_cancelled(
    database_url, broker_url, fleet_for, monkeypatch
):
    """Workers answer reschedules and options as in-process, past a busy planner; cancel works."""
    fleet = fleet_for(database_url, broker_url)
    planner, answerer = fleet.processes.workers(2, queues=("planning", "interactive"))
    scheduler = bearer(fleet.access.scheduler)
    embedded = fleet.settings.model_copy(update={"broker_url": None})
    with TestClient(create_app(embedded)) as here:
        in_process = here.post(RESCHEDULES, json=call_out(fleet, dry_run=True), headers=scheduler)
        options_here = here.post(OPTIONS, json=NEW_VISIT, headers=scheduler)
        places_here = left_out_places(here, fleet, embedded)
    assert in_process.status_code == 200, in_process.text
    assert options_here.status_code == 200, options_here.text

    long_job = fleet.queue_job(time_limit=18.0)  # holds the planning worker past the checks
    wait_for(lambda: fleet.job(long_job)[0].phase == "solving", seconds=60, what="the long plan")
    queued_job = fleet.queue_job()  # waits behind it

    def no_solving_here(*args, **kwargs):
        raise AssertionError("the API process solved")

    monkeypatch.setattr(interactive_runs, "reschedule_day", no_solving_here)
    monkeypatch.setattr(interactive_runs, "find_insertion_options", no_solving_here)
    monkeypatch.setattr(interactive_runs, "left_out_places", no_solving_here)
    monkeypatch.setattr(reschedule_module, "solve", no_solving_here)
    settings = fleet.settings.model_copy(update={"interactive_wait_seconds": 20.0})
    admin = bearer(fleet.access.admin)
    with TestClient(create_app(settings)) as api:
        started = time.monotonic()
        dry = api.post(RESCHEDULES, json=call_out(fleet, dry_run=True), headers=scheduler)
        assert dry.status_code == 200, dry.text
        assert time.monotonic() - started < 6  # not behind the 18 s plan
        queues = {row["queue"]: row for row in api.get("/v1/job-queues", headers=admin).json()}
        assert (queues["planning"]["running"], queues["planning"]["waiting"]) == (1, 1)
        assert queues["planning"]["oldest_waiting_seconds"] > 0
        assert queues["interactive"]["waiting"] == 0
        assert api.get("/v1/job-queues", headers=scheduler).status_code == 403
        for job_id in (queued_job, long_job):  # the long one still running
            cancelled = api.post(f"/v1/planning-jobs/{job_id}/cancel", headers=admin)
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["status"] == "cancelled"
        assert api.post(f"/v1/planning-jobs/{long_job}/cancel", headers=admin).status_code == 409
        assert api.post("/v1/planning-jobs/nope/cancel", headers=admin).status_code == 404
        plans = fleet.plans()

        assert without_seconds(dry.json()) == without_seconds(in_process.json())
        job, lease = last_job(fleet, "reschedule")
        assert job.status == "succeeded"
        assert lease.owner == f"worker@{socket.gethostname()}:{answerer.pid}"
        options = api.post(OPTIONS, json=NEW_VISIT, headers=scheduler)
        assert options.status_code == 200, options.text
        assert options.json() == options_here.json()
        assert left_out_places(api, fleet, settings) == places_here
        assert last_job(fleet, "left_out")[1].owner == lease.owner  # the board's "who can take it"

        etag = api.get(f"/v1/branches/{DEMO_BRANCH}/schedule", headers=scheduler).headers["ETag"]
        changing = scheduler | {"Idempotency-Key": "call-out-1", "If-Match": etag}
        done = api.post(RESCHEDULES, json=call_out(fleet), headers=changing)
        assert done.status_code == 200, done.text
        assert done.json()["plan_id"] is not None
        again = api.post(RESCHEDULES, json=call_out(fleet), headers=changing)
        assert again.json() == done.json()  # the stored answer, not a second publication
        stale = api.post(
            RESCHEDULES, json=call_out(fleet), headers=changing | {"Idempotency-Key": "call-out-2"}
        )
        assert stale.status_code == 412, stale.text  # the worker's StaleError, as in-process

        assert fleet.processes.stop(answerer) == 0
        api.app.state.settings = settings.model_copy(update={"interactive_wait_seconds": 0.5})
        unanswered = api.post(RESCHEDULES, json=call_out(fleet, dry_run=True), headers=scheduler)
        assert unanswered.status_code == 503, unanswered.text
        assert unanswered.headers["Retry-After"] == "5"
        assert last_job(fleet, "reschedule")[0].status == "cancelled"

    output = fleet.processes.output
    wait_for(lambda: f"job {queued_job} not taken" in output(planner), seconds=60, what="a skip")
    assert f"job {long_job} stopped" in output(planner)  # its solve ended, its plan unwritten
    assert fleet.plans() == plans + 1  # the reschedule's version only
    assert fleet.job(long_job)[0].status == "cancelled"
