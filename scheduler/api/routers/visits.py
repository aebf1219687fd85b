"""Visits: given one by one, or a care plan's visits once published; clinicians see theirs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import DataWriters, EveryRole, Principal, allow, branches_in_reach
from scheduler.api.crud import (
    Limit,
    Offset,
    Resource,
    check_clinicians_exist,
    create_record,
    fetch_in_reach,
    replace_fields,
)
from scheduler.api.deps import SessionDep
from scheduler.api.schemas import (
    Id,
    IsoDate,
    Page,
    VisitCreate,
    VisitFields,
    VisitPublic,
    VisitStatusUpdate,
    VisitUpdate,
)
from scheduler.store import models
from scheduler.store.models import Role, VisitStatus
from scheduler.store.records import delete_record, list_records

VISITS = Resource(
    name="visits",
    label="visit",
    model=models.Visit,
    create=VisitCreate,
    update=VisitUpdate,
    public=VisitPublic,
    clinicians_named=lambda payload: (
        {payload.pinned_clinician_id, payload.preferred_clinician_id} - {None}
    ),
    parent=models.Patient,
)
router = APIRouter(prefix="/v1/visits", tags=["visits"])
Writer = Annotated[Principal, Depends(allow(*DataWriters))]
Anyone = Annotated[Principal, Depends(allow(*EveryRole))]
VisitId = Annotated[str, Path(max_length=100)]


def visit_first_day(session: Session, branch_id: str, payload: VisitFields) -> date:
    """The branch-local date of the visit's earliest window."""
    branch = session.get(models.Branch, branch_id)
    zone = ZoneInfo(branch.timezone if branch else "UTC")
    return min(window.start for window in payload.windows).astimezone(zone).date()


def _visit_in_reach(session: Session, principal: Principal, visit_id: str) -> models.Visit:
    """The visit if the caller may see it: a clinician only their own (404 otherwise)."""
    if principal.role == Role.CLINICIAN:
        visit = session.get(models.Visit, visit_id)
        if visit is None or visit.clinician_id != principal.clinician_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no visit {visit_id!r}")
        return visit
    return fetch_in_reach(session, principal, models.Visit, visit_id, label="visit")


@router.get("", response_model=Page[VisitPublic], summary="List visits")
def list_visits(
    session: SessionDep,
    principal: Anyone,
    branch_id: Annotated[Id | None, Query()] = None,
    patient_id: Annotated[Id | None, Query()] = None,
    clinician_id: Annotated[Id | None, Query()] = None,
    visit_status: Annotated[VisitStatus | None, Query(alias="status")] = None,
    day_from: Annotated[
        IsoDate | None, Query(alias="from", description="First day, inclusive.")
    ] = None,
    day_to: Annotated[IsoDate | None, Query(alias="to", description="Last day, inclusive.")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Visits in reach; a clinician sees only the visits published to them."""
    visit = models.Visit
    where: list[Any] = []
    if principal.role == Role.CLINICIAN:
        where.append(visit.clinician_id == principal.clinician_id)
    else:
        reach = branches_in_reach(session, principal)
        if reach is not None:
            where.append(visit.branch_id.in_(reach))
    for column, value in (
        (visit.branch_id, branch_id),
        (visit.patient_id, patient_id),
        (visit.clinician_id, clinician_id),
        (visit.status, visit_status),
    ):
        if value is not None:
            where.append(column == value)
    if day_from is not None:
        where.append(visit.first_day >= day_from)
    if day_to is not None:
        where.append(visit.first_day <= day_to)
    rows, total = list_records(
        session, visit, where=where, order_by=[visit.first_day], offset=offset, limit=limit
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}


@router.post(
    "", response_model=VisitPublic, status_code=status.HTTP_201_CREATED, summary="Add a visit"
)
def create_visit(session: SessionDep, principal: Writer, payload: VisitCreate) -> Any:
    """A visit given one by one; it joins the next plan whose days meet one of its windows."""
    patient = fetch_in_reach(
        session, principal, models.Patient, payload.patient_id, label="patient"
    )
    return create_record(
        session,
        principal,
        VISITS,
        payload,
        first_day=visit_first_day(session, patient.branch_id, payload),
    )


@router.get("/{visit_id}", response_model=VisitPublic, summary="Read a visit")
def read_visit(session: SessionDep, principal: Anyone, visit_id: VisitId) -> Any:
    """One visit (a clinician: only one published to them)."""
    return _visit_in_reach(session, principal, visit_id)


@router.put("/{visit_id}", response_model=VisitPublic, summary="Replace a visit")
def replace_visit(
    session: SessionDep, principal: Writer, visit_id: VisitId, payload: VisitUpdate
) -> Any:
    """New fields for a visit; it goes back to planned until the next plan places it."""
    visit = fetch_in_reach(session, principal, models.Visit, visit_id, label="visit")
    check_clinicians_exist(session, visit.branch_id, VISITS.clinicians_named(payload))
    replace_fields(
        visit,
        payload,
        first_day=visit_first_day(session, visit.branch_id, payload),
        status=VisitStatus.PLANNED,
        clinician_id=None,
        start_at=None,
    )
    return visit


@router.patch("/{visit_id}/status", response_model=VisitPublic, summary="Report a visit")
def report_visit(
    session: SessionDep, principal: Anyone, visit_id: VisitId, payload: VisitStatusUpdate
) -> Any:
    """Mark a visit completed, missed or cancelled (a clinician: only their own, not cancel)."""
    visit = _visit_in_reach(session, principal, visit_id)
    if principal.role == Role.CLINICIAN and payload.status == VisitStatus.CANCELLED:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a clinician may not cancel a visit")
    if principal.role == Role.AGENCY_SYSTEM and payload.status != VisitStatus.CANCELLED:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency system may only cancel visits")
    visit.status = payload.status
    return visit


@router.delete("/{visit_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a visit")
def delete_visit(session: SessionDep, principal: Writer, visit_id: VisitId) -> Response:
    """Remove a visit given by mistake (cancel it instead once it was published)."""
    visit = fetch_in_reach(session, principal, models.Visit, visit_id, label="visit")
    if visit.status != VisitStatus.PLANNED:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"visit {visit_id!r} is {visit.status}: cancel it instead"
        )
    delete_record(session, visit)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
