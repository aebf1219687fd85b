"""The declarative base, the UTC instant column type and the stored enumerations."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC and read back aware (SQLite keeps no offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Check the offset and convert to UTC on the way in."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a UTC offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Role(StrEnum):
    """What a user may do (see ``api/access.py``)."""

    ADMIN = "admin"
    SCHEDULER = "scheduler"
    CLINICIAN = "clinician"
    AGENCY_SYSTEM = "agency_system"


class VisitStatus(StrEnum):
    """Life of a visit: waiting to be planned, in a published plan, then made or not."""

    PLANNED = "planned"
    PUBLISHED = "published"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class JobStatus(StrEnum):
    """Life of a planning job."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PlanStatus(StrEnum):
    """A plan version is a draft until published; a newer publication supersedes its days."""

    DRAFT = "draft"
    PUBLISHED = "published"


class BatchRunStatus(StrEnum):
    """Life of a nightly run: claimed and running, then succeeded or failed."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
