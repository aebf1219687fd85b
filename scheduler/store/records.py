"""Reading and writing rows of any table: one way to fetch, list, upsert and delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from scheduler.store.models import Base

Row = TypeVar("Row", bound=Base)


def get_record(session: Session, model: type[Row], record_id: Any) -> Row | None:
    """The row of ``model`` with primary key ``record_id``, or ``None``."""
    return session.get(model, record_id)


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


def upsert_records(session: Session, model: type[Row], values: Iterable[dict[str, Any]]) -> int:
    """Insert rows, or update those whose primary key exists; returns how many were written."""
    count = 0
    for row in values:
        session.merge(model(**row))
        count += 1
    session.flush()
    return count


def delete_record(session: Session, row: Base) -> None:
    """Delete ``row`` (dependants follow the foreign keys' rules)."""
    session.delete(row)
    session.flush()
