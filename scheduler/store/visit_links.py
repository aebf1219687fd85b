"""Linked visits in the store: one row per link, keyed by its second visit."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from scheduler.domain import LinkKind, VisitLink
from scheduler.store import models


def add_visit_link(session: Session, *, link: VisitLink, agency_id: str | None = None) -> None:
    """Store ``link`` between visits of ``agency_id`` (checked: neither visit is linked yet).

    Without ``agency_id``, the agency of the visit ``link.second`` (which must be one).
    """
    if agency_id is None:
        (agency_id,) = session.scalars(
            select(models.Visit.agency_id).where(models.Visit.id == link.second)
        ).all()
    session.add(
        models.VisitLink(
            agency_id=agency_id,
            first_visit_id=link.first,
            second_visit_id=link.second,
            kind=link.kind.value,
            min_gap_seconds=link.min_gap,
            max_gap_seconds=link.max_gap,
        )
    )
    session.flush()


def delete_visit_link(session: Session, *, agency_id: str, second_visit_id: str) -> None:
    """Remove the link whose second visit is ``second_visit_id``, if there is one."""
    session.execute(
        delete(models.VisitLink).where(
            models.VisitLink.agency_id == agency_id,
            models.VisitLink.second_visit_id == second_visit_id,
        )
    )


def visit_links(
    session: Session, *, agency_id: str, visit_ids: Collection[str]
) -> dict[str, VisitLink]:
    """The link of each of the agency's ``visit_ids`` that has one, keyed by that visit's id."""
    wanted = set(visit_ids)
    rows = session.scalars(
        select(models.VisitLink).where(
            models.VisitLink.agency_id == agency_id,
            or_(
                models.VisitLink.first_visit_id.in_(wanted),
                models.VisitLink.second_visit_id.in_(wanted),
            ),
        )
    ).all()
    found = {}
    for row in rows:
        link = link_from_row(row)
        found |= {visit_id: link for visit_id in link.visit_ids if visit_id in wanted}
    return found


def branch_visit_links(session: Session, *, branch_id: str) -> list[VisitLink]:
    """Every link between visits of ``branch_id``."""
    rows = session.scalars(
        select(models.VisitLink)
        .join(
            models.Visit,
            (models.Visit.agency_id == models.VisitLink.agency_id)
            & (models.Visit.id == models.VisitLink.second_visit_id),
        )
        .where(models.Visit.branch_id == branch_id)
        .order_by(models.VisitLink.second_visit_id)
    ).all()
    return [link_from_row(row) for row in rows]


def link_from_row(row: models.VisitLink) -> VisitLink:
    """The domain link of a stored row."""
    return VisitLink(
        first=row.first_visit_id,
        second=row.second_visit_id,
        kind=LinkKind(row.kind),
        min_gap=row.min_gap_seconds,
        max_gap=row.max_gap_seconds,
    )
