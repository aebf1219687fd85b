"""What reschedule requests carry and answer: events, and the diff of the replan."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from scheduler.api.schemas.fields import CareDate, Id, Moment, WriteModel
from scheduler.api.schemas.visits import VisitCreate, VisitWindow
from scheduler.domain import ReasonCode


class ClinicianUnavailable(WriteModel):
    """A clinician calls out: for the whole day, or from a time on."""

    type: Literal["clinician_unavailable"]
    clinician_id: Id
    from_time: Moment | None = Field(None, alias="from")


class VisitCancelled(WriteModel):
    """A patient cancels a visit."""

    type: Literal["visit_cancelled"]
    visit_id: Id


class VisitAdded(WriteModel):
    """A new visit to fit in, e.g. an urgent start of care today."""

    type: Literal["visit_added"]
    visit: VisitCreate


class VisitRunningLate(WriteModel):
    """A visit under way ends later than planned."""

    type: Literal["visit_running_late"]
    visit_id: Id
    ends_at: Moment


class PatientUnavailable(WriteModel):
    """A patient is home only in these windows today."""

    type: Literal["patient_unavailable"]
    patient_id: Id
    windows: list[VisitWindow] = Field(min_length=1, max_length=10)


EventIn = Annotated[
    ClinicianUnavailable | VisitCancelled | VisitAdded | VisitRunningLate | PatientUnavailable,
    Field(discriminator="type"),
]


class RescheduleRequest(WriteModel):
    """Events on a published day; ``now`` (default: the current time) freezes what started."""

    day: CareDate
    events: list[EventIn] = Field(min_length=1, max_length=50)
    now: Moment | None = None
    dry_run: StrictBool = Field(False, description="A what-if: answer the diff, change nothing.")
    time_limit_seconds: Annotated[float, Field(gt=0, le=30)] = 3.0

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "day": "2026-12-07",
                    "now": "2026-12-07T10:00:00-05:00",
                    "events": [
                        {
                            "type": "clinician_unavailable",
                            "clinician_id": "c02",
                            "from": "2026-12-07T10:00:00-05:00",
                        }
                    ],
                }
            ]
        },
    )


class ChangePublic(BaseModel):
    """One visit's change: added, cancelled, reassigned, retimed or dropped."""

    visit_id: str
    patient_id: str
    kind: Literal["added", "cancelled", "reassigned", "retimed", "dropped"]
    clinician_before: str | None
    clinician_after: str | None
    start_before: AwareDatetime | None
    start_after: AwareDatetime | None
    reason: str | None = Field(description="Why a visit left out is left out (a sentence).")
    reason_code: ReasonCode | None = Field(
        None, description="The reason's code, for a visit left out."
    )


class DroppedVisitPublic(BaseModel):
    """A visit the published day had placed that the answer leaves out, and why."""

    visit_id: str
    patient_id: str
    clinician_before: str
    start_before: AwareDatetime
    reason_code: ReasonCode
    reason: str


class RescheduleAnswer(BaseModel):
    """The replan's diff, who must be told, and the day's KPIs before and after.

    The answer never places fewer visits than the fallback (the current routes less what can
    no longer be made, e.g. a called-out clinician's visits), comparing required visits
    first: when the solver's replan would, the fallback is the answer (``plan_source``),
    with the visits it leaves out inserted where they fit. Every visit the published day had
    placed that the answer leaves out is in ``dropped`` with its reason.
    """

    day: date
    dry_run: bool
    plan_id: str | None
    seconds: float
    visits_moved: int
    visits_reassigned: int
    plan_source: Literal["replan", "fallback"] = Field(
        description="The solver's replan, or the fallback when the replan placed fewer visits."
    )
    visits_kept: int = Field(description="Visits of the day the answer places (made included).")
    required_visits_kept: int = Field(description="Required visits among ``visits_kept``.")
    fallback_visits_kept: int = Field(
        description="Visits the fallback places, before inserting what it leaves out."
    )
    fallback_required_visits_kept: int = Field(
        description="Required visits among ``fallback_visits_kept``."
    )
    solver_visits_kept: int = Field(description="Visits the solver's replan places.")
    visits_dropped: int = Field(description="Visits the published day had placed, left out now.")
    dropped: list[DroppedVisitPublic]
    changes: list[ChangePublic]
    clinicians_to_tell: list[str]
    patients_to_tell: list[str]
    kpis_before: dict[str, Any]
    kpis_after: dict[str, Any]


class ScheduleDay(BaseModel):
    """The plan version published for a day."""

    day: date
    plan_id: str
    version: int


class SchedulePublic(BaseModel):
    """A branch's published schedule and its revision (also the ETag)."""

    branch_id: str
    revision: int
    days: list[ScheduleDay]
