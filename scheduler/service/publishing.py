"""Save and publish plan versions, and tell agency systems what a publication changed.

The store writes versions and publishes them (``store/plan_versions.py``); this use case adds
each route's itinerary (``render``) and queues ``plan.published`` for the agency's webhooks in
the same transaction, carrying the changed visits as FHIR R4 Appointments.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.domain import Plan, Problem
from scheduler.fhir.bundle_out import BookedVisit, appointments_bundle
from scheduler.render.itinerary import route_itineraries
from scheduler.store import models
from scheduler.store import plan_versions as versions
from scheduler.store.fhir_visits import visits_named
from scheduler.store.notifications import queue_plan_event


def save_draft(
    session: Session, *, branch_id: str, problem: Problem, plan: Plan, solver_status: str
) -> models.Plan:
    """Write ``plan`` as the branch's next draft version (see ``store.plan_versions``)."""
    return versions.save_plan(
        session,
        branch_id=branch_id,
        problem=problem,
        plan=plan,
        itineraries=route_itineraries(problem, plan),
        solver_status=solver_status,
    )


def publish_plan(
    session: Session, *, plan_id: str, now: datetime, expected_revision: int | None = None
) -> models.Plan:
    """Publish a draft and queue ``plan.published``; raises what the store's publish raises."""
    publication = versions.publish_plan(
        session, plan_id=plan_id, now=now, expected_revision=expected_revision
    )
    _announce(session, publication)
    return publication.plan


def save_and_publish(
    session: Session,
    *,
    branch_id: str,
    problem: Problem,
    plan: Plan,
    solver_status: str,
    now: datetime,
    expected_revision: int | None = None,
) -> models.Plan:
    """Write ``plan`` as the branch's next version, publish it and queue ``plan.published``."""
    publication = versions.save_and_publish(
        session,
        branch_id=branch_id,
        problem=problem,
        plan=plan,
        itineraries=route_itineraries(problem, plan),
        solver_status=solver_status,
        now=now,
        expected_revision=expected_revision,
    )
    _announce(session, publication)
    return publication.plan


def _announce(session: Session, publication: versions.Publication) -> None:
    """Queue ``plan.published`` with the visits it changed, as Appointments in a Bundle."""
    plan = publication.plan
    rows = visits_named(session, branch_id=plan.branch_id, visit_ids=publication.changed)
    appointments = [BookedVisit.of(row) for row in rows]
    queue_plan_event(
        session,
        branch_id=plan.branch_id,
        event="plan.published",
        payload={
            "plan_id": plan.id,
            "version": plan.version,
            "days": [day.isoformat() for day in versions.published_days_of(plan)],
            "visits_changed": list(publication.changed),
            "appointments": appointments_bundle(
                appointments, timezone=plan.problem["horizon"]["timezone"]
            ),
        },
    )
