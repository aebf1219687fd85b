"""A Bundle written by hand after the HL7 FHIR R4 specification's own examples.

Patient ``example`` (Peter James Chalmers), Practitioner ``example`` (Adam Careful, identifier
23 of ``http://www.acme.org/practitioners``), PractitionerRole ``example`` (its availableTime:
Mon-Wed 09:00-16:30, Thu-Fri 09:00-12:00), a ServiceRequest with ``occurrenceTiming``, plus a
physiotherapist, a patient whose home is a Location, and a CarePlan activity. Positions are
placed near one another so a small branch can plan them.
"""

from __future__ import annotations

import copy
from typing import Any

GEO = "http://hl7.org/fhir/StructureDefinition/geolocation"
V2_0360 = "http://terminology.hl7.org/CodeSystem/v2-0360|2.7"
OURS = "urn:home-health-scheduler:discipline"
START = "2026-12-07"  # a Monday


def geo(latitude: float, longitude: float) -> list[dict[str, Any]]:
    """The geolocation extension of an Address."""
    return [
        {
            "url": GEO,
            "extension": [
                {"url": "latitude", "valueDecimal": latitude},
                {"url": "longitude", "valueDecimal": longitude},
            ],
        }
    ]


PATIENT = {
    "resourceType": "Patient",
    "id": "example",
    "identifier": [
        {
            "use": "usual",
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                ]
            },
            "system": "urn:oid:1.2.36.146.595.217.0.1",
            "value": "12345",
        }
    ],
    "active": True,
    "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]}],
    "gender": "male",
    "birthDate": "1974-12-25",
    "address": [
        {
            "use": "home",
            "type": "both",
            "text": "534 Erewhon St PeasantVille, Rainbow, Vic  3999",
            "line": ["534 Erewhon St"],
            "city": "PleasantVille",
            "state": "Vic",
            "postalCode": "3999",
            "extension": geo(39.97, -83.0),
        }
    ],
}
PATIENT_AT_LOCATION = {
    "resourceType": "Patient",
    "id": "pat2",
    "identifier": [{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "12346"}],
    "name": [{"text": "Jane Roe"}],
}
HOME = {
    "resourceType": "Location",
    "id": "home-pat2",
    "status": "active",
    "mode": "instance",
    "address": {"line": ["12 Oak St"], "city": "Columbus", "state": "OH"},
    "position": {"longitude": -82.99, "latitude": 39.975},
}
NURSE = {
    "resourceType": "Practitioner",
    "id": "example",
    "identifier": [{"system": "http://www.acme.org/practitioners", "value": "23"}],
    "active": True,
    "name": [{"family": "Careful", "given": ["Adam"], "prefix": ["Dr"]}],
    "address": [
        {
            "use": "home",
            "line": ["534 Erewhon St"],
            "city": "PleasantVille",
            "extension": geo(39.96, -83.0),
        }
    ],
    "qualification": [
        {
            "identifier": [{"system": "http://example.org/UniversityIdentifier", "value": "12345"}],
            "code": {
                "coding": [{"system": V2_0360, "code": "RN", "display": "Registered Nurse"}],
                "text": "Registered Nurse",
            },
            "period": {"start": "1995"},
        }
    ],
}
NURSE_ROLE = {
    "resourceType": "PractitionerRole",
    "id": "example",
    "identifier": [{"system": "http://www.acme.org/practitioners", "value": "23-role"}],
    "active": True,
    "practitioner": {"reference": "Practitioner/example", "display": "Dr Adam Careful"},
    "code": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/practitioner-role",
                    "code": "nurse",
                },
            ]
        }
    ],
    "specialty": [{"text": "wound care"}],
    "availableTime": [
        {
            "daysOfWeek": ["mon", "tue", "wed"],
            "availableStartTime": "09:00:00",
            "availableEndTime": "16:30:00",
        },
        {
            "daysOfWeek": ["thu", "fri"],
            "availableStartTime": "09:00:00",
            "availableEndTime": "12:00:00",
        },
    ],
}
THERAPIST = {
    "resourceType": "Practitioner",
    "id": "pt1",
    "identifier": [{"system": "http://www.acme.org/practitioners", "value": "24"}],
    "name": [{"family": "Steady", "given": ["Paula"]}],
    "address": [{"text": "3 Elm St", "extension": geo(39.965, -82.98)}],
}
THERAPIST_ROLE = {
    "resourceType": "PractitionerRole",
    "id": "pt1-role",
    "practitioner": {"reference": "Practitioner/pt1"},
    "code": [{"coding": [{"system": OURS, "code": "PT"}]}],
    "availableTime": [
        {
            "daysOfWeek": ["mon", "tue", "wed", "thu", "fri"],
            "availableStartTime": "08:00:00",
            "availableEndTime": "17:00:00",
        }
    ],
}
NURSING_ORDER = {
    "resourceType": "ServiceRequest",
    "id": "sn-order",
    "identifier": [{"system": "urn:oid:1.3.4.5.6.7", "value": "SR-2001"}],
    "status": "active",
    "intent": "order",
    "code": {"coding": [{"system": OURS, "code": "SN"}], "text": "Skilled nursing visits"},
    "subject": {"reference": "Patient/example"},
    "occurrenceTiming": {
        "repeat": {
            "boundsPeriod": {"start": START},
            "count": 6,
            "frequency": 3,
            "period": 1,
            "periodUnit": "wk",
            "duration": 45,
            "durationUnit": "min",
        }
    },
    "authoredOn": "2026-12-01T09:33:27+07:00",
    "performer": [{"reference": "PractitionerRole/example"}],
}
THERAPY_ORDER = {
    "resourceType": "ServiceRequest",
    "id": "pt-order",
    "identifier": [{"system": "urn:oid:1.3.4.5.6.7", "value": "SR-2002"}],
    "status": "active",
    "intent": "order",
    "code": {"coding": [{"system": OURS, "code": "PT"}]},
    "subject": {"reference": "Patient/pat2"},
    "locationReference": [{"reference": "Location/home-pat2"}],
    "occurrenceTiming": {
        "repeat": {
            "boundsPeriod": {"start": START, "end": "2026-12-20"},
            "frequency": 2,
            "period": 1,
            "periodUnit": "wk",
            "duration": 1,
            "durationUnit": "h",
        }
    },
}
CARE_PLAN = {
    "resourceType": "CarePlan",
    "id": "cp1",
    "identifier": [{"system": "urn:oid:1.3.4.5.6.8", "value": "CP-77"}],
    "status": "active",
    "intent": "plan",
    "subject": {"reference": "Patient/example"},
    "period": {"start": START},
    "activity": [
        {"reference": {"reference": "ServiceRequest/sn-order"}},
        {
            "detail": {
                "status": "scheduled",
                "code": {"coding": [{"system": OURS, "code": "PT"}]},
                "scheduledTiming": {
                    "repeat": {
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "wk",
                        "boundsDuration": {
                            "value": 2,
                            "unit": "wk",
                            "code": "wk",
                            "system": "http://unitsofmeasure.org",
                        },
                        "duration": 30,
                        "durationUnit": "min",
                    }
                },
                "performer": [{"reference": "Practitioner/pt1"}],
            }
        },
        {
            "detail": {
                "status": "scheduled",
                "code": {"coding": [{"system": OURS, "code": "PT"}]},
                "scheduledTiming": {
                    "repeat": {
                        "boundsPeriod": {"start": "2026-12-21", "end": "2027-01-03"},
                        "frequency": 2,
                        "period": 1,
                        "periodUnit": "wk",
                        "duration": 30,
                        "durationUnit": "min",
                    }
                },
            }
        },
    ],
}
RESOURCES = [
    PATIENT,
    PATIENT_AT_LOCATION,
    HOME,
    NURSE,
    NURSE_ROLE,
    THERAPIST,
    THERAPIST_ROLE,
    NURSING_ORDER,
    THERAPY_ORDER,
    CARE_PLAN,
]


def spec_bundle() -> dict[str, Any]:
    """A fresh copy of the hand-written Bundle (a ``collection`` with fullUrls)."""
    return {
        "resourceType": "Bundle",
        "id": "home-health-example",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}",
                "resource": copy.deepcopy(r),
            }
            for r in RESOURCES
        ],
    }


ACME = "http://www.acme.org/organizations"
AGENCY = {
    "resourceType": "Organization",
    "id": "acme",
    "identifier": [{"system": ACME, "value": "a1"}],
    "active": True,
    "type": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                    "code": "prov",
                }
            ]
        }
    ],
    "name": "ACME Home Health",
}
BRANCH = {
    "resourceType": "Organization",
    "id": "acme-columbus",
    "identifier": [{"system": ACME, "value": "b1"}],
    "active": True,
    "name": "ACME Home Health, Columbus",
    "partOf": {"reference": "Organization/acme"},
}


def branch_bundle() -> dict[str, Any]:
    """The hand-written Bundle with the agency and its branch as Organizations (no branch id)."""
    bundle = spec_bundle()
    bundle["entry"] += [
        {
            "fullUrl": f"http://example.org/fhir/Organization/{r['id']}",
            "resource": copy.deepcopy(r),
        }
        for r in (AGENCY, BRANCH)
    ]
    return bundle
