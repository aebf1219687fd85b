"""Patients of a branch: list, add, read, replace, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from scheduler.api.access import DataWriter, StaffUser
from scheduler.api.deps import AgencyId, Limit, Offset, SessionDep
from scheduler.api.reach import check_clinicians_exist, fetch_in_reach, list_in_reach
from scheduler.api.record_writes import RecordKind, create_record, replace_fields
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.fields import Id
from scheduler.api.schemas.patients import PatientCreate, PatientPublic, PatientUpdate
from scheduler.store import models
from scheduler.store.records import delete_record


def clinicians_named(payload: PatientCreate | PatientUpdate) -> set[str]:
    """The clinicians a patient record names: preferred and excluded."""
    return {*payload.preferred_clinicians, *payload.excluded_clinicians}


PATIENTS = RecordKind(
    label="patient",
    model=models.Patient,
    create=PatientCreate,
    clinicians_named=clinicians_named,
)
router = APIRouter(prefix="/v1/patients", tags=["patients"])
PatientId = Annotated[str, Path(max_length=100)]


@router.get("", response_model=Page[PatientPublic], summary="List patients")
def list_patients(
    session: SessionDep,
    principal: DataWriter,
    branch_id: Annotated[Id | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The patients of the caller's branches (one branch if named)."""
    return list_in_reach(
        session, principal, models.Patient, branch_id=branch_id, offset=offset, limit=limit
    )


@router.post(
    "", response_model=PatientPublic, status_code=status.HTTP_201_CREATED, summary="Add a patient"
)
def create_patient(
    session: SessionDep, principal: DataWriter, payload: PatientCreate, agency_id: AgencyId = None
) -> models.Patient:
    """A new patient of a branch in reach; the clinicians it names must be the branch's."""
    return create_record(session, principal, PATIENTS, payload, agency_id=agency_id)


@router.get("/{patient_id}", response_model=PatientPublic, summary="Read a patient")
def read_patient(
    session: SessionDep, principal: DataWriter, patient_id: PatientId, agency_id: AgencyId = None
) -> models.Patient:
    """One patient in reach."""
    return fetch_in_reach(
        session, principal, models.Patient, patient_id, label="patient", agency_id=agency_id
    )


@router.put("/{patient_id}", response_model=PatientPublic, summary="Replace a patient")
def replace_patient(
    session: SessionDep,
    principal: DataWriter,
    patient_id: PatientId,
    payload: PatientUpdate,
    agency_id: AgencyId = None,
) -> models.Patient:
    """The patient's new fields (the whole record; ids and branch stay)."""
    patient = read_patient(session, principal, patient_id, agency_id)
    check_clinicians_exist(session, patient.branch_id, clinicians_named(payload))
    replace_fields(patient, payload)
    return patient


@router.delete("/{patient_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a patient")
def delete_patient(
    session: SessionDep, principal: StaffUser, patient_id: PatientId, agency_id: AgencyId = None
) -> Response:
    """Delete a patient; their care plans and visits go with them."""
    delete_record(session, read_patient(session, principal, patient_id, agency_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
