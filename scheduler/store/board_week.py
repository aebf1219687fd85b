"""What the board reads: a branch's published routes, left-out visits and stops for some days."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from scheduler.domain import Plan, Problem
from scheduler.store import models
from scheduler.store.problem_io import plan_from_json, problem_from_json
from scheduler.store.published_days import published_plan_days


@dataclass(frozen=True)
class LeftOut:
    """A visit a published version leaves out: its reason, patient and discipline."""

    plan_id: str
    visit_id: str
    patient_id: str
    patient_name: str
    discipline: str | None
    first_day: date | None
    reason: str
    message: str


@dataclass(frozen=True)
class PublishedWeek:
    """The published itineraries of some days, by day; the versions, their left-out visits.

    ``itineraries`` are the stored data (``render.itinerary.itinerary_to_dict``'s);
    ``plan_days`` holds the days each published version is published for, among those asked.
    """

    itineraries: dict[date, list[dict[str, Any]]]
    left_out: list[LeftOut]
    plan_days: dict[str, list[date]]


def published_week(session: Session, *, branch_id: str, days: Collection[date]) -> PublishedWeek:
    """The branch's published itineraries on ``days``, and what the versions leave out."""
    published = models.PublishedDay
    route = models.PlanRoute
    rows = session.execute(
        select(route.day, route.itinerary)
        .join(
            published,
            (published.plan_id == route.plan_id) & (published.day == route.day),
        )
        .where(published.branch_id == branch_id, published.day.in_(days))
        .order_by(route.day, route.clinician_id)
    ).all()
    itineraries: dict[date, list[dict[str, Any]]] = {day: [] for day in sorted(days)}
    for day, itinerary in rows:
        itineraries[day].append(itinerary)
    plan_days = published_plan_days(session, branch_id=branch_id, days=days)
    return PublishedWeek(
        itineraries=itineraries,
        left_out=left_out_visits(session, plan_ids=list(plan_days)),
        plan_days=plan_days,
    )


def left_out_visits(session: Session, *, plan_ids: Collection[str]) -> list[LeftOut]:
    """The visits of ``plan_ids`` left out and not made, cancelled or planned since.

    A visit of a care plan's order has no row of its own: its discipline and day are unknown
    here (``None``).
    """
    unassigned, visit, patient = models.PlanUnassigned, models.Visit, models.Patient
    plan = models.Plan
    rows = session.execute(
        select(
            unassigned.plan_id,
            unassigned.visit_id,
            unassigned.patient_id,
            patient.name,
            visit.discipline,
            visit.first_day,
            unassigned.reason,
            unassigned.message,
        )
        .join(plan, plan.id == unassigned.plan_id)
        .join(models.Branch, models.Branch.id == plan.branch_id)
        .join(
            patient,
            (patient.agency_id == models.Branch.agency_id) & (patient.id == unassigned.patient_id),
        )
        .outerjoin(
            visit,
            (visit.agency_id == models.Branch.agency_id) & (visit.id == unassigned.visit_id),
        )
        .where(
            unassigned.plan_id.in_(plan_ids),
            or_(visit.status.is_(None), visit.status == models.VisitStatus.PLANNED),
        )
        .order_by(patient.name, unassigned.visit_id)
    ).all()
    return [LeftOut(*row) for row in rows]


def branch_clinicians(session: Session, *, branch_id: str) -> list[models.Clinician]:
    """The branch's clinicians by name."""
    clinician = models.Clinician
    return list(
        session.scalars(
            select(clinician).where(clinician.branch_id == branch_id).order_by(clinician.name)
        )
    )


def plans_of_branch(session: Session, *, branch_id: str, limit: int) -> list[models.Plan]:
    """The branch's newest ``limit`` plan versions, newest first."""
    plan = models.Plan
    return list(
        session.scalars(
            select(plan)
            .where(plan.branch_id == branch_id)
            .order_by(plan.version.desc())
            .limit(limit)
        )
    )


def stop_times(
    session: Session, *, plan_id: str, days: Collection[date] | None = None
) -> dict[str, tuple[str, datetime]]:
    """Who makes each visit of plan ``plan_id`` (on ``days``; ``None``: all) and when."""
    stop = models.PlanStop
    query = select(stop.visit_id, stop.clinician_id, stop.start_at).where(stop.plan_id == plan_id)
    if days is not None:
        query = query.where(stop.day.in_(days))
    return {visit_id: (clinician, start) for visit_id, clinician, start in session.execute(query)}


def published_stop_times(
    session: Session, *, branch_id: str, days: Collection[date]
) -> dict[str, tuple[str, datetime]]:
    """Who makes each visit published on ``days`` of the branch, and when."""
    stop, published = models.PlanStop, models.PublishedDay
    rows = session.execute(
        select(stop.visit_id, stop.clinician_id, stop.start_at)
        .join(published, (published.plan_id == stop.plan_id) & (published.day == stop.day))
        .where(published.branch_id == branch_id, published.day.in_(days))
    )
    return {visit_id: (clinician, start) for visit_id, clinician, start in rows}


def patient_names(
    session: Session, *, branch_id: str, patient_ids: Collection[str]
) -> dict[str, str]:
    """The name of each of ``patient_ids`` in the branch."""
    patient = models.Patient
    rows = session.execute(
        select(patient.id, patient.name).where(
            patient.branch_id == branch_id, patient.id.in_(patient_ids)
        )
    )
    return {patient_id: name for patient_id, name in rows}


def stop_patients(session: Session, *, plan_ids: Collection[str]) -> dict[str, str]:
    """The patient of each visit the plans ``plan_ids`` place."""
    stop = models.PlanStop
    rows = session.execute(select(stop.visit_id, stop.patient_id).where(stop.plan_id.in_(plan_ids)))
    return {visit_id: patient_id for visit_id, patient_id in rows}


@dataclass(frozen=True)
class VersionFigures:
    """What the KPIs strip reads of a version, without its patients and visits.

    ``people`` is the version's problem holding only its horizon and clinicians (their
    shifts); ``plan`` its plan; ``kpis`` its stored KPIs; ``required`` how many required
    visits it has and ``required_placed`` how many it places (a care plan's visits are
    required; a visit given one by one may be optional).
    """

    people: Problem
    plan: Plan
    required: int
    required_placed: int


def version_figures(session: Session, *, plan_id: str) -> VersionFigures:
    """The figures of version ``plan_id`` (its patients and visits are never read)."""
    plan = models.Plan
    horizon, clinicians, solution = session.execute(
        select(plan.problem["horizon"], plan.problem["clinicians"], plan.solution).where(
            plan.id == plan_id
        )
    ).one()
    people = {"horizon": horizon, "clinicians": clinicians, "patients": [], "visits": []}
    placed, placed_optional = _counted(session, models.PlanStop, plan_id)
    left_out, left_out_optional = _counted(session, models.PlanUnassigned, plan_id)
    return VersionFigures(
        people=problem_from_json(json.dumps(people)),
        plan=plan_from_json(json.dumps(solution)),
        required=placed - placed_optional + left_out - left_out_optional,
        required_placed=placed - placed_optional,
    )


def _counted(
    session: Session, table: type[models.PlanStop] | type[models.PlanUnassigned], plan_id: str
) -> tuple[int, int]:
    """How many visits of ``table`` the version holds, and how many of them are optional."""
    visit, plan = models.Visit, models.Plan
    total, optional = session.execute(
        select(func.count(), func.count(visit.id))
        .select_from(table)
        .join(plan, plan.id == table.plan_id)
        .join(models.Branch, models.Branch.id == plan.branch_id)
        .outerjoin(
            visit,
            (visit.agency_id == models.Branch.agency_id)
            & (visit.id == table.visit_id)
            & visit.optional.is_(True),
        )
        .where(table.plan_id == plan_id)
    ).one()
    return total, optional
