"""Planning from the board: start a job, follow its progress, compare the new version, publish."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from scheduler.api.access import branch_in_reach
from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import BoardUser, Staff, StaffChanger
from scheduler.api.board._pages import page, see_other
from scheduler.api.board._plan_diff import plan_changes
from scheduler.api.board.week import EDIT_ERRORS, monday_of
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.service.planning_jobs import create_planning_job
from scheduler.service.publishing import publish_plan
from scheduler.store import models
from scheduler.store.board_week import (
    branch_clinicians,
    patient_names,
    plans_of_branch,
    published_stop_times,
    stop_patients,
    stop_times,
)
from scheduler.store.models import utc_now
from scheduler.store.published_days import published_plan_days

router = APIRouter(prefix="/board/branches/{branch_id}", include_in_schema=False)
BranchId = Annotated[str, Path(max_length=64)]
RecordId = Annotated[str, Path(max_length=64)]


@router.get("/planning", response_class=HTMLResponse)
def planning_form(
    request: Request, session: SessionDep, settings: SettingsDep, person: Staff, branch_id: BranchId
) -> HTMLResponse:
    """The form starting a planning job, and the branch's latest versions."""
    branch = branch_in_reach(session, person.principal, branch_id)
    return page(
        request,
        "planning.html",
        person=person,
        branch=branch,
        start=monday_of(utc_now().date()) + timedelta(days=7),
        time_limit=settings.solve_time_limit,
        plans=plans_of_branch(session, branch_id=branch.id, limit=10),
    )


@router.post("/planning-jobs", name="planning-job", response_model=None)
def start_job(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    person: StaffChanger,
    branch_id: BranchId,
    start: Annotated[date, Form()],
    days: Annotated[int, Form(ge=1, le=28)],
    time_limit: Annotated[float, Form(gt=0)],
) -> Response:
    """Queue a planning job (it runs in the background) and follow it."""
    branch = branch_in_reach(session, person.principal, branch_id)
    job = create_planning_job(
        session,
        branch_id=branch.id,
        start_date=start,
        days=days,
        time_limit=time_limit,
        requested_by=person.principal.user_id,
        settings=settings,
    )
    audit_as(request, "planning-job", job.id)
    background.add_task(request.app.state.jobs.submit, job.id)  # once the job row is committed
    return see_other(f"/board/branches/{branch.id}/planning-jobs/{job.id}")


def _job(session: Session, person: BoardUser, branch_id: str, job_id: str) -> models.PlanningJob:
    """The branch's planning job (404 outside the caller's reach)."""
    branch = branch_in_reach(session, person.principal, branch_id)
    job = session.get(models.PlanningJob, job_id)
    if job is None or job.branch_id != branch.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no planning job {job_id!r}")
    return job


@router.get("/planning-jobs/{job_id}", response_class=HTMLResponse)
def read_job(
    request: Request, session: SessionDep, person: Staff, branch_id: BranchId, job_id: RecordId
) -> HTMLResponse:
    """The job's progress bar (the page reloads itself while it runs), then the new version."""
    job = _job(session, person, branch_id, job_id)
    return page(request, "job.html", person=person, branch_id=branch_id, job=job)


def _plan_page(
    request: Request,
    session: Session,
    person: BoardUser,
    branch_id: str,
    plan_id: str,
    *,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A version beside what is published on its days: who gains, loses or moves what."""
    branch = branch_in_reach(session, person.principal, branch_id)
    plan = session.get(models.Plan, plan_id)
    if plan is None or plan.branch_id != branch.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no plan {plan_id!r}")
    days = [plan.start_date + timedelta(days=k) for k in range(plan.days)]
    new = stop_times(session, plan_id=plan.id)
    published = published_stop_times(session, branch_id=branch.id, days=days)
    names = {row.id: row.name for row in branch_clinicians(session, branch_id=branch.id)}
    published_plans = published_plan_days(session, branch_id=branch.id, days=days)
    patient_of = stop_patients(session, plan_ids=[plan.id, *published_plans])
    named = patient_names(session, branch_id=branch.id, patient_ids=set(patient_of.values()))
    patients = {visit: named.get(patient, patient) for visit, patient in patient_of.items()}
    changes = plan_changes(published, new, names, patients)
    return page(
        request,
        "plan.html",
        person=person,
        branch=branch,
        plan=plan,
        changes=changes,
        kept=sum(published.get(visit) == slot for visit, slot in new.items()),
        revision=branch.schedule_revision,
        refusal=refusal,
        status_code=status_code,
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def read_plan(
    request: Request, session: SessionDep, person: Staff, branch_id: BranchId, plan_id: RecordId
) -> HTMLResponse:
    """A plan version side by side with the published one."""
    return _plan_page(request, session, person, branch_id, plan_id)


@router.post("/plans/{plan_id}/publish", name="publish", response_model=None)
def publish(
    request: Request,
    session: SessionDep,
    person: StaffChanger,
    branch_id: BranchId,
    plan_id: RecordId,
    revision: Annotated[int, Form(ge=0)],
) -> Response:
    """Publish the version if the schedule is as it was read; a refusal says why."""
    audit_as(request, "publish", plan_id)
    _plan_page(request, session, person, branch_id, plan_id)  # in reach
    try:
        with session.begin_nested():
            plan = publish_plan(session, plan_id=plan_id, now=utc_now(), expected_revision=revision)
    except EDIT_ERRORS as error:
        return _plan_page(
            request, session, person, branch_id, plan_id, refusal=str(error), status_code=409
        )
    start = monday_of(plan.start_date).isoformat()
    return see_other(f"/board/branches/{branch_id}/week?start={start}&done=published")
