"""Plan versions in the store: write a solved plan whole and publish it.

Publishing never undoes what happened to a visit after its plan was made: a plan whose stops
no longer match the records (a visit deleted, cancelled, completed, missed or changed; its
clinician, patient or care plan deleted or changed) is refused with the list of those stops,
and with them the stops that cannot stand without them (the patient's other visits after a
start of care that will not happen, a linked visit's partner). Plan again to publish.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from scheduler.domain import DAY, Plan, Problem
from scheduler.errors import ConflictError, NotFoundError, OutdatedPlanError, StaleError
from scheduler.store import models
from scheduler.store.outdated_stops import MADE, outdated_stops
from scheduler.store.problem_io import (
    plan_from_json,
    plan_to_json,
    problem_from_json,
    problem_to_json,
)
from scheduler.store.records import agency_of_branch


@dataclass(frozen=True)
class Publication:
    """A published plan version and the visits whose published placement it changed.

    ``changed`` are the ids of visits placed anew, moved (clinician or start), or put back
    to planned because the version no longer places them, in id order.
    """

    plan: models.Plan
    changed: tuple[str, ...]


def save_plan(
    session: Session,
    *,
    branch_id: str,
    problem: Problem,
    plan: Plan,
    itineraries: Mapping[tuple[str, int], dict[str, Any]],
    solver_status: str,
) -> models.Plan:
    """Write ``plan`` as the branch's next draft version: routes, itineraries, stops, left-outs.

    ``itineraries`` holds each route's itinerary data by (clinician id, horizon day), as
    ``render.itinerary.route_itineraries`` gives them. The caller's transaction makes the
    version appear whole or not at all.
    """
    horizon = problem.horizon
    version = (
        session.scalar(
            select(func.max(models.Plan.version)).where(models.Plan.branch_id == branch_id)
        )
        or 0
    ) + 1
    row = models.Plan(
        id=uuid.uuid4().hex,
        branch_id=branch_id,
        version=version,
        start_date=horizon.start_date,
        days=horizon.days,
        status=models.PlanStatus.DRAFT,
        solver_status=solver_status,
        kpis=asdict(plan.kpis),
        problem=json.loads(problem_to_json(problem)),
        solution=json.loads(plan_to_json(plan)),
    )
    session.add(row)
    session.flush()
    for route in plan.routes:
        session.add(
            models.PlanRoute(
                plan_id=row.id,
                clinician_id=route.clinician_id,
                day=horizon.date_of(route.day),
                visits=len(route.stops),
                travel_seconds=route.travel_seconds,
                itinerary=itineraries[route.clinician_id, route.day],
            )
        )
        for position, stop in enumerate(route.stops):
            session.add(
                models.PlanStop(
                    plan_id=row.id,
                    visit_id=stop.visit_id,
                    patient_id=stop.patient_id,
                    clinician_id=route.clinician_id,
                    day=horizon.date_of(route.day),
                    position=position,
                    start_at=horizon.datetime_of(stop.start),
                    end_at=horizon.datetime_of(stop.end),
                )
            )
    for left_out in plan.unassigned:
        session.add(
            models.PlanUnassigned(
                plan_id=row.id,
                visit_id=left_out.visit_id,
                patient_id=problem.visit_by_id[left_out.visit_id].patient_id,
                reason=left_out.reason.value,
                message=left_out.message,
            )
        )
    session.flush()
    return row


def publish_plan(
    session: Session, *, plan_id: str, now: datetime, expected_revision: int | None = None
) -> Publication:
    """Publish a draft: it becomes the branch's plan for each of its days.

    Visits it places are marked published with their clinician and start; visits an earlier
    publication placed on those days but this one does not go back to planned. Each
    publication moves the branch's schedule revision on by one.

    Raises
    ------
    NotFoundError
        For an unknown plan.
    StaleError
        When ``expected_revision`` is given and the branch's schedule has moved on since.
    ConflictError
        When the plan is already published, or a newer version is published for its days.
    OutdatedPlanError
        When some of its stops no longer match the records (see the module's docstring).
    """
    plan = session.get(models.Plan, plan_id, with_for_update=True)
    if plan is None:
        raise NotFoundError(f"no plan {plan_id!r}")
    if plan.status == models.PlanStatus.PUBLISHED:
        raise ConflictError(f"plan {plan_id!r} is already published")
    _advance_revision(session, branch_id=plan.branch_id, expected_revision=expected_revision)
    return _publish_draft(session, plan=plan, now=now)


def published_days_of(plan: models.Plan) -> list[date]:
    """The dates a plan version covers (those its publication makes it the plan of)."""
    return [plan.start_date + timedelta(days=k) for k in range(plan.days)]


def _advance_revision(session: Session, *, branch_id: str, expected_revision: int | None) -> None:
    """Move the branch's schedule revision on by one (if it still is ``expected_revision``).

    The update holds the branch's row until the transaction ends, so publications of one
    branch go one at a time and a later one still holding the old revision is stale.
    """
    bump = update(models.Branch).where(models.Branch.id == branch_id)
    if expected_revision is not None:
        bump = bump.where(models.Branch.schedule_revision == expected_revision)
    moved = session.execute(
        bump.values(schedule_revision=models.Branch.schedule_revision + 1)
    ).rowcount
    if not moved:
        raise StaleError(
            f"the schedule of branch {branch_id!r} changed since revision "
            f"{expected_revision}; read it again and retry"
        )


def _publish_draft(session: Session, *, plan: models.Plan, now: datetime) -> Publication:
    """Publish the draft ``plan`` once the branch's revision has moved on for it."""
    days = published_days_of(plan)
    newer = session.scalar(
        select(func.count())
        .select_from(models.PublishedDay)
        .join(models.Plan, models.Plan.id == models.PublishedDay.plan_id)
        .where(
            models.PublishedDay.branch_id == plan.branch_id,
            models.PublishedDay.day.in_(days),
            models.Plan.version > plan.version,
        )
    )
    if newer:
        raise ConflictError(
            f"plan {plan.id!r} (version {plan.version}) is older than a published version "
            "for some of its days; plan again"
        )
    outdated = outdated_stops(session, plan, stored_problem(plan))
    if outdated:
        raise OutdatedPlanError(
            f"{len(outdated)} planned visits of plan {plan.id!r} no longer match the records "
            "(changed since the plan was made); nothing was published: plan again",
            outdated,
        )
    published_before = (
        models.Visit.branch_id == plan.branch_id,
        models.Visit.status == models.VisitStatus.PUBLISHED,
        models.Visit.start_at >= _day_start(plan, 0),
        models.Visit.start_at < _day_start(plan, plan.days),
    )
    touched = set(session.scalars(select(models.Visit.id).where(*published_before)))
    touched.update(
        session.scalars(select(models.PlanStop.visit_id).where(models.PlanStop.plan_id == plan.id))
    )
    before = _placements(session, branch_id=plan.branch_id, visit_ids=touched)
    session.execute(
        update(models.Visit)
        .where(*published_before)
        .values(status=models.VisitStatus.PLANNED, clinician_id=None, start_at=None)
    )
    session.execute(
        delete(models.PublishedDay).where(
            models.PublishedDay.branch_id == plan.branch_id, models.PublishedDay.day.in_(days)
        )
    )
    session.add_all(
        models.PublishedDay(branch_id=plan.branch_id, day=day, plan_id=plan.id) for day in days
    )
    _mark_visits_published(session, plan)
    plan.status = models.PlanStatus.PUBLISHED
    plan.published_at = now
    session.flush()
    after = _placements(session, branch_id=plan.branch_id, visit_ids=touched)
    changed = sorted(id_ for id_ in touched if before.get(id_) != after.get(id_))
    return Publication(plan, tuple(changed))


def _placements(
    session: Session, *, branch_id: str, visit_ids: set[str]
) -> dict[str, tuple[str, str | None, datetime | None]]:
    """Status, clinician and start of each visit record of the branch among ``visit_ids``."""
    visit = models.Visit
    rows = session.execute(
        select(visit.id, visit.status, visit.clinician_id, visit.start_at).where(
            visit.branch_id == branch_id, visit.id.in_(list(visit_ids))
        )
    )
    return {id_: (status, clinician_id, start) for id_, status, clinician_id, start in rows}


def save_and_publish(
    session: Session,
    *,
    branch_id: str,
    problem: Problem,
    plan: Plan,
    itineraries: Mapping[tuple[str, int], dict[str, Any]],
    solver_status: str,
    now: datetime,
    expected_revision: int | None = None,
) -> Publication:
    """Write ``plan`` as the branch's next version and publish it, in the caller's transaction.

    Raises what :func:`publish_plan` raises; the caller's rollback then leaves nothing behind.
    The revision moves on first: of two saves at once from one revision, the later waits for
    the earlier's transaction and is then stale (never a clash of version numbers).
    """
    _advance_revision(session, branch_id=branch_id, expected_revision=expected_revision)
    row = save_plan(
        session,
        branch_id=branch_id,
        problem=problem,
        plan=plan,
        itineraries=itineraries,
        solver_status=solver_status,
    )
    return _publish_draft(session, plan=row, now=now)


def stored_problem(plan: models.Plan) -> Problem:
    """The problem a stored plan was solved for."""
    return problem_from_json(json.dumps(plan.problem))


def stored_solution(plan: models.Plan) -> Plan:
    """The stored plan as the domain plan the solver returned."""
    return plan_from_json(json.dumps(plan.solution))


def _day_start(plan: models.Plan, day: int) -> datetime:
    zone = ZoneInfo(plan.problem["horizon"]["timezone"])
    return datetime.combine(plan.start_date + timedelta(days=day), datetime.min.time(), zone)


def _mark_visits_published(session: Session, plan: models.Plan) -> None:
    """Write the plan's placements onto the visits, adding care plan visits as rows."""
    stops = session.scalars(select(models.PlanStop).where(models.PlanStop.plan_id == plan.id)).all()
    agency_id = agency_of_branch(session, plan.branch_id)
    existing = set(
        session.scalars(
            select(models.Visit.id).where(
                models.Visit.agency_id == agency_id,
                models.Visit.id.in_([stop.visit_id for stop in stops]),
            )
        )
    )
    problem = stored_problem(plan) if len(existing) < len(stops) else None
    for stop in stops:
        placement = {
            "status": models.VisitStatus.PUBLISHED,
            "clinician_id": stop.clinician_id,
            "start_at": stop.start_at,
        }
        if stop.visit_id in existing:
            session.execute(
                update(models.Visit)
                .where(
                    models.Visit.agency_id == agency_id,
                    models.Visit.id == stop.visit_id,
                    models.Visit.status.not_in(MADE),
                )
                .values(**placement)
            )
            continue
        assert problem is not None
        visit = problem.visit_by_id[stop.visit_id]
        horizon = problem.horizon
        session.add(
            models.Visit(
                agency_id=agency_id,
                id=visit.id,
                patient_id=visit.patient_id,
                branch_id=plan.branch_id,
                care_plan_id=visit.care_plan_id,
                discipline=visit.discipline.value,
                visit_type=visit.visit_type.value,
                minutes=visit.duration // 60,
                windows=[
                    {
                        "start": horizon.datetime_of(w.start).isoformat(),
                        "end": horizon.datetime_of(w.end).isoformat(),
                    }
                    for w in visit.windows
                ],
                first_day=horizon.date_of(visit.earliest_start // DAY),
                credentials=sorted(c.value for c in visit.credentials),
                required_skills=sorted(visit.required_skills),
                priority=visit.priority,
                optional=visit.optional,
                **placement,
            )
        )


def published_assignments(
    session: Session, *, branch_id: str, start: datetime, end: datetime
) -> list[tuple[str, str | None, str, datetime]]:
    """(visit, care plan, clinician, start) of the branch's published visits in [start, end)."""
    visit = models.Visit
    rows = session.execute(
        select(visit.id, visit.care_plan_id, visit.clinician_id, visit.start_at).where(
            visit.branch_id == branch_id,
            visit.status == models.VisitStatus.PUBLISHED,
            visit.clinician_id.is_not(None),
            visit.start_at >= start,
            visit.start_at < end,
        )
    ).all()
    return [(row.id, row.care_plan_id, row.clinician_id, row.start_at) for row in rows]
