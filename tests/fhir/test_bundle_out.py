"""Published visits as Appointments: statuses, offsets, participants, stable identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.appointment import Appointment

from scheduler.fhir.bundle_out import BookedVisit, appointments_bundle, visit_to_appointment


def _visit(status="published", **changes):
    values = {
        "visit_id": "v1",
        "status": status,
        "start": datetime(2026, 12, 7, 14, 30, tzinfo=UTC),
        "minutes": 45,
        "patient_id": "12345",
        "clinician_id": "23",
        "care_plan_id": "SR-2001",
        "discipline": "SN",
        "visit_type": "routine",
    }
    return BookedVisit(**(values | changes))


@pytest.mark.parametrize(
    ("status", "fhir"),
    [
        ("published", "booked"),
        ("completed", "fulfilled"),
        ("missed", "noshow"),
        ("cancelled", "cancelled"),
    ],
)
def test_visit_statuses_are_appointment_statuses(status, fhir):
    """Each status of ours is its Appointment status; the resource is R4B-valid."""
    appointment = visit_to_appointment(_visit(status), timezone="America/New_York")
    assert Appointment.model_validate(appointment).status == fhir


def test_times_carry_the_branch_offset_and_references_their_identifiers():
    """Start and end in the branch's zone with its offset; Practitioner, Patient, ServiceRequest."""
    appointment = visit_to_appointment(_visit(), timezone="America/New_York")
    assert (appointment["start"], appointment["end"]) == (
        "2026-12-07T09:30:00-05:00",
        "2026-12-07T10:15:00-05:00",
    )
    actors = {p["actor"]["reference"] for p in appointment["participant"]}
    assert actors == {"Practitioner/23", "Patient/12345"}
    assert appointment["basedOn"][0]["identifier"]["value"] == "SR-2001"
    assert appointment["identifier"] == [
        {"system": "urn:home-health-scheduler:visit", "value": "v1"}
    ]


def test_summer_time_offset_and_ids_that_are_not_fhir_ids():
    """A July visit is at -04:00; an id FHIR does not take is kept in the identifier only."""
    visit = _visit(visit_id="cp_1:3", start=datetime(2026, 7, 6, 13, 0, tzinfo=UTC))
    appointment = visit_to_appointment(visit, timezone="America/New_York")
    assert appointment["start"] == "2026-07-06T09:00:00-04:00"
    assert "id" not in appointment and appointment["identifier"][0]["value"] == "cp_1:3"


def test_the_bundle_is_the_same_on_every_export():
    """Entries in start order with fullUrls derived from the identifiers."""
    visits = [_visit(visit_id="v2", clinician_id=None), _visit()]
    first = appointments_bundle(visits, timezone="America/New_York")
    assert first == appointments_bundle(visits[::-1], timezone="America/New_York")
    assert [e["resource"]["id"] for e in first["entry"]] == ["v1", "v2"]
    assert len(first["entry"][1]["resource"]["participant"]) == 1  # no clinician: the patient


def test_a_visit_taken_out_of_the_plan_waits_without_times():
    """A planned visit (no start) is a waitlist Appointment without start and end, listed last."""
    waiting = _visit(visit_id="v0", status="planned", start=None, clinician_id=None)
    bundle = appointments_bundle([waiting, _visit()], timezone="America/New_York")
    appointment = bundle["entry"][1]["resource"]
    assert appointment["status"] == "waitlist" and appointment["id"] == "v0"
    assert "start" not in appointment and "end" not in appointment
