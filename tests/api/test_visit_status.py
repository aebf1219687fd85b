"""Visit reports through the API: a state machine with 409s, and one rule for replacing."""

from __future__ import annotations

from datetime import timedelta

from scheduler.store import models
from scheduler.store.models import utc_now

DAY = "2026-12-07"
VISIT = {
    "id": "v1",
    "patient_id": "p1",
    "discipline": "SN",
    "minutes": 30,
    "windows": [{"start": f"{DAY}T09:00:00-05:00", "end": f"{DAY}T12:00:00-05:00"}],
}


def seed(client, admin, branch) -> None:
    """Patient p1 with visit v1, and clinician c1."""
    patient = {"id": "p1", "branch_id": branch, "name": "Ann", "latitude": 39.9, "longitude": -83}
    nurse = {
        "id": "c1",
        "branch_id": branch,
        "name": "Jane",
        "credential": "RN",
        "home_latitude": 39.9,
        "home_longitude": -83.0,
        "weekly_hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
    }
    answer = client.post(
        "/v1/imports",
        json={"clinicians": [nurse], "patients": [patient], "visits": [VISIT]},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text


def publish_by_hand(client, start) -> None:
    """Mark v1 published to c1 at ``start`` (as a published plan would)."""
    with client.app.state.sessions.begin() as session:
        row = session.get(models.Visit, ("a1", "v1"))
        row.status, row.clinician_id, row.start_at = "published", "c1", start


def report(client, admin, value: str):
    """PATCH v1's status."""
    return client.patch("/v1/visits/v1/status", json={"status": value}, headers=admin)


def test_status_changes_follow_the_visit_life(client, admin, branch):
    """Unplanned or future visits cannot be completed; history never changes; 409 says why."""
    seed(client, admin, branch)
    refused = report(client, admin, "completed")
    assert refused.status_code == 409 and "planned" in refused.json()["detail"]
    publish_by_hand(client, utc_now() + timedelta(days=9))
    ahead = report(client, admin, "completed")
    assert ahead.status_code == 409 and "once its start has come" in ahead.json()["detail"]
    publish_by_hand(client, utc_now() - timedelta(hours=1))
    assert report(client, admin, "completed").status_code == 200
    for value in ("cancelled", "missed", "completed"):
        again = report(client, admin, value)
        assert again.status_code == 409 and "completed" in again.json()["detail"]
    assert client.get("/v1/visits/v1", headers=admin).json()["status"] == "completed"


def test_a_cancelled_visit_cannot_be_completed(client, admin, branch):
    """Completed after cancelled is a 409; the visit stays cancelled."""
    seed(client, admin, branch)
    assert report(client, admin, "cancelled").status_code == 200
    assert report(client, admin, "completed").status_code == 409
    assert client.get("/v1/visits/v1", headers=admin).json()["status"] == "cancelled"


def test_import_and_put_replace_a_published_visit_by_one_rule(client, admin, branch):
    """Both put a replaced published visit back to planned; both refuse to replace history."""
    seed(client, admin, branch)
    later = VISIT | {
        "windows": [{"start": f"{DAY}T14:00:00-05:00", "end": f"{DAY}T16:00:00-05:00"}]
    }
    publish_by_hand(client, utc_now() - timedelta(hours=1))
    assert client.post("/v1/imports", json={"visits": [later]}, headers=admin).status_code == 200
    body = client.get("/v1/visits/v1", headers=admin).json()
    assert (body["status"], body["clinician_id"], body["start_at"]) == ("planned", None, None)
    publish_by_hand(client, utc_now() - timedelta(hours=1))
    fields = {k: v for k, v in later.items() if k not in ("id", "patient_id")}
    body = client.put("/v1/visits/v1", json=fields, headers=admin).json()
    assert (body["status"], body["clinician_id"], body["start_at"]) == ("planned", None, None)
    publish_by_hand(client, utc_now() - timedelta(hours=1))
    assert report(client, admin, "completed").status_code == 200
    assert client.put("/v1/visits/v1", json=fields, headers=admin).status_code == 409
    assert client.post("/v1/imports", json={"visits": [later]}, headers=admin).status_code == 409
    assert client.get("/v1/visits/v1", headers=admin).json()["status"] == "completed"
