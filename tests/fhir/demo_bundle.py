"""A demo branch's records written as a FHIR R4 Bundle (by this test helper, not the exporter).

Clinicians become a Practitioner (qualification: the credential) and a PractitionerRole (code:
the discipline, specialty: skills, availableTime: weekly hours); patients a Patient with a
geolocated address; each care plan a CarePlan with one ``activity.detail`` per segment of its
order. What FHIR does not carry here (lunch breaks, limits, home windows, visits made, PRN
allowances, preferences) is left out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scheduler.domain.clinician import Credential
from scheduler.domain.frequency import parse_frequency
from scheduler.fhir.bundle_in import WEEKDAYS
from tests.fhir.spec_bundle import OURS, geo

DEMO = "urn:demo-agency"
UNITS = {1: "d", 7: "wk", 30: "mo"}


def records_to_bundle(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A ``collection`` Bundle of the records' clinicians, patients and care plans."""
    resources: list[dict[str, Any]] = []
    for clinician in records["clinicians"]:
        resources += _practitioner(clinician)
    resources += [_patient(patient) for patient in records["patients"]]
    resources += [_care_plan(plan) for plan in records["care_plans"]]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{DEMO}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def _identifier(kind: str, value: str) -> list[dict[str, str]]:
    return [{"system": f"{DEMO}:{kind}", "value": value}]


def _practitioner(clinician: dict[str, Any]) -> list[dict[str, Any]]:
    hours = [
        {
            "daysOfWeek": [WEEKDAYS[h["weekday"]]],
            "availableStartTime": h["start"],
            "availableEndTime": h["end"],
        }
        for h in clinician["weekly_hours"]
    ]
    discipline = Credential(clinician["credential"]).discipline.value
    return [
        {
            "resourceType": "Practitioner",
            "id": clinician["id"],
            "identifier": _identifier("clinician", clinician["id"]),
            "name": [{"text": clinician["name"]}],
            "address": [
                {"extension": geo(clinician["home_latitude"], clinician["home_longitude"])}
            ],
            "qualification": [{"code": {"coding": [{"code": clinician["credential"]}]}}],
        },
        {
            "resourceType": "PractitionerRole",
            "id": f"{clinician['id']}-role",
            "practitioner": {"reference": f"Practitioner/{clinician['id']}"},
            "code": [{"coding": [{"system": OURS, "code": discipline}]}],
            "specialty": [{"text": skill} for skill in clinician["skills"]],
            "availableTime": hours,
        },
    ]


def _patient(patient: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": patient["id"],
        "identifier": _identifier("patient", patient["id"]),
        "name": [{"text": patient["name"]}],
        "address": [{"extension": geo(patient["latitude"], patient["longitude"])}],
    }


def _care_plan(plan: dict[str, Any]) -> dict[str, Any]:
    start = date.fromisoformat(plan["start_of_care"])
    activities = []
    for segment in parse_frequency(plan["frequency"]).segments:
        end = start + timedelta(days=segment.days - 1)
        repeat: dict[str, Any] = {
            "boundsPeriod": {"start": start.isoformat(), "end": end.isoformat()},
            "frequency": segment.min_visits,
            "period": 2 if segment.period_days == 2 else 1,
            "periodUnit": UNITS.get(segment.period_days, "d"),
            "duration": plan["visit_minutes"],
            "durationUnit": "min",
        }
        if segment.max_visits != segment.min_visits:
            repeat["frequencyMax"] = segment.max_visits
        activities.append(
            {
                "detail": {
                    "status": "scheduled",
                    "code": {"coding": [{"system": OURS, "code": plan["discipline"]}]},
                    "scheduledTiming": {"repeat": repeat},
                }
            }
        )
        start = end + timedelta(days=1)
    return {
        "resourceType": "CarePlan",
        "id": plan["id"],
        "identifier": _identifier("care-plan", plan["id"]),
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{plan['patient_id']}"},
        "activity": activities,
    }
