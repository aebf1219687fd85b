"""Insertion options through the API: ranked, valid when applied, read only, guarded."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler.demo.agency import generate_agency
from scheduler.domain import HOUR, Discipline, Plan, TimeWindow, Visit, compute_kpis
from scheduler.geo import travel_matrix
from scheduler.service.demo_service import DEMO_BRANCH, DemoAccess, seed_demo_branch
from scheduler.solver.insertion import insertion_options
from scheduler.solver.validate import validate
from scheduler.store import models
from scheduler.store.plan_versions import stored_problem, stored_solution
from tests.api.support import bearer

PATH = f"/v1/branches/{DEMO_BRANCH}/insertion-options"
WORKDAY = [{"start": "2026-12-07T08:00:00-05:00", "end": "2026-12-07T16:00:00-05:00"}]


@pytest.fixture
def day(client: TestClient, plan_demo_once: None) -> DemoAccess:
    """A published demo day: 5 clinicians, 25 patients, New York time."""
    problem = generate_agency(clinicians=5, patients=25)
    return seed_demo_branch(
        client.app.state.sessions, problem, settings=client.app.state.settings, time_limit=3
    )


def body(patient_id: str, discipline: str = "SN", windows=WORKDAY, **extra) -> dict:
    """A request for a new 30-minute visit to ``patient_id``."""
    visit = {
        "id": "new-visit",
        "patient_id": patient_id,
        "discipline": discipline,
        "minutes": 30,
        "windows": windows,
    }
    return {"visit": visit, **extra}


def assert_valid_when_applied(client: TestClient, answer: dict, patient_id: str, discipline: str):
    """Adding the visit at the answer's clinician, position and start gives a valid plan."""
    with client.app.state.sessions() as session:
        row = session.get(models.Plan, session.scalar(select(models.PublishedDay.plan_id)))
        problem, plan = stored_problem(row), stored_solution(row)
    horizon = problem.horizon
    new = Visit(
        "new-visit", patient_id, Discipline(discipline), 1800, (TimeWindow(8 * HOUR, 16 * HOUR),)
    )
    travel = travel_matrix(problem.locations(), settings=client.app.state.settings)
    start = datetime.fromisoformat(answer["start"])
    option = next(
        o
        for o in insertion_options(problem, plan, new, travel, limit=50)
        if (o.clinician_id, o.position, horizon.datetime_of(o.start))
        == (answer["clinician_id"], answer["position"], start)
    )
    assert answer["day"] == horizon.date_of(option.day).isoformat()
    before = plan.route_of(option.clinician_id, option.day)
    old = [s.visit_id for s in before.stops] if before else []
    old.insert(option.position, new.id)
    assert [s.visit_id for s in option.route.stops] == old
    grown = replace(problem, visits=(*problem.visits, new))
    key = (option.clinician_id, option.day)
    routes = (*(r for r in plan.routes if (r.clinician_id, r.day) != key), option.route)
    applied = Plan(routes, plan.unassigned, compute_kpis(grown, routes, plan.unassigned))
    assert validate(grown, applied, travel) == []


def test_options_are_sorted_by_added_travel_and_each_is_valid_when_applied(client, day):
    """For several patients and disciplines: sorted by added driving, each valid, nothing saved."""
    headers = bearer(day.scheduler)
    seen = 0
    for patient_id, discipline in (("p001", "SN"), ("p006", "SN"), ("p003", "OT"), ("p012", "PT")):
        answer = client.post(PATH, json=body(patient_id, discipline, limit=10), headers=headers)
        assert answer.status_code == 200, answer.text
        options = answer.json()
        # Sorted by exact seconds of added driving: shown in whole minutes, never decreasing.
        minutes = [o["added_travel_minutes"] for o in options]
        assert minutes == sorted(minutes)
        for option in options:
            assert datetime.fromisoformat(option["start"]).utcoffset() is not None
            assert_valid_when_applied(client, option, patient_id, discipline)
        seen += len(options)
    assert seen >= 4
    with client.app.state.sessions() as session:
        assert session.scalars(select(models.Visit).filter_by(id="new-visit")).first() is None
        assert session.scalar(select(func.count()).select_from(models.Plan)) == 1


def test_a_patient_added_after_publishing_gets_options(client, day):
    """A patient who joined the branch after the plan was published is found and offered."""
    headers = bearer(day.scheduler)
    patient = {
        "id": "p-late",
        "branch_id": DEMO_BRANCH,
        "name": "Late Joiner",
        "latitude": 39.98,
        "longitude": -83.0,
    }
    assert client.post("/v1/patients", json=patient, headers=headers).status_code == 201
    answer = client.post(PATH, json=body("p-late", "OT", limit=3), headers=headers)
    assert answer.status_code == 200, answer.text
    assert 1 <= len(answer.json()) <= 3


def test_unknown_patient_is_not_found(client, day):
    """A visit for a patient the branch does not have answers 404."""
    answer = client.post(PATH, json=body("nobody"), headers=bearer(day.scheduler))
    assert answer.status_code == 404
    assert "nobody" in answer.json()["detail"]


def test_clinician_token_is_forbidden(client, day):
    """A clinician may not ask who can take a visit: 403."""
    nurse = bearer(day.clinicians[sorted(day.clinicians)[0]])
    assert client.post(PATH, json=body("p001"), headers=nurse).status_code == 403


def test_visit_with_no_window_on_a_published_day_is_a_clear_422(client, day):
    """Windows on a day without a published plan answer 422 naming the days to publish."""
    later = [{"start": "2026-12-09T08:00:00-05:00", "end": "2026-12-09T16:00:00-05:00"}]
    answer = client.post(PATH, json=body("p001", windows=later), headers=bearer(day.scheduler))
    assert answer.status_code == 422
    assert "no plan is published for 2026-12-09" in answer.json()["detail"]
    spread = [
        {"start": "2026-12-06T08:00:00-05:00", "end": "2026-12-06T16:00:00-05:00"},
        *later,
    ]
    answer = client.post(PATH, json=body("p001", windows=spread), headers=bearer(day.scheduler))
    assert answer.status_code == 422
    assert "published: 2026-12-07" in answer.json()["detail"]


def test_a_visit_already_in_the_published_plan_is_a_conflict(client, day):
    """Asking with the id of a visit the published plan holds answers 409."""
    taken = body("p001")
    taken["visit"]["id"] = "v0001"
    answer = client.post(PATH, json=taken, headers=bearer(day.scheduler))
    assert answer.status_code == 409
    assert "already in the published plan" in answer.json()["detail"]


def test_limit_and_unknown_fields_are_checked(client, day):
    """A limit outside 1..20, or an unknown field, is refused with 422."""
    headers = bearer(day.scheduler)
    assert client.post(PATH, json=body("p001", limit=21), headers=headers).status_code == 422
    assert client.post(PATH, json=body("p001", limit=0), headers=headers).status_code == 422
    assert client.post(PATH, json=body("p001", dry_run=True), headers=headers).status_code == 422
    answer = client.post(PATH, json=body("p001", limit=1), headers=headers)
    assert answer.status_code == 200 and len(answer.json()) <= 1
