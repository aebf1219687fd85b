"""A Bundle written after the HL7 examples, read into our records; failures name the resource."""

from __future__ import annotations

import pytest

from scheduler.errors import ProblemError
from scheduler.fhir.bundle_in import bundle_to_records
from tests.fhir.spec_bundle import ACME, branch_bundle, spec_bundle


def _by_id(items):
    return {record["id"]: (source, record) for source, record in items}


def test_the_specification_examples_read_as_clinicians_patients_and_care_plans():
    """Patient, Practitioner(+Role), ServiceRequest and CarePlan map field by field."""
    records = bundle_to_records(spec_bundle(), branch_id="b1")
    clinicians = _by_id(records.clinicians)
    source, nurse = clinicians["23"]
    assert source == "Practitioner/example"
    assert nurse["name"] == "Adam Careful" and nurse["credential"] == "RN"
    assert (nurse["home_latitude"], nurse["home_longitude"]) == (39.96, -83.0)
    assert nurse["skills"] == ["wound care"]
    assert [(h["weekday"], h["start"], h["end"]) for h in nurse["weekly_hours"]] == [
        (0, "09:00:00", "16:30:00"),
        (1, "09:00:00", "16:30:00"),
        (2, "09:00:00", "16:30:00"),
        (3, "09:00:00", "12:00:00"),
        (4, "09:00:00", "12:00:00"),
    ]
    assert clinicians["24"][1]["credential"] == "PT"  # no qualification: the role's code

    patients = _by_id(records.patients)
    assert patients["12345"][1]["name"] == "Peter James Chalmers"
    assert (patients["12345"][1]["latitude"], patients["12345"][1]["longitude"]) == (39.97, -83.0)
    located = patients["12346"][1]
    assert (located["latitude"], located["longitude"]) == (39.975, -82.99)
    assert located["address"] == "12 Oak St, Columbus, OH"

    plans = _by_id(records.care_plans)
    assert plans["SR-2001"][1] == {
        "id": "SR-2001",
        "patient_id": "12345",
        "discipline": "SN",
        "frequency": "3W2",
        "start_of_care": "2026-12-07",
        "visit_minutes": 45,
        "primary_clinician_id": "23",
    }
    assert plans["SR-2002"][1]["frequency"] == "2W2"  # boundsPeriod of 14 days
    assert plans["SR-2002"][1]["visit_minutes"] == 60
    assert plans["CP-77.PT"][0] == "CarePlan/cp1"
    assert plans["CP-77.PT"][1]["frequency"] == "1W2, 2W2"  # two activities: one order
    assert plans["CP-77.PT"][1]["start_of_care"] == "2026-12-07"
    assert plans["CP-77.PT"][1]["primary_clinician_id"] == "24"
    assert len(plans) == 3  # the CarePlan's reference to the ServiceRequest adds nothing


def _resource(bundle, kind, resource_id):
    return next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == kind and e["resource"]["id"] == resource_id
    )


@pytest.mark.parametrize(
    ("kind", "resource_id", "change", "named"),
    [
        ("Patient", "example", {"birthDate": "25/12/1974"}, "Patient/example: birthDate"),
        ("Patient", "pat2", {"name": []}, "Patient/pat2: name"),
        ("ServiceRequest", "pt-order", {"status": "revoked"}, "ServiceRequest/pt-order: status"),
        (
            "PractitionerRole",
            "pt1-role",
            {"availableTime": [{"daysOfWeek": ["someday"], "allDay": True}]},
            "PractitionerRole/pt1-role: availableTime",
        ),
        ("Practitioner", "example", {"address": []}, "Practitioner/example: address"),
        (
            "PractitionerRole",
            "example",
            {"code": [{"coding": [{"code": "OT"}]}]},
            "PractitionerRole/example: code",
        ),
        (
            "ServiceRequest",
            "sn-order",
            {"occurrenceTiming": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "a"}}},
            "ServiceRequest/sn-order: occurrenceTiming.repeat.periodUnit",
        ),
        (
            "ServiceRequest",
            "sn-order",
            {"code": {"text": "nursing"}},
            "ServiceRequest/sn-order: code",
        ),
        (
            "ServiceRequest",
            "pt-order",
            {"subject": "Patient/pat2"},
            "ServiceRequest/pt-order: subject",
        ),
    ],
)
def test_a_bad_resource_is_refused_naming_it_and_its_field(kind, resource_id, change, named):
    """Each failure names the resource (type/id) and the field, from the R4B model or ours."""
    bundle = spec_bundle()
    _resource(bundle, kind, resource_id).update(change)
    with pytest.raises(ProblemError, match=f"^{named}"):
        bundle_to_records(bundle, branch_id="b1")


def test_care_plan_segments_must_follow_one_another():
    """A CarePlan's next segment of a discipline starts where the previous one ends."""
    bundle = spec_bundle()
    plan = _resource(bundle, "CarePlan", "cp1")
    plan["activity"][2]["detail"]["scheduledTiming"]["repeat"]["boundsPeriod"]["start"] = (
        "2026-12-28"
    )
    with pytest.raises(ProblemError, match=r"^CarePlan/cp1: activity\[2\]\.detail"):
        bundle_to_records(bundle, branch_id="b1")


def test_a_non_bundle_is_refused():
    """Only a Bundle is read."""
    with pytest.raises(ProblemError, match="resourceType"):
        bundle_to_records({"resourceType": "Patient"}, branch_id="b1")


def test_the_branch_is_the_organization_no_other_is_part_of():
    """Agency and branch as Organizations: the records go to the branch's identifier value."""
    records = bundle_to_records(branch_bundle(), branch_id=None)
    assert records.branch_id == "b1"
    assert {r["branch_id"] for _, r in records.clinicians + records.patients} == {"b1"}
    assert bundle_to_records(branch_bundle(), branch_id="b1").branch_id == "b1"


def test_a_patient_names_its_branch_by_identifier():
    """A Patient naming its branch by identifier alone (no Organization resource) names it."""
    bundle = spec_bundle()
    bundle["entry"][0]["resource"]["managingOrganization"] = {
        "type": "Organization",
        "identifier": {"system": ACME, "value": "b7"},
    }
    assert bundle_to_records(bundle, branch_id=None).branch_id == "b7"


@pytest.mark.parametrize(
    ("change", "given", "message"),
    [
        (
            None,
            "b2",
            "Organization/acme-columbus: identifier: the Bundle's branch is 'b1', not 'b2'",
        ),
        ("no organization", None, "Organization: give the branch as an Organization"),
        ("two branches", None, "the Bundle names branches b1, b2"),
    ],
)
def test_the_branch_must_be_known_and_agree(change, given, message):
    """No branch at all, two, or one the request contradicts: refused, saying which."""
    bundle = branch_bundle() if change != "no organization" else spec_bundle()
    if change == "two branches":
        role = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "pt1-role")
        role["organization"] = {"type": "Organization", "identifier": {"value": "b2"}}
        patient = bundle["entry"][0]["resource"]
        patient["managingOrganization"] = {"reference": "Organization/acme-columbus"}
    with pytest.raises(ProblemError) as error:
        bundle_to_records(bundle, branch_id=given)
    assert message in str(error.value)
