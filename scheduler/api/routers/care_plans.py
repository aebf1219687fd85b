"""Care plans of a patient: list, add, read, replace, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from scheduler.api.access import DataWriter, StaffUser
from scheduler.api.deps import AgencyId, Limit, Offset, SessionDep
from scheduler.api.reach import check_clinicians_exist, fetch_in_reach, list_in_reach
from scheduler.api.record_writes import RecordKind, create_record, replace_fields
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.care_plans import CarePlanCreate, CarePlanPublic, CarePlanUpdate
from scheduler.api.schemas.fields import Id
from scheduler.store import models
from scheduler.store.records import delete_record


def clinicians_named(payload: CarePlanCreate | CarePlanUpdate) -> set[str]:
    """The clinician a care plan names: its primary clinician, if any."""
    return {payload.primary_clinician_id} - {None}


CARE_PLANS = RecordKind(
    label="care plan",
    model=models.CarePlan,
    create=CarePlanCreate,
    clinicians_named=clinicians_named,
    parent=models.Patient,
)
router = APIRouter(prefix="/v1/care-plans", tags=["care-plans"])
CarePlanId = Annotated[str, Path(max_length=100)]


@router.get("", response_model=Page[CarePlanPublic], summary="List care-plans")
def list_care_plans(
    session: SessionDep,
    principal: DataWriter,
    branch_id: Annotated[Id | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The care plans of the caller's branches (one branch if named)."""
    return list_in_reach(
        session, principal, models.CarePlan, branch_id=branch_id, offset=offset, limit=limit
    )


@router.post(
    "",
    response_model=CarePlanPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a care plan",
)
def create_care_plan(
    session: SessionDep, principal: DataWriter, payload: CarePlanCreate, agency_id: AgencyId = None
) -> models.CarePlan:
    """A new care plan for a patient in reach; its branch is the patient's."""
    return create_record(session, principal, CARE_PLANS, payload, agency_id=agency_id)


@router.get("/{care_plan_id}", response_model=CarePlanPublic, summary="Read a care plan")
def read_care_plan(
    session: SessionDep, principal: DataWriter, care_plan_id: CarePlanId, agency_id: AgencyId = None
) -> models.CarePlan:
    """One care plan in reach."""
    return fetch_in_reach(
        session, principal, models.CarePlan, care_plan_id, label="care plan", agency_id=agency_id
    )


@router.put("/{care_plan_id}", response_model=CarePlanPublic, summary="Replace a care plan")
def replace_care_plan(
    session: SessionDep,
    principal: DataWriter,
    care_plan_id: CarePlanId,
    payload: CarePlanUpdate,
    agency_id: AgencyId = None,
) -> models.CarePlan:
    """The care plan's new fields (the whole record; ids, patient and branch stay)."""
    care_plan = read_care_plan(session, principal, care_plan_id, agency_id)
    check_clinicians_exist(session, care_plan.branch_id, clinicians_named(payload))
    replace_fields(care_plan, payload)
    return care_plan


@router.delete(
    "/{care_plan_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a care plan"
)
def delete_care_plan(
    session: SessionDep, principal: StaffUser, care_plan_id: CarePlanId, agency_id: AgencyId = None
) -> Response:
    """Delete a care plan; its visits stay, without a care plan."""
    delete_record(session, read_care_plan(session, principal, care_plan_id, agency_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
