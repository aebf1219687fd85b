"""FHIR R4: import a Bundle of people and orders, export published visits as Appointments."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import ValidationError

from scheduler.api.access import DataWriter, branch_in_reach
from scheduler.api.deps import AgencyId, SessionDep
from scheduler.api.routers.imports import import_json, validated
from scheduler.api.schemas.care_plans import CarePlanCreate
from scheduler.api.schemas.clinicians import ClinicianCreate
from scheduler.api.schemas.fhir import FhirBundle
from scheduler.api.schemas.fields import Id, IsoDate
from scheduler.api.schemas.imports import ImportBatch, ImportSummary
from scheduler.api.schemas.patients import PatientCreate
from scheduler.fhir.bundle_in import bundle_to_records
from scheduler.fhir.bundle_out import BookedVisit, appointments_bundle
from scheduler.store.fhir_visits import placed_visits

router = APIRouter(prefix="/v1/fhir", tags=["fhir"])
BranchId = Annotated[Id, Query(description="The branch the records belong to.")]
BundleBranch = Annotated[
    Id | None,
    Query(
        description="The branch the records belong to; without it, the Bundle's branch "
        "Organization (the one its Patients' managingOrganization and PractitionerRoles' "
        "organization name, else the one no other Organization is partOf)."
    ),
]


@router.post("/import", response_model=ImportSummary, summary="Import a FHIR R4 Bundle")
def import_bundle(
    session: SessionDep,
    principal: DataWriter,
    bundle: FhirBundle,
    branch_id: BundleBranch = None,
    agency_id: AgencyId = None,
) -> dict[str, Any]:
    """Patients, Practitioners (with PractitionerRoles), ServiceRequests and CarePlans of a branch.

    Each resource is checked by its FHIR R4B model, then mapped onto a patient, clinician or
    care plan (``occurrenceTiming.repeat`` as a frequency order, e.g. 3 per 1 wk, count 6 ->
    ``3W2``). All or nothing: a resource that cannot be read answers 422 naming it and its
    field, and nothing is written. Records are keyed by each resource's first identifier
    value, so importing the same Bundle again changes nothing. The branch is ``branch_id`` or
    the Bundle's Organization (its first identifier value); given both, they must agree.
    """
    records = bundle_to_records(bundle.model_dump(mode="json", by_alias=True), branch_id=branch_id)
    branch_in_reach(session, principal, records.branch_id)
    try:
        batch = ImportBatch(
            clinicians=[validated(ClinicianCreate, *item) for item in records.clinicians],
            patients=[validated(PatientCreate, *item) for item in records.patients],
            care_plans=[validated(CarePlanCreate, *item) for item in records.care_plans],
        )
    except ValidationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, error.errors()[0]["msg"]
        ) from None
    return import_json(session, principal, batch, agency_id)


@router.get("/appointments", response_model=FhirBundle, summary="Published visits as FHIR")
def export_appointments(
    session: SessionDep,
    principal: DataWriter,
    branch_id: BranchId,
    start: Annotated[IsoDate, Query(description="The first branch-local day, e.g. 2026-11-30.")],
    days: Annotated[int, Query(ge=1, le=31, description="How many days from start.")] = 7,
) -> dict[str, Any]:
    """A Bundle of one Appointment per visit published to start in those days.

    Status booked (published), fulfilled (completed), noshow (missed) or cancelled; start and
    end with the branch's UTC offset; participants the Practitioner and the Patient;
    ``basedOn`` the ServiceRequest (care plan); identifiers stable across exports.
    """
    branch = branch_in_reach(session, principal, branch_id)
    zone = ZoneInfo(branch.timezone)
    first = datetime.combine(start, time(), zone)
    end = datetime.combine(start + timedelta(days=days), time(), zone)
    rows = placed_visits(session, branch_id=branch.id, start=first, end=end)
    visits = [BookedVisit.of(row) for row in rows]
    return appointments_bundle(visits, timezone=branch.timezone)
