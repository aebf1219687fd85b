"""Who can take a new visit, and when: insertion options in a branch's published days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, Field

from scheduler.api.access import DataWriter, branch_in_reach
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.api.reach import check_clinicians_exist
from scheduler.api.routers.jobs import WORKER_TIMEOUT, worker_answers
from scheduler.api.routers.visits import VISITS, visit_first_day
from scheduler.api.schemas.fields import WriteModel
from scheduler.api.schemas.visits import VisitCreate
from scheduler.service.interactive_jobs import ask_insertion_options
from scheduler.store import models

router = APIRouter(prefix="/v1/branches", tags=["insertions"])
BranchId = Annotated[str, Path(max_length=64)]


class InsertionRequest(WriteModel):
    """A new visit to place, and how many options to give."""

    visit: VisitCreate
    limit: Annotated[int, Field(ge=1, le=20)] = 5


class InsertionOptionPublic(BaseModel):
    """One place the visit fits: who, when, where in their day, and the driving it adds."""

    clinician_id: str
    day: date
    start: datetime
    added_travel_minutes: int
    added_travel_km: float
    position: int = Field(description="0-based index of the visit in the clinician's day.")


@router.post(
    "/{branch_id}/insertion-options",
    response_model=list[InsertionOptionPublic],
    responses=WORKER_TIMEOUT,
    summary="Who can take a new visit, and when",
)
def read_insertion_options(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: DataWriter,
    branch_id: BranchId,
    payload: InsertionRequest,
) -> list[dict[str, Any]]:
    """The best few places for a new visit in the published days its windows meet.

    Cheapest added driving first, then earliest start; each option keeps the day valid
    (windows, shift, lunch, caps) when the visit is added there. Nothing is written. A visit
    with a ``link`` is refused (422): options place one visit alone. With a broker set, a
    worker finds them (the interactive queue) while the request waits.
    """
    branch = branch_in_reach(session, principal, branch_id)
    visit = payload.visit
    patient = session.get(models.Patient, (branch.agency_id, visit.patient_id))
    if patient is None or patient.branch_id != branch_id:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no patient {visit.patient_id!r} in {branch_id!r}"
        )
    check_clinicians_exist(session, branch_id, VISITS.clinicians_named(visit))
    if visit.link is not None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "insertion options place one visit alone: ask without a link",
        )
    first_day = visit_first_day(session, branch_id, visit)
    values = visit.model_dump(mode="json", exclude=set(VISITS.stored_apart)) | {
        "agency_id": branch.agency_id,
        "branch_id": branch_id,
        "first_day": first_day.isoformat(),
    }
    with worker_answers():
        choices = ask_insertion_options(
            request.app.state.sessions,
            request.app.state.jobs,
            branch_id=branch_id,
            visit=values,
            day=first_day,
            settings=settings,
            limit=payload.limit,
            requested_by=principal.user_id,
        )
    return [
        {
            "clinician_id": choice.clinician_id,
            "day": choice.day,
            "start": choice.start,
            "added_travel_minutes": round(choice.added_travel_seconds / 60),
            "added_travel_km": round(choice.added_travel_metres / 1000, 1),
            "position": choice.position,
        }
        for choice in choices
    ]
