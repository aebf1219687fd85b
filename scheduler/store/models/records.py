"""An agency's records: branches, users, clinicians, patients, care plans, visits, links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models.base import Base, VisitStatus, utc_now


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
    resumed_at: Mapped[datetime | None] = mapped_column()
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
