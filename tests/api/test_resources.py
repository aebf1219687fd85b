"""Records through the API: validation, conflicts, paging, CSV import, limits, plan versions."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from scheduler.api.app import create_app
from scheduler.demo.week import generate_agency_week
from scheduler.service.problem_records import problem_to_records
from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import NURSE, make_settings, wait_for_job

PATIENT = {
    "id": "p1",
    "branch_id": "b1",
    "name": "Bob Patient",
    "latitude": 39.97,
    "longitude": -83.01,
}


def test_create_read_replace_delete_a_clinician(client, admin, branch):
    """A clinician goes in, comes back as stored, is replaced whole, and is deleted."""
    assert client.post("/v1/clinicians", json=NURSE, headers=admin).status_code == 201
    assert (
        client.get("/v1/clinicians/c1", headers=admin).json()["weekly_hours"][0]["lunch_minutes"]
        == 30
    )
    changed = {key: value for key, value in NURSE.items() if key not in ("id", "branch_id")}
    changed["skills"] = ["wound-care"]
    replaced = client.put("/v1/clinicians/c1", json=changed, headers=admin)
    assert replaced.status_code == 200 and replaced.json()["skills"] == ["wound-care"]
    assert client.delete("/v1/clinicians/c1", headers=admin).status_code == 204
    assert client.get("/v1/clinicians/c1", headers=admin).status_code == 404


def test_bad_writes_get_a_clear_4xx(client, admin, branch):
    """Unknown fields, bad values, duplicates and dangling references are refused with a message."""
    cases = [
        ("/v1/clinicians", NURSE | {"salary": 1}, 422, "salary"),
        ("/v1/clinicians", NURSE | {"credential": "MD"}, 422, "credential"),
        (
            "/v1/clinicians",
            NURSE | {"weekly_hours": [{"weekday": 0, "start": "18:00", "end": "08:00"}]},
            422,
            "end after",
        ),
        ("/v1/patients", PATIENT | {"latitude": 123}, 422, "latitude"),
        ("/v1/patients", PATIENT | {"excluded_clinicians": ["ghost"]}, 422, "ghost"),
        ("/v1/patients", PATIENT | {"branch_id": "nowhere"}, 404, "nowhere"),
    ]
    for path, body, status, word in cases:
        response = client.post(path, json=body, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert word in response.text
    assert client.post("/v1/patients", json=PATIENT, headers=admin).status_code == 201
    duplicate = client.post("/v1/patients", json=PATIENT, headers=admin)
    assert duplicate.status_code == 409 and "exists" in duplicate.json()["detail"]
    naive = {
        "id": "v1",
        "patient_id": "p1",
        "discipline": "SN",
        "minutes": 45,
        "windows": [{"start": "2026-12-07T09:00:00", "end": "2026-12-07T11:00:00"}],
    }
    assert client.post("/v1/visits", json=naive, headers=admin).status_code == 422
    too_big_page = client.get("/v1/patients?limit=501", headers=admin)
    assert too_big_page.status_code == 422


def test_visits_are_paged_and_filtered_by_day(client, admin, branch):
    """Visits list in pages with a total, filtered by the branch-local date of their window."""
    client.post("/v1/patients", json=PATIENT, headers=admin)
    for day in range(7, 12):
        visit = {
            "id": f"v{day}",
            "patient_id": "p1",
            "discipline": "SN",
            "minutes": 45,
            # 02:00 UTC is still the evening before in New York
            "windows": [
                {"start": f"2026-12-{day:02d}T02:00:00Z", "end": f"2026-12-{day:02d}T03:00:00Z"}
            ],
        }
        assert client.post("/v1/visits", json=visit, headers=admin).status_code == 201
    page = client.get("/v1/visits?limit=2&offset=1", headers=admin).json()
    assert page["total"] == 5 and [item["id"] for item in page["items"]] == ["v8", "v9"]
    on_the_8th = client.get("/v1/visits?from=2026-12-08&to=2026-12-08", headers=admin).json()
    assert [item["id"] for item in on_the_8th["items"]] == ["v9"]


def test_csv_import_reads_lists_and_refuses_a_bad_line_whole(client, admin, branch):
    """CSV rows become records; a bad line is named and nothing of the file is written."""
    client.post("/v1/clinicians", json=NURSE, headers=admin)
    availability = json.dumps([{"weekday": 0, "start": "09:00", "end": "17:00"}]).replace('"', '""')
    good = (
        "id,branch_id,name,latitude,longitude,address,availability,excluded_clinicians\n"
        f'p1,b1,Ann Lee,39.96,-83.0,12 Oak St,"{availability}",c1\n'
        "p2,b1,Cy Dee,39.95,-83.1,,,\n"
    )
    headers = admin | {"Content-Type": "text/csv"}
    response = client.post("/v1/imports/patients.csv", content=good, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == {"patients": 2}
    stored = client.get("/v1/patients/p1", headers=admin).json()
    assert stored["excluded_clinicians"] == ["c1"]
    assert stored["availability"][0]["start"] == "09:00:00"
    bad = good.replace("p2,b1,Cy Dee,39.95", "p3,b1,Cy Dee,999").replace("p1,", "p9,")
    refused = client.post("/v1/imports/patients.csv", content=bad, headers=headers)
    assert refused.status_code == 422 and "line 3" in refused.json()["detail"]
    assert client.get("/v1/patients/p9", headers=admin).status_code == 404


def test_json_import_is_all_or_nothing(client, admin, branch):
    """A batch whose last record is wrong writes none of its records."""
    records = problem_to_records(generate_agency_week(clinicians=3, patients=10), branch_id=branch)
    records["patients"][-1]["excluded_clinicians"] = ["ghost"]
    refused = client.post("/v1/imports", json=records, headers=admin)
    assert refused.status_code == 422 and "ghost" in refused.json()["detail"]
    assert client.get("/v1/clinicians", headers=admin).json()["total"] == 0


def test_a_100000_visit_request_is_refused_at_once(client, admin, branch):
    """A bulk request of 100,000 visits answers 413 from its length, unread."""
    visit = {
        "id": "v",
        "patient_id": "p1",
        "discipline": "SN",
        "minutes": 45,
        "windows": [{"start": "2026-12-07T09:00:00Z", "end": "2026-12-07T11:00:00Z"}],
    }
    body = json.dumps({"visits": [visit | {"id": f"v{k}"} for k in range(100_000)]})
    response = client.post(
        "/v1/imports", content=body, headers=admin | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_a_planning_job_over_the_visit_limit_is_refused(database_url, tmp_path):
    """A job holding more visits than the limit is a 422 saying how to split it."""
    app = create_app(make_settings(database_url, tmp_path, max_visits_per_job=20))
    with TestClient(app) as client:
        with app.state.sessions.begin() as session:
            _, token = create_user(session, name="root", role=Role.ADMIN)
        admin = {"Authorization": f"Bearer {token}"}
        client.post("/v1/agencies", json={"id": "a1", "name": "A"}, headers=admin)
        client.post(
            "/v1/branches",
            json={"id": "b1", "agency_id": "a1", "name": "B", "timezone": "America/New_York"},
            headers=admin,
        )
        records = problem_to_records(
            generate_agency_week(clinicians=3, patients=30), branch_id="b1"
        )
        assert client.post("/v1/imports", json=records, headers=admin).status_code == 200
        job = {"branch_id": "b1", "start_date": "2026-12-07", "days": 7}
        refused = client.post("/v1/planning-jobs", json=job, headers=admin)
        assert refused.status_code == 422
        assert "more than one job may hold (20)" in refused.json()["detail"]


def test_plan_versions_publish_one_per_day_and_refuse_a_stale_one(client, admin, branch):
    """Two versions of a day: the newer published one wins, the older cannot be published."""
    records = problem_to_records(generate_agency_week(clinicians=3, patients=12), branch_id=branch)
    client.post("/v1/imports", json=records, headers=admin)
    job = {"branch_id": branch, "start_date": "2026-12-07", "days": 1, "time_limit_seconds": 2}
    plans = []
    for _ in range(2):
        started = client.post("/v1/planning-jobs", json=job, headers=admin).json()
        plans.append(wait_for_job(client, started["id"], admin)["plan_id"])
    versions = [client.get(f"/v1/plans/{plan}", headers=admin).json()["version"] for plan in plans]
    assert versions == [1, 2]
    assert client.post(f"/v1/plans/{plans[1]}/publish", headers=admin).status_code == 200
    stale = client.post(f"/v1/plans/{plans[0]}/publish", headers=admin)
    assert stale.status_code == 409 and "older" in stale.json()["detail"]
    again = client.post(f"/v1/plans/{plans[1]}/publish", headers=admin)
    assert again.status_code == 409
    listed = client.get(f"/v1/plans?branch_id={branch}", headers=admin).json()["items"]
    assert [plan["status"] for plan in listed] == ["published", "draft"]
