"""Ids are scoped per agency: two agencies use the same ids, and never see each other's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import DAY, bearer, wait_for_job, window

AGENCIES = {"a1": "b1", "a2": "b2"}


def records(branch: str, longitude: float) -> dict[str, dict]:
    """A clinician, a patient, a care plan and a visit, each with id ``x1``, in ``branch``."""
    return {
        "clinicians": {
            "id": "x1",
            "branch_id": branch,
            "name": f"Nurse of {branch}",
            "credential": "RN",
            "home_latitude": 39.96,
            "home_longitude": longitude,
            "weekly_hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
        },
        "patients": {
            "id": "x1",
            "branch_id": branch,
            "name": f"Patient of {branch}",
            "latitude": 39.97,
            "longitude": longitude + 0.01,
        },
        "care-plans": {
            "id": "x1",
            "patient_id": "x1",
            "discipline": "SN",
            "frequency": "1W1",
            "start_of_care": "2026-12-14",
            "visit_minutes": 45,
        },
        "visits": {
            "id": "x1",
            "patient_id": "x1",
            "discipline": "SN",
            "minutes": 30,
            "windows": window("09:00", "12:00"),
        },
    }


@pytest.fixture
def staff(client: TestClient, admin: dict[str, str]) -> dict[str, dict[Role, dict[str, str]]]:
    """Agencies ``a1`` and ``a2``, a branch each, and per agency a scheduler and its system."""
    for agency, branch in AGENCIES.items():
        assert client.post(
            "/v1/agencies", json={"id": agency, "name": agency}, headers=admin
        ).is_success
        body = {"id": branch, "agency_id": agency, "name": branch, "timezone": "America/New_York"}
        assert client.post("/v1/branches", json=body, headers=admin).is_success
    tokens: dict[str, dict[Role, dict[str, str]]] = {}
    with client.app.state.sessions.begin() as session:
        for agency, branch in AGENCIES.items():
            scheduler = create_user(
                session, name="s", role=Role.SCHEDULER, agency_id=agency, branch_id=branch
            )[1]
            system = create_user(session, name="x", role=Role.AGENCY_SYSTEM, agency_id=agency)[1]
            tokens[agency] = {Role.SCHEDULER: bearer(scheduler), Role.AGENCY_SYSTEM: bearer(system)}
    return tokens


def create_all(client: TestClient, headers: dict[str, str], branch: str, longitude: float) -> None:
    """Post the four ``x1`` records, each answered 201."""
    for kind, body in records(branch, longitude).items():
        answer = client.post(f"/v1/{kind}", json=body, headers=headers)
        assert answer.status_code == 201, (kind, answer.text)


def test_two_agencies_create_read_replace_and_delete_their_own_x1(client, admin, staff):
    """Both agencies create x1 of every kind; each reads, replaces and deletes its own only."""
    create_all(client, staff["a1"][Role.SCHEDULER], "b1", -83.0)
    create_all(client, staff["a2"][Role.AGENCY_SYSTEM], "b2", -82.9)
    for agency, branch in AGENCIES.items():
        for role in (Role.SCHEDULER, Role.AGENCY_SYSTEM):
            headers = staff[agency][role]
            for kind in ("clinicians", "patients", "care-plans", "visits"):
                answer = client.get(f"/v1/{kind}/x1", headers=headers)
                assert answer.status_code == 200 and answer.json()["branch_id"] == branch
                listed = client.get(f"/v1/{kind}", headers=headers).json()
                assert [item["branch_id"] for item in listed["items"]] == [branch]
    a1, a2 = staff["a1"][Role.SCHEDULER], staff["a2"][Role.SCHEDULER]
    renamed = records("b1", -83.0)["patients"] | {"name": "Renamed"}
    del renamed["id"], renamed["branch_id"]
    assert client.put("/v1/patients/x1", json=renamed, headers=a1).status_code == 200
    assert client.get("/v1/patients/x1", headers=a2).json()["name"] == "Patient of b2"
    cancelled = client.patch("/v1/visits/x1/status", json={"status": "cancelled"}, headers=a2)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get("/v1/visits/x1", headers=a1).json()["status"] == "planned"
    for kind in ("care-plans", "visits", "patients", "clinicians"):
        assert client.delete(f"/v1/{kind}/x1", headers=a1).status_code == 204, kind
    for kind in ("clinicians", "patients", "care-plans"):
        assert client.get(f"/v1/{kind}/x1", headers=a2).status_code == 200
        assert client.get(f"/v1/{kind}/x1", headers=a1).status_code == 404


def test_an_admin_names_the_agency_when_several_hold_an_id(client, admin, staff):
    """By id alone: one agency's record is found, an id two agencies hold answers 409."""
    create_all(client, staff["a1"][Role.SCHEDULER], "b1", -83.0)
    only = records("b1", -83.0)["patients"] | {"id": "only-a1"}
    assert client.post("/v1/patients", json=only, headers=admin).status_code == 201
    assert client.get("/v1/patients/x1", headers=admin).json()["branch_id"] == "b1"
    create_all(client, staff["a2"][Role.SCHEDULER], "b2", -82.9)
    ambiguous = client.get("/v1/visits/x1", headers=admin)
    assert ambiguous.status_code == 409 and "agency_id" in ambiguous.json()["detail"]
    named = client.get("/v1/visits/x1", params={"agency_id": "a2"}, headers=admin)
    assert named.status_code == 200 and named.json()["branch_id"] == "b2"
    visit = records("b2", -82.9)["visits"] | {"id": "x2"}
    assert client.post("/v1/visits", json=visit, headers=admin).status_code == 409
    posted = client.post("/v1/visits", json=visit, params={"agency_id": "a2"}, headers=admin)
    assert posted.status_code == 201 and posted.json()["branch_id"] == "b2"
    nurse = {"name": "Nurse", "role": "clinician", "clinician_id": "x1"}
    assert client.post("/v1/users", json=nurse, headers=admin).status_code == 409
    user = client.post("/v1/users", json=nurse | {"agency_id": "a2"}, headers=admin)
    assert user.status_code == 201 and user.json()["branch_id"] == "b2"
    mine = client.get("/v1/visits/x1", headers=bearer(user.json()["token"]))
    assert mine.status_code == 404  # a2's x1 is not published to them; a1's is not theirs
    # Another role naming another agency is answered as for an unknown one.
    other = client.get(
        "/v1/patients/x1", params={"agency_id": "a1"}, headers=staff["a2"][Role.SCHEDULER]
    )
    assert other.status_code == 404


def test_no_answer_tells_another_agencys_record_from_a_missing_one(client, staff):
    """Another agency's ids answer exactly as ids nobody has: reads, writes and imports."""
    create_all(client, staff["a1"][Role.SCHEDULER], "b1", -83.0)
    outsider = staff["a2"][Role.SCHEDULER]
    assert client.post(
        "/v1/patients", json=records("b2", -82.9)["patients"] | {"id": "p-b2"}, headers=outsider
    ).is_success

    def answers(record_id: str) -> list[tuple[int, str]]:
        """What ``outsider`` hears about ``record_id``, with the id blanked out."""
        calls = [
            ("GET", f"/v1/{kind}/{record_id}", None)
            for kind in ("clinicians", "patients", "care-plans", "visits")
        ]
        calls += [
            ("PATCH", f"/v1/visits/{record_id}/status", {"status": "cancelled"}),
            ("DELETE", f"/v1/visits/{record_id}", None),
            ("GET", f"/v1/itineraries/{record_id}/{DAY}", None),
            ("POST", "/v1/care-plans", records("b2", 0)["care-plans"] | {"patient_id": record_id}),
            (
                "POST",
                "/v1/imports",
                {"visits": [records("b2", 0)["visits"] | {"patient_id": record_id}]},
            ),
            # Last, as it writes: the id is free in this agency whoever else uses it.
            ("POST", "/v1/patients", records("b2", 0)["patients"] | {"id": record_id}),
        ]
        heard = []
        for method, path, body in calls:
            answer = client.request(method, path, json=body, headers=outsider)
            heard.append((answer.status_code, answer.text.replace(record_id, "ID")))
        return heard

    heard = answers("x1")
    assert heard == answers("never-was")
    assert [status for status, _ in heard] == [404] * (len(heard) - 1) + [201]


def test_imports_plans_and_publications_stay_in_their_agency(client, staff):
    """The same ids imported in both agencies; each plans and publishes its own visits."""
    for (agency, branch), longitude in zip(AGENCIES.items(), (-83.0, -82.9), strict=True):
        batch = {
            kind.replace("-", "_"): [body] for kind, body in records(branch, longitude).items()
        }
        system = staff[agency][Role.AGENCY_SYSTEM]
        imported = client.post("/v1/imports", json=batch, headers=system)
        assert imported.status_code == 200, imported.text
        assert imported.json()["created"] == {
            "clinicians": 1,
            "patients": 1,
            "care-plans": 1,
            "visits": 1,
        }
        again = client.post("/v1/imports", json=batch, headers=system)
        assert again.json()["replaced"]["visits"] == 1
    for agency, branch in AGENCIES.items():
        scheduler = staff[agency][Role.SCHEDULER]
        started = client.post(
            "/v1/planning-jobs",
            json={"branch_id": branch, "start_date": DAY, "days": 1, "time_limit_seconds": 2},
            headers=scheduler,
        )
        assert started.status_code == 202, started.text
        job = wait_for_job(client, started.json()["id"], scheduler)
        assert job["status"] == "succeeded", job["error"]
        published = client.post(f"/v1/plans/{job['plan_id']}/publish", headers=scheduler)
        assert published.status_code == 200, published.text
        visit = client.get("/v1/visits/x1", headers=scheduler).json()
        assert (visit["status"], visit["clinician_id"], visit["branch_id"]) == (
            "published",
            "x1",
            branch,
        )
        day = client.get(f"/v1/itineraries/x1/{DAY}", headers=scheduler)
        assert day.status_code == 200 and f"Patient of {branch}" in day.text
    # A later change in one agency outdates only that agency's plans.
    a1 = staff["a1"][Role.SCHEDULER]
    assert client.patch("/v1/visits/x1/status", json={"status": "cancelled"}, headers=a1).is_success
    a2 = staff["a2"][Role.SCHEDULER]
    assert client.get("/v1/visits/x1", headers=a2).json()["status"] == "published"
    started = client.post(
        "/v1/planning-jobs",
        json={"branch_id": "b2", "start_date": DAY, "days": 1, "time_limit_seconds": 2},
        headers=a2,
    )
    job = wait_for_job(client, started.json()["id"], a2)
    assert job["plan_id"] is not None, job["error"]
    assert client.post(f"/v1/plans/{job['plan_id']}/publish", headers=a2).status_code == 200
