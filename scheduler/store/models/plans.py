"""Planning: jobs, plan versions with their routes and stops, published days, nightly runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.store.models.base import Base, JobStatus, PlanStatus, utc_now


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
