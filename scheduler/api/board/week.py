"""The week board of a branch, its left-out visits, and placing a visit (assign or move)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from scheduler.api.access import branch_in_reach
from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import BoardUser, Staff, StaffChanger
from scheduler.api.board._kpi_strip import kpi_strip
from scheduler.api.board._pages import page, see_other
from scheduler.api.board._week_view import FIRST_HOUR, LAST_HOUR, week_rows
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.errors import (
    ConflictError,
    NotFoundError,
    ProblemError,
    StaleError,
    WorkerTimeoutError,
)
from scheduler.service.board_edits import place_visit
from scheduler.service.interactive_jobs import ask_left_out_places
from scheduler.store import models
from scheduler.store.board_week import (
    branch_clinicians,
    left_out_visits,
    published_week,
    version_figures,
)
from scheduler.store.models import VisitStatus
from scheduler.store.published_days import published_days
from scheduler.store.visits import visit_statuses

router = APIRouter(prefix="/board", include_in_schema=False)
BranchId = Annotated[str, Path(max_length=64)]
RecordId = Annotated[str, Path(max_length=100)]
EDIT_ERRORS = (ConflictError, StaleError, NotFoundError, ProblemError)
NOTICES = {
    "placed": "The change is published.",
    "published": "The plan is published.",
    "rescheduled": "The call-out is applied and the day published.",
}


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _default_start(session: Session, branch: models.Branch) -> date:
    """The Monday of the week of today, or of the first published day after it."""
    this_week = monday_of(datetime.now(ZoneInfo(branch.timezone)).date())
    later = [row.day for row in published_days(session, branch_id=branch.id)]
    upcoming = [day for day in later if day >= this_week]
    return monday_of(upcoming[0]) if upcoming else this_week


def week_page(
    request: Request,
    session: Session,
    person: BoardUser,
    branch: models.Branch,
    start: date,
    *,
    notice: str | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The week from Monday ``start``: weekdays, and weekend days with routes."""
    days = [start + timedelta(days=k) for k in range(7)]
    week = published_week(session, branch_id=branch.id, days=days)
    days = [day for day in days if day.weekday() < 5 or week.itineraries[day]]
    rows = week_rows(week, branch_clinicians(session, branch_id=branch.id), days)
    main = max(week.plan_days, key=lambda plan_id: len(week.plan_days[plan_id]), default=None)
    strip = kpi_strip(main, tuple(days), lambda plan_id: version_figures(session, plan_id=plan_id))
    return page(
        request,
        "week.html",
        person=person,
        status_code=status_code,
        branch=branch,
        days=days,
        rows=rows,
        kpis=strip,
        left_out=week.left_out,
        disciplines=sorted({row.discipline for row in rows}),
        revision=branch.schedule_revision,
        previous=start - timedelta(days=7),
        following=start + timedelta(days=7),
        first_hour=FIRST_HOUR,
        last_hour=LAST_HOUR,
        notice=notice,
        refusal=refusal,
    )


@router.get("/branches/{branch_id}/week", response_class=HTMLResponse)
def read_week(
    request: Request,
    session: SessionDep,
    person: Staff,
    branch_id: BranchId,
    start: Annotated[date | None, Query()] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """A branch's week: clinicians by days, KPIs, filters, left-out visits, the move form."""
    branch = branch_in_reach(session, person.principal, branch_id)
    first = monday_of(start) if start else _default_start(session, branch)
    return week_page(request, session, person, branch, first, notice=NOTICES.get(done or ""))


@router.get("/branches/{branch_id}/left-out/{plan_id}/{visit_id}", response_class=HTMLResponse)
def read_left_out(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: Staff,
    branch_id: BranchId,
    plan_id: RecordId,
    visit_id: RecordId,
) -> HTMLResponse:
    """A left-out visit's reason, and who can take it (the insertion options)."""
    branch = branch_in_reach(session, person.principal, branch_id)
    visit = next(
        (v for v in left_out_visits(session, plan_ids=[plan_id]) if v.visit_id == visit_id), None
    )
    plan = session.get(models.Plan, plan_id)
    if visit is None or plan is None or plan.branch_id != branch.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no left-out visit {visit_id!r}")
    refusal, places = None, []
    try:  # found by a worker when a broker is configured, never in this process
        places = ask_left_out_places(
            request.app.state.sessions,
            request.app.state.jobs,
            branch_id=branch.id,
            plan_id=plan_id,
            visit_id=visit_id,
            day=plan.start_date,
            settings=settings,
            requested_by=person.principal.user_id,
        )
    except (*EDIT_ERRORS, WorkerTimeoutError) as error:
        refusal = str(error)
    names = {row.id: row.name for row in branch_clinicians(session, branch_id=branch.id)}
    return page(
        request,
        "left_out.html",
        person=person,
        branch=branch,
        visit=visit,
        places=places,
        names=names,
        revision=branch.schedule_revision,
        week_start=monday_of(plan.start_date),
        refusal=refusal,
    )


@router.post("/branches/{branch_id}/placements", name="placement", response_model=None)
def place(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: StaffChanger,
    branch_id: BranchId,
    visit_id: Annotated[str, Form(max_length=100)],
    clinician_id: Annotated[str, Form(max_length=64)],
    day: Annotated[date, Form()],
    at: Annotated[time, Form()],
    revision: Annotated[int, Form(ge=0)],
    back: Annotated[date, Form()],
) -> Response:
    """Assign a left-out visit or move one: validated, then published if the schedule is as read.

    Any published day can be edited, whichever version publishes the week's other days. A
    refusal names the rule broken (or says the schedule changed since it was read, or that
    the day is not published).
    """
    branch = branch_in_reach(session, person.principal, branch_id)
    placed = visit_statuses(session, branch_id=branch.id, visit_ids=[visit_id]).get(visit_id)
    audit_as(request, "move" if placed == VisitStatus.PUBLISHED else "assign", visit_id)
    try:
        with session.begin_nested():
            place_visit(
                session,
                branch_id=branch.id,
                visit_id=visit_id,
                clinician_id=clinician_id,
                start=datetime.combine(day, at, ZoneInfo(branch.timezone)),
                settings=settings,
                expected_revision=revision,
            )
        return see_other(f"/board/branches/{branch.id}/week?start={back}&done=placed")
    except StaleError:
        refusal = "The schedule changed since this page was loaded: look again and retry."
    except EDIT_ERRORS as error:
        refusal = f"Refused, {error}"
    return week_page(
        request, session, person, branch, monday_of(back), refusal=refusal, status_code=409
    )
