"""Reading and writing rows of any table: one way to fetch, list, upsert and delete."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, TypeDecorator, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from scheduler.store import models
from scheduler.store.models import Base

Row = TypeVar("Row", bound=Base)


def get_record(session: Session, model: type[Row], record_id: Any) -> Row | None:
    """The row of ``model`` with primary key ``record_id``, or ``None``."""
    return session.get(model, record_id)


def agency_of_branch(session: Session, branch_id: str) -> str | None:
    """The agency of branch ``branch_id`` (``None``: no such branch)."""
    branch = session.get(models.Branch, branch_id)
    return branch.agency_id if branch is not None else None


def clinician_ids_in_branch(
    session: Session, *, branch_id: str, clinician_ids: Collection[str]
) -> set[str]:
    """Which of ``clinician_ids`` name clinicians of branch ``branch_id``."""
    clinician = models.Clinician
    return set(
        session.scalars(
            select(clinician.id).where(
                clinician.id.in_(clinician_ids), clinician.branch_id == branch_id
            )
        )
    )


def scoped_records(
    session: Session, model: type[Row], record_id: str, *, agency_id: str | None
) -> list[Row]:
    """The rows of an agency-scoped ``model`` with id ``record_id``.

    Clinicians, patients, care plans and visits are keyed by (agency, id): with ``agency_id``
    at most that agency's row; without (a global admin), every agency's (at most two read,
    which is enough to tell one from several). Other tables' ids are global.
    """
    if "agency_id" not in model.__table__.primary_key.columns:  # server-made ids: global
        row = session.get(model, record_id)
        return [row] if row is not None else []
    if agency_id is not None:
        row = session.get(model, (agency_id, record_id))
        return [row] if row is not None else []
    return list(session.scalars(select(model).where(model.id == record_id).limit(2)))


def list_records(
    session: Session,
    model: type[Row],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Row], int]:
    """One page of rows matching ``where`` (in ``order_by`` then key order) and the total."""
    query = select(model).where(*where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    keys = [column for column in model.__table__.primary_key.columns]
    rows = session.scalars(query.order_by(*order_by, *keys).offset(offset).limit(limit)).all()
    return list(rows), total


def list_branch_records(
    session: Session,
    model: type[Row],
    *,
    branch_id: str | None,
    branch_ids: Collection[str] | None,
    order_by: Sequence[Any] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Row], int]:
    """One page of a branch-kept ``model``'s rows (as :func:`list_records`) and the total.

    Parameters
    ----------
    branch_id
        Only this branch's rows (``None``: any branch's).
    branch_ids
        Only rows of these branches (``None``: any branch's).
    """
    where = []
    if branch_id is not None:
        where.append(model.branch_id == branch_id)  # type: ignore[attr-defined]
    if branch_ids is not None:
        where.append(model.branch_id.in_(branch_ids))  # type: ignore[attr-defined]
    return list_records(session, model, where=where, order_by=order_by, offset=offset, limit=limit)


def column_values(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready ``values`` as the columns of ``model`` want them (ISO strings to dates)."""
    columns = model.__table__.columns
    typed = {}
    for key, value in values.items():
        python_type = _python_type(columns[key].type) if key in columns else None
        if isinstance(value, str) and python_type in (date, datetime):
            value = python_type.fromisoformat(value)
        typed[key] = value
    return typed


def _python_type(kind: TypeEngine[Any]) -> type | None:
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def upsert_records(session: Session, model: type[Row], values: Iterable[dict[str, Any]]) -> int:
    """Insert rows from JSON-ready values, or update those whose key exists; returns how many.

    A row of an agency-scoped table without ``agency_id`` takes its branch's agency.
    """
    count = 0
    scoped = "agency_id" in model.__table__.columns and "branch_id" in model.__table__.columns
    for row in values:
        if scoped and "agency_id" not in row:
            row = row | {"agency_id": agency_of_branch(session, row["branch_id"])}
        session.merge(model(**column_values(model, row)))
        count += 1
    session.flush()
    return count


def delete_record(session: Session, row: Base) -> None:
    """Delete ``row`` (dependants follow the foreign keys' rules).

    A care plan's visits stay, without a care plan (what a foreign key's SET NULL would do,
    but that would clear their agency too).
    """
    if isinstance(row, models.CarePlan):
        session.execute(
            update(models.Visit)
            .where(models.Visit.agency_id == row.agency_id, models.Visit.care_plan_id == row.id)
            .values(care_plan_id=None)
        )
    session.delete(row)
    session.flush()
