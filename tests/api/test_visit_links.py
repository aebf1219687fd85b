"""Linked visits through the API: written on a visit, refused when wrong, planned, replanned."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from scheduler.geo import travel_matrix
from scheduler.solver.validate import validate
from scheduler.store import models
from scheduler.store.plan_versions import stored_problem, stored_solution
from tests.api.support import wait_for_job

DAY = "2026-12-07"  # a Monday in New York
HOURS = [{"weekday": 0, "start": "08:00", "end": "17:00"}]
NURSES = {"c-jane": "Jane Doe", "c-omar": "Omar Reyes", "c-kim": "Kim Park"}


def nurse(clinician_id: str, longitude: float) -> dict:
    """An RN of branch b1 working Mondays 08:00-17:00."""
    return {
        "id": clinician_id,
        "branch_id": "b1",
        "name": NURSES[clinician_id],
        "credential": "RN",
        "home_latitude": 39.96,
        "home_longitude": longitude,
        "weekly_hours": HOURS,
    }


def patient(patient_id: str, branch_id: str = "b1", longitude: float = -83.0) -> dict:
    """A patient near the nurses' homes."""
    return {
        "id": patient_id,
        "branch_id": branch_id,
        "name": f"Patient {patient_id}",
        "latitude": 39.97,
        "longitude": longitude,
    }


def visit(visit_id: str, patient_id: str, start: str, end: str, link=None, minutes=30) -> dict:
    """A skilled nursing visit on the Monday, starting between ``start`` and ``end``."""
    body = {
        "id": visit_id,
        "patient_id": patient_id,
        "discipline": "SN",
        "minutes": minutes,
        "windows": [{"start": f"{DAY}T{start}:00-05:00", "end": f"{DAY}T{end}:00-05:00"}],
    }
    return body | ({"link": link} if link else {})


LIFT = [
    visit("lift-1", "p-lift", "13:00", "15:00"),
    visit("lift-2", "p-lift", "13:00", "15:00", {"visit_id": "lift-1", "kind": "simultaneous"}),
]
NURSE_THEN_AIDE = [
    visit("nurse-1", "p-seq", "09:00", "09:00", minutes=45),
    visit(
        "aide-1",
        "p-seq",
        "10:00",
        "12:00",
        {
            "visit_id": "nurse-1",
            "kind": "sequential",
            "min_gap_minutes": 60,
            "max_gap_minutes": 120,
        },
    ),
]


@pytest.fixture
def people(client: TestClient, admin: dict[str, str], branch: str) -> None:
    """Three nurses and two patients (a bariatric transfer, a nurse-then-aide) in b1."""
    records = {
        "clinicians": [nurse("c-jane", -83.0), nurse("c-omar", -83.02), nurse("c-kim", -82.98)],
        "patients": [patient("p-lift"), patient("p-seq", longitude=-83.01)],
    }
    assert client.post("/v1/imports", json=records, headers=admin).status_code == 200


def test_a_link_is_written_on_one_visit_and_shown_on_both(client, admin, people):
    """The second visit carries the link; both read it; replacing unlinks; deleting drops it."""
    for body in LIFT:
        assert client.post("/v1/visits", json=body, headers=admin).status_code == 201, body
    second = client.get("/v1/visits/lift-2", headers=admin).json()["link"]
    first = client.get("/v1/visits/lift-1", headers=admin).json()["link"]
    assert second == {
        "visit_id": "lift-1",
        "role": "second",
        "kind": "simultaneous",
        "min_gap_minutes": 0,
        "max_gap_minutes": 0,
    }
    assert first["visit_id"] == "lift-2" and first["role"] == "first"
    listed = client.get("/v1/visits", params={"patient_id": "p-lift"}, headers=admin).json()
    assert [item["link"]["role"] for item in listed["items"]] == ["first", "second"]

    unlinked = {key: value for key, value in LIFT[1].items() if key not in ("id", "patient_id")}
    del unlinked["link"]
    assert client.put("/v1/visits/lift-2", json=unlinked, headers=admin).json()["link"] is None
    assert client.get("/v1/visits/lift-1", headers=admin).json()["link"] is None

    relinked = unlinked | {"link": LIFT[1]["link"]}
    assert client.put("/v1/visits/lift-2", json=relinked, headers=admin).status_code == 200
    assert client.delete("/v1/visits/lift-1", headers=admin).status_code == 204
    assert client.get("/v1/visits/lift-2", headers=admin).json()["link"] is None


def test_bad_links_are_a_clear_422_and_leave_nothing(client, admin, people):
    """Unknown, other patient or branch, itself, taken, closed, or bad gaps: 422, no visit."""
    client.post(
        "/v1/branches",
        json={"id": "b2", "agency_id": "a1", "name": "B2", "timezone": "America/New_York"},
        headers=admin,
    )
    client.post("/v1/patients", json=patient("p-far", "b2"), headers=admin)
    for body in [
        *LIFT,
        visit("far-1", "p-far", "09:00", "12:00"),
        visit("seq-0", "p-seq", "09:00", "12:00"),
        visit("done-1", "p-lift", "09:00", "12:00"),
    ]:
        assert client.post("/v1/visits", json=body, headers=admin).status_code == 201, body
    done = client.patch("/v1/visits/done-1/status", json={"status": "cancelled"}, headers=admin)
    assert done.status_code == 200
    simultaneous = {"kind": "simultaneous"}
    cases = [
        ({"visit_id": "ghost"} | simultaneous, "no visit 'ghost'"),
        ({"visit_id": "seq-0"} | simultaneous, "another patient"),
        ({"visit_id": "far-1"} | simultaneous, "no visit 'far-1' in branch 'b1'"),
        ({"visit_id": "new-1"} | simultaneous, "linked to itself"),
        ({"visit_id": "lift-1"} | simultaneous, "already linked with visit 'lift-2'"),
        ({"visit_id": "done-1"} | simultaneous, "is cancelled"),
        (
            {
                "visit_id": "lift-1",
                "kind": "sequential",
                "min_gap_minutes": 90,
                "max_gap_minutes": 60,
            },
            "min_gap_minutes must not be more than max_gap_minutes",
        ),
        ({"visit_id": "lift-1", "max_gap_minutes": 60} | simultaneous, "give no gaps"),
        ({"visit_id": "lift-1", "kind": "sequential"}, "needs max_gap_minutes"),
        ({"visit_id": "lift-1", "kind": "later"}, "kind"),
    ]
    for link, message in cases:
        body = visit("new-1", "p-lift", "09:00", "12:00", link)
        answer = client.post("/v1/visits", json=body, headers=admin)
        assert answer.status_code == 422 and message in answer.text, (link, answer.text)
        assert client.get("/v1/visits/new-1", headers=admin).status_code == 404
    own = {key: value for key, value in LIFT[0].items() if key not in ("id", "patient_id")}
    taken = client.put(
        "/v1/visits/lift-1",
        json=own | {"link": {"visit_id": "lift-2"} | simultaneous},
        headers=admin,
    )
    assert taken.status_code == 422 and "already linked" in taken.text


def test_imports_carry_links_to_visits_later_in_the_batch(client, admin, people):
    """A JSON import links to a visit listed after it; a CSV link cell holds JSON."""
    batch = {"visits": list(reversed(NURSE_THEN_AIDE))}
    assert client.post("/v1/imports", json=batch, headers=admin).status_code == 200
    link = client.get("/v1/visits/aide-1", headers=admin).json()["link"]
    assert (link["visit_id"], link["min_gap_minutes"], link["max_gap_minutes"]) == (
        "nurse-1",
        60,
        120,
    )
    csv = (
        "id,patient_id,discipline,minutes,windows,link\n"
        'lift-2,p-lift,SN,30,"[{""start"":""2026-12-07T13:00:00-05:00"",'
        '""end"":""2026-12-07T15:00:00-05:00""}]",'
        '"{""visit_id"":""lift-1"",""kind"":""simultaneous""}"\n'
        'lift-1,p-lift,SN,30,"[{""start"":""2026-12-07T13:00:00-05:00"",'
        '""end"":""2026-12-07T15:00:00-05:00""}]",\n'
    )
    answer = client.post(
        "/v1/imports/visits.csv", content=csv, headers=admin | {"Content-Type": "text/csv"}
    )
    assert answer.status_code == 200, answer.text
    assert client.get("/v1/visits/lift-1", headers=admin).json()["link"]["visit_id"] == "lift-2"


def plan_and_publish(client: TestClient, admin: dict[str, str]) -> str:
    """Plan the Monday (2 s), check it with the validator, publish it; returns the plan id."""
    started = client.post(
        "/v1/planning-jobs",
        json={"branch_id": "b1", "start_date": DAY, "days": 1, "time_limit_seconds": 2},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"], admin)
    assert job["status"] == "succeeded", job["error"]
    assert client.post(f"/v1/plans/{job['plan_id']}/publish", headers=admin).status_code == 200
    return job["plan_id"]


def stored(client: TestClient, plan_id: str) -> tuple:
    """The stored problem and plan, and where each visit is made: (clinician, start)."""
    with client.app.state.sessions() as session:
        row = session.get(models.Plan, plan_id)
        problem, plan = stored_problem(row), stored_solution(row)
    assert validate(problem, plan, travel_matrix(problem.locations())) == []
    made = {s.visit_id: (r.clinician_id, s.start) for r in plan.routes for s in r.stops}
    return problem, made


def test_a_linked_day_is_planned_published_and_shown_on_itineraries(client, admin, people):
    """The pair starts together with two nurses, the aide 1-2 h after; itineraries say so."""
    for body in [*LIFT, *NURSE_THEN_AIDE]:
        assert client.post("/v1/visits", json=body, headers=admin).status_code == 201, body
    problem, made = stored(client, plan_and_publish(client, admin))
    assert len(problem.links) == 2
    (jane, lift_start), (other, other_start) = made["lift-1"], made["lift-2"]
    assert lift_start == other_start and jane != other
    gap = made["aide-1"][1] - made["nurse-1"][1]
    assert 3600 <= gap <= 7200 and made["aide-1"][0] != made["nurse-1"][0]

    itinerary = client.get(f"/v1/itineraries/{jane}/{DAY}", headers=admin).json()
    stop = next(s for s in itinerary["stops"] if s["visit_id"] == "lift-1")
    assert stop["linked"]["visit_id"] == "lift-2" and stop["linked"]["relation"] == "joint"
    assert stop["linked"]["clinician_name"] == NURSES[other]
    calendar = Calendar.from_ical(
        client.get(f"/v1/itineraries/{jane}/{DAY}/ics", headers=admin).text
    )
    notes = " ".join(str(event["description"]) for event in calendar.walk("VEVENT"))
    assert f"With {NURSES[other]} (joint visit)." in notes
    aide_by = made["aide-1"][0]
    page = client.get(f"/v1/itineraries/{aide_by}/{DAY}/html", headers=admin).text
    assert f"After {NURSES[made['nurse-1'][0]]}&#x27;s RN visit at 09:00" in page


def test_a_call_out_moves_the_aide_visit_within_the_gap_to_a_third_nurse(client, admin, people):
    """The nurse visit is under way: the aide visit goes to neither nurse, still 1-2 h after."""
    for body in NURSE_THEN_AIDE:
        assert client.post("/v1/visits", json=body, headers=admin).status_code == 201, body
    _, made = stored(client, plan_and_publish(client, admin))
    first_by, second_by = made["nurse-1"][0], made["aide-1"][0]
    now = f"{DAY}T09:30:00-05:00"
    answer = client.post(
        "/v1/branches/b1/reschedules",
        json={
            "day": DAY,
            "now": now,
            "events": [{"type": "clinician_unavailable", "clinician_id": second_by, "from": now}],
        },
        headers=admin | {"Idempotency-Key": "call-out"},
    )
    assert answer.status_code == 200, answer.text
    problem, after = stored(client, answer.json()["plan_id"])
    assert after["nurse-1"] == made["nurse-1"]
    assert after["aide-1"][0] not in (first_by, second_by)
    assert 3600 <= after["aide-1"][1] - after["nurse-1"][1] <= 7200
    assert [link.visit_ids for link in problem.links] == [("nurse-1", "aide-1")]


def test_visits_added_by_a_reschedule_or_asked_for_options_carry_no_link(client, admin, people):
    """A link on a reschedule's added visit or an insertion request is a 422, not a 500."""
    client.post("/v1/visits", json=LIFT[0], headers=admin)
    plan_and_publish(client, admin)
    linked = LIFT[1]
    added = client.post(
        "/v1/branches/b1/reschedules",
        json={
            "day": DAY,
            "now": f"{DAY}T08:00:00-05:00",
            "events": [{"type": "visit_added", "visit": linked}],
        },
        headers=admin | {"Idempotency-Key": "added"},
    )
    assert added.status_code == 422 and "planned alone" in added.text
    options = client.post(
        "/v1/branches/b1/insertion-options", json={"visit": linked}, headers=admin
    )
    assert options.status_code == 422 and "without a link" in options.text
