"""Branches: which an agency has, listing them, and when each one's nightly run fires."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import models


class BranchBatchTime(NamedTuple):
    """When a branch's nightly run fires: its ``batch_time`` (HH:MM) in its time zone."""

    branch_id: str
    batch_time: str
    timezone: str


def branch_ids_of_agency(session: Session, *, agency_id: str | None) -> list[str]:
    """Ids of the branches of agency ``agency_id`` (none for ``None``)."""
    return list(
        session.scalars(select(models.Branch.id).where(models.Branch.agency_id == agency_id))
    )


def find_branches(session: Session, *, branch_ids: Collection[str] | None) -> list[models.Branch]:
    """The branches with ids in ``branch_ids`` (``None``: all), by id."""
    query = select(models.Branch).order_by(models.Branch.id)
    if branch_ids is not None:
        query = query.where(models.Branch.id.in_(branch_ids))
    return list(session.scalars(query))


def branch_batch_times(session: Session) -> list[BranchBatchTime]:
    """Every branch's batch time and time zone (in no particular order)."""
    branch = models.Branch
    rows = session.execute(select(branch.id, branch.batch_time, branch.timezone)).all()
    return [BranchBatchTime(*row) for row in rows]
