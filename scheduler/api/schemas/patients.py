"""Patients: ``PatientCreate`` / ``PatientUpdate`` / ``PatientPublic``."""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator

from scheduler.api.schemas.fields import (
    Address,
    Id,
    Latitude,
    LocalTime,
    Longitude,
    Name,
    Weekday,
    WriteModel,
)


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
