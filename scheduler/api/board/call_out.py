"""A call-out from the board: a clinician cannot work from a time; see the dry run, apply it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from scheduler.api.access import branch_in_reach
from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import BoardUser, Staff, StaffChanger
from scheduler.api.board._pages import page, see_other
from scheduler.api.board.week import EDIT_ERRORS, monday_of
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.errors import WorkerTimeoutError
from scheduler.service.interactive_jobs import ask_reschedule
from scheduler.service.reschedule import RescheduleOutcome
from scheduler.service.reschedule_events import ClinicianUnavailable
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.board_week import branch_clinicians, patient_names
from scheduler.store.models import utc_now

router = APIRouter(prefix="/board/branches/{branch_id}", include_in_schema=False)
BranchId = Annotated[str, Path(max_length=64)]
CALL_OUT_ERRORS = (*EDIT_ERRORS, WorkerTimeoutError)  # shown on the form, nothing changed


def _form(
    request: Request,
    session: Session,
    person: BoardUser,
    branch: models.Branch,
    *,
    outcome: RescheduleOutcome | None = None,
    chosen: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The call-out form, with the dry run's diff when there is one."""
    clinicians = branch_clinicians(session, branch_id=branch.id)
    names = {row.id: row.name for row in clinicians}
    patients = {}
    if outcome is not None:
        ids = {change.patient_id for change in outcome.changes}
        patients = patient_names(session, branch_id=branch.id, patient_ids=ids)
    today = datetime.now(ZoneInfo(branch.timezone)).date()
    return page(
        request,
        "call_out.html",
        person=person,
        branch=branch,
        clinicians=clinicians,
        names=names,
        patients=patients,
        outcome=outcome,
        chosen=chosen or {"day": today.isoformat(), "at": "", "clinician_id": "", "seconds": "3"},
        revision=branch.schedule_revision,
        refusal=refusal,
        status_code=status_code,
    )


@router.get("/call-out", response_class=HTMLResponse)
def call_out_form(
    request: Request, session: SessionDep, person: Staff, branch_id: BranchId
) -> HTMLResponse:
    """Pick a clinician, a day and (optionally) the time from which they cannot work."""
    branch = branch_in_reach(session, person.principal, branch_id)
    return _form(request, session, person, branch)


def _call_out(
    request: Request,
    person: BoardUser,
    settings: Settings,
    branch: models.Branch,
    *,
    clinician_id: str,
    day: date,
    at: time | None,
    seconds: float,
    dry_run: bool,
    revision: int | None,
) -> RescheduleOutcome:
    """The reschedule of ``day`` after the clinician's call-out (from ``at``, or all day).

    Solved as a job of the interactive queue, as the API's reschedules are: by a worker when
    a broker is configured, never in this process.
    """
    zone = ZoneInfo(branch.timezone)
    from_time = datetime.combine(day, at, zone) if at else None
    return ask_reschedule(
        request.app.state.sessions,
        request.app.state.jobs,
        branch_id=branch.id,
        day=day,
        events=(ClinicianUnavailable(clinician_id, from_time),),
        now=max(utc_now(), datetime.combine(day, time(), zone)),  # a later day: nothing started
        settings=settings,
        time_limit=seconds,
        dry_run=dry_run,
        expected_revision=revision,
        requested_by=person.principal.user_id,
    )


def _refusal_status(error: Exception) -> int:
    """503 when no worker answered in time (try again), else 409 (the change is refused)."""
    return 503 if isinstance(error, WorkerTimeoutError) else 409


def _chosen(clinician_id: str, day: date, at: time | None, seconds: float) -> dict[str, str]:
    """The form's values, to show again."""
    return {
        "clinician_id": clinician_id,
        "day": day.isoformat(),
        "at": at.strftime("%H:%M") if at else "",
        "seconds": f"{seconds:g}",
    }


Clinician = Annotated[str, Form(max_length=64)]
Day = Annotated[date, Form()]
At = Annotated[time | None, Form()]
Seconds = Annotated[float, Form(gt=0, le=30)]  # as the API's reschedules


@router.post("/call-out/dry-run", name="call-out-dry-run", response_class=HTMLResponse)
def dry_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: StaffChanger,
    branch_id: BranchId,
    clinician_id: Clinician,
    day: Day,
    at: At = None,
    seconds: Seconds = 3.0,
) -> HTMLResponse:
    """Who moves where and when, who to tell: nothing is changed yet."""
    audit_as(request, "call-out-dry-run", clinician_id)
    branch = branch_in_reach(session, person.principal, branch_id)
    chosen = _chosen(clinician_id, day, at, seconds)
    try:
        outcome = _call_out(
            request, person, settings, branch, clinician_id=clinician_id, day=day, at=at,
            seconds=seconds, dry_run=True, revision=None,
        )  # fmt: skip
    except CALL_OUT_ERRORS as error:
        return _form(request, session, person, branch, chosen=chosen, refusal=str(error),
                     status_code=_refusal_status(error))  # fmt: skip
    return _form(request, session, person, branch, outcome=outcome, chosen=chosen)


@router.post("/call-out/apply", name="call-out", response_model=None)
def apply(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: StaffChanger,
    branch_id: BranchId,
    clinician_id: Clinician,
    day: Day,
    revision: Annotated[int, Form(ge=0)],
    at: At = None,
    seconds: Seconds = 3.0,
) -> Response:
    """Apply the call-out if the schedule is still as the dry run saw it; publish the day."""
    audit_as(request, "call-out", clinician_id)
    branch = branch_in_reach(session, person.principal, branch_id)
    try:
        _call_out(
            request, person, settings, branch, clinician_id=clinician_id, day=day, at=at,
            seconds=seconds, dry_run=False, revision=revision,
        )  # fmt: skip
    except CALL_OUT_ERRORS as error:
        chosen = _chosen(clinician_id, day, at, seconds)
        return _form(request, session, person, branch, chosen=chosen, refusal=str(error),
                     status_code=_refusal_status(error))  # fmt: skip
    start = monday_of(day).isoformat()
    return see_other(f"/board/branches/{branch.id}/week?start={start}&done=rescheduled")
