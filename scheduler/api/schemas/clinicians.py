"""Clinicians: ``ClinicianCreate`` / ``ClinicianUpdate`` / ``ClinicianPublic``."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from scheduler.api.schemas.fields import (
    Address,
    Id,
    Latitude,
    LocalTime,
    Longitude,
    Minutes,
    Name,
    Tag,
    Weekday,
    WriteModel,
)
from scheduler.domain import Credential


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
