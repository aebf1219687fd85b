"""Planning jobs, plans, their routes and the visits they left out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
)

from scheduler.api.schemas.fields import CareDate, Id, WriteModel


class PlanningJobCreate(WriteModel):
    """Plan a branch for some days."""

    branch_id: Id
    start_date: CareDate
    days: Annotated[int, Field(ge=1, le=28)] = 7
    time_limit_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0


class PlanningJobPublic(BaseModel):
    """A planning job: where it is, and the plan it wrote."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    branch_id: str
    start_date: date
    days: int
    time_limit: float
    status: str
    phase: str
    progress: float
    error: str | None
    plan_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RouteSummary(BaseModel):
    """A clinician's day in a plan."""

    model_config = ConfigDict(from_attributes=True)
    clinician_id: str
    day: date
    visits: int
    travel_seconds: int


class PlanPublic(BaseModel):
    """A plan version with its KPIs."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    branch_id: str
    version: int
    start_date: date
    days: int
    status: str
    solver_status: str
    kpis: dict[str, Any]
    created_at: AwareDatetime
    published_at: AwareDatetime | None


class PlanDetail(PlanPublic):
    """A plan version with its routes."""

    routes: list[RouteSummary]


class UnassignedPublic(BaseModel):
    """A visit a plan leaves out, and why."""

    model_config = ConfigDict(from_attributes=True)
    visit_id: str
    patient_id: str
    reason: str
    message: str
