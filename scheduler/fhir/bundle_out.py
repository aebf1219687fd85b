"""Published visits as a FHIR R4 Bundle of Appointments, each checked by the R4B models.

Status: published -> booked, completed -> fulfilled, missed -> noshow, cancelled -> cancelled,
planned (a reschedule took it out of the plan: to be placed again) -> waitlist, without times.
Start and end carry the branch's UTC offset of that day. Participants: the Practitioner (the
visit's clinician) and the Patient; ``basedOn``: the ServiceRequest of the care plan. Every
Appointment and reference carries an identifier (system and value), the same on every export.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle

SYSTEM = "urn:home-health-scheduler"
"""Our identifier systems: ``{SYSTEM}:visit``, ``:patient``, ``:clinician``, ``:care-plan``."""
APPOINTMENT_STATUS = {
    "published": "booked",
    "completed": "fulfilled",
    "missed": "noshow",
    "cancelled": "cancelled",
    "planned": "waitlist",
}
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True)
class BookedVisit:
    """A visit of a published plan, as the export needs it (``start``: none once unplaced)."""

    visit_id: str
    status: str
    start: datetime | None
    minutes: int
    patient_id: str
    clinician_id: str | None
    care_plan_id: str | None
    discipline: str
    visit_type: str

    @classmethod
    def of(cls, row: Any) -> BookedVisit:
        """The visit a visit record (``store.models.Visit``) holds."""
        return cls(
            visit_id=row.id,
            status=row.status,
            start=row.start_at,
            minutes=row.minutes,
            patient_id=row.patient_id,
            clinician_id=row.clinician_id,
            care_plan_id=row.care_plan_id,
            discipline=row.discipline,
            visit_type=row.visit_type,
        )


def visit_to_appointment(visit: BookedVisit, *, timezone: str) -> dict[str, Any]:
    """One visit as an R4B-valid Appointment (JSON-ready), times in ``timezone``."""
    participants = [_participant("Patient", "patient", visit.patient_id)]
    if visit.clinician_id is not None:
        participants.insert(0, _participant("Practitioner", "clinician", visit.clinician_id))
    appointment: dict[str, Any] = {
        "resourceType": "Appointment",
        "identifier": [{"system": f"{SYSTEM}:visit", "value": visit.visit_id}],
        "status": APPOINTMENT_STATUS[visit.status],
        "serviceType": [{"coding": [{"system": f"{SYSTEM}:discipline", "code": visit.discipline}]}],
        "appointmentType": {"text": visit.visit_type},
        "minutesDuration": visit.minutes,
        "participant": participants,
    }
    if visit.start is not None:
        zone = ZoneInfo(timezone)
        appointment["start"] = visit.start.astimezone(zone).isoformat()
        end = visit.start + timedelta(minutes=visit.minutes)
        appointment["end"] = end.astimezone(zone).isoformat()
    if _FHIR_ID.match(visit.visit_id):
        appointment["id"] = visit.visit_id
    if visit.care_plan_id is not None:
        appointment["basedOn"] = [_reference("ServiceRequest", "care-plan", visit.care_plan_id)]
    return Appointment.model_validate(appointment).model_dump(mode="json", exclude_none=True)


def appointments_bundle(visits: Sequence[BookedVisit], *, timezone: str) -> dict[str, Any]:
    """A ``collection`` Bundle of one Appointment per visit, in order of start (unplaced last)."""
    entries = [
        {
            "fullUrl": f"urn:uuid:{uuid5(NAMESPACE_URL, f'{SYSTEM}:visit|{visit.visit_id}')}",
            "resource": visit_to_appointment(visit, timezone=timezone),
        }
        for visit in sorted(visits, key=_start_order)
    ]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    Bundle.model_validate(bundle)
    return bundle


def _start_order(visit: BookedVisit) -> tuple[bool, float, str]:
    return visit.start is None, visit.start.timestamp() if visit.start else 0.0, visit.visit_id


def _reference(kind: str, system: str, value: str) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "type": kind,
        "identifier": {"system": f"{SYSTEM}:{system}", "value": value},
    }
    if _FHIR_ID.match(value):
        reference["reference"] = f"{kind}/{value}"
    return reference


def _participant(kind: str, system: str, value: str) -> dict[str, Any]:
    return {"actor": _reference(kind, system, value), "required": "required", "status": "accepted"}
