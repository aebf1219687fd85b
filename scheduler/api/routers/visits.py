"""Visits: given one by one, or a care plan's visits once published; clinicians see theirs.

A visit given one by one may carry a link to another visit of the same patient (a two-person
transfer, an aide after the nurse): the link is stored apart and shown on both visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import (
    FORBIDDEN,
    AnyUser,
    DataWriter,
    Principal,
    StaffUser,
    branches_in_reach,
)
from scheduler.api.deps import AgencyId, Limit, Offset, SessionDep
from scheduler.api.reach import caller_agency, check_clinicians_exist, fetch_in_reach
from scheduler.api.record_writes import RecordKind, create_record, replace_fields
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.fields import Id, IsoDate
from scheduler.api.schemas.visits import (
    VisitCreate,
    VisitFields,
    VisitLinkPublic,
    VisitPublic,
    VisitStatusUpdate,
    VisitUpdate,
)
from scheduler.domain.visit_status import HISTORY, status_change_refusal
from scheduler.service.visit_links import replace_visit_link
from scheduler.store import models
from scheduler.store.models import Role, VisitStatus, utc_now
from scheduler.store.records import delete_record, list_records
from scheduler.store.visit_links import visit_links

VISITS = RecordKind(
    label="visit",
    model=models.Visit,
    create=VisitCreate,
    clinicians_named=lambda payload: (
        {payload.pinned_clinician_id, payload.preferred_clinician_id} - {None}
    ),
    parent=models.Patient,
    stored_apart=frozenset({"link"}),
)
router = APIRouter(prefix="/v1/visits", tags=["visits"])
VisitId = Annotated[str, Path(max_length=100)]


def visit_first_day(session: Session, branch_id: str, payload: VisitFields) -> date:
    """The branch-local date of the visit's earliest window."""
    branch = session.get(models.Branch, branch_id)
    zone = ZoneInfo(branch.timezone if branch else "UTC")
    return min(window.start for window in payload.windows).astimezone(zone).date()


def write_visit_link(session: Session, visit: models.Visit, payload: VisitFields) -> None:
    """Store the payload's link on the visit, or unlink it when the payload has none."""
    link = None if payload.link is None else payload.link.link_for(visit.id)
    replace_visit_link(session, agency_id=visit.agency_id, visit_id=visit.id, link=link)


def visits_public(session: Session, rows: Sequence[models.Visit]) -> list[VisitPublic]:
    """The visits as the API shows them, each with its link seen from its side."""
    agencies: dict[str, list[str]] = {}
    for row in rows:
        agencies.setdefault(row.agency_id, []).append(row.id)
    links = {
        agency_id: visit_links(session, agency_id=agency_id, visit_ids=ids)
        for agency_id, ids in agencies.items()
    }
    public = []
    for row in rows:
        link = links[row.agency_id].get(row.id)
        shown = None if link is None else VisitLinkPublic.of(link, visit_id=row.id)
        public.append(VisitPublic.model_validate(row).model_copy(update={"link": shown}))
    return public


def back_to_planned(visit: models.Visit) -> dict[str, Any]:
    """The fields of a replaced visit: planned again, until a plan places it (409 if history).

    Replacing by PUT and by import follow this one rule.
    """
    if visit.status in HISTORY:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"visit {visit.id} is {visit.status}: its record is history and is not replaced",
        )
    return {"status": VisitStatus.PLANNED, "clinician_id": None, "start_at": None}


def _visit_in_reach(
    session: Session, principal: Principal, visit_id: str, agency_id: str | None
) -> models.Visit:
    """The visit if the caller may see it: a clinician only their own (404 otherwise)."""
    if principal.role == Role.CLINICIAN:
        agency = caller_agency(session, principal, agency_id)
        visit = session.get(models.Visit, (agency, visit_id))
        if visit is None or visit.clinician_id != principal.clinician_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no visit {visit_id!r}")
        return visit
    return fetch_in_reach(
        session, principal, models.Visit, visit_id, label="visit", agency_id=agency_id
    )


@router.get("", response_model=Page[VisitPublic], summary="List visits")
def list_visits(
    session: SessionDep,
    principal: AnyUser,
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
        where.append(visit.agency_id == caller_agency(session, principal))
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
    return {
        "items": visits_public(session, rows),
        "total": total,
        "offset": offset,
        "limit": limit,
    }


@router.post(
    "", response_model=VisitPublic, status_code=status.HTTP_201_CREATED, summary="Add a visit"
)
def create_visit(
    session: SessionDep, principal: DataWriter, payload: VisitCreate, agency_id: AgencyId = None
) -> Any:
    """A visit given one by one; it joins the next plan whose days meet one of its windows.

    With a ``link``, it is linked to another open visit of the same patient given one by one
    (422 when that visit is unknown, of another patient, from a care plan, not open, or
    already linked).
    """
    patient = fetch_in_reach(
        session, principal, models.Patient, payload.patient_id, label="patient", agency_id=agency_id
    )
    visit = create_record(
        session,
        principal,
        VISITS,
        payload,
        agency_id=patient.agency_id,
        first_day=visit_first_day(session, patient.branch_id, payload),
    )
    write_visit_link(session, visit, payload)
    return visits_public(session, [visit])[0]


@router.get("/{visit_id}", response_model=VisitPublic, summary="Read a visit")
def read_visit(
    session: SessionDep, principal: AnyUser, visit_id: VisitId, agency_id: AgencyId = None
) -> Any:
    """One visit (a clinician: only one published to them)."""
    return visits_public(session, [_visit_in_reach(session, principal, visit_id, agency_id)])[0]


@router.put("/{visit_id}", response_model=VisitPublic, summary="Replace a visit")
def replace_visit(
    session: SessionDep,
    principal: DataWriter,
    visit_id: VisitId,
    payload: VisitUpdate,
    agency_id: AgencyId = None,
) -> Any:
    """New fields for a visit; it goes back to planned until the next plan places it.

    A completed, missed or cancelled visit is history and cannot be replaced (409).

    Its ``link`` replaces the link written on it; without one it is unlinked. A link in which
    it is the first visit is written on the other visit and stays.
    """
    visit = fetch_in_reach(
        session, principal, models.Visit, visit_id, label="visit", agency_id=agency_id
    )
    check_clinicians_exist(session, visit.branch_id, VISITS.clinicians_named(payload))
    replace_fields(
        visit,
        payload,
        skip=VISITS.stored_apart,
        first_day=visit_first_day(session, visit.branch_id, payload),
        **back_to_planned(visit),
    )
    write_visit_link(session, visit, payload)
    return visits_public(session, [visit])[0]


@router.patch(
    "/{visit_id}/status",
    response_model=VisitPublic,
    responses=FORBIDDEN,
    summary="Report a visit",
)
def report_visit(
    session: SessionDep,
    principal: AnyUser,
    visit_id: VisitId,
    payload: VisitStatusUpdate,
    agency_id: AgencyId = None,
) -> Any:
    """Mark a visit completed, missed or cancelled (a clinician: only their own, not cancel).

    Allowed: planned -> cancelled; published -> completed or missed once its start has come,
    or cancelled. Completed, missed and cancelled visits are history. Any other change is a
    409 naming the visit's current status and what it may become.

    A linked visit keeps its link, but plans take a link only while both visits are open:
    once one is cancelled or missed, the other is planned alone (cancel both to drop a pair).
    """
    visit = _visit_in_reach(session, principal, visit_id, agency_id)
    if principal.role == Role.CLINICIAN and payload.status == VisitStatus.CANCELLED:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a clinician may not cancel a visit")
    if principal.role == Role.AGENCY_SYSTEM and payload.status != VisitStatus.CANCELLED:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency system may only cancel visits")
    refusal = status_change_refusal(
        visit.id, visit.status, payload.status, start_at=visit.start_at, now=utc_now()
    )
    if refusal is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, refusal)
    visit.status = payload.status
    return visits_public(session, [visit])[0]


@router.delete("/{visit_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a visit")
def delete_visit(
    session: SessionDep, principal: StaffUser, visit_id: VisitId, agency_id: AgencyId = None
) -> Response:
    """Remove a visit given by mistake (cancel it instead once it was published).

    Its link, if any, goes with it: the other visit stays, unlinked.
    """
    visit = fetch_in_reach(
        session, principal, models.Visit, visit_id, label="visit", agency_id=agency_id
    )
    if visit.status != VisitStatus.PLANNED:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"visit {visit_id!r} is {visit.status}: cancel it instead"
        )
    delete_record(session, visit)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
