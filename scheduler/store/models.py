"""The database tables as SQLAlchemy 2 typed ORM models.

Nested value objects (weekly hours, availability, windows, skills) are JSON columns: they are
read and written whole with their owner and never queried on their own. Instants are stored
in UTC; dates are the branch's local calendar dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class PlanStatus(StrEnum):
    """A plan version is a draft until published; a newer publication supersedes its days."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Agency(Base):
    """A home health agency."""

    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Branch(Base):
    """An office of an agency; plans are made per branch."""

    __tablename__ = "branches"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    batch_time: Mapped[str] = mapped_column(String(5), default="20:00", server_default="20:00")
    batch_days: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    schedule_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(Base):
    """A person or an agency system holding one API token (only its SHA-256 is kept).

    The token works while the user is not disabled, the token not revoked and not expired
    (``expires_at`` null: never). Rotating gives a new token and clears the revocation.
    """

    __tablename__ = "users"
    __table_args__ = (
        ForeignKeyConstraint(
            ["agency_id", "clinician_id"], ["clinicians.agency_id", "clinicians.id"]
        ),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    branch_id: Mapped[str | None] = mapped_column(ForeignKey("branches.id"))
    clinician_id: Mapped[str | None] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    disabled_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    @property
    def disabled(self) -> bool:
        """Whether an admin has disabled the user."""
        return self.disabled_at is not None


class Clinician(Base):
    """A clinician of a branch; ``weekly_hours`` holds one entry per working weekday.

    Clinicians, patients, care plans and visits are keyed by their agency and the id the
    agency chose: another agency may use the same ids, and never sees these rows.
    """

    __tablename__ = "clinicians"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(8))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    home_address: Mapped[str | None] = mapped_column(Text)
    end_latitude: Mapped[float | None] = mapped_column(Float)
    end_longitude: Mapped[float | None] = mapped_column(Float)
    end_address: Mapped[str | None] = mapped_column(Text)
    weekly_hours: Mapped[list[Any]] = mapped_column(default=list)
    max_visits_per_day: Mapped[int | None] = mapped_column(Integer)
    max_work_minutes_per_day: Mapped[int | None] = mapped_column(Integer)
    max_points_per_day: Mapped[int | None] = mapped_column(Integer)
    max_visits_per_week: Mapped[int | None] = mapped_column(Integer)
    max_work_minutes_per_week: Mapped[int | None] = mapped_column(Integer)


class Patient(Base):
    """A patient of a branch; ``availability`` holds weekday windows when they are home."""

    __tablename__ = "patients"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    availability: Mapped[list[Any]] = mapped_column(default=list)
    preferred_clinicians: Mapped[list[Any]] = mapped_column(default=list)
    excluded_clinicians: Mapped[list[Any]] = mapped_column(default=list)


class CarePlan(Base):
    """One discipline's frequency order for a patient."""

    __tablename__ = "care_plans"
    __table_args__ = (
        ForeignKeyConstraint(
            ["agency_id", "patient_id"], ["patients.agency_id", "patients.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["agency_id", "primary_clinician_id"], ["clinicians.agency_id", "clinicians.id"]
        ),
        Index("ix_care_plans_patient", "agency_id", "patient_id"),
    )
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    discipline: Mapped[str] = mapped_column(String(8))
    frequency: Mapped[str] = mapped_column(String(200))
    start_of_care: Mapped[date] = mapped_column(Date)
    visit_minutes: Mapped[int] = mapped_column(Integer)
    primary_clinician_id: Mapped[str | None] = mapped_column(String(64))
    credentials: Mapped[list[Any]] = mapped_column(default=list)
    required_skills: Mapped[list[Any]] = mapped_column(default=list)
    visits_made: Mapped[list[Any]] = mapped_column(default=list)
    referral_at: Mapped[datetime | None] = mapped_column()
    episode_start: Mapped[date | None] = mapped_column(Date)


class Visit(Base):
    """A concrete visit: given one by one, or a care plan's visit once a plan holds it.

    Deleting its care plan leaves the visit without one (the store clears ``care_plan_id``
    first: a foreign key's SET NULL would clear the agency too).
    """

    __tablename__ = "visits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["agency_id", "patient_id"], ["patients.agency_id", "patients.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["agency_id", "care_plan_id"], ["care_plans.agency_id", "care_plans.id"]
        ),
        *(
            ForeignKeyConstraint(["agency_id", column], ["clinicians.agency_id", "clinicians.id"])
            for column in ("pinned_clinician_id", "preferred_clinician_id", "clinician_id")
        ),
        Index("ix_visits_patient", "agency_id", "patient_id"),
        Index("ix_visits_clinician", "agency_id", "clinician_id"),
    )
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    care_plan_id: Mapped[str | None] = mapped_column(String(64))
    discipline: Mapped[str] = mapped_column(String(8))
    visit_type: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int] = mapped_column(Integer)
    windows: Mapped[list[Any]] = mapped_column()
    first_day: Mapped[date] = mapped_column(Date, index=True)
    credentials: Mapped[list[Any]] = mapped_column(default=list)
    required_skills: Mapped[list[Any]] = mapped_column(default=list)
    due_at: Mapped[datetime | None] = mapped_column()
    priority: Mapped[int] = mapped_column(Integer, default=3)
    optional: Mapped[bool] = mapped_column(default=False)
    pinned_clinician_id: Mapped[str | None] = mapped_column(String(64))
    pinned_start_at: Mapped[datetime | None] = mapped_column()
    preferred_clinician_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.PLANNED)
    clinician_id: Mapped[str | None] = mapped_column(String(64))
    start_at: Mapped[datetime | None] = mapped_column()


class VisitLink(Base):
    """Two visits of one patient made together or one after the other, by two clinicians.

    Keyed by the second visit; a visit is in one link at most (the service checks across the
    two columns). Deleting either visit deletes the link.
    """

    __tablename__ = "visit_links"
    __table_args__ = (
        *(
            ForeignKeyConstraint(
                ["agency_id", column], ["visits.agency_id", "visits.id"], ondelete="CASCADE"
            )
            for column in ("second_visit_id", "first_visit_id")
        ),
        UniqueConstraint("agency_id", "first_visit_id"),
    )
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    second_visit_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_visit_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    min_gap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    max_gap_seconds: Mapped[int] = mapped_column(Integer, default=0)


class PlanningJob(Base):
    """A request to plan a branch over some days, run outside the request that made it."""

    __tablename__ = "planning_jobs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    time_limit: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED)
    phase: Mapped[str] = mapped_column(String(40), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class Plan(Base):
    """One version of a branch's plan for some days, written whole with its routes."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("branch_id", "version"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=PlanStatus.DRAFT)
    solver_status: Mapped[str] = mapped_column(String(20))
    kpis: Mapped[dict[str, Any]] = mapped_column()
    problem: Mapped[dict[str, Any]] = mapped_column()
    solution: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column()


class PlanRoute(Base):
    """A clinician's day in a plan, with its itinerary ready to serve."""

    __tablename__ = "plan_routes"
    plan_id: Mapped[str] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    clinician_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)
    travel_seconds: Mapped[int] = mapped_column(Integer)
    itinerary: Mapped[dict[str, Any]] = mapped_column()


class PlanStop(Base):
    """A visit placed in a plan: who makes it, when."""

    __tablename__ = "plan_stops"
    __table_args__ = (Index("ix_plan_stops_clinician_day", "clinician_id", "day"),)
    plan_id: Mapped[str] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    visit_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    clinician_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()


class PlanUnassigned(Base):
    """A visit a plan leaves out, with the reason."""

    __tablename__ = "plan_unassigned"
    plan_id: Mapped[str] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    visit_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)


class PublishedDay(Base):
    """Which plan version is published for a branch and day: one per branch and day."""

    __tablename__ = "published_days"
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))


class BatchRunStatus(StrEnum):
    """Life of a nightly run: claimed and running, then succeeded or failed."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BatchRun(Base):
    """The nightly run of a branch for a day: one row per branch and day, claimed with a lease.

    A run whose lease ran out (its process died) may be claimed again; a succeeded one never.
    """

    __tablename__ = "batch_runs"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    owner: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    lease_until: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column()
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"))
    kpis: Mapped[dict[str, Any] | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class IdempotentRequest(Base):
    """A POST made with an ``Idempotency-Key``: its payload's hash and the stored answer."""

    __tablename__ = "idempotent_requests"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Webhook(Base):
    """Where an agency system wants plan events, and the secret their signature uses.

    The secret is kept sealed (``store/secret_box.py``): the column never holds it.
    """

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    sealed_secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebhookDelivery(Base):
    """One event to one webhook, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who read or wrote which resource, and what they got (refusals included)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    user_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(8))
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[int] = mapped_column(Integer)
