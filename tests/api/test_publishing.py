"""Publishing never undoes what happened after planning: outdated plans are refused whole."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from scheduler.store import models
from tests.api.support import BOTH_DATABASES, DAY, wait_for_job, window

TUESDAY = [{"start": "2026-12-08T13:00:00-05:00", "end": "2026-12-08T15:00:00-05:00"}]

pytestmark = BOTH_DATABASES


def visit(visit_id: str, patient_id: str, start: str, end: str, **extra) -> dict:
    """A 30-minute skilled nursing visit on the Monday, starting between ``start`` and ``end``."""
    return {
        "id": visit_id,
        "patient_id": patient_id,
        "discipline": "SN",
        "minutes": 30,
        "windows": window(start, end),
    } | extra


def seed(client: TestClient, admin: dict[str, str], visits: list[dict]) -> None:
    """Two RNs working the Monday, patients p1..p6 nearby, and ``visits``."""
    clinicians = [
        {
            "id": clinician_id,
            "branch_id": "b1",
            "name": clinician_id,
            "credential": "RN",
            "home_latitude": 39.96,
            "home_longitude": longitude,
            "weekly_hours": [
                {"weekday": weekday, "start": "08:00", "end": "17:00"} for weekday in (0, 1)
            ],
        }
        for clinician_id, longitude in (("c1", -83.0), ("c2", -82.95))
    ]
    patients = [
        {
            "id": f"p{k}",
            "branch_id": "b1",
            "name": f"Patient {k}",
            "latitude": 39.97,
            "longitude": -83.0 + k / 100,
        }
        for k in range(1, 7)
    ]
    answer = client.post(
        "/v1/imports",
        json={"clinicians": clinicians, "patients": patients, "visits": visits},
        headers=admin,
    )
    assert answer.status_code in (200, 201), answer.text


def plan(client: TestClient, admin: dict[str, str], days: int = 1) -> str:
    """A draft plan of the Monday (and the days after), 2 s; returns its id."""
    started = client.post(
        "/v1/planning-jobs",
        json={"branch_id": "b1", "start_date": DAY, "days": days, "time_limit_seconds": 2},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"], admin)
    assert job["status"] == "succeeded", job["error"]
    return job["plan_id"]


def stops_of(client: TestClient, plan_id: str) -> dict[str, str]:
    """Each planned visit of the plan and its clinician."""
    with client.app.state.sessions() as session:
        rows = session.query(models.PlanStop).filter_by(plan_id=plan_id).all()
        return {row.visit_id: row.clinician_id for row in rows}


def visit_state(client: TestClient, admin: dict[str, str], visit_id: str) -> tuple:
    """(HTTP status, visit status, clinician) of a stored visit."""
    answer = client.get(f"/v1/visits/{visit_id}", headers=admin)
    body = answer.json()
    return answer.status_code, body.get("status"), body.get("clinician_id")


def status(client: TestClient, admin: dict[str, str], visit_id: str, value: str) -> None:
    """Cancel a visit through the API."""
    answer = client.patch(f"/v1/visits/{visit_id}/status", json={"status": value}, headers=admin)
    assert answer.status_code == 200, answer.text


def made(client: TestClient, visit_id: str, clinician_id: str | None = None, start=None) -> None:
    """Record a visit as completed (the Monday is ahead of the test's clock: the store is used)."""
    with client.app.state.sessions.begin() as session:
        row = session.get(models.Visit, ("a1", visit_id))
        row.status = models.VisitStatus.COMPLETED
        row.clinician_id, row.start_at = clinician_id or row.clinician_id, start or row.start_at


def test_deleted_cancelled_completed_and_retimed_visits_are_not_resurrected(client, admin, branch):
    """Visits deleted, cancelled, completed or re-timed after planning: 409, nothing published."""
    visits = [visit(f"v{k}", f"p{k}", "09:00", "15:00") for k in range(1, 7)]
    seed(client, admin, visits)
    plan_id = plan(client, admin)
    assert set(stops_of(client, plan_id)) == {f"v{k}" for k in range(1, 7)}
    etag = client.get("/v1/branches/b1/schedule", headers=admin).headers["ETag"]

    assert client.delete("/v1/visits/v1", headers=admin).status_code == 204
    status(client, admin, "v2", "cancelled")
    made(client, "v3")
    retimed = visit("v4", "p4", "16:00", "16:30")
    del retimed["id"], retimed["patient_id"]
    assert client.put("/v1/visits/v4", json=retimed, headers=admin).status_code == 200

    answer = client.post(f"/v1/plans/{plan_id}/publish", headers=admin)
    assert answer.status_code == 409, answer.text
    outdated = {stop["visit_id"]: stop["reason"] for stop in answer.json()["outdated"]}
    assert outdated == {"v1": "deleted", "v2": "cancelled", "v3": "completed", "v4": "changed"}
    assert visit_state(client, admin, "v1")[0] == 404
    assert visit_state(client, admin, "v2") == (200, "cancelled", None)
    assert visit_state(client, admin, "v3") == (200, "completed", None)
    assert visit_state(client, admin, "v5") == (200, "planned", None)
    schedule = client.get("/v1/branches/b1/schedule", headers=admin)
    assert schedule.headers["ETag"] == etag and schedule.json()["days"] == []
    assert client.get(f"/v1/plans/{plan_id}", headers=admin).json()["status"] == "draft"

    again = plan(client, admin)
    assert client.post(f"/v1/plans/{again}/publish", headers=admin).status_code == 200
    assert set(stops_of(client, again)) == {"v4", "v5", "v6"}
    assert visit_state(client, admin, "v2") == (200, "cancelled", None)
    assert visit_state(client, admin, "v3") == (200, "completed", None)


def test_a_plan_routed_to_a_clinician_deleted_since_is_refused(client, admin, branch):
    """Stops of a clinician deleted after planning are listed; none is published to them."""
    seed(client, admin, [visit(f"v{k}", f"p{k}", "09:00", "15:00") for k in range(1, 7)])
    plan_id = plan(client, admin)
    stops = stops_of(client, plan_id)
    gone = next(iter(stops.values()))
    assert client.delete(f"/v1/clinicians/{gone}", headers=admin).status_code == 204

    answer = client.post(f"/v1/plans/{plan_id}/publish", headers=admin)
    assert answer.status_code == 409, answer.text
    outdated = {stop["visit_id"]: stop["reason"] for stop in answer.json()["outdated"]}
    assert outdated == {v: "clinician_deleted" for v, c in stops.items() if c == gone}
    published = client.get("/v1/visits", params={"status": "published"}, headers=admin).json()
    assert published["total"] == 0


def test_a_cancelled_start_of_care_holds_back_the_patients_visits_and_partners_follow(
    client, admin, branch
):
    """A cancelled SOC takes its patient's later stops along; a linked partner goes too."""
    visits = [
        visit("soc", "p1", "08:30", "10:00", visit_type="SOC"),
        visit("routine", "p1", "13:00", "15:00", windows=TUESDAY),
        visit("lift-1", "p2", "11:00", "12:00"),
        visit(
            "lift-2", "p2", "11:00", "12:00", link={"visit_id": "lift-1", "kind": "simultaneous"}
        ),
        visit("other", "p3", "09:00", "15:00"),
    ]
    seed(client, admin, visits)
    first = plan(client, admin, days=2)
    assert client.post(f"/v1/plans/{first}/publish", headers=admin).status_code == 200
    second = plan(client, admin, days=2)
    assert set(stops_of(client, second)) == {v["id"] for v in visits}
    status(client, admin, "soc", "cancelled")
    status(client, admin, "lift-1", "cancelled")

    answer = client.post(f"/v1/plans/{second}/publish", headers=admin)
    assert answer.status_code == 409, answer.text
    outdated = {stop["visit_id"]: stop["reason"] for stop in answer.json()["outdated"]}
    assert outdated == {
        "soc": "cancelled",
        "routine": "start_of_care_outdated",
        "lift-1": "cancelled",
        "lift-2": "linked_visit_outdated",
    }
    assert visit_state(client, admin, "soc")[1] == "cancelled"
    assert visit_state(client, admin, "routine")[1] == "published"


def test_a_visit_made_as_planned_stays_made_when_a_replan_keeps_it(client, admin, branch):
    """A reschedule keeping a completed visit publishes; the visit stays completed."""
    seed(client, admin, [visit(f"v{k}", f"p{k}", "09:00", "15:00") for k in range(1, 5)])
    first = plan(client, admin)
    assert client.post(f"/v1/plans/{first}/publish", headers=admin).status_code == 200
    with client.app.state.sessions() as session:
        stop = session.query(models.PlanStop).filter_by(plan_id=first).order_by("start_at")[0]
        made_id, made_by, made_at = stop.visit_id, stop.clinician_id, stop.start_at
    made(client, made_id)
    after = (made_at + timedelta(minutes=1)).isoformat()
    answer = client.post(
        "/v1/branches/b1/reschedules",
        json={
            "day": DAY,
            "now": after,
            "events": [{"type": "visit_cancelled", "visit_id": "v4" if made_id != "v4" else "v3"}],
        },
        headers=admin | {"Idempotency-Key": "k1"},
    )
    assert answer.status_code == 200, answer.text
    assert visit_state(client, admin, made_id) == (200, "completed", made_by)
