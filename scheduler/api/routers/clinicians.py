"""Clinicians of a branch: list, add, read, replace, delete (their users go with them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from scheduler.api.access import DataWriter, StaffUser
from scheduler.api.deps import AgencyId, Limit, Offset, SessionDep
from scheduler.api.reach import fetch_in_reach, list_in_reach
from scheduler.api.record_writes import RecordKind, create_record, replace_fields
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.clinicians import ClinicianCreate, ClinicianPublic, ClinicianUpdate
from scheduler.api.schemas.fields import Id
from scheduler.store import models
from scheduler.store.records import delete_record
from scheduler.store.users import delete_users_of_clinician

CLINICIANS = RecordKind(
    label="clinician",
    model=models.Clinician,
    create=ClinicianCreate,
    clinicians_named=lambda payload: set(),
)
router = APIRouter(prefix="/v1/clinicians", tags=["clinicians"])
ClinicianId = Annotated[str, Path(max_length=100)]


@router.get("", response_model=Page[ClinicianPublic], summary="List clinicians")
def list_clinicians(
    session: SessionDep,
    principal: DataWriter,
    branch_id: Annotated[Id | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The clinicians of the caller's branches (one branch if named)."""
    return list_in_reach(
        session, principal, models.Clinician, branch_id=branch_id, offset=offset, limit=limit
    )


@router.post(
    "",
    response_model=ClinicianPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a clinician",
)
def create_clinician(
    session: SessionDep, principal: DataWriter, payload: ClinicianCreate, agency_id: AgencyId = None
) -> models.Clinician:
    """A new clinician of a branch in reach (409 when the agency has the id)."""
    return create_record(session, principal, CLINICIANS, payload, agency_id=agency_id)


@router.get("/{clinician_id}", response_model=ClinicianPublic, summary="Read a clinician")
def read_clinician(
    session: SessionDep,
    principal: DataWriter,
    clinician_id: ClinicianId,
    agency_id: AgencyId = None,
) -> models.Clinician:
    """One clinician in reach."""
    return fetch_in_reach(
        session, principal, models.Clinician, clinician_id, label="clinician", agency_id=agency_id
    )


@router.put("/{clinician_id}", response_model=ClinicianPublic, summary="Replace a clinician")
def replace_clinician(
    session: SessionDep,
    principal: DataWriter,
    clinician_id: ClinicianId,
    payload: ClinicianUpdate,
    agency_id: AgencyId = None,
) -> models.Clinician:
    """The clinician's new fields (the whole record; ids and branch stay)."""
    clinician = read_clinician(session, principal, clinician_id, agency_id)
    replace_fields(clinician, payload)
    return clinician


@router.delete(
    "/{clinician_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a clinician"
)
def delete_clinician(
    session: SessionDep, principal: StaffUser, clinician_id: ClinicianId, agency_id: AgencyId = None
) -> Response:
    """Delete a clinician, and with them their users in the same transaction.

    The clinician's user accounts are deleted (not just disabled), so their tokens answer 401
    from the next call and nobody keeps reading patients through them. Visits and care plans
    still naming the clinician keep the delete refused (409).
    """
    clinician = read_clinician(session, principal, clinician_id, agency_id)
    delete_users_of_clinician(session, agency_id=clinician.agency_id, clinician_id=clinician.id)
    delete_record(session, clinician)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
