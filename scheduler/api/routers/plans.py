"""Planning jobs, plan versions, their left-out visits, and publishing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, status

from scheduler.api.access import (
    DataWriter,
    StaffUser,
    branch_in_reach,
)
from scheduler.api.concurrency import STALE_SCHEDULE, IfMatch, expected_revision
from scheduler.api.deps import Limit, Offset, SessionDep, SettingsDep
from scheduler.api.reach import fetch_in_reach, list_in_reach
from scheduler.api.schemas.answers import OutdatedPlan, Page
from scheduler.api.schemas.fields import Id
from scheduler.api.schemas.plans import (
    PlanDetail,
    PlanningJobCreate,
    PlanningJobPublic,
    PlanPublic,
    UnassignedPublic,
)
from scheduler.service.planning_jobs import create_planning_job
from scheduler.service.publishing import publish_plan
from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.plan_details import plan_routes, unassigned_visits

router = APIRouter(prefix="/v1", tags=["plans"])
RecordId = Annotated[str, Path(max_length=64)]


@router.post(
    "/planning-jobs",
    response_model=PlanningJobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start planning a branch",
)
def start_planning_job(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffUser,
    payload: PlanningJobCreate,
) -> Any:
    """Queue a planning job and answer at once; poll the job for its status and plan."""
    branch_in_reach(session, principal, payload.branch_id)
    job = create_planning_job(
        session,
        branch_id=payload.branch_id,
        start_date=payload.start_date,
        days=payload.days,
        time_limit=payload.time_limit_seconds,
        requested_by=principal.user_id,
        settings=settings,
    )
    background.add_task(request.app.state.jobs.submit, job.id)  # once the job row is committed
    return job


@router.get(
    "/planning-jobs/{job_id}", response_model=PlanningJobPublic, summary="A planning job's status"
)
def read_planning_job(session: SessionDep, principal: StaffUser, job_id: RecordId) -> Any:
    """Status, phase, progress and, once done, the plan id (or the error)."""
    return fetch_in_reach(session, principal, models.PlanningJob, job_id, label="planning job")


@router.get("/plans", response_model=Page[PlanPublic], summary="List plan versions")
def list_plans(
    session: SessionDep,
    principal: DataWriter,
    branch_id: Annotated[Id | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Plan versions in reach, newest first."""
    return list_in_reach(
        session,
        principal,
        models.Plan,
        branch_id=branch_id,
        order_by=[models.Plan.created_at.desc()],
        offset=offset,
        limit=limit,
    )


@router.get("/plans/{plan_id}", response_model=PlanDetail, summary="A plan version")
def read_plan(session: SessionDep, principal: DataWriter, plan_id: RecordId) -> Any:
    """The plan's KPIs and each clinician's day in it."""
    plan = fetch_in_reach(session, principal, models.Plan, plan_id, label="plan")
    routes = plan_routes(session, plan_id=plan.id)
    return PlanDetail.model_validate(
        {**PlanPublic.model_validate(plan).model_dump(), "routes": routes}
    )


@router.get(
    "/plans/{plan_id}/unassigned",
    response_model=Page[UnassignedPublic],
    summary="Visits a plan leaves out, with reasons",
)
def list_unassigned(
    session: SessionDep,
    principal: DataWriter,
    plan_id: RecordId,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Each left-out visit with a reason code and a sentence a scheduler can act on."""
    plan = fetch_in_reach(session, principal, models.Plan, plan_id, label="plan")
    rows, total = unassigned_visits(session, plan_id=plan.id, offset=offset, limit=limit)
    return {"items": rows, "total": total, "offset": offset, "limit": limit}


@router.post(
    "/plans/{plan_id}/publish",
    response_model=PlanPublic,
    responses={
        **STALE_SCHEDULE,
        409: {
            "model": OutdatedPlan,
            "description": "Already published, older than a published version, or outdated: "
            "some planned visits changed since the plan was made (listed in `outdated`)",
        },
    },
    summary="Publish a plan",
)
def publish(
    session: SessionDep, principal: StaffUser, plan_id: RecordId, if_match: IfMatch = None
) -> Any:
    """Make the plan the branch's plan for its days; clinicians then see their itineraries.

    Publishing never undoes what happened after planning. When a planned visit was deleted,
    cancelled, completed, missed or changed since (or its clinician, patient or care plan was
    deleted or changed), nothing is published: the 409 lists each such stop with its reason,
    and the stops that cannot stand without it (the patient's visits after an outdated start
    of care, a linked partner). Plan again. With ``If-Match`` (the schedule's ETag), a
    schedule changed since it was read is a 412.
    """
    fetch_in_reach(session, principal, models.Plan, plan_id, label="plan")
    return publish_plan(
        session, plan_id=plan_id, now=utc_now(), expected_revision=expected_revision(if_match)
    )
