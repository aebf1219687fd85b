"""A stored plan version's details: its clinicians' routes and the visits it leaves out."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.records import list_records


class RouteDay(NamedTuple):
    """A clinician's day in a plan."""

    clinician_id: str
    day: date


def plan_routes(session: Session, *, plan_id: str) -> list[models.PlanRoute]:
    """The routes of plan ``plan_id``, by day then clinician."""
    route = models.PlanRoute
    return list(
        session.scalars(
            select(route).where(route.plan_id == plan_id).order_by(route.day, route.clinician_id)
        )
    )


def routes_with_visits(session: Session, *, plan_id: str) -> list[RouteDay]:
    """The clinician and day of each route of plan ``plan_id`` holding visits, by day."""
    route = models.PlanRoute
    rows = session.execute(
        select(route.clinician_id, route.day)
        .where(route.plan_id == plan_id, route.visits > 0)
        .order_by(route.day, route.clinician_id)
    ).all()
    return [RouteDay(*row) for row in rows]


def unassigned_visits(
    session: Session, *, plan_id: str, offset: int, limit: int
) -> tuple[list[models.PlanUnassigned], int]:
    """One page of the visits plan ``plan_id`` leaves out (in key order), and how many."""
    return list_records(
        session,
        models.PlanUnassigned,
        where=[models.PlanUnassigned.plan_id == plan_id],
        offset=offset,
        limit=limit,
    )
