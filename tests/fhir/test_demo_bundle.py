"""A demo branch (25 clinicians, 350 patients) written as FHIR and read back."""

from __future__ import annotations

import pytest

from scheduler.demo.week import generate_agency_week
from scheduler.domain.frequency import parse_frequency
from scheduler.fhir.bundle_in import bundle_to_records
from scheduler.service.problem_records import problem_to_records
from tests.fhir.demo_bundle import records_to_bundle


@pytest.fixture(scope="module")
def demo_records():
    """The demo branch's records."""
    return problem_to_records(generate_agency_week(clinicians=25, patients=350), branch_id="b1")


def test_a_demo_branch_reads_back_field_for_field(demo_records):
    """Every person and order comes back: ids, places, hours, credentials, orders' segments."""
    read = bundle_to_records(records_to_bundle(demo_records), branch_id="b1")
    clinicians = {r["id"]: r for _, r in read.clinicians}
    assert len(clinicians) == 25
    for original in demo_records["clinicians"]:
        back = clinicians[original["id"]]
        assert back["credential"] == original["credential"]
        assert back["skills"] == sorted(original["skills"])
        assert (back["home_latitude"], back["home_longitude"]) == (
            original["home_latitude"],
            original["home_longitude"],
        )
        assert [(h["weekday"], h["start"], h["end"]) for h in back["weekly_hours"]] == [
            (h["weekday"], h["start"], h["end"]) for h in original["weekly_hours"]
        ]
    patients = {r["id"]: r for _, r in read.patients}
    assert len(patients) == 350
    for original in demo_records["patients"]:
        back = patients[original["id"]]
        assert (back["name"], back["latitude"], back["longitude"]) == (
            original["name"],
            original["latitude"],
            original["longitude"],
        )
    plans = {r["id"]: r for _, r in read.care_plans}
    assert len(plans) == len(demo_records["care_plans"])
    for original in demo_records["care_plans"]:
        back = plans[f"{original['id']}.{original['discipline']}"]
        assert back["patient_id"] == original["patient_id"]
        assert back["start_of_care"] == original["start_of_care"]
        assert back["visit_minutes"] == original["visit_minutes"]
        assert (
            parse_frequency(back["frequency"]).segments
            == parse_frequency(original["frequency"]).segments
        )
