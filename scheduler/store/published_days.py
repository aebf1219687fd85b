"""A branch's published days: which plan version is published for each day, and its content."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Text, and_, bindparam, cast, select
from sqlalchemy.orm import Session

from scheduler.domain import Plan, Problem
from scheduler.errors import NotFoundError
from scheduler.store import models
from scheduler.store.plan_versions import stored_problem, stored_solution


class PublishedDay(NamedTuple):
    """The plan version published for a day."""

    day: date
    plan_id: str
    version: int


@dataclass(frozen=True)
class StoredVersion:
    """A stored plan version: the problem it was solved for and the plan the solver returned."""

    plan_id: str
    problem: Problem
    plan: Plan


def published_days(session: Session, *, branch_id: str) -> list[PublishedDay]:
    """Every published day of ``branch_id`` with its plan version, by day."""
    rows = session.execute(
        select(models.PublishedDay.day, models.Plan.id, models.Plan.version)
        .join(models.Plan, models.Plan.id == models.PublishedDay.plan_id)
        .where(models.PublishedDay.branch_id == branch_id)
        .order_by(models.PublishedDay.day)
    ).all()
    return [PublishedDay(*row) for row in rows]


def published_plan_days(
    session: Session, *, branch_id: str, days: Collection[date]
) -> dict[str, list[date]]:
    """The plan versions published for any of ``days``, each with its days among them.

    Versions come in the order of their first such day, and their days in order.
    """
    published: dict[str, list[date]] = {}
    for day, plan_id in session.execute(
        select(models.PublishedDay.day, models.PublishedDay.plan_id)
        .where(models.PublishedDay.branch_id == branch_id, models.PublishedDay.day.in_(days))
        .order_by(models.PublishedDay.day)
    ):
        published.setdefault(plan_id, []).append(day)
    return published


def published_version(session: Session, *, branch_id: str, day: date) -> StoredVersion | None:
    """The plan version published for ``day`` of ``branch_id`` (``None``: none is)."""
    row = session.scalar(
        select(models.Plan)
        .join(models.PublishedDay, models.PublishedDay.plan_id == models.Plan.id)
        .where(models.PublishedDay.branch_id == branch_id, models.PublishedDay.day == day)
    )
    return None if row is None else _version(row)


def stored_version(session: Session, *, plan_id: str) -> StoredVersion:
    """The plan version ``plan_id``.

    Raises
    ------
    NotFoundError
        For an unknown plan.
    """
    row = session.get(models.Plan, plan_id)
    if row is None:
        raise NotFoundError(f"no plan {plan_id!r}")
    return _version(row)


def _version(row: models.Plan) -> StoredVersion:
    """The stored version of a plan row."""
    return StoredVersion(row.id, stored_problem(row), stored_solution(row))


def published_route_itinerary(
    session: Session, *, branch_id: str, clinician_id: str, day: date
) -> str | None:
    """The stored itinerary (JSON text) of the clinician's route on ``day``, if published."""
    return session.scalar(
        select(_ITINERARY_TEXT)
        .join(models.PublishedDay, models.PublishedDay.plan_id == models.PlanRoute.plan_id)
        .where(
            models.PublishedDay.branch_id == branch_id,
            models.PublishedDay.day == day,
            models.PlanRoute.clinician_id == clinician_id,
            models.PlanRoute.day == day,
        )
    )


def clinician_published_day(
    session: Session, *, agency_id: str, clinician_id: str, day: date
) -> tuple[models.Clinician, str | None] | None:
    """The agency's clinician and their stored itinerary (JSON text) on ``day``, if published.

    One prepared query (a clinician reading their own day is the busiest read of the API);
    ``None`` when the agency has no such clinician, no itinerary when nothing is published
    for them that day. The text is served as it was stored, never parsed.
    """
    row = session.execute(
        _CLINICIAN_DAY, {"agency_id": agency_id, "clinician_id": clinician_id, "day": day}
    ).first()
    return None if row is None else (row[0], row[1])


# The stored JSON as text: an itinerary read passes it on without parsing it.
_ITINERARY_TEXT = cast(models.PlanRoute.itinerary, Text)
_CLINICIAN_DAY = (
    select(models.Clinician, _ITINERARY_TEXT)
    .outerjoin(
        models.PublishedDay,
        and_(
            models.PublishedDay.branch_id == models.Clinician.branch_id,
            models.PublishedDay.day == bindparam("day"),
        ),
    )
    .outerjoin(
        models.PlanRoute,
        and_(
            models.PlanRoute.plan_id == models.PublishedDay.plan_id,
            models.PlanRoute.clinician_id == models.Clinician.id,
            models.PlanRoute.day == bindparam("day"),
        ),
    )
    .where(
        models.Clinician.agency_id == bindparam("agency_id"),
        models.Clinician.id == bindparam("clinician_id"),
    )
)
