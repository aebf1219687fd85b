"""Careless and hostile input: clear 4xx answers, never a 500, nothing stored, no values logged."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler.api.app import create_app
from scheduler.store import models
from tests.api.support import BOTH_DATABASES, make_settings

PATIENT = '{"id":"p1","branch_id":"b1","name":%s,"latitude":%s,"longitude":-83.0}'
# (what, JSON body of a patient): each must be refused with a 4xx and nothing stored.
BAD_PATIENTS = [
    ("NaN", PATIENT % ('"Ann"', "NaN")),
    ("Infinity", PATIENT % ('"Ann"', "Infinity")),
    ("-Infinity", PATIENT % ('"Ann"', "-Infinity")),
    ("1e400", PATIENT % ('"Ann"', "1e400")),
    ("a boolean latitude", PATIENT % ('"Ann"', "true")),
    ("NUL in a name", PATIENT % ('"An\\u0000n"', "39.9")),
    ("an unpaired surrogate", PATIENT % ('"An\\ud800n"', "39.9")),
    ("NUL in an address", PATIENT.replace("}", ',"address":"1 Oak\\u0000 St"}') % ('"A"', "39")),
    ("NUL in an object key", PATIENT.replace("}", ',"\\u0000":1}') % ('"Ann"', "39.9")),
    ("nested 50,000 deep", "[" * 50_000),
]
KEYS = ("id", "patient_id")
CARE_PLAN = {
    "id": "cp1",
    "patient_id": "p2",
    "discipline": "SN",
    "frequency": "3W2",
    "start_of_care": "2026-12-07",
    "visit_minutes": 45,
}


@pytest.fixture
def patient_p2(client: TestClient, admin: dict[str, str], branch: str) -> str:
    """A stored patient p2 of branch b1."""
    body = {"id": "p2", "branch_id": branch, "name": "Bo", "latitude": 39.9, "longitude": -83.0}
    assert client.post("/v1/patients", json=body, headers=admin).status_code == 201
    return "p2"


def stored(client: TestClient, table: type[models.Base]) -> int:
    """How many rows ``table`` holds."""
    with client.app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


@BOTH_DATABASES
def test_unstorable_or_unreadable_patient_bodies_are_4xx(client, admin, branch):
    """NaN, infinities, booleans, NUL, lone surrogates, deep nesting: 4xx, JSON, nothing kept."""
    for what, body in BAD_PATIENTS:
        answer = client.post(
            "/v1/patients",
            content=body.encode(),
            headers=admin | {"Content-Type": "application/json"},
        )
        assert 400 <= answer.status_code < 500, (what, answer.status_code, answer.text[:200])
        assert answer.json()["detail"], what
    assert stored(client, models.Patient) == 0


CARE_PLAN_FAULTS = [
    ("frequency", "lol"),
    ("frequency", "3W2, lol"),
    ("start_of_care", "0001-01-01"),
    ("start_of_care", "9999-12-31"),
    ("episode_start", "9999-12-31"),
    ("visits_made", ["0001-01-01"]),
    ("frequency", "3W2\u0000"),
]


@BOTH_DATABASES
def test_a_care_plan_the_planner_cannot_read_is_refused_on_write(client, admin, patient_p2):
    """Unreadable frequency orders and dates out of range are 422 when written, not at planning."""
    for field, value in CARE_PLAN_FAULTS:
        answer = client.post("/v1/care-plans", json=CARE_PLAN | {field: value}, headers=admin)
        assert answer.status_code == 422, (field, value, answer.text)
    assert stored(client, models.CarePlan) == 0
    assert client.post("/v1/care-plans", json=CARE_PLAN, headers=admin).status_code == 201
    for field, value in CARE_PLAN_FAULTS:
        fields = {k: v for k, v in (CARE_PLAN | {field: value}).items() if k not in KEYS}
        answer = client.put("/v1/care-plans/cp1", json=fields, headers=admin)
        assert answer.status_code == 422, (field, value, answer.text)


@BOTH_DATABASES
def test_a_far_planning_date_is_422_not_500(client, admin, branch):
    """A planning job for 9999-12-31 is refused with a sentence."""
    answer = client.post(
        "/v1/planning-jobs", json={"branch_id": branch, "start_date": "9999-12-31"}, headers=admin
    )
    assert answer.status_code == 422 and "1900 and 2999" in answer.text


@BOTH_DATABASES
def test_only_iana_time_zones_make_a_branch(client, admin, branch):
    """The machine's localtime, tzdata's Factory and made-up names are not branch zones."""
    for zone in ("localtime", "Factory", "posixrules", "Mars/Olympus", ""):
        body = {"id": "b2", "agency_id": "a1", "name": "B", "timezone": zone}
        assert client.post("/v1/branches", json=body, headers=admin).status_code == 422, zone
    body = {"id": "b2", "agency_id": "a1", "name": "B", "timezone": "America/Chicago"}
    assert client.post("/v1/branches", json=body, headers=admin).status_code == 201


@BOTH_DATABASES
def test_an_import_naming_one_record_twice_is_refused(client, admin, branch):
    """Duplicate ids in one JSON or CSV import: 422 naming the id, nothing written."""
    patient = {"id": "p7", "branch_id": branch, "name": "Ann", "latitude": 39.9, "longitude": -83}
    answer = client.post("/v1/imports", json={"patients": [patient, patient]}, headers=admin)
    assert answer.status_code == 422 and "'p7' appears twice" in answer.text
    csv = "id,branch_id,name,latitude,longitude\np7,b1,Ann,39.9,-83\np7,b1,Bo,39.8,-83\n"
    answer = client.post(
        "/v1/imports/patients.csv", content=csv, headers=admin | {"Content-Type": "text/csv"}
    )
    assert answer.status_code == 422 and "'p7' appears twice" in answer.text
    assert stored(client, models.Patient) == 0


@BOTH_DATABASES
def test_csv_cells_with_nul_or_deep_nesting_are_422(client, admin, branch):
    """A CSV cell holding NUL or JSON nested 50,000 deep is a 422 naming the line."""
    header = "id,branch_id,name,latitude,longitude,availability\n"
    for row in ("p9,b1,A\x00n,39.9,-83,\n", 'p9,b1,Ann,39.9,-83,"' + "[" * 50_000 + '"\n'):
        answer = client.post(
            "/v1/imports/patients.csv",
            content=(header + row).encode(),
            headers=admin | {"Content-Type": "text/csv"},
        )
        assert answer.status_code == 422, answer.text[:200]
    assert stored(client, models.Patient) == 0


@BOTH_DATABASES
def test_nul_in_a_url_is_422_and_audited(client, admin, branch):
    """A NUL in a path or query is refused before any query runs, and each refusal is audited."""
    paths = ["/v1/patients/%00", "/v1/visits/a%00b", "/v1/patients?branch_id=b1%00", "/v1/x%00"]
    for path in paths:
        assert client.get(path, headers=admin).status_code == 422, path
    client.app.state.audit.flush()
    with client.app.state.sessions() as session:
        codes = session.scalars(select(models.AuditEntry.status_code)).all()
    assert codes.count(422) == len(paths)


@BOTH_DATABASES
def test_answers_carry_security_headers(client, admin, branch):
    """Every answer: nosniff, no framing; patient data never cached; HTML without inline script."""
    answer = client.get("/v1/branches", headers=admin)
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    refused = client.get("/v1/branches")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    nurse = {
        "id": "c1",
        "branch_id": branch,
        "name": "Jane",
        "credential": "RN",
        "home_latitude": 39.9,
        "home_longitude": -83.0,
        "weekly_hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
    }
    assert client.post("/v1/clinicians", json=nurse, headers=admin).status_code == 201
    page = client.get("/v1/itineraries/c1/2026-12-07/html", headers=admin)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert page.headers["cache-control"] == "no-store"


@BOTH_DATABASES
def test_a_streamed_body_over_the_limit_is_413_and_audited(client, admin, branch):
    """A chunked body past the limit answers 413 (not 400), and leaves an audit row."""

    def chunks():
        for _ in range(6):
            yield b"x" * 1_000_000

    answer = client.post("/v1/imports", content=chunks(), headers=admin)
    assert answer.status_code == 413
    client.app.state.audit.flush()
    with client.app.state.sessions() as session:
        codes = session.scalars(select(models.AuditEntry.status_code)).all()
    assert 413 in codes


@BOTH_DATABASES
def test_a_failed_write_logs_no_row_values(client, admin, branch, caplog):
    """A refused duplicate logs nothing of the patient; statements never carry their values."""
    body = {"id": "p3", "branch_id": branch, "name": "Zora Q", "latitude": 39.9, "longitude": -83}
    assert client.post("/v1/patients", json=body, headers=admin).status_code == 201
    with caplog.at_level(logging.DEBUG):
        again = client.post("/v1/patients", json=body | {"address": "77 Secret Rd"}, headers=admin)
    assert again.status_code == 409
    assert "Zora" not in caplog.text and "Secret" not in caplog.text
    assert client.app.state.sessions.kw["bind"].hide_parameters


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path):
    """The SQLite file holding patient data is created with mode 0600."""
    database = tmp_path / "fresh.db"
    app = create_app(make_settings(f"sqlite:///{database}", tmp_path))
    with TestClient(app):
        pass
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
