"""A branch's visit rows as a replan touches them: their statuses, a new one, cancelling."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import ConflictError, NotFoundError
from scheduler.store import models
from scheduler.store.models import VisitStatus
from scheduler.store.records import column_values


def visit_statuses(
    session: Session, *, branch_id: str, visit_ids: Collection[str]
) -> dict[str, str]:
    """The stored status of each of ``visit_ids`` that is a visit row of ``branch_id``."""
    return dict(
        session.execute(
            select(models.Visit.id, models.Visit.status).where(
                models.Visit.branch_id == branch_id, models.Visit.id.in_(list(visit_ids))
            )
        ).all()
    )


def new_visit(
    session: Session, *, branch_id: str, fields: Mapping[str, Any], save: bool
) -> models.Visit:
    """A new visit row of ``branch_id`` from its JSON-ready ``fields``; stored if ``save``.

    ``fields`` are the row's columns (``id``, ``patient_id``, ``windows``, ``first_day``,
    ...; ISO strings for dates); the branch's agency is added. Without ``save`` the row is
    not added to the session (a what-if).

    Raises
    ------
    NotFoundError
        For an unknown branch.
    ConflictError
        When the branch's agency already has a visit with that id.
    """
    branch = session.get(models.Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"no branch {branch_id!r}")
    if session.get(models.Visit, (branch.agency_id, fields["id"])) is not None:
        raise ConflictError(f"visit {fields['id']!r} exists")
    values = dict(fields) | {"agency_id": branch.agency_id, "branch_id": branch_id}
    row = models.Visit(**column_values(models.Visit, values))
    if save:
        session.add(row)
        session.flush()
    return row


def cancel_visits(session: Session, *, branch_id: str, visit_ids: Collection[str]) -> None:
    """Mark each of ``visit_ids`` (visit rows of ``branch_id``) cancelled."""
    branch = session.get(models.Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"no branch {branch_id!r}")
    for visit_id in visit_ids:
        row = session.get(models.Visit, (branch.agency_id, visit_id))
        if row is None:
            raise NotFoundError(f"no visit {visit_id!r} in branch {branch_id!r}")
        row.status = VisitStatus.CANCELLED
