"""Who may do what: roles per endpoint, object-level checks on every id, audit rows."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler.demo.week import generate_agency_week
from scheduler.service.demo_service import DemoAccess, seed_demo_branch
from scheduler.store import models
from scheduler.store.models import Role, utc_now
from scheduler.store.users import create_user
from tests.api.support import bearer


@pytest.fixture
def demo(client: TestClient, plan_demo_once: None) -> DemoAccess:
    """A published demo week of 6 clinicians, plus another agency's branch and patient."""
    problem = generate_agency_week(clinicians=6, patients=30)
    access = seed_demo_branch(
        client.app.state.sessions, problem, settings=client.app.state.settings, time_limit=4
    )
    admin = bearer(access.admin)
    client.post("/v1/agencies", json={"id": "other", "name": "Other"}, headers=admin)
    client.post(
        "/v1/branches",
        json={"id": "other-b", "agency_id": "other", "name": "O", "timezone": "UTC"},
        headers=admin,
    )
    patient = {
        "id": "other-p",
        "branch_id": "other-b",
        "name": "Zed Q",
        "latitude": 1,
        "longitude": 1,
    }
    assert client.post("/v1/patients", json=patient, headers=admin).status_code == 201
    return access


def role_headers(demo: DemoAccess) -> dict[Role, dict[str, str]]:
    """One token per role (the clinician is the demo's first)."""
    first = sorted(demo.clinicians)[0]
    return {
        Role.ADMIN: bearer(demo.admin),
        Role.SCHEDULER: bearer(demo.scheduler),
        Role.AGENCY_SYSTEM: bearer(demo.agency_system),
        Role.CLINICIAN: bearer(demo.clinicians[first]),
    }


def test_no_clinician_reads_another_clinicians_itinerary_or_visits(client, demo):
    """Each clinician token against every other clinician's days and visits: zero leaks."""
    with client.app.state.sessions() as session:
        stops = session.scalars(
            select(models.PlanStop).where(models.PlanStop.plan_id == demo.plan_id)
        ).all()
    visits_of: dict[str, list[str]] = {}
    for stop in stops:
        visits_of.setdefault(stop.clinician_id, []).append(stop.visit_id)
    days = [(date(2026, 12, 7) + timedelta(days=k)).isoformat() for k in range(5)]
    tried = leaks = 0
    for me, token in demo.clinicians.items():
        headers = bearer(token)
        own = client.get("/v1/visits?limit=500", headers=headers).json()
        assert {item["id"] for item in own["items"]} == set(visits_of.get(me, []))
        for other in demo.clinicians:
            if other == me:
                continue
            for day in days:
                for suffix in ("", "/ics", "/html"):
                    response = client.get(f"/v1/itineraries/{other}/{day}{suffix}", headers=headers)
                    tried += 1
                    leaks += response.status_code != 404
            listed = client.get(f"/v1/visits?clinician_id={other}", headers=headers).json()
            tried += 1
            leaks += listed["total"] != 0
            for visit_id in visits_of.get(other, []):
                for method, path, body in (
                    ("GET", f"/v1/visits/{visit_id}", None),
                    ("PATCH", f"/v1/visits/{visit_id}/status", {"status": "completed"}),
                ):
                    response = client.request(method, path, json=body, headers=headers)
                    tried += 1
                    leaks += response.status_code != 404
    assert tried > 500
    assert leaks == 0


def test_own_itinerary_is_served_and_reading_is_audited(client, demo):
    """A clinician reads their own day; that read and a refused one are in the audit log."""
    me = next(clinician for clinician in sorted(demo.clinicians))
    other = sorted(demo.clinicians)[1]
    headers = bearer(demo.clinicians[me])
    assert client.get(f"/v1/itineraries/{me}/2026-12-07", headers=headers).status_code == 200
    assert client.get(f"/v1/itineraries/{other}/2026-12-07", headers=headers).status_code == 404
    client.app.state.audit.flush()
    with client.app.state.sessions() as session:
        entries = session.scalars(
            select(models.AuditEntry).where(models.AuditEntry.resource == "itineraries")
        ).all()
    assert [(e.resource_id, e.status_code, e.role) for e in entries[-2:]] == [
        (me, 200, "clinician"),
        (other, 404, "clinician"),
    ]


def test_branch_and_agency_reach_hides_other_agencies(client, demo):
    """A scheduler and an agency system see their agency only; others' ids answer 404."""
    headers = role_headers(demo)
    for role in (Role.SCHEDULER, Role.AGENCY_SYSTEM):
        assert client.get("/v1/patients/other-p", headers=headers[role]).status_code == 404
        listed = client.get("/v1/patients?limit=500", headers=headers[role]).json()
        assert "other-p" not in {item["id"] for item in listed["items"]}
        moved = {"id": "sneak", "branch_id": "other-b", "name": "X", "latitude": 1, "longitude": 1}
        assert client.post("/v1/patients", json=moved, headers=headers[role]).status_code == 404
    assert client.get("/v1/patients/other-p", headers=headers[Role.ADMIN]).status_code == 200


def test_a_clinician_token_cannot_cancel_and_an_agency_system_cannot_complete(client, demo):
    """Visit reports: clinicians complete or miss their own; agency systems only cancel."""
    me, mine = next(
        (me, items)
        for me in sorted(demo.clinicians)
        if (items := client.get("/v1/visits", headers=bearer(demo.clinicians[me])).json()["items"])
    )
    path = f"/v1/visits/{mine[0]['id']}/status"
    nurse, system = bearer(demo.clinicians[me]), bearer(demo.agency_system)
    assert client.patch(path, json={"status": "cancelled"}, headers=nurse).status_code == 403
    assert client.patch(path, json={"status": "completed"}, headers=system).status_code == 403
    early = client.patch(path, json={"status": "completed"}, headers=nurse)
    assert early.status_code == 409 and "once its start has come" in early.text
    with client.app.state.sessions.begin() as session:  # the visit's start has come
        session.scalars(select(models.Visit).filter_by(id=mine[0]["id"])).one().start_at = (
            utc_now() - timedelta(hours=1)
        )
    done = client.patch(path, json={"status": "completed"}, headers=nurse)
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_patient_names_and_addresses_never_reach_the_log(client, demo, caplog):
    """Reading and writing patient data logs ids only."""
    caplog.set_level(logging.DEBUG)
    headers = bearer(demo.admin)
    patients = client.get("/v1/patients?limit=500", headers=headers).json()["items"]
    for patient in patients[:5]:
        client.put(
            f"/v1/patients/{patient['id']}",
            json={key: patient[key] for key in patient if key not in ("id", "branch_id")},
            headers=headers,
        )
    client.post(
        "/v1/planning-jobs",
        json={
            "branch_id": "demo-columbus",
            "start_date": "2026-12-07",
            "days": 1,
            "time_limit_seconds": 1,
        },
        headers=headers,
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for patient in patients:
        assert patient["name"] not in logged
        assert not patient["address"] or patient["address"] not in logged


def test_token_is_stored_hashed(client):
    """Only the SHA-256 of a token is stored; the token itself is nowhere in the table."""
    with client.app.state.sessions.begin() as session:
        user, token = create_user(session, name="x", role=Role.ADMIN)
    with client.app.state.sessions() as session:
        stored = session.get(models.User, user.id)
    assert stored.token_hash != token and token not in stored.token_hash
    assert client.get("/v1/me", headers=bearer(token)).json()["id"] == user.id
    assert client.get("/v1/me", headers=bearer(token + "x")).status_code == 401


def test_a_browser_or_calendar_app_signs_in_with_the_token_as_basic_password(client, demo):
    """Basic auth with the token as password opens a clinician's printable day and calendar."""
    me = sorted(demo.clinicians)[0]
    prompt = client.get(f"/v1/itineraries/{me}/2026-12-07/html")
    assert prompt.status_code == 401 and "Basic" in prompt.headers["WWW-Authenticate"]
    page = client.get(f"/v1/itineraries/{me}/2026-12-07/html", auth=("nurse", demo.clinicians[me]))
    assert page.status_code == 200 and "<svg" in page.text
    wrong = client.get(f"/v1/itineraries/{me}/2026-12-07/ics", auth=("nurse", "hhs_wrong"))
    assert wrong.status_code == 401
