"""Care plans: ``CarePlanCreate`` / ``CarePlanUpdate`` / ``CarePlanPublic``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from scheduler.api.schemas.fields import CareDate, Id, Minutes, Moment, Tag, WriteModel
from scheduler.domain import Credential, Discipline
from scheduler.domain.care_plan import ASSESSING_CREDENTIAL
from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError


def _readable_frequency(value: str) -> str:
    """Refuse a frequency order the planner cannot read, with the parser's message."""
    try:
        parse_frequency(value)
    except ProblemError as error:
        raise ValueError(str(error)) from None
    return value


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
    referral_at: Moment | None = Field(
        default=None, description="When the referral came, while the start of care is due."
    )
    resumed_at: Moment | None = Field(
        default=None,
        description="When the patient came home from an inpatient stay, while the resumption "
        "of care is due.",
    )
    episode_start: CareDate | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                # A referral or a return home starts care with an assessment, which only an RN
                # (SN) or a PT makes; a patient is admitted once at a time.
                {
                    "if": {"required": [moment], "properties": {moment: {"type": "string"}}},
                    "then": {"properties": {"discipline": {"enum": ["SN", "PT"]}}},
                }
                for moment in ("referral_at", "resumed_at")
            ]
            + [
                {
                    "not": {
                        "required": ["referral_at", "resumed_at"],
                        "properties": {
                            "referral_at": {"type": "string"},
                            "resumed_at": {"type": "string"},
                        },
                    }
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _admitted_by_an_assessor(self) -> CarePlanFields:
        if self.referral_at is not None and self.resumed_at is not None:
            raise ValueError(
                "a care plan has a referral or a return home due, not both: a patient is "
                "admitted once; resume care after the start of care is made"
            )
        due = self.referral_at is not None or self.resumed_at is not None
        if due and self.discipline not in ASSESSING_CREDENTIAL:
            raise ValueError(
                "a referral or a return home starts care with an assessment by an RN or a PT: "
                "give it to the patient's SN or PT care plan"
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
