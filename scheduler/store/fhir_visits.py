"""The visits a FHIR export shows: a branch's published visits and what became of them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import models

EXPORTED = (
    models.VisitStatus.PUBLISHED,
    models.VisitStatus.COMPLETED,
    models.VisitStatus.MISSED,
    models.VisitStatus.CANCELLED,
)


def placed_visits(
    session: Session, *, branch_id: str, start: datetime, end: datetime
) -> list[models.Visit]:
    """Visits of ``branch_id`` placed by a published plan to start in ``[start, end)``.

    Published, completed, missed and cancelled visits with a start, by start and id.
    """
    visit = models.Visit
    return list(
        session.scalars(
            select(visit)
            .where(
                visit.branch_id == branch_id,
                visit.status.in_(EXPORTED),
                visit.start_at.is_not(None),
                visit.start_at >= start,
                visit.start_at < end,
            )
            .order_by(visit.start_at, visit.id)
        )
    )


def visits_named(
    session: Session, *, branch_id: str, visit_ids: Collection[str]
) -> list[models.Visit]:
    """The visits of ``branch_id`` among ``visit_ids`` (whatever their status), by id."""
    visit = models.Visit
    return list(
        session.scalars(
            select(visit)
            .where(visit.branch_id == branch_id, visit.id.in_(list(visit_ids)))
            .order_by(visit.id)
        )
    )
