"""A branch's published schedule (with its ETag), and reschedules after events."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Request, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import (
    FORBIDDEN,
    ONLY_DRY_RUNS,
    DataWriter,
    branch_in_reach,
)
from scheduler.api.concurrency import (
    STALE_SCHEDULE,
    IfMatch,
    expected_revision,
    schedule_etag,
)
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.api.idempotency import payload_hash, run_once
from scheduler.api.reach import check_clinicians_exist, fetch_in_reach
from scheduler.api.routers.jobs import WORKER_TIMEOUT, worker_answers
from scheduler.api.routers.visits import VISITS, visit_first_day
from scheduler.api.schemas.answers import ErrorMessage
from scheduler.api.schemas.reschedules import (
    RescheduleAnswer,
    RescheduleRequest,
    SchedulePublic,
    VisitAdded,
)
from scheduler.service.interactive_jobs import ask_reschedule
from scheduler.service.reschedule_events import (
    ClinicianUnavailable,
    Event,
    PatientUnavailable,
    VisitCancelled,
    VisitRunningLate,
)
from scheduler.service.reschedule_events import VisitAdded as AddVisit
from scheduler.store import models
from scheduler.store.models import Role, utc_now
from scheduler.store.published_days import published_days

router = APIRouter(prefix="/v1/branches", tags=["reschedules"])
BranchId = Annotated[str, Path(max_length=64)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Required unless dry_run: the same key and payload give the same answer.",
    ),
]


@router.get(
    "/{branch_id}/schedule", response_model=SchedulePublic, summary="A branch's published days"
)
def read_schedule(
    response: Response, session: SessionDep, principal: DataWriter, branch_id: BranchId
) -> dict[str, Any]:
    """Which plan version is published for each day; the ETag guards edits (If-Match)."""
    branch = branch_in_reach(session, principal, branch_id)
    rows = published_days(session, branch_id=branch.id)
    response.headers["ETag"] = schedule_etag(branch.schedule_revision)
    return {
        "branch_id": branch.id,
        "revision": branch.schedule_revision,
        "days": [{"day": day, "plan_id": plan, "version": version} for day, plan, version in rows],
    }


@router.post(
    "/{branch_id}/reschedules",
    response_model=RescheduleAnswer,
    responses=STALE_SCHEDULE
    | FORBIDDEN
    | WORKER_TIMEOUT
    | {428: {"model": ErrorMessage, "description": "A change without an Idempotency-Key"}},
    summary="Replan a published day after events (or a what-if)",
)
def reschedule(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: DataWriter,
    branch_id: BranchId,
    payload: RescheduleRequest,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Freeze what started before ``now``, replan the rest changing as little as possible.

    The answer lists each changed visit (reassigned, retimed, dropped, added, cancelled),
    the clinicians and patients to tell, and the day's KPIs before and after. It never
    places fewer visits than the current routes less what can no longer be made (required
    visits first): if the solver's replan would, that fallback is the answer
    (``plan_source``). Each visit the published day had placed that the answer leaves out
    is in ``dropped`` with its reason. With ``dry_run`` nothing changes; otherwise the new
    version is published and announced (the event lists the dropped visits too). An agency
    system asks for dry runs only (403 otherwise): a scheduler publishes the change. With a
    broker set, a worker solves it (the interactive queue) while the request waits.
    """
    if principal.role == Role.AGENCY_SYSTEM and not payload.dry_run:
        raise HTTPException(status.HTTP_403_FORBIDDEN, ONLY_DRY_RUNS)
    branch = branch_in_reach(session, principal, branch_id)
    revision = expected_revision(if_match)
    if not payload.dry_run and not idempotency_key:
        raise HTTPException(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "an Idempotency-Key header is required to change the schedule",
        )
    for event in payload.events:
        if isinstance(event, VisitAdded):
            patient = fetch_in_reach(
                session,
                principal,
                models.Patient,
                event.visit.patient_id,
                label="patient",
                agency_id=branch.agency_id,
            )
            if patient.branch_id != branch_id:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"no patient {patient.id!r} in {branch_id!r}"
                )
            check_clinicians_exist(session, branch_id, VISITS.clinicians_named(event.visit))
            if event.visit.link is not None:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    "a visit added by a reschedule is planned alone: add a linked visit "
                    "through /v1/visits and plan the day again",
                )

    sessions = request.app.state.sessions

    def work(work_session: Session) -> dict[str, Any]:
        events = tuple(_event(work_session, branch_id, event) for event in payload.events)
        outcome = ask_reschedule(
            sessions,
            request.app.state.jobs,
            branch_id=branch_id,
            day=payload.day,
            events=events,
            now=payload.now or utc_now(),
            settings=settings,
            time_limit=payload.time_limit_seconds,
            dry_run=payload.dry_run,
            expected_revision=revision,
            requested_by=principal.user_id,
        )
        answer = asdict(outcome) | {"dry_run": payload.dry_run}
        return RescheduleAnswer.model_validate(answer).model_dump(mode="json")

    with worker_answers():
        if payload.dry_run:
            with sessions() as dry_session:
                return work(dry_session)
        return run_once(
            sessions,
            user_id=principal.user_id,
            key=idempotency_key,
            request_hash=payload_hash(payload.model_dump(mode="json", by_alias=True)),
            work=work,
        )


def _event(session: Session, branch_id: str, event: Any) -> Event:
    """The service's event for a request event (an added visit: its record's fields)."""
    if isinstance(event, VisitAdded):
        fields = event.visit.model_dump(mode="json", exclude=set(VISITS.stored_apart))
        first_day = visit_first_day(session, branch_id, event.visit)
        return AddVisit(visit=fields | {"first_day": first_day})
    kind = event.type
    if kind == "clinician_unavailable":
        return ClinicianUnavailable(event.clinician_id, from_time=event.from_time)
    if kind == "visit_running_late":
        return VisitRunningLate(event.visit_id, ends_at=event.ends_at)
    if kind == "patient_unavailable":
        windows = tuple((window.start, window.end) for window in event.windows)
        return PatientUnavailable(event.patient_id, windows=windows)
    return VisitCancelled(event.visit_id)
