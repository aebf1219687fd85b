"""Clinicians, patients and care plans: ``XCreate`` / ``XUpdate`` / ``XPublic``."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from scheduler.api.schemas.fields import (
    Address,
    CareDate,
    Id,
    Latitude,
    LocalTime,
    Longitude,
    Minutes,
    Moment,
    Name,
    Tag,
    Weekday,
    WriteModel,
)
from scheduler.domain import Credential, Discipline
from scheduler.domain.care_plan import ASSESSING_CREDENTIAL
from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError


class WeeklyHours(WriteModel):
    """A clinician's hours on one weekday, with an optional lunch break."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime
    lunch_start: LocalTime | None = None
    lunch_end: LocalTime | None = None
    lunch_minutes: Annotated[int, Field(ge=1, le=180)] | None = None
    max_overtime_minutes: Annotated[int, Field(ge=0, le=600)] = 0

    @model_validator(mode="after")
    def _check(self) -> WeeklyHours:
        if self.start >= self.end:
            raise ValueError("hours must end after they start")
        lunch = (self.lunch_start, self.lunch_end, self.lunch_minutes)
        if any(part is not None for part in lunch) and None in lunch:
            raise ValueError("a lunch break needs lunch_start, lunch_end and lunch_minutes")
        if (
            self.lunch_start is not None
            and self.lunch_end is not None
            and not self.start <= self.lunch_start <= self.lunch_end <= self.end
        ):
            raise ValueError("the lunch window must lie inside the hours")
        return self


class HomeWindow(WriteModel):
    """The patient is home from ``start`` to ``end`` on ``weekday``."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _check(self) -> HomeWindow:
        if self.start >= self.end:
            raise ValueError("a home window must end after it starts")
        return self


def _readable_frequency(value: str) -> str:
    """Refuse a frequency order the planner cannot read, with the parser's message."""
    try:
        parse_frequency(value)
    except ProblemError as error:
        raise ValueError(str(error)) from None
    return value


class ClinicianFields(WriteModel):
    """Fields a clinician may change."""

    name: Name
    credential: Credential
    skills: list[Tag] = Field(default_factory=list, max_length=50)
    home_latitude: Latitude
    home_longitude: Longitude
    home_address: Address | None = None
    end_latitude: Latitude | None = None
    end_longitude: Longitude | None = None
    end_address: Address | None = None
    weekly_hours: list[WeeklyHours] = Field(default_factory=list, max_length=7)
    max_visits_per_day: Annotated[int, Field(ge=1, le=50)] | None = None
    max_work_minutes_per_day: Minutes | None = None
    max_points_per_day: Annotated[int, Field(ge=1, le=500)] | None = None
    max_visits_per_week: Annotated[int, Field(ge=1, le=300)] | None = None
    max_work_minutes_per_week: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = None

    @model_validator(mode="after")
    def _check(self) -> ClinicianFields:
        weekdays = [hours.weekday for hours in self.weekly_hours]
        if len(weekdays) != len(set(weekdays)):
            raise ValueError("weekly_hours has two entries for the same weekday")
        if (self.end_latitude is None) != (self.end_longitude is None):
            raise ValueError("give both end_latitude and end_longitude, or neither")
        return self


class ClinicianCreate(ClinicianFields):
    """A new clinician."""

    id: Id
    branch_id: Id


class ClinicianUpdate(ClinicianFields):
    """A clinician's new fields (the whole record; ids do not change)."""


class ClinicianPublic(ClinicianCreate):
    """A clinician as stored."""

    model_config = ConfigDict(from_attributes=True)


class PatientFields(WriteModel):
    """Fields a patient record may change."""

    name: Name
    latitude: Latitude
    longitude: Longitude
    address: Address | None = None
    availability: list[HomeWindow] = Field(default_factory=list, max_length=50)
    preferred_clinicians: list[Id] = Field(default_factory=list, max_length=20)
    excluded_clinicians: list[Id] = Field(default_factory=list, max_length=100)


class PatientCreate(PatientFields):
    """A new patient."""

    id: Id
    branch_id: Id


class PatientUpdate(PatientFields):
    """A patient's new fields."""


class PatientPublic(PatientCreate):
    """A patient as stored."""

    model_config = ConfigDict(from_attributes=True)


class CarePlanFields(WriteModel):
    """Fields a care plan may change."""

    discipline: Discipline
    frequency: Annotated[
        str, StringConstraints(min_length=1, max_length=200), AfterValidator(_readable_frequency)
    ] = Field(
        examples=["3W2, 2W3"],
        description="A frequency order: segments like 3W2, 2-3W4, QD x7, BIW x4, 1M2, + 2 PRN.",
    )
    start_of_care: CareDate
    visit_minutes: Minutes
    primary_clinician_id: Id | None = None
    credentials: list[Credential] = Field(default_factory=list, max_length=7)
    required_skills: list[Tag] = Field(default_factory=list, max_length=20)
    visits_made: list[CareDate] = Field(default_factory=list, max_length=500)
    referral_at: Moment | None = None
    episode_start: CareDate | None = None

    model_config = ConfigDict(
        json_schema_extra={
            # A referral starts care with an assessment, which only an RN (SN) or a PT makes.
            "if": {"properties": {"referral_at": {"type": "string"}}, "required": ["referral_at"]},
            "then": {"properties": {"discipline": {"enum": ["SN", "PT"]}}},
        }
    )

    @model_validator(mode="after")
    def _referral_to_an_assessor(self) -> CarePlanFields:
        if self.referral_at is not None and self.discipline not in ASSESSING_CREDENTIAL:
            raise ValueError(
                "a referral starts care with an assessment by an RN or a PT: give it to the "
                "patient's SN or PT care plan"
            )
        return self


class CarePlanCreate(CarePlanFields):
    """A new care plan for a patient."""

    id: Id
    patient_id: Id


class CarePlanUpdate(CarePlanFields):
    """A care plan's new fields."""


class CarePlanPublic(CarePlanCreate):
    """A care plan as stored."""

    model_config = ConfigDict(from_attributes=True)
    branch_id: Id
