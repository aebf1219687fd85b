"""Weeks across a daylight-saving change, end to end: local wall-clock times in every output.

A small New York branch (imported as FHIR) is planned from the Thursday before the spring-forward
Sunday (2027-03-14) and the fall-back Sunday (2027-11-07), published, and read back as visits,
itinerary JSON, ICS and FHIR Appointments. Each output's start of each visit must be the plan's
local time, at the UTC instant the New York offset of that day gives (a table here, not tzdata).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from scheduler.domain import DAY, Plan, Problem
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.plan_versions import stored_problem, stored_solution
from tests.api.support import wait_for_job
from tests.fhir.demo_bundle import records_to_bundle

ZONE = ZoneInfo("America/New_York")
RUSH = (7 * 3600, 9 * 3600, 1.5)
# (first day planned, the Sunday of the change, New York's UTC offset in hours before, after)
WEEKS = {
    "spring-forward": (date(2027, 3, 11), date(2027, 3, 14), -5, -4),
    "fall-back": (date(2027, 11, 4), date(2027, 11, 7), -4, -5),
}
DAYS = 7
SHIFTS = (
    ("n1", "07:00:00", "15:00:00"),
    ("n2", "08:00:00", "16:00:00"),
)  # 8 hours every day of the week
HOMES = (("08:00", "12:00"), ("11:00", "15:00"))  # each patient's window, every day

pytestmark = pytest.mark.parametrize(
    "client", [{"rush_hours": "07:00-09:00 x1.5"}], indirect=True, ids=["rush"]
)


def _records(first: date) -> dict[str, list[dict[str, Any]]]:
    """Two nurses and seven patients near them, six with a daily nursing order for the week."""
    clinicians = [
        {
            "id": name,
            "name": f"Nurse {name}",
            "credential": "RN",
            "skills": [],
            "home_latitude": 39.96,
            "home_longitude": -83.0 + 0.01 * number,
            "weekly_hours": [{"weekday": d, "start": a, "end": b} for d in range(7)],
        }
        for number, (name, a, b) in enumerate(SHIFTS)
    ]
    patients = [
        {
            "id": f"p{number}",
            "name": f"Patient {number}",
            "latitude": 39.95 + 0.006 * number,
            "longitude": -83.02 + 0.005 * number,
        }
        for number in range(7)
    ]
    plans = [
        {
            "id": f"cp{number}",
            "patient_id": f"p{number}",
            "discipline": "SN",
            "frequency": "QD x7",
            "start_of_care": first.isoformat(),
            "visit_minutes": 45,
        }
        for number in range(6)
    ]
    return {"clinicians": clinicians, "patients": patients, "care_plans": plans}


def _plan_week(client, headers, week: str) -> tuple[Problem, Plan]:
    """Import the branch as FHIR, give the patients their home windows, plan and publish."""
    first = WEEKS[week][0]
    records = _records(first)
    imported = client.post(
        "/v1/fhir/import",
        params={"branch_id": "b1"},
        json=records_to_bundle(records),
        headers=headers,
    )
    assert imported.status_code == 200, imported.text
    for number, patient in enumerate(records["patients"]):
        start, end = HOMES[number % 2]
        home = [{"weekday": d, "start": start, "end": end} for d in range(7)]
        fields = {k: patient[k] for k in ("name", "latitude", "longitude")}
        answer = client.put(
            f"/v1/patients/{patient['id']}", json=fields | {"availability": home}, headers=headers
        )
        assert answer.status_code == 200, answer.text
    for day in (first + timedelta(days=1), first + timedelta(days=4)):  # Friday, Monday
        created = client.post("/v1/visits", json=_early_visit(week, day), headers=headers)
        assert created.status_code == 201, created.text
    started = client.post(
        "/v1/planning-jobs",
        json={
            "branch_id": "b1",
            "start_date": first.isoformat(),
            "days": DAYS,
            "time_limit_seconds": 2,
        },
        headers=headers,
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"], headers)
    assert job["status"] == "succeeded", job["error"]
    published = client.post(f"/v1/plans/{job['plan_id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    with client.app.state.sessions.begin() as session:
        row = session.get(models.Plan, job["plan_id"])
        return stored_problem(row), stored_solution(row)


def _early_visit(week: str, day: date) -> dict[str, Any]:
    """A lab draw for p6 (no care plan) at 08:00-08:15 local, given with that day's offset."""
    offset = _offset(week, datetime.combine(day, time(8)))
    zone = timezone(offset)
    start, end = (datetime.combine(day, time(8, minute), zone) for minute in (0, 15))
    return {
        "id": f"lab-{day}",
        "patient_id": "p6",
        "discipline": "SN",
        "minutes": 45,
        "windows": [{"start": start.isoformat(), "end": end.isoformat()}],
    }


def _offset(week: str, moment: datetime) -> timedelta:
    """New York's UTC offset at a local wall-clock time of the week, from the table above."""
    _, sunday, before, after = WEEKS[week]
    changed = moment.date() > sunday or (moment.date() == sunday and moment.hour >= 2)
    return timedelta(hours=after if changed else before)


def _expected(week: str, problem: Problem, second: int) -> tuple[datetime, datetime]:
    """The planned local wall-clock time of a horizon second, and its UTC instant."""
    day, clock = divmod(second, DAY)
    local = datetime.combine(problem.horizon.date_of(day), time()) + timedelta(seconds=clock)
    return local, (local - _offset(week, local)).replace(tzinfo=UTC)


def _mismatches(week: str, problem: Problem, planned: dict[str, int], seen: dict[str, datetime]):
    """Visits whose output start is not the planned local time at the right UTC instant.

    An output in local time must show the plan's wall-clock time; one in UTC (the visits, ICS)
    must be the instant, shown in New York as the plan's time.
    """
    assert seen.keys() == planned.keys()
    wrong = []
    for visit_id, moment in seen.items():
        local, instant = _expected(week, problem, planned[visit_id])
        shown = moment if moment.utcoffset() else moment.astimezone(ZONE)  # UTC: shown local
        if shown.replace(tzinfo=None) != local or moment.astimezone(UTC) != instant:
            wrong.append((visit_id, local, moment))
    return wrong


@pytest.mark.parametrize("week", WEEKS)
def test_a_week_across_a_change_keeps_local_times_in_every_output(client, admin, branch, week):
    """0 visits whose local start differs from the plan in visits, itinerary, ICS and FHIR."""
    sunday = WEEKS[week][1]
    problem, plan = _plan_week(client, admin, week)
    planned = {s.visit_id: s.start for r in plan.routes for s in r.stops}
    assert {r.day for r in plan.routes} == set(range(DAYS)) and len(planned) == 44
    assert any(problem.horizon.date_of(s // DAY) == sunday for s in planned.values())

    outputs = _outputs(client, admin, week, problem, plan)
    for name, seen in outputs.items():
        assert _mismatches(week, problem, planned, seen) == [], name
    for visit_id, second in planned.items():  # in the patient's local home window
        patient = problem.visit_by_id[visit_id].patient_id
        start, end = (time.fromisoformat(t) for t in HOMES[int(patient.removeprefix("p")) % 2])
        assert start <= _expected(week, problem, second)[0].time() <= end, visit_id
    for clinician in problem.clinicians:  # the shifts' instants, the change day's included
        for shift in clinician.shifts:
            begin, end = (
                problem.horizon.datetime_of(s) for s in (shift.window.start, shift.window.end)
            )
            assert begin.astimezone(UTC) == _expected(week, problem, shift.window.start)[1]
            assert end - begin == timedelta(hours=8)
    _check_first_legs(week, problem, plan)


def _outputs(
    client, headers, week: str, problem: Problem, plan: Plan
) -> dict[str, dict[str, datetime]]:
    """Each visit's start as the visits, itinerary JSON, ICS and FHIR outputs give it."""
    visits = client.get(
        "/v1/visits", params={"status": "published", "limit": 500}, headers=headers
    ).json()["items"]
    outputs: dict[str, dict[str, datetime]] = {
        "visits": {v["id"]: datetime.fromisoformat(v["start_at"]) for v in visits},
        "itinerary": {},
        "ics": {},
    }
    for route in plan.routes:
        url = f"/v1/itineraries/{route.clinician_id}/{problem.horizon.date_of(route.day)}"
        itinerary = client.get(url, headers=headers).json()
        for stop in itinerary["stops"]:
            outputs["itinerary"][stop["visit_id"]] = datetime.fromisoformat(stop["start"])
        leave = datetime.fromisoformat(itinerary["leave"])
        assert leave.astimezone(UTC) == _expected(week, problem, route.start)[1]
        calendar = Calendar.from_ical(client.get(f"{url}/ics", headers=headers).text)
        for event in calendar.walk("VEVENT"):
            outputs["ics"][str(event["uid"]).split("@")[0]] = event.decoded("dtstart")
    first = problem.horizon.start_date.isoformat()
    bundle = client.get(
        "/v1/fhir/appointments",
        params={"branch_id": "b1", "start": first, "days": DAYS},
        headers=headers,
    ).json()
    outputs["fhir"] = {}
    for appointment in (e["resource"] for e in bundle["entry"]):
        start, end = (datetime.fromisoformat(appointment[k]) for k in ("start", "end"))
        assert end - start == timedelta(minutes=45)
        outputs["fhir"][appointment["identifier"][0]["value"]] = start
    return outputs


def _check_first_legs(week: str, problem: Problem, plan: Plan) -> None:
    """Each day's first leg is 1.5 times slower when it leaves 07:00-09:00 local, else not."""
    base = travel_matrix(problem.locations(), provider="geodesic", settings=Settings())
    start_of = {c.id: c.start.id for c in problem.clinicians}
    home_of = {p.id: p.location.id for p in problem.patients}
    slow = set()
    for route in plan.routes:
        stop = route.stops[0]
        local, _ = _expected(week, problem, route.start)
        clock = local.hour * 3600 + local.minute * 60 + local.second
        factor = RUSH[2] if RUSH[0] <= clock < RUSH[1] else 1.0
        seconds = base.seconds_between(start_of[route.clinician_id], home_of[stop.patient_id])
        assert stop.travel_seconds == round(seconds * factor), (route.clinician_id, local)
        if factor > 1:
            slow.add(local.date() > WEEKS[week][1])
    assert slow == {False, True}, "first legs leave in the rush hour before and after the change"
