"""The nightly run: plan a day, keep the published plan stable, publish whole, record it."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from scheduler.demo.week import generate_agency_week
from scheduler.domain import DAY as DAY_SECONDS
from scheduler.domain import Assignment, Route, Stop, TimeWindow, Visit, compute_kpis
from scheduler.domain.plan import Plan
from scheduler.errors import NotFoundError
from scheduler.render.itinerary import route_itineraries
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.nightly import run_nightly
from scheduler.service.stability import (
    STABILITY_SECONDS,
    PublishedVisit,
    keep_published,
    stability_counts,
)
from scheduler.store import models
from scheduler.store.batch_runs import claim_batch_run
from scheduler.store.database import session_factory, transaction, upgrade_schema
from scheduler.store.models import utc_now
from scheduler.store.plan_versions import (
    publish_plan,
    save_plan,
    stored_problem,
    stored_solution,
)
from tests.batch_support import (
    DAY,
    Seeded,
    batch_settings,
    child_processes,
    nightly,
    published_state,
    run_row,
    wait_for,
)


@pytest.fixture
def seeded(database_url: str, tmp_path: Path, seed_demo) -> Seeded:
    """The demo branch with its week planned and published."""
    return seed_demo(database_url, tmp_path)


def test_run_publishes_the_day_records_the_run_and_is_never_redone(seeded: Seeded) -> None:
    """A run writes and publishes one plan, records start, end, KPIs; a second run skips."""
    before = published_state(seeded.sessions)
    outcome = nightly(seeded)
    assert outcome.status == "succeeded" and outcome.attempts == 1, outcome.detail
    after = published_state(seeded.sessions)
    assert after["plans"] == before["plans"] + 1
    assert after["days"][DAY] == outcome.plan_id
    assert {d: p for d, p in after["days"].items() if d != DAY} == {
        d: p for d, p in before["days"].items() if d != DAY
    }
    row = run_row(seeded.sessions, DAY)
    assert (row.status, row.plan_id, row.error, row.attempts) == (
        "succeeded",
        outcome.plan_id,
        None,
        1,
    )
    assert row.started_at <= row.finished_at
    assert row.kpis["visits_planned"] > 0 and row.kpis["solver_status"] in ("solved", "partial")
    assert row.kpis == outcome.kpis
    again = nightly(seeded)
    assert again.status == "skipped" and "already succeeded" in again.detail
    assert again.plan_id == outcome.plan_id
    assert published_state(seeded.sessions) == after


def test_published_visits_keep_their_clinicians(seeded: Seeded) -> None:
    """Every visit published for the day stays with its clinician in the new plan."""
    with seeded.sessions() as session:
        published = {
            care_plan: clinician
            for care_plan, clinician, start in session.execute(
                select(models.Visit.care_plan_id, models.Visit.clinician_id, models.Visit.start_at)
            )
            if start is not None and start.astimezone(ZoneInfo("America/New_York")).date() == DAY
        }
    assert published, "the demo week should publish visits on the Tuesday"
    outcome = nightly(seeded)
    with seeded.sessions() as session:
        plan = session.get(models.Plan, outcome.plan_id)
        problem = stored_problem(plan)
        solution = stored_solution(plan)
    new = {
        problem.visit_by_id[stop.visit_id].care_plan_id: route.clinician_id
        for route in solution.routes
        for stop in route.stops
    }
    assert {cp: new.get(cp) for cp in published} == published
    assert outcome.kpis["published_kept"] == outcome.kpis["published_visits"] == len(published)
    assert outcome.kpis["published_changed"] == outcome.kpis["published_dropped"] == 0


def test_a_killed_run_is_redone_once_its_lease_runs_out(seeded: Seeded) -> None:
    """A run left running by a dead process is skipped until its lease ends, then redone."""
    claim_batch_run(
        seeded.sessions,
        branch_id=DEMO_BRANCH,
        day=DAY,
        owner="dead@host:1",
        lease_seconds=60,
        now=utc_now(),
    )
    held = nightly(seeded)
    assert held.status == "skipped" and "running by dead@host:1" in held.detail
    redone = nightly(seeded, now=utc_now() + timedelta(seconds=61))
    assert (redone.status, redone.attempts) == ("succeeded", 2)
    assert published_state(seeded.sessions)["days"][DAY] == redone.plan_id


def test_schedule_change_during_the_run_makes_it_stale_and_it_plans_again(
    seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    """A publication mid-run fails that attempt as stale (kept as published); the retry plans."""
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(outcome=nightly(seeded, time_limit=3, stale_retries=1))
    )
    worker.start()
    wait_for(lambda: run_row(seeded.sessions, DAY), seconds=30, what="the run's claim")
    wait_for(lambda: child_processes(os.getpid()), seconds=30, what="the solve")
    with transaction(seeded.sessions) as session:  # a scheduler republishes the week meanwhile
        week = session.get(models.Plan, seeded.plan_id)
        again = save_plan(
            session,
            branch_id=DEMO_BRANCH,
            problem=stored_problem(week),
            plan=stored_solution(week),
            itineraries=route_itineraries(stored_problem(week), stored_solution(week)),
            solver_status="solved",
        )
        publish_plan(session, plan_id=again.id, now=utc_now())
    worker.join()
    outcome = result["outcome"]
    assert "schedule changed during the run" in caplog.text
    assert (outcome.status, outcome.attempts) == ("succeeded", 2), outcome.detail
    row = run_row(seeded.sessions, DAY)
    assert (row.status, row.error, row.plan_id) == ("succeeded", None, outcome.plan_id)
    days = published_state(seeded.sessions)["days"]
    assert days == {day: again.id for day in days} | {DAY: outcome.plan_id}


def test_bad_records_fail_the_run_with_a_message_and_no_names(seeded: Seeded) -> None:
    """A visit pinned outside its window fails the run with a message naming ids only."""
    zone = ZoneInfo("America/New_York")
    with transaction(seeded.sessions) as session:
        patient = session.scalars(select(models.Patient)).first()
        name = patient.name
        at = datetime.combine(DAY, datetime.min.time(), zone)
        session.add(
            models.Visit(
                agency_id=patient.agency_id,
                id="lab-draw-1",
                patient_id=patient.id,
                branch_id=DEMO_BRANCH,
                discipline="SN",
                visit_type="ROUTINE",
                minutes=30,
                windows=[
                    {
                        "start": (at + timedelta(hours=9)).isoformat(),
                        "end": (at + timedelta(hours=10)).isoformat(),
                    }
                ],
                first_day=DAY,
                pinned_start_at=at + timedelta(hours=15),
            )
        )
    before = published_state(seeded.sessions)
    outcome = nightly(seeded)
    assert outcome.status == "failed" and "lab-draw-1" in outcome.detail
    assert name not in outcome.detail
    assert run_row(seeded.sessions, DAY).error == outcome.detail
    assert published_state(seeded.sessions) == before
    with transaction(seeded.sessions) as session:
        session.execute(delete(models.Visit).where(models.Visit.id == "lab-draw-1"))
    assert nightly(seeded).status == "succeeded"


def test_unknown_branch_is_an_error_and_records_nothing(database_url, tmp_path, engine_for) -> None:
    """Naming a branch that does not exist raises and leaves no run behind."""
    engine = engine_for(database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    settings = batch_settings(database_url, tmp_path)
    with pytest.raises(NotFoundError, match="no branch 'nowhere'"):
        run_nightly(sessions, branch_id="nowhere", day=DAY, settings=settings, owner="t")
    assert run_row(sessions, DAY, "nowhere") is None


def test_keep_published_makes_the_published_plan_the_incumbent() -> None:
    """Care plan visits are matched by care plan and day, given visits by id; preferences stay.

    A clinician who left the agency, and a published visit with no visit left to match,
    are ignored.
    """
    problem = generate_agency_week(clinicians=3, patients=12)
    care_plan = problem.care_plans[0]
    other = next(c.id for c in problem.clinicians if c.id != care_plan.primary_clinician)
    given = Visit(
        id="v1",
        patient_id=care_plan.patient_id,
        discipline=care_plan.discipline,
        duration=1800,
        windows=(TimeWindow(9 * 3600, 10 * 3600),),
    )
    problem = replace(problem, visits=(given,))
    assert keep_published(problem, []) is problem
    day = next(
        w.start // DAY_SECONDS
        for v in problem.visits_to_plan
        if v.care_plan_id == care_plan.id
        for w in v.windows
    )
    stable = keep_published(
        problem,
        [
            PublishedVisit("old-id", care_plan.id, other, day),
            PublishedVisit("v1", None, other, 0),
            PublishedVisit("gone", problem.care_plans[1].id, "left-the-agency", 0),
            PublishedVisit("no-such-visit", None, other, 0),
        ],
    )
    kept = stable.incumbent.by_visit
    assert kept["v1"] == Assignment("v1", other, 0)
    (matched,) = [a for a in kept.values() if a.visit_id != "v1"]
    assert problem.visit_by_id[matched.visit_id].care_plan_id == care_plan.id
    assert (matched.clinician_id, matched.day) == (other, day)
    assert stable.incumbent.weight == STABILITY_SECONDS
    assert stable.care_plans == problem.care_plans and stable.visits == problem.visits


def test_stability_counts_kept_changed_and_dropped() -> None:
    """Published visits are counted kept, moved to another clinician, or left out."""
    problem = generate_agency_week(clinicians=3, patients=12)
    one, two, three = problem.care_plans[:3]
    kept, other = (clinician.id for clinician in problem.clinicians[:2])
    visits = {
        cp.id: next(v for v in problem.visits_to_plan if v.care_plan_id == cp.id)
        for cp in (one, two)
    }
    stops = tuple(Stop(visits[cp.id].id, cp.patient_id, 0, 0, 60, 0, 0) for cp in (one, two))
    routes = (Route(kept, 0, 0, 60, stops, 0, 0),)
    plan = Plan(routes, (), compute_kpis(problem, routes, ()))
    counts = stability_counts(
        problem,
        plan,
        [
            PublishedVisit("x1", one.id, kept, 0),
            PublishedVisit("x2", two.id, other, 0),
            PublishedVisit("x3", three.id, kept, 0),
        ],
    )
    assert counts == {
        "published_visits": 3,
        "published_kept": 1,
        "published_changed": 1,
        "published_dropped": 1,
    }
