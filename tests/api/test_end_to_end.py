"""From an agency's records to each clinician's calendar, through the API only."""

from __future__ import annotations

from icalendar import Calendar

from scheduler.demo.week import generate_agency_week
from scheduler.domain import DAY
from scheduler.geo import travel_matrix
from scheduler.service.problem_records import problem_to_records
from scheduler.solver.validate import validate
from scheduler.store import models
from scheduler.store.plan_versions import stored_problem, stored_solution
from tests.api.support import BOTH_DATABASES, wait_for_job

pytestmark = BOTH_DATABASES


def test_import_plan_publish_and_read_every_itinerary(client, admin, branch):
    """A demo agency imported, planned, published: every itinerary as JSON and ICS, plan valid."""
    problem = generate_agency_week(clinicians=6, patients=40)
    records = problem_to_records(problem, branch_id=branch)
    imported = client.post("/v1/imports", json=records, headers=admin)
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == {"clinicians": 6, "patients": 40, "care-plans": 40}

    started = client.post(
        "/v1/planning-jobs",
        json={"branch_id": branch, "start_date": "2026-12-07", "days": 7, "time_limit_seconds": 8},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"], admin)
    assert job["status"] == "succeeded", job["error"]
    plan_id = job["plan_id"]

    with client.app.state.sessions() as session:
        row = session.get(models.Plan, plan_id)
        stored, solution = stored_problem(row), stored_solution(row)
    assert validate(stored, solution, travel_matrix(stored.locations())) == []
    assert len(stored.visits_to_plan) == len(problem.visits_to_plan)

    detail = client.get(f"/v1/plans/{plan_id}", headers=admin).json()
    assert detail["status"] == "draft"
    assert detail["kpis"]["visits_planned"] == sum(len(r.stops) for r in solution.routes)
    left_out = client.get(f"/v1/plans/{plan_id}/unassigned", headers=admin).json()
    assert left_out["total"] == len(solution.unassigned)
    assert all(item["message"] for item in left_out["items"])

    published = client.post(f"/v1/plans/{plan_id}/publish", headers=admin)
    assert published.status_code == 200 and published.json()["status"] == "published"

    events = 0
    for route in solution.routes:
        day = stored.horizon.date_of(route.day).isoformat()
        path = f"/v1/itineraries/{route.clinician_id}/{day}"
        itinerary = client.get(path, headers=admin).json()
        assert [stop["visit_id"] for stop in itinerary["stops"]] == [
            stop.visit_id for stop in route.stops
        ]
        calendar = Calendar.from_ical(client.get(f"{path}/ics", headers=admin).text)
        vevents = calendar.walk("VEVENT")
        assert len(vevents) == len(route.stops)
        for event, stop in zip(vevents, route.stops, strict=True):
            start = event.decoded("DTSTART")
            assert stored.horizon.second_of(start) == stop.start
            assert str(event["UID"]).startswith(stop.visit_id)
        events += len(vevents)
    assert events == detail["kpis"]["visits_planned"] > 0

    visits = client.get("/v1/visits", params={"status": "published", "limit": 500}, headers=admin)
    assert visits.json()["total"] == events
    first = solution.routes[0]
    assert first.stops[0].start < (first.day + 1) * DAY
